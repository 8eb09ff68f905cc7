import { isWellFormed } from "../core/crypto";
import { ImproperlyConfigured } from "../core/errors";
import { HASHERS, PASSWORD_ALGORITHMS, getRandomString, type Hasher, type HasherSettings, type PasswordAlgorithm } from "./password-hashers";
import { DJANGO_VERSION_LIST, type DjangoVersion } from "./session-auth-hash";

/** Django's `UNUSABLE_PASSWORD_PREFIX`: a password column starting with it never matches. */
export const UNUSABLE_PASSWORD_PREFIX = "!";
/** Django's `UNUSABLE_PASSWORD_SUFFIX_LENGTH`: random characters after the prefix. */
export const UNUSABLE_PASSWORD_SUFFIX_LENGTH = 40;

/** `PBKDF2PasswordHasher.iterations` of each Django version. */
export const DEFAULT_PBKDF2_ITERATIONS: Readonly<Record<DjangoVersion, number>> = Object.freeze({
  "3.2": 260_000,
  "4.2": 600_000,
  "5.2": 1_000_000,
  "6.0": 1_200_000,
  "6.1": 1_500_000,
  "6.2": 1_800_000,
});

const HASHERS_SINCE_4_0: readonly PasswordAlgorithm[] = Object.freeze(["pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256", "scrypt"]);

/** Django's default `PASSWORD_HASHERS`, as algorithm names (the first one is preferred). */
export const DEFAULT_PASSWORD_HASHERS: Readonly<Record<DjangoVersion, readonly PasswordAlgorithm[]>> = Object.freeze({
  "3.2": Object.freeze(["pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256"] as PasswordAlgorithm[]),
  "4.2": HASHERS_SINCE_4_0,
  "5.2": HASHERS_SINCE_4_0,
  "6.0": HASHERS_SINCE_4_0,
  "6.1": HASHERS_SINCE_4_0,
  "6.2": HASHERS_SINCE_4_0,
});

/**
 * Django's password settings. The work factors configure the hasher in play: the preferred one
 * (first of `passwordHashers`) for `checkPassword`'s re-hash decision and timing, the chosen one
 * for `makePassword`. Stored hashes are always checked with the parameters written in them.
 */
export interface PasswordHasherOptions {
  /** The Django version the site runs: whose defaults apply (`PASSWORD_HASHERS`, PBKDF2 iterations). @default "5.2" */
  siteDjangoVersion?: DjangoVersion;
  /**
   * `PASSWORD_HASHERS` as algorithm names, preferred first. Hashes of other algorithms never
   * verify, as in Django. Add `"bcrypt"` or `"md5"` here if your Django site lists
   * `BCryptPasswordHasher` or `MD5PasswordHasher`.
   * @default Django's list: ["pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256", "scrypt"] ("scrypt" from 4.0)
   */
  passwordHashers?: readonly PasswordAlgorithm[];
  /** `PBKDF2PasswordHasher.iterations`. @default 260000 (3.2), 600000 (4.2), 1000000 (5.2), 1200000 (6.0), 1500000 (6.1), 1800000 (6.2) */
  iterations?: number;
  /** `BCryptSHA256PasswordHasher.rounds` (log2 of the work). @default 12 */
  rounds?: number;
  /** `ScryptPasswordHasher.work_factor` (N, a power of 2). @default 16384 */
  workFactor?: number;
  /** `ScryptPasswordHasher.block_size` (r). @default 8 */
  blockSize?: number;
  /** `ScryptPasswordHasher.parallelism` (p) or `Argon2PasswordHasher.parallelism`. @default 5 for scrypt, 8 for argon2 */
  parallelism?: number;
  /**
   * `ScryptPasswordHasher.maxmem` in bytes. `0` allows whatever a stored hash needs, up to 1 GiB
   * (Django's 0 means OpenSSL's 32 MiB, which Django's own defaults fit in).
   * @default 0
   */
  maxmem?: number;
  /** `Argon2PasswordHasher.time_cost`. @default 2 */
  timeCost?: number;
  /** `Argon2PasswordHasher.memory_cost` in KiB. @default 102400 */
  memoryCost?: number;
  /**
   * The argon2 hash length in bytes: argon2-cffi's `DEFAULT_HASH_LENGTH`, which Django uses. It
   * is 32 from argon2-cffi 21.2 on, 16 before (e.g. Debian 12's 21.1).
   * @default 32
   */
  hashLength?: number;
}

/** Options of `makePassword`. */
export interface MakePasswordOptions extends PasswordHasherOptions {
  /** The hasher (`make_password(password, hasher=...)`); it must be in `passwordHashers`. @default the first of passwordHashers */
  algorithm?: PasswordAlgorithm | "default";
  /** A fixed salt (tests, known-answer vectors); bcrypt takes a `genSalt()` string. @default a fresh random one */
  salt?: string;
}

