import { createHash, createHmac, getHashes, timingSafeEqual } from "node:crypto";
import { InvalidAlgorithm } from "./errors";

/** A secret as Django accepts it: `str` (UTF-8 encoded) or `bytes`. */
export type Secret = string | Uint8Array;

const HASHES = new Set(getHashes());

/** Throws Django's `InvalidAlgorithm` for a name node:crypto (standing in for hashlib) does not know. */
export function assertAlgorithm(algorithm: string): void {
  if (!HASHES.has(algorithm)) throw new InvalidAlgorithm(algorithm);
}

export function toBytes(value: Secret): Buffer {
  return typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value);
}

/**
 * The key `salted_hmac` derives: `H(key_salt ‖ secret)`, with `H` the HMAC's own hash.
 * Split out so signers can derive once per key instead of once per call as Django does.
 */
export function deriveKey(keySalt: Secret, secret: Secret, algorithm: string): Buffer {
  assertAlgorithm(algorithm);
  return createHash(algorithm).update(toBytes(keySalt)).update(toBytes(secret)).digest();
}

/**
 * `django.utils.crypto.salted_hmac(key_salt, value, secret, algorithm)`. Note Django's own default
 * algorithm is sha1; callers here always pass one explicitly.
 */
export function saltedHmac(keySalt: Secret, value: Secret, secret: Secret, algorithm = "sha1"): Buffer {
  return createHmac(algorithm, deriveKey(keySalt, secret, algorithm)).update(toBytes(value)).digest();
}

/** `django.utils.crypto.constant_time_compare` on two ASCII strings. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  // Compare against itself on a length mismatch so the time taken does not depend on where
  // the strings differ; only the (public) length leaks, as in Django.
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}
