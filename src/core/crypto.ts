import * as nodeCrypto from "node:crypto";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { InvalidAlgorithm } from "./errors";

/** A secret as Django accepts it: `str` (UTF-8 encoded) or `bytes`. */
export type Secret = string | Uint8Array;

// Django looks the name up with `getattr(hashlib, algorithm)`, so only hashlib's attribute names
// are valid (`sha3_256`, not OpenSSL's `sha3-256` or `RSA-SHA256`). The values are node:crypto's
// names for the same functions; `blake2b`/`blake2s` are their default (full-length) digests.
// shake_* are left out: Python's hmac cannot use them either (TypeError).
const HASHLIB_TO_NODE: Readonly<Record<string, string>> = Object.freeze({
  md5: "md5",
  sha1: "sha1",
  sha224: "sha224",
  sha256: "sha256",
  sha384: "sha384",
  sha512: "sha512",
  sha3_224: "sha3-224",
  sha3_256: "sha3-256",
  sha3_384: "sha3-384",
  sha3_512: "sha3-512",
  blake2b: "blake2b512",
  blake2s: "blake2s256",
});

/**
 * node:crypto's name for a hashlib algorithm name; throws Django's `InvalidAlgorithm` for a name
 * `hashlib` has no hash function under.
 */
export function nodeHashName(algorithm: string): string {
  const name = typeof algorithm === "string" && Object.prototype.hasOwnProperty.call(HASHLIB_TO_NODE, algorithm) ? HASHLIB_TO_NODE[algorithm] : undefined;
  if (name !== undefined) return name;
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
 * `force_bytes(value)`: a string as UTF-8, bytes as they are. Throws `TypeError` for anything
 * else, and for a string with a lone surrogate (Python raises `UnicodeEncodeError` there).
 */
export function toBytes(value: Secret): Buffer {
  if (typeof value === "string") {
    if (!isWellFormed(value)) throw new TypeError("A string with a lone UTF-16 surrogate cannot be encoded as UTF-8.");
    return Buffer.from(value, "utf8");
  }
  if (value instanceof Uint8Array) return Buffer.from(value);
  throw new TypeError(`Expected a string or a Uint8Array, got ${value === null ? "null" : typeof value}.`);
}

/**
 * The key `salted_hmac` derives: `H(key_salt ‖ secret)`, with `H` the HMAC's own hash.
 * Split out so signers can derive once per key instead of once per call as Django does.
 */
export function deriveKey(keySalt: Secret, secret: Secret, algorithm: string): Buffer {
  return createHash(nodeHashName(algorithm)).update(toBytes(keySalt)).update(toBytes(secret)).digest();
}

/**
 * `django.utils.crypto.salted_hmac(key_salt, value, secret, algorithm)`. Note Django's own default
 * algorithm is sha1; callers here always pass one explicitly.
 */
export function saltedHmac(keySalt: Secret, value: Secret, secret: Secret, algorithm = "sha1"): Buffer {
  return createHmac(nodeHashName(algorithm), deriveKey(keySalt, secret, algorithm)).update(toBytes(value)).digest();
}

// HMAC block sizes (RFC 2104's B) of the hashes the one-shot path below handles.
const HMAC_BLOCK: Readonly<Record<string, number>> = Object.freeze({ md5: 64, sha1: 64, sha224: 64, sha256: 64, sha384: 128, sha512: 128 });
// `crypto.hash` (Node 20.12+, 21.7+): a one-shot digest with no Hash object to build.
type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: "buffer" | "base64url") => Buffer | string;
const oneShotHash: OneShotHash | undefined = (nodeCrypto as { hash?: OneShotHash }).hash;
/** Messages longer than this (in bytes, at most) take `createHmac`, whose setup cost is then noise. */
const ONE_SHOT_MAX = 64 * 1024;

/** `HMAC(key, input)` in base64url, for one key many times: what a signer computes per call. */
export type PreparedHmac = (input: string | Uint8Array) => string;