/** What `verifyPassword` found. */
export interface VerifyPasswordResult {
  /** The password matches the stored hash. */
  valid: boolean;
  /**
   * Django would re-hash the password on this login: it uses another hasher than the preferred
   * one, or other work factors, or a short salt. When `valid` and `mustUpdate`, store
   * `await makePassword(password, options)` as the new password, as Django's `check_password`
   * setter does.
   */
  mustUpdate: boolean;
  /**
   * Ours: the stored hash is of the preferred hasher with more work than configured — a newer
   * Django wrote it (6.1's 1,500,000 PBKDF2 iterations beside a Node side on 5.2's 1,000,000).
   * Django's `mustUpdate` is true then, but re-hashing would lower the work, and would change the
   * password column (so `_auth_user_hash`, logging the user out everywhere) at every login that
   * alternates between the two sides. `authenticate` never re-hashes such a password.
   */
  workAbove: boolean;
}

/** `passwordHashers` once checked: at least one, the first being the preferred hasher. */
type NonEmptyHashers = readonly [PasswordAlgorithm, ...PasswordAlgorithm[]];

function isNonEmpty(hashers: readonly PasswordAlgorithm[]): hashers is NonEmptyHashers {
  return hashers.length > 0;
}

interface ResolvedPasswordSettings {
  hashers: NonEmptyHashers;
  settings: HasherSettings;
}

function positiveInt(name: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new ImproperlyConfigured(`${name} must be a whole number of at least ${min} (got ${typeof value === "number" ? value : typeof value}).`);
  }
  return value;
}

function resolvePasswordSettings(options: PasswordHasherOptions, algorithmInPlay?: PasswordAlgorithm): ResolvedPasswordSettings {
  if (options === null || typeof options !== "object") throw new ImproperlyConfigured("Password options must be an object.");
  const version = options.siteDjangoVersion ?? "5.2";
  if (!Object.prototype.hasOwnProperty.call(DEFAULT_PBKDF2_ITERATIONS, version)) {
    throw new ImproperlyConfigured(`siteDjangoVersion must be one of ${DJANGO_VERSION_LIST} (got ${JSON.stringify(version)}).`);
  }
  const hashers = options.passwordHashers ?? DEFAULT_PASSWORD_HASHERS[version];
  // A runtime check for untyped callers, on an unknown alias (narrowing `hashers` makes it any[]).
  const given: unknown = hashers;
  if (!Array.isArray(given) || !isNonEmpty(hashers)) {
    throw new ImproperlyConfigured(`passwordHashers must be a non-empty array of algorithm names (PASSWORD_HASHERS), e.g. ${JSON.stringify(DEFAULT_PASSWORD_HASHERS[version])}.`);
  }
  for (const name of hashers) {
    if (!PASSWORD_ALGORITHMS.includes(name)) {
      throw new ImproperlyConfigured(`passwordHashers: ${JSON.stringify(name)} is not a hasher this package implements (${PASSWORD_ALGORITHMS.join(", ")}).`);
    }
  }
  const inPlay = algorithmInPlay ?? hashers[0];
  const maxmem = options.maxmem ?? 0;
  if (typeof maxmem !== "number" || !Number.isSafeInteger(maxmem) || maxmem < 0) {
    throw new ImproperlyConfigured(`maxmem must be a number of bytes, or 0 for as much as the hash needs (got ${String(options.maxmem)}).`);
  }
  const workFactor = positiveInt("workFactor", options.workFactor, 2 ** 14, 2);
  if ((workFactor & (workFactor - 1)) !== 0) throw new ImproperlyConfigured(`workFactor (scrypt's N) must be a power of 2 (got ${workFactor}).`);
  const rounds = positiveInt("rounds", options.rounds, 12, 4);
  if (rounds > 31) throw new ImproperlyConfigured(`rounds must be between 4 and 31 (got ${rounds}).`);
  return {
    hashers,
    settings: {
      iterations: positiveInt("iterations", options.iterations, DEFAULT_PBKDF2_ITERATIONS[version]),
      rounds,
      workFactor,
      blockSize: positiveInt("blockSize", options.blockSize, 8),
      scryptParallelism: positiveInt("parallelism", inPlay === "scrypt" ? options.parallelism : undefined, 5),
      maxmem,
      timeCost: positiveInt("timeCost", options.timeCost, 2),
      memoryCost: positiveInt("memoryCost", options.memoryCost, 102_400, 8),
      argon2Parallelism: positiveInt("parallelism", inPlay === "argon2" ? options.parallelism : undefined, 8),
      hashLength: positiveInt("hashLength", options.hashLength, 32, 4),
    },
  };
}

/** `is_password_usable(encoded)`: false only for Django's unusable passwords (`!…`). */
export function isPasswordUsable(encoded: string | null | undefined): boolean {
  return encoded === null || encoded === undefined || !encoded.startsWith(UNUSABLE_PASSWORD_PREFIX);
}

/**
 * The algorithm name of a stored password, as Django's `identify_hasher` reads it (the part before
 * the first `$`; `unsalted_md5` / `unsalted_sha1` for the ancient forms). It may name a hasher this
 * package does not implement.
 */
