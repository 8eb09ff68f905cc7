/** The environment this example reads once, at start-up (see README.md). */
function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`Set ${name} (see README.md).`);
    process.exit(1);
  }
  return value;
}

export const settings = {
  /** The Django site's database. */
  databaseUrl: requireEnv("DATABASE_URL"),
  /** The Django site's SECRET_KEY. */
  secretKey: requireEnv("DJANGO_SECRET_KEY"),
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? "127.0.0.1",
};