/**
 * HMAC with a key fixed once. For md5/sha1/sha2 with `crypto.hash` available it is RFC 2104 by
 * hand, `H(K ⊕ opad ‖ H(K ⊕ ipad ‖ m))`, with the padded keys written once into a reused buffer
 * and two one-shot digests: this skips building an `Hmac` object per call, which costs more than
 * the hashing itself on a session-sized message (`createHmac` 4.3 µs, this 2.5 µs). Other
 * algorithms, very long messages and older Node take `createHmac`. `algorithm` is node:crypto's
 * name (`nodeHashName`). A string is hashed as UTF-8; the caller checks it is well formed.
 */
export function prepareHmac(algorithm: string, key: Uint8Array): PreparedHmac {
  const viaCreateHmac: PreparedHmac = (input) => createHmac(algorithm, key).update(input).digest("base64url");
  const block = Object.prototype.hasOwnProperty.call(HMAC_BLOCK, algorithm) ? HMAC_BLOCK[algorithm] : undefined;
  const hash = oneShotHash;
  if (hash === undefined || block === undefined) return viaCreateHmac;
  const k = key.length > block ? createHash(algorithm).update(key).digest() : key;
  const digestSize = createHash(algorithm).digest().length;
  // [K ⊕ ipad ‖ message], grown on demand; [K ⊕ opad ‖ inner digest], fixed.
  let inner = Buffer.alloc(0);
  const outer = Buffer.alloc(block + digestSize, 0x5c);
  for (const [i, byte] of k.entries()) outer[i] = byte ^ 0x5c;
  const innerFor = (size: number): Buffer => {
    if (inner.length >= block + size) return inner;
    const grown = Buffer.alloc(block + Math.max(size, 256, Math.min(ONE_SHOT_MAX, 2 * (inner.length - block))), 0x36);
    for (const [i, byte] of k.entries()) grown[i] = byte ^ 0x36;
    inner = grown;
    return grown;
  };
  // The view of `inner` the last message hashed through: reused while lengths repeat.
  let view = inner;
  return (input) => {
    let length: number;
    if (typeof input === "string") {
      // UTF-8 takes at most 3 bytes per UTF-16 code unit.
      if (input.length * 3 > ONE_SHOT_MAX) return viaCreateHmac(input);
      const buffer = innerFor(input.length * 3);
      length = buffer.write(input, block, "utf8");
    } else {
      if (input.length > ONE_SHOT_MAX) return viaCreateHmac(input);
      const buffer = innerFor(input.length);
      buffer.set(input, block);
      length = input.length;
    }
    if (view.buffer !== inner.buffer || view.length !== block + length) view = inner.subarray(0, block + length);
    const innerDigest = hash(algorithm, view, "buffer") as Buffer;
    innerDigest.copy(outer, block);
    return hash(algorithm, outer, "base64url") as string;
  };
}

/**
 * `constant_time_compare(given, expected)` where `expected` is known to be ASCII (a signature we
 * computed: base64url or hex). UTF-8 bytes suffice then, and are half the size of UTF-16: any
 * non-ASCII character or lone surrogate in `given` turns into bytes >= 0x80, which an ASCII
 * `expected` never has, so equal bytes mean equal strings.
 */
export function asciiConstantTimeEqual(given: string, expected: string): boolean {
  const x = Buffer.from(given, "utf8");
  const y = Buffer.from(expected, "latin1");
  if (x.length !== y.length) {
    timingSafeEqual(y, y);
    return false;
  }
  return timingSafeEqual(x, y);
}

/** `django.utils.crypto.constant_time_compare` on two strings. */
export function constantTimeEqual(a: string, b: string): boolean {
  // UTF-16 code units, not UTF-8: UTF-8 would map every lone surrogate to the same U+FFFD bytes
  // and call different strings equal.
  const x = Buffer.from(a, "utf16le");
  const y = Buffer.from(b, "utf16le");
  // Compare against itself on a length mismatch so the time taken does not depend on where
  // the strings differ; only the (public) length leaks, as in Django.
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}
