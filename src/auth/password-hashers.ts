import { createHash, pbkdf2 as pbkdf2Callback, randomInt, scrypt as scryptCallback, type ScryptOptions } from "node:crypto";
import { constantTimeEqual, toBytes } from "../core/crypto";
import { ScryptMemoryLimitExceeded } from "../core/errors";
import { loadOptionalModule } from "./optional-module";

/*
 * Django's password hashers (django/contrib/auth/hashers.py, 3.2.25 and 5.2.17), one object per
 * algorithm. Internal: the public API is in passwords.ts.
 *
 * Verification is Django's: re-encode the password with the parameters read from the stored
 * string, then compare the whole strings in constant time. A stored string Django could not
 * parse (where Django raises ValueError) verifies as false here.
 */

/** The password hashers this package can check and make (Django's `algorithm` names). */
export type PasswordAlgorithm = "pbkdf2_sha256" | "pbkdf2_sha1" | "argon2" | "bcrypt_sha256" | "bcrypt" | "scrypt" | "md5";

/** Every `PasswordAlgorithm`, for `passwordHashers` (Django's `PASSWORD_HASHERS` by `algorithm` name). */
export const PASSWORD_ALGORITHMS: readonly PasswordAlgorithm[] = Object.freeze([
  "pbkdf2_sha256",
  "pbkdf2_sha1",
  "argon2",
  "bcrypt_sha256",
  "bcrypt",
  "scrypt",
  "md5",
]);

/** The work factors of the hasher in play, resolved (Django's class attributes). @internal */
export interface HasherSettings {
  /** PBKDF2PasswordHasher.iterations */
  iterations: number;
  /** BCryptSHA256PasswordHasher.rounds */
  rounds: number;
  /** ScryptPasswordHasher.work_factor / block_size / parallelism / maxmem (0 = as much as the hash needs). */
  workFactor: number;
  blockSize: number;
  scryptParallelism: number;
  maxmem: number;
  /** Argon2PasswordHasher.time_cost / memory_cost / parallelism, and argon2-cffi's DEFAULT_HASH_LENGTH. */
  timeCost: number;
  memoryCost: number;
  argon2Parallelism: number;
  hashLength: number;
}

/** @internal */
export interface Hasher {
  readonly algorithm: PasswordAlgorithm;
  /** `hasher.salt()`: a fresh salt as Django makes it. */
  salt(settings: HasherSettings): Promise<string>;
  /** `hasher.encode(password, salt)` with the configured work factors. */
  encode(password: string, salt: string, settings: HasherSettings): Promise<string>;
  /** `hasher.verify(password, encoded)`. */
  verify(password: string, encoded: string, settings: HasherSettings): Promise<boolean>;
  /** `hasher.must_update(encoded)`; `null` when Django could not parse `encoded` (it raises). */
  mustUpdate(encoded: string, settings: HasherSettings): boolean | null;
  /** `hasher.harden_runtime(password, encoded)`. */
  hardenRuntime(password: string, encoded: string, settings: HasherSettings): Promise<void>;
  /**
   * Ours: whether `encoded` asks for more work than `settings` (a newer Django wrote it with its
   * higher defaults). Django's `must_update` is true then too, and would re-hash it down.
   */
  workAbove(encoded: string, settings: HasherSettings): boolean;
}

/** Django's `RANDOM_STRING_CHARS`. @internal */
export const RANDOM_STRING_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** `get_random_string(length)`: uniform over RANDOM_STRING_CHARS (randomInt is unbiased). @internal */
export function getRandomString(length: number, allowed = RANDOM_STRING_CHARS): string {
  let out = "";
  for (let i = 0; i < length; i++) out += allowed[randomInt(allowed.length)];
  return out;
}

// BasePasswordHasher.salt_entropy = 128 bits; each character carries log2(62) bits.
const SALT_ENTROPY = 128;
const SALT_LENGTH = Math.ceil(SALT_ENTROPY / Math.log2(RANDOM_STRING_CHARS.length)); // 22

