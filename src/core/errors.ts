/**
 * Every error of the library, in one file. Each extends `DjangoSessionError`, keeps Django's
 * class name where Django has one so a Django developer recognises it, and carries a stable
 * `code` (like jose's) so callers can branch without `instanceof`, which fails across two copies
 * of the package. (Wrong argument types are `TypeError`s, and a missing key is a `RangeError`
 * named after Python's `KeyError`, as in Node's own APIs: programming errors, not conditions to
 * handle.)
 */
const CODES = [
  "ERR_BAD_SIGNATURE",
  "ERR_SIGNATURE_EXPIRED",
  "ERR_INVALID_ALGORITHM",
  "ERR_IMPROPERLY_CONFIGURED",
  "ERR_SESSION_CREATE",
  "ERR_SESSION_UPDATE",
  "ERR_SESSION_INTERRUPTED",
  "ERR_SESSION_NOT_LOADED",
  "ERR_SESSION_STORAGE",
  "ERR_SESSION_CONFLICT",
  "ERR_SESSION_CREATE_EXHAUSTED",
  "ERR_COOKIE_TOO_LARGE",
  "ERR_PICKLE",
  "ERR_PYTHON_JSON",
  "ERR_REDIS_TIMEOUT",
  "ERR_PASSWORD_HASHER_LIBRARY_MISSING",
  "ERR_SCRYPT_MEMORY_LIMIT",
] as const;

export type DjangoSessionErrorCode = (typeof CODES)[number];
const KNOWN_CODES: ReadonlySet<string> = new Set(CODES);

