// The auth errors live with every other error of the library (core/errors.ts).
export { PasswordHasherLibraryMissing, ScryptMemoryLimitExceeded } from "../core/errors";
