// Benchmark-only dependencies that ship no types (the comparisons, not the library).
declare module "autocannon";
declare module "express-session";
declare module "connect-pg-simple";
declare module "cookie-signature";