/** `must_update_salt(salt, 128)`: Python counts code points. */
function mustUpdateSalt(salt: string): boolean {
  return [...salt].length * Math.log2(RANDOM_STRING_CHARS.length) < SALT_ENTROPY;
}

async function randomSalt(): Promise<string> {
  return getRandomString(SALT_LENGTH);
}

/** Python's `s.split(sep, maxsplit)`. @internal */
export function pySplit(text: string, sep: string, maxsplit: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (out.length < maxsplit) {
    const at = rest.indexOf(sep);
    if (at < 0) break;
    out.push(rest.slice(0, at));
    rest = rest.slice(at + sep.length);
  }
  out.push(rest);
  return out;
}

/** A tuple of `N` strings. */
type Fields<N extends number, T extends string[] = []> = T["length"] extends N ? T : Fields<N, [...T, string]>;

/** Whether `parts` (what `pySplit` gave) has exactly `n` fields: Django's unpacking of a split. */
function hasFields<N extends number>(parts: string[], n: N): parts is Fields<N> {
  return parts.length === n;
}

/**
 * A positive integer exactly as `%d` writes it. Django parses with `int()` (which takes `+5`,
 * ` 5`, `0005`, `5_000`) but then compares the whole re-encoded string, so only the canonical
 * form can ever verify; anything else is rejected up front.
 */
function canonicalInt(text: string, max: number): number | null {
  if (!/^[1-9][0-9]*$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) && value <= max ? value : null;
}

/** Python's `int()` for the stored work factors that only must_update reads. */
function pyInt(text: string): number | null {
  const cleaned = text.trim();
  if (!/^[+-]?[0-9]+(?:_[0-9]+)*$/.test(cleaned)) return null;
  const value = Number(cleaned.replace(/_/g, ""));
  return Number.isSafeInteger(value) ? value : null;
}

function checkEncodeArgs(password: unknown, salt: unknown): asserts salt is string {
  // BasePasswordHasher._check_encode_args (5.x; 3.2 asserted the same).
  if (password === null || password === undefined) throw new TypeError("password must be provided.");
  if (typeof salt !== "string" || salt === "" || salt.includes("$")) throw new TypeError("salt must be provided and cannot contain $.");
}

// --- PBKDF2 --------------------------------------------------------------------------------

const MAX_PBKDF2_ITERATIONS = 2 ** 31 - 1; // node:crypto's limit

