import { InvalidAlgorithm } from "./errors";
import { type HashName, platform, type PreparedHmac } from "./platform";

export type { HashName, PreparedHmac } from "./platform";

/** A secret as Django accepts it: `str` (UTF-8 encoded) or `bytes`. */
export type Secret = string | Uint8Array;

// Django looks the name up with `getattr(hashlib, algorithm)`, so only hashlib's attribute names
// are valid (`sha3_256`, not OpenSSL's `sha3-256` or `RSA-SHA256`); `blake2b`/`blake2s` are
// their default (full-length) digests. shake_* are left out: Python's hmac cannot use them
// either (TypeError).
const HASHLIB_NAMES: ReadonlySet<string> = new Set<HashName>([
  "md5",
  "sha1",
  "sha224",
  "sha256",
  "sha384",
  "sha512",
  "sha3_224",
  "sha3_256",
  "sha3_384",
  "sha3_512",
  "blake2b",
  "blake2s",
]);

/** A hashlib algorithm name, checked; throws Django's `InvalidAlgorithm` for a name `hashlib` has no hash function under. */
export function hashName(algorithm: string): HashName {
  if (typeof algorithm === "string" && HASHLIB_NAMES.has(algorithm)) return algorithm as HashName;
  throw new InvalidAlgorithm(String(algorithm));
}

// A lone UTF-16 surrogate: Python's `str.encode("utf-8")` refuses it (UnicodeEncodeError), where
// Buffer.from would silently write U+FFFD — so two different strings would share one signature.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when `text` has no lone surrogate, i.e. Python could UTF-8 encode it. */
export function isWellFormed(text: string): boolean {
  // The native check where the runtime has it (Node 20+), the regex otherwise.
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  return typeof native === "function" ? native.call(text) : !LONE_SURROGATE.test(text);
}

/**
 * `force_bytes(value)`: a string as UTF-8, bytes as they are (copied). Throws `TypeError` for
 * anything else, and for a string with a lone surrogate (Python raises `UnicodeEncodeError` there).
 */
export function secretBytes(value: Secret): Uint8Array {
  if (typeof value === "string") {
    if (!isWellFormed(value)) throw new TypeError("A string with a lone UTF-16 surrogate cannot be encoded as UTF-8.");
    return platform.utf8(value);
  }
  if (value instanceof Uint8Array) return value.slice();
  throw new TypeError(`Expected a string or a Uint8Array, got ${value === null ? "null" : typeof value}.`);
}

/**
 * @internal A Node `Buffer` over `bytes` where the runtime has `Buffer` (what Node APIs such as argon2's
 * want); elsewhere the bytes themselves: only src/auth, which runs on Node, relies on the type.
 */
export function asNodeBuffer(bytes: Uint8Array): Buffer {
  const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;
  return NodeBuffer === undefined || NodeBuffer.isBuffer(bytes) ? (bytes as Buffer) : NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `force_bytes(value)` as a Node `Buffer` (see `secretBytes`), for Node-only callers. */
export function toBytes(value: Secret): Buffer {
  return asNodeBuffer(secretBytes(value));
}

/**
 * The key `salted_hmac` derives: `H(key_salt ‖ secret)`, with `H` the HMAC's own hash.
 * Split out so signers can derive once per key instead of once per call as Django does.
 */
export function deriveKey(keySalt: Secret, secret: Secret, algorithm: string): Uint8Array {
  const name = hashName(algorithm);
  return platform.digest(name, [secretBytes(keySalt), secretBytes(secret)]);
}

/**
 * `django.utils.crypto.salted_hmac(key_salt, value, secret, algorithm)`. Note Django's own default
 * algorithm is sha1; callers here always pass one explicitly. A `Buffer` on Node, Bun and Deno;
 * a `Uint8Array` on runtimes without `Buffer`.
 */
export function saltedHmac(keySalt: Secret, value: Secret, secret: Secret, algorithm = "sha1"): Buffer {
  const name = hashName(algorithm);
  return asNodeBuffer(platform.hmac(name, deriveKey(keySalt, secret, name), secretBytes(value)));
}

/**
 * HMAC with a key fixed once, in base64url: what a signer computes per call. On Node it skips
 * building an `Hmac` object per call (./platform/node-platform.ts). A string is hashed as UTF-8;
 * the caller checks it is well formed.
 */
export function prepareHmac(algorithm: HashName, key: Uint8Array): PreparedHmac {
  return platform.prepareHmac(hashName(algorithm), key);
}

/**
 * `constant_time_compare(given, expected)` where `expected` is known to be ASCII (a signature we
 * computed: base64url or hex): cheaper than `constantTimeEqual`, with the same answer.
 */
export function asciiConstantTimeEqual(given: string, expected: string): boolean {
  return platform.asciiConstantTimeEqual(given, expected);
}

/** `django.utils.crypto.constant_time_compare` on two strings: their UTF-16 code units, in time that depends only on the (public) lengths, as in Django. */
export function constantTimeEqual(a: string, b: string): boolean {
  return platform.constantTimeEqual(a, b);
}