export function identifyHasher(encoded: string): string {
  if ((encoded.length === 32 && !encoded.includes("$")) || (encoded.length === 37 && encoded.startsWith("md5$$"))) return "unsalted_md5";
  if (encoded.length === 46 && encoded.startsWith("sha1$$")) return "unsalted_sha1";
  const end = encoded.indexOf("$");
  return end < 0 ? encoded : encoded.slice(0, end);
}

function hasherFor(encoded: string, hashers: readonly PasswordAlgorithm[]): Hasher | null {
  const name = identifyHasher(encoded);
  return (hashers as readonly string[]).includes(name) ? HASHERS[name as PasswordAlgorithm] : null;
}

async function encodeWith(hasher: Hasher, password: string, salt: string | undefined, settings: HasherSettings): Promise<string> {
  return hasher.encode(password, salt || (await hasher.salt(settings)), settings);
}

/**
 * Django 5's `verify_password(password, encoded)`: whether `password` matches the stored
 * `encoded` password, and whether Django would re-hash it on this login.
 *
 * As Django does: an unusable password (`!…`), a `null` password or a hasher not in
 * `passwordHashers` never matches, and then runs the preferred hasher once anyway, so that "no
 * such user / unusable password" takes as long as a wrong password; a wrong password stored with
 * fewer iterations than the current ones is hashed again to the current count
 * (`harden_runtime`). Comparisons are constant time. Every hash runs off the event loop (libuv's
 * thread pool, or the argon2/bcrypt native packages).
 *
 * Throws `PasswordHasherLibraryMissing` when the stored hash is argon2 or bcrypt and the npm
 * package `argon2` / `bcrypt` (or `bcryptjs`) is not installed.
 */
export async function verifyPassword(
  password: string | null | undefined,
  encoded: string | null | undefined,
  options: PasswordHasherOptions = {},
): Promise<VerifyPasswordResult> {
  const { hashers, settings } = resolvePasswordSettings(options);
  const preferred = HASHERS[hashers[0]];
  // A password with a lone surrogate cannot be UTF-8 encoded, so Django can never have hashed it.
  let fakeRuntime = typeof password !== "string" || !isWellFormed(password) || typeof encoded !== "string" || !isPasswordUsable(encoded);
  const hasher = typeof encoded === "string" ? hasherFor(encoded, hashers) : null;
  if (hasher === null) fakeRuntime = true;
  if (fakeRuntime) {
    await encodeWith(preferred, getRandomString(UNUSABLE_PASSWORD_SUFFIX_LENGTH), undefined, settings);
    return { valid: false, mustUpdate: false, workAbove: false };
  }
  const stored = encoded as string;
  const hasherChanged = hasher!.algorithm !== preferred.algorithm;
  const mustUpdate = hasherChanged || preferred.mustUpdate(stored, settings) === true;
  const valid = await hasher!.verify(password as string, stored, settings);
  if (!valid && !hasherChanged && mustUpdate) await hasher!.hardenRuntime(password as string, stored, settings);
  return { valid, mustUpdate, workAbove: !hasherChanged && preferred.workAbove(stored, settings) };
}

/**
 * `django.contrib.auth.hashers.check_password(password, encoded)`: whether `password` matches
 * the user's stored `password` column (see `verifyPassword`, which also says whether to re-hash).
 */
export async function checkPassword(
  password: string | null | undefined,
  encoded: string | null | undefined,
  options: PasswordHasherOptions = {},
): Promise<boolean> {
  return (await verifyPassword(password, encoded, options)).valid;
}

/**
 * `django.contrib.auth.hashers.make_password(password)`: the string to store in Django's
 * `password` column, which Django's `check_password` accepts. `null` gives an unusable password
 * (`!` and 40 random characters). The algorithm must be one of `passwordHashers`, so that the
 * Django site can check what is written.
 *
 * Formats: `pbkdf2_sha256$<iterations>$<salt>$<base64>`, `pbkdf2_sha1$…`,
 * `scrypt$<N>$<salt>$<r>$<p>$<base64>`, `argon2$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`,
 * `bcrypt_sha256$$2b$12$…`, `bcrypt$$2b$12$…`, `md5$<salt>$<hex>`.
 */
export async function makePassword(password: string | null, options: MakePasswordOptions = {}): Promise<string> {
  if (password === null) return UNUSABLE_PASSWORD_PREFIX + getRandomString(UNUSABLE_PASSWORD_SUFFIX_LENGTH);
  if (typeof password !== "string") {
    throw new TypeError(`Password must be a string, got ${password === undefined ? "undefined" : typeof password}.`);
  }
  const probe = resolvePasswordSettings(options);
  const algorithm = options.algorithm === undefined || options.algorithm === "default" ? probe.hashers[0] : options.algorithm;
  if (!probe.hashers.includes(algorithm)) {
    throw new ImproperlyConfigured(
      `Unknown password hashing algorithm '${String(algorithm)}'. Did you specify it in the PASSWORD_HASHERS setting? (passwordHashers: ${JSON.stringify(probe.hashers)})`,
    );
  }
  const { settings } = resolvePasswordSettings(options, algorithm);
  return encodeWith(HASHERS[algorithm], password, options.salt, settings);
}