function pbkdf2(password: string, salt: string, iterations: number, digest: "sha256" | "sha1"): Promise<Buffer> {
  // Django's pbkdf2(dklen=0): the digest's own size. Runs on libuv's thread pool.
  const dklen = digest === "sha256" ? 32 : 20;
  return new Promise((resolve, reject) =>
    pbkdf2Callback(toBytes(password), toBytes(salt), iterations, dklen, digest, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

function pbkdf2Hasher(algorithm: "pbkdf2_sha256" | "pbkdf2_sha1", digest: "sha256" | "sha1"): Hasher {
  const encodeWith = async (password: string, salt: string, iterations: number) => {
    const hash = (await pbkdf2(password, salt, iterations, digest)).toString("base64");
    return `${algorithm}$${iterations}$${salt}$${hash}`;
  };
  const decode = (encoded: string) => {
    const parts = pySplit(encoded, "$", 3);
    if (!hasFields(parts, 4) || parts[0] !== algorithm) return null;
    return { iterations: parts[1], salt: parts[2], hash: parts[3] };
  };
  return {
    algorithm,
    salt: randomSalt,
    async encode(password, salt, settings) {
      checkEncodeArgs(password, salt);
      return encodeWith(password, salt, settings.iterations);
    },
    async verify(password, encoded) {
      const decoded = decode(encoded);
      if (!decoded || decoded.salt === "" || decoded.salt.includes("$")) return false;
      const iterations = canonicalInt(decoded.iterations, MAX_PBKDF2_ITERATIONS);
      if (iterations === null) return false;
      return constantTimeEqual(encoded, await encodeWith(password, decoded.salt, iterations));
    },
    mustUpdate(encoded, settings) {
      const decoded = decode(encoded);
      const iterations = decoded && pyInt(decoded.iterations);
      if (!decoded || iterations === null) return null;
      return iterations !== settings.iterations || mustUpdateSalt(decoded.salt);
    },
    workAbove(encoded, settings) {
      const decoded = decode(encoded);
      const iterations = decoded && pyInt(decoded.iterations);
      return iterations !== null && iterations !== undefined && iterations > settings.iterations;
    },
    async hardenRuntime(password, encoded, settings) {
      const decoded = decode(encoded);
      const iterations = decoded && pyInt(decoded.iterations);
      if (!decoded || iterations === null || decoded.salt === "") return;
      const extra = settings.iterations - iterations;
      if (extra > 0) await pbkdf2(password, decoded.salt, Math.min(extra, MAX_PBKDF2_ITERATIONS), digest);
    },
  };
}

// --- scrypt (Django 4.0+) --------------------------------------------------------------------

// OpenSSL's own default limit, what Django's maxmem = 0 means.
const OPENSSL_SCRYPT_MAXMEM = 32 * 1024 * 1024;
// With maxmem 0 we allow whatever the stored parameters need, up to this.
const AUTO_MAXMEM_LIMIT = 1024 * 1024 * 1024;

function scryptMemory(n: number, r: number, p: number): number {
  // OpenSSL's EVP_PBE_scrypt: B = 128·r·p bytes, V = 128·r·(N + 2) bytes, plus a little slack.
  return 128 * r * p + 128 * r * (n + 2) + 64 * 1024;
}

function scrypt(password: string, salt: string, n: number, r: number, p: number, maxmem: number): Promise<Buffer> {
  const needed = scryptMemory(n, r, p);
  let limit = maxmem;
  if (maxmem === 0) {
    if (needed > AUTO_MAXMEM_LIMIT) return Promise.reject(new ScryptMemoryLimitExceeded(needed, AUTO_MAXMEM_LIMIT));
    limit = Math.max(OPENSSL_SCRYPT_MAXMEM, needed);
  } else if (needed > maxmem) {
    return Promise.reject(new ScryptMemoryLimitExceeded(needed, maxmem));
  }
  const options: ScryptOptions = { N: n, r, p, maxmem: limit };
  return new Promise((resolve, reject) =>
    scryptCallback(toBytes(password), toBytes(salt), 64, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

function isScryptN(n: number): boolean {
  // hashlib.scrypt: n must be a power of 2 greater than 1.
  return n > 1 && Number.isSafeInteger(n) && (n & (n - 1)) === 0 && n <= 2 ** 30;
}

const scryptHasher: Hasher = {
  algorithm: "scrypt",
  salt: randomSalt,
  async encode(password, salt, settings) {
    checkEncodeArgs(password, salt);
    const { workFactor: n, blockSize: r, scryptParallelism: p } = settings;
    const hash = (await scrypt(password, salt, n, r, p, settings.maxmem)).toString("base64");
    return `scrypt$${n}$${salt}$${r}$${p}$${hash}`;
  },
  async verify(password, encoded, settings) {
    // scrypt$<work_factor>$<salt>$<block_size>$<parallelism>$<hash>
    const parts = pySplit(encoded, "$", 6);
    if (!hasFields(parts, 6) || parts[0] !== "scrypt" || parts[2] === "" || parts[2].includes("$")) return false;
    const n = canonicalInt(parts[1], 2 ** 30);
    const r = canonicalInt(parts[3], 2 ** 20);
    const p = canonicalInt(parts[4], 2 ** 20);
    if (n === null || r === null || p === null || !isScryptN(n) || r * p >= 2 ** 30) return false;
    const hash = (await scrypt(password, parts[2], n, r, p, settings.maxmem)).toString("base64");
    return constantTimeEqual(encoded, `scrypt$${n}$${parts[2]}$${r}$${p}$${hash}`);
  },
  mustUpdate(encoded, settings) {
    const parts = pySplit(encoded, "$", 6);
    if (!hasFields(parts, 6)) return null;
    const [n, r, p] = [pyInt(parts[1]), pyInt(parts[3]), pyInt(parts[4])];
    if (n === null || r === null || p === null) return null;
    return n !== settings.workFactor || r !== settings.blockSize || p !== settings.scryptParallelism;
  },
  workAbove(encoded, settings) {
    const parts = pySplit(encoded, "$", 6);
    if (!hasFields(parts, 6)) return false;
    const [n, r, p] = [pyInt(parts[1]), pyInt(parts[3]), pyInt(parts[4])];
    return n !== null && r !== null && p !== null && n * r * p > settings.workFactor * settings.blockSize * settings.scryptParallelism;
  },
  // "The runtime for Scrypt is too complicated to implement a sensible hardening algorithm."
  async hardenRuntime() {},
};

// --- Argon2 (npm package "argon2") ------------------------------------------------------------

interface Argon2Module {
  hash(
    password: Buffer | string,
    options: { raw: true; type: number; version: number; timeCost: number; memoryCost: number; parallelism: number; hashLength: number; salt: Buffer },
  ): Promise<Buffer>;
}

type Argon2Variety = "argon2d" | "argon2i" | "argon2id";
const ARGON2_TYPES: Readonly<Record<Argon2Variety, number>> = { argon2d: 0, argon2i: 1, argon2id: 2 };

function isArgon2Variety(text: string): text is Argon2Variety {
  return Object.prototype.hasOwnProperty.call(ARGON2_TYPES, text);
}
const ARGON2_VERSION = 0x13;

function argon2(): Argon2Module {
  return loadOptionalModule<Argon2Module>("argon2", ["argon2"]);
}

/** Standard base64 without padding, as libargon2 writes it. */
function b64NoPad(bytes: Buffer): string {
  return bytes.toString("base64").replace(/=+$/, "");
}

function b64Decode(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]*$/.test(text) || text.length % 4 === 1) return null;
  return Buffer.from(text, "base64");
}

interface Argon2Decoded {
  variety: Argon2Variety;
  version: number;
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  salt: Buffer;
  hash: Buffer;
}

/**
 * The part after `argon2`: `$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>`, in libargon2's
 * strict order (it rejects anything else, so Django does too). A missing `v=` means version 16.
 */
function decodeArgon2(encoded: string): Argon2Decoded | null {
  const [algorithm, rest] = pySplit(encoded, "$", 1);
  if (algorithm !== "argon2" || rest === undefined) return null;
  const match = /^\$(argon2id|argon2i|argon2d)\$(?:v=([0-9]+)\$)?m=([0-9]+),t=([0-9]+),p=([0-9]+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(`$${rest}`);
  if (!match) return null;
  const [, variety, versionText = "16", m, t, p, saltText, hashText] = match;
  // Every group but v= always takes part in a match.
  if (variety === undefined || !isArgon2Variety(variety) || m === undefined || t === undefined || p === undefined || saltText === undefined || hashText === undefined) return null;
  const salt = b64Decode(saltText);
  const hash = b64Decode(hashText);
  const decimal = (n: string): number => (/^(0|[1-9][0-9]*)$/.test(n) ? Number(n) : NaN);
  const [version, memoryCost, timeCost, parallelism] = [decimal(versionText), decimal(m), decimal(t), decimal(p)];
  if (!salt || !hash || [version, memoryCost, timeCost, parallelism].some((n) => !Number.isSafeInteger(n) || n > 2 ** 32 - 1)) return null;
  return { variety, version, memoryCost, timeCost, parallelism, salt, hash };
}

type Argon2Params = Omit<Argon2Decoded, "hash"> & { hashLength: number };

async function argon2Raw(password: string, d: Argon2Params): Promise<Buffer> {
  return argon2().hash(toBytes(password), {
    raw: true,
    type: ARGON2_TYPES[d.variety],
    version: d.version,
    timeCost: d.timeCost,
    memoryCost: d.memoryCost,
    parallelism: d.parallelism,
    hashLength: d.hashLength,
    salt: d.salt,
  });
}

const argon2Hasher: Hasher = {
  algorithm: "argon2",
  salt: randomSalt,
  async encode(password, salt, settings) {
    checkEncodeArgs(password, salt);
    // Django: argon2.low_level.hash_secret(password.encode(), salt.encode(), type=ID, ...); the
    // string is built here (the npm package orders the parameters m,p,t, which libargon2 — and so
    // Django — cannot read).
    const params: Argon2Params = {
      variety: "argon2id",
      version: ARGON2_VERSION,
      memoryCost: settings.memoryCost,
      timeCost: settings.timeCost,
      parallelism: settings.argon2Parallelism,
      hashLength: settings.hashLength,
      salt: toBytes(salt),
    };
    const hash = await argon2Raw(password, params);
    return `argon2$argon2id$v=${ARGON2_VERSION}$m=${params.memoryCost},t=${params.timeCost},p=${params.parallelism}$${b64NoPad(params.salt)}$${b64NoPad(hash)}`;
  },
  async verify(password, encoded) {
    // Django: argon2.PasswordHasher().verify("$" + rest, password), any variety.
    const decoded = decodeArgon2(encoded);
    argon2(); // a missing package is an error even for a malformed hash, as in Django
    if (!decoded || decoded.salt.length < 8 || decoded.hash.length < 4 || decoded.parallelism < 1 || decoded.timeCost < 1) return false;
    if (decoded.version !== 0x10 && decoded.version !== 0x13) return false;
    if (decoded.memoryCost < 8 * decoded.parallelism) return false;
    let hash: Buffer;
    try {
      hash = await argon2Raw(password, { ...decoded, hashLength: decoded.hash.length });
    } catch {
      return false; // parameters libargon2 refuses: Django's VerificationError
    }
    return constantTimeEqual(hash.toString("latin1"), decoded.hash.toString("latin1"));
  },
  mustUpdate(encoded, settings) {
    const d = decodeArgon2(encoded);
    if (!d) return null;
    // current_params != new_params (salt_len copied over), or a short salt.
    const sameParams =
      d.variety === "argon2id" &&
      d.version === ARGON2_VERSION &&
      d.hash.length === settings.hashLength &&
      d.timeCost === settings.timeCost &&
      d.memoryCost === settings.memoryCost &&
      d.parallelism === settings.argon2Parallelism;
    // Django decodes the salt as latin-1: one character per byte.
    return !sameParams || d.salt.length * Math.log2(RANDOM_STRING_CHARS.length) < SALT_ENTROPY;
  },
  workAbove(encoded, settings) {
    const d = decodeArgon2(encoded);
    return d !== null && d.timeCost * d.memoryCost > settings.timeCost * settings.memoryCost;
  },
  async hardenRuntime() {},
};

// --- bcrypt (npm package "bcrypt" or "bcryptjs") -------------------------------------------------

interface BcryptModule {
  hash(data: string, salt: string): Promise<string>;
  genSalt(rounds: number): Promise<string>;
}

function bcryptLib(algorithm: string): BcryptModule {
  return loadOptionalModule<BcryptModule>(algorithm, ["bcrypt", "bcryptjs"]);
}

const BCRYPT_SALT = /^\$2([abxy])\$([0-9]{2})\$[./A-Za-z0-9]{22}/;

function bcryptHasher(algorithm: "bcrypt_sha256" | "bcrypt"): Hasher {
  const prepare = (password: string): string =>
    // bcrypt_sha256 hashes first (hex of SHA-256), so passwords past 72 bytes still count.
    algorithm === "bcrypt_sha256" ? createHash("sha256").update(toBytes(password)).digest("hex") : password;
  const hashpw = async (password: string, data: string): Promise<string | null> => {
    const match = BCRYPT_SALT.exec(data);
    if (!match) return null;
    const rounds = Number(match[2]);
    if (rounds < 4 || rounds > 31 || match[1] === "x") return null;
    // pyca/bcrypt computes $2y$ as $2b$ (the same algorithm) and keeps the original prefix.
    const salt = match[0].slice(0, 29);
    const computeSalt = match[1] === "y" ? `$2b$${salt.slice(4)}` : salt;
    const hashed = await bcryptLib(algorithm).hash(prepare(password), computeSalt);
    return salt.slice(0, 4) + hashed.slice(4);
  };
  return {
    algorithm,
    async salt(settings) {
      return bcryptLib(algorithm).genSalt(settings.rounds);
    },
    async encode(password, salt) {
      if (password === null || password === undefined) throw new TypeError("password must be provided.");
      const data = await hashpw(password, salt);
      if (data === null) throw new TypeError(`Invalid bcrypt salt ${JSON.stringify(salt)}: expected what genSalt() returns, e.g. "$2b$12$" and 22 characters.`);
      return `${algorithm}$${data}`;
    },
    async verify(password, encoded) {
      const [name, data] = pySplit(encoded, "$", 1);
      bcryptLib(algorithm); // a missing package is an error even for a malformed hash
      if (name !== algorithm || data === undefined) return false;
      const computed = await hashpw(password, data);
      return computed !== null && constantTimeEqual(encoded, `${algorithm}$${computed}`);
    },
    mustUpdate(encoded, settings) {
      const parts = pySplit(encoded, "$", 4);
      const workFactor = hasFields(parts, 5) ? pyInt(parts[3]) : null;
      return workFactor === null ? null : workFactor !== settings.rounds;
    },
    workAbove(encoded, settings) {
      const parts = pySplit(encoded, "$", 4);
      const workFactor = hasFields(parts, 5) ? pyInt(parts[3]) : null;
      return workFactor !== null && workFactor > settings.rounds;
    },
    async hardenRuntime(password, encoded, settings) {
      const [, data] = pySplit(encoded, "$", 1);
      if (data === undefined) return;
      const match = BCRYPT_SALT.exec(data);
      if (!match) return;
      // The work factor is logarithmic: 2^(difference) - 1 more hashes.
      let diff = 2 ** (settings.rounds - Number(match[2])) - 1;
      while (diff > 0) {
        await hashpw(password, data);
        diff -= 1;
      }
    },
  };
}

// --- salted MD5 (Django's test-suite hasher; not in PASSWORD_HASHERS by default) ---------------

const md5Hasher: Hasher = {
  algorithm: "md5",
  salt: randomSalt,
  async encode(password, salt) {
    checkEncodeArgs(password, salt);
    return `md5$${salt}$${createHash("md5").update(toBytes(salt + password)).digest("hex")}`;
  },
  async verify(password, encoded) {
    const parts = pySplit(encoded, "$", 2);
    if (!hasFields(parts, 3) || parts[0] !== "md5" || parts[1] === "" || parts[1].includes("$")) return false;
    return constantTimeEqual(encoded, `md5$${parts[1]}$${createHash("md5").update(toBytes(parts[1] + password)).digest("hex")}`);
  },
  mustUpdate(encoded) {
    const parts = pySplit(encoded, "$", 2);
    return hasFields(parts, 3) ? mustUpdateSalt(parts[1]) : null;
  },
  async hardenRuntime() {},
  workAbove: () => false,
};

/** @internal */
export const HASHERS: Readonly<Record<PasswordAlgorithm, Hasher>> = Object.freeze({
  pbkdf2_sha256: pbkdf2Hasher("pbkdf2_sha256", "sha256"),
  pbkdf2_sha1: pbkdf2Hasher("pbkdf2_sha1", "sha1"),
  argon2: argon2Hasher,
  bcrypt_sha256: bcryptHasher("bcrypt_sha256"),
  bcrypt: bcryptHasher("bcrypt"),
  scrypt: scryptHasher,
  md5: md5Hasher,
});