export class DjangoSessionError extends Error {
  readonly code: DjangoSessionErrorCode;
  constructor(code: DjangoSessionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * Whether `value` is an error of this library (of any copy of it), optionally with one `code`:
 * `if (isDjangoSessionError(error, "ERR_SESSION_UPDATE")) ...`.
 */
export function isDjangoSessionError<C extends DjangoSessionErrorCode>(value: unknown, code?: C): value is DjangoSessionError & { code: C } {
  if (!(value instanceof Error)) return false;
  const actual = (value as { code?: unknown }).code;
  if (typeof actual !== "string" || !actual.startsWith("ERR_")) return false;
  if (value instanceof DjangoSessionError) return code === undefined || actual === code;
  // Another copy of the package: same class name chain, same code space.
  return KNOWN_CODES.has(actual) && (code === undefined || actual === code);
}

/** `django.core.signing.BadSignature`: the signature does not match, or the value is malformed. */
export class BadSignature extends DjangoSessionError {
  constructor(message: string, code: "ERR_BAD_SIGNATURE" | "ERR_SIGNATURE_EXPIRED" = "ERR_BAD_SIGNATURE") {
    super(code, message);
  }
}

/** `django.core.signing.SignatureExpired`: a timestamped signature is older than `maxAge`. */
export class SignatureExpired extends BadSignature {
  constructor(message: string) {
    super(message, "ERR_SIGNATURE_EXPIRED");
  }
}

/** `django.utils.crypto.InvalidAlgorithm`: the hash name is not one hashlib (or node:crypto) accepts. */
export class InvalidAlgorithm extends DjangoSessionError {
  constructor(algorithm: string) {
    super("ERR_INVALID_ALGORITHM", `'${algorithm}' is not an algorithm accepted by the hashlib module.`);
  }
}

/** `django.core.exceptions.ImproperlyConfigured`: a configuration mistake, raised at construction. */
export class ImproperlyConfigured extends DjangoSessionError {
  constructor(message: string) {
    super("ERR_IMPROPERLY_CONFIGURED", message);
  }
}

/** `django.contrib.sessions.backends.base.CreateError`: `save({ mustCreate: true })` met an existing key. */
export class CreateError extends DjangoSessionError {
  constructor(message = "Session key already exists.", options?: { cause?: unknown }) {
    super("ERR_SESSION_CREATE", message, options);
  }
}

/** `django.contrib.sessions.backends.base.UpdateError`: the row vanished before `save()` (e.g. logout elsewhere). */
export class UpdateError extends DjangoSessionError {
  constructor(message = "The session no longer exists.", options?: { cause?: unknown }) {
    super("ERR_SESSION_UPDATE", message, options);
  }
}

/** Django's exact message for `SessionInterrupted` (a `BadRequest`, so HTTP 400). */
export const SESSION_INTERRUPTED_MESSAGE =
  "The request's session was deleted before the request completed. The user may have logged out in a concurrent request, for example.";

/** `django.contrib.sessions.exceptions.SessionInterrupted`: the middleware's 400 for an `UpdateError`. */
export class SessionInterrupted extends DjangoSessionError {
  readonly status = 400;
  constructor(options?: { cause?: unknown }) {
    super("ERR_SESSION_INTERRUPTED", SESSION_INTERRUPTED_MESSAGE, options);
  }
}

/** A synchronous getter (`getExpiryAge`, ...) of a session that has a key but was not loaded yet. */
export class SessionNotLoaded extends DjangoSessionError {
  constructor(getter: string) {
    super("ERR_SESSION_NOT_LOADED", `session.${getter}() needs the session's data: await session.load() (or any data access) first.`);
  }
}

/**
 * A storage failure while loading or saving a session: the database (or, for the `cache` engine,
 * the cache) is down or failed, or did not answer within `storageTimeout`. `status` is 503
 * (retrying later may work), or 500 for a stored session too large to read; Express, Fastify and
 * Koa answer with it when it reaches their default error handler.
 *
 * `cause` is a copy of the driver's error with its name, message, stack and codes only: ORMs
 * attach the statement's parameters to their errors (TypeORM's `parameters`, pg's `detail`),
 * and those hold the session key and data, which must never reach a log. The session key is
 * also blanked out of the messages (MySQL's "Duplicate entry '<key>'" names it).
 */
export class SessionStorageError extends DjangoSessionError {
  readonly status: number;
  constructor(action: string, cause: unknown, options: { status?: number; sessionKey?: string | null } = {}) {
    const safe = safeCause(cause, options.sessionKey);
    super("ERR_SESSION_STORAGE", `Could not ${action} the session: ${safe.message}`, { cause: safe });
    this.status = options.status ?? 503;
  }
}

// Codes worth keeping from a driver error (pg, mysql2, mariadb, Prisma); nothing that can hold values.
const SAFE_ERROR_FIELDS = ["code", "errno", "sqlState", "severity"] as const;

function safeCause(cause: unknown, sessionKey?: string | null): Error {
  const redact = (text: string) => (sessionKey ? text.split(sessionKey).join("[session key]") : text);
  if (!(cause instanceof Error)) return new Error(typeof cause === "string" ? redact(cause) : "unknown error");
  const copy = new Error(redact(cause.message));
  copy.name = cause.name;
  copy.stack = cause.stack === undefined ? undefined : redact(cause.stack);
  // TypeORM wraps the driver's error; its codes are the useful ones.
  const sources = [cause, (cause as { driverError?: unknown }).driverError];
  for (const source of sources) {
    if (typeof source !== "object" || source === null) continue;
    for (const field of SAFE_ERROR_FIELDS) {
      const value = (source as Record<string, unknown>)[field];
      if ((typeof value === "string" || typeof value === "number") && !(field in copy)) Object.defineProperty(copy, field, { value, enumerable: true });
    }
  }
  return copy;
}

/** A merging save lost the compare-and-swap race `maxMergeAttempts` times in a row. */
export class SessionConflictError extends DjangoSessionError {
  constructor(attempts: number) {
    super("ERR_SESSION_CONFLICT", `The session changed concurrently ${attempts} times in a row while saving; giving up.`);
  }
}

/**
 * `create()` found no free key: every engine gives up with this error after its
 * `maxCreateAttempts` (Django's cache engine raises `RuntimeError` after 10000; its db engine
 * loops forever, where a clear error beats a hung request).
 */
export class SessionCreateExhausted extends DjangoSessionError {
  /** A 503, like a storage failure: the store (or the key generator) is broken, not the request. */
  readonly status = 503;
  readonly attempts: number;
  constructor(attempts: number, message = `Unable to create a new session key: ${attempts} generated session keys all existed already.`) {
    super("ERR_SESSION_CREATE_EXHAUSTED", message);
    this.attempts = attempts;
  }
}

/**
 * Browsers drop a cookie whose name and value exceed 4096 bytes, silently: the user is then
 * logged out for no visible reason. Django does not check; we refuse to write such a cookie.
 */
export const MAX_COOKIE_BYTES = 4093;

/** The session no longer fits in a cookie (Django would send it and the browser would drop it). */
export class SessionCookieTooLarge extends DjangoSessionError {
  constructor(bytes: number) {
    super(
      "ERR_COOKIE_TOO_LARGE",
      `The signed session cookie would be ${bytes} bytes, over the ${MAX_COOKIE_BYTES} bytes browsers keep; store less in the session or use a database-backed store.`,
    );
  }
}

/** Why a pickle was refused. */
export type PickleErrorReason =
  /** An opcode outside the safe subset (GLOBAL of a non-whitelisted name, REDUCE on it, BUILD, ...). */
  | "refused"
  /** The input ends inside an opcode or before STOP, or a length prefix exceeds the bytes left. */
  | "truncated"
  /** Structurally invalid: bad stack or mark use, invalid UTF-8, a non-str dict key, ... */
  | "malformed"
  /** Over `maxSize`, `maxDepth`, `maxMemo` or `maxItems`. */
  | "too-large"
  /** `pickleDumps` was given a value it cannot write (a function, a Map, a cycle, ...). */
  | "unsupported";

/** A pickle the safe subset does not read (or a value it does not write). Nothing was executed. */
export class PickleError extends DjangoSessionError {
  constructor(
    readonly reason: PickleErrorReason,
    message: string,
  ) {
    super("ERR_PICKLE", message);
  }
}

/** Thrown by `pyJsonLoads` with Python-like wording; callers turn it into a typed reason. */
export class PythonJsonError extends DjangoSessionError {
  constructor(message: string) {
    super("ERR_PYTHON_JSON", message);
  }
}

/** A Redis command that did not answer within `commandTimeout`. */
export class RedisCommandTimeout extends DjangoSessionError {
  constructor(command: string, ms: number) {
    super("ERR_REDIS_TIMEOUT", `Redis ${command} did not answer within ${ms} ms`);
  }
}

/**
 * A password hasher needs an npm package that is not installed (Django raises `ValueError:
 * Couldn't load 'Argon2PasswordHasher' algorithm library` in the same situation). The message
 * names the package to install.
 */
export class PasswordHasherLibraryMissing extends DjangoSessionError {
  /** The npm package(s) any one of which would do, e.g. `["bcrypt", "bcryptjs"]`. */
  readonly packages: readonly string[];
  constructor(algorithm: string, packages: readonly string[], options?: { cause?: unknown }) {
    const names = packages.map((name) => `"${name}"`).join(" or ");
    super(
      "ERR_PASSWORD_HASHER_LIBRARY_MISSING",
      `The "${algorithm}" password hasher needs the npm package ${names}, which is not installed: run \`npm install ${packages[0]}\`.`,
      options,
    );
    this.packages = packages;
  }
}

/** A scrypt hash needs more memory than `maxmem` allows (Django raises `ValueError: memory limit exceeded`). */
export class ScryptMemoryLimitExceeded extends DjangoSessionError {
  constructor(needed: number, maxmem: number) {
    super(
      "ERR_SCRYPT_MEMORY_LIMIT",
      `This scrypt hash needs ${needed} bytes of memory, more than maxmem (${maxmem}); pass a larger maxmem (Django: ScryptPasswordHasher.maxmem).`,
    );
  }
}
