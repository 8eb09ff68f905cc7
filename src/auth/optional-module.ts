import { PasswordHasherLibraryMissing } from "./errors";

/**
 * How optional packages are loaded: a plain CommonJS `require` (the ESM build wraps the CommonJS
 * one, so this works from both). Tests swap `load` to simulate a missing package.
 * @internal
 */
export const moduleLoader = {
  load(name: string): unknown {
    // A computed name keeps bundlers from trying to resolve optional packages at build time.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading is synchronous and CommonJS on purpose (above)
    return require(/* webpackIgnore: true */ name);
  },
};

const cache = new Map<string, unknown>();
// Packages found missing: not looked up again on every password check.
const missing = new Set<string>();

function isNotFound(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  // Only "this package is missing", not "this package failed to load" (e.g. a broken native
  // build), which is re-thrown as it is.
  return code === "MODULE_NOT_FOUND" && typeof message === "string" && message.includes(`'${name}'`);
}

/**
 * The first of `packages` that is installed, loaded once on first use (never at import time, so
 * the library has no hard dependency on native hashing packages). Throws
 * `PasswordHasherLibraryMissing`, naming the package to install, when none is.
 * @internal
 */
export function loadOptionalModule<T>(algorithm: string, packages: readonly string[]): T {
  for (const name of packages) {
    if (cache.has(name)) return cache.get(name) as T;
    if (missing.has(name)) continue;
    try {
      const loaded = moduleLoader.load(name);
      cache.set(name, loaded);
      return loaded as T;
    } catch (error) {
      if (!isNotFound(error, name)) throw error;
      missing.add(name);
    }
  }
  throw new PasswordHasherLibraryMissing(algorithm, packages);
}

/** Forgets loaded modules (tests). @internal */
export function clearOptionalModuleCache(): void {
  cache.clear();
  missing.clear();
}
