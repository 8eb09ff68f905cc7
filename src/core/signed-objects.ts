/**
 * Django's object signing (`django.core.signing.dumps` / `loads`, `sign_object` /
 * `unsign_object`): a value as Python-compatible JSON, zlib-compressed when that is shorter,
 * base64url, then signed with a `TimestampSigner` (./signer.ts holds the signers themselves).
 */
import { b64Decode, b64Encode } from "./base64";
import { exactDeflate } from "./exact-deflate";
import { platform } from "./platform";
import type { Secret } from "./crypto";
import { BadSignature } from "./errors";
import { pyJsonDumps, pyJsonLoads, type PythonJsonValue } from "./python-json";
import { TimestampSigner } from "./signer";

/** Default cap on decompressed (and decoded) payload bytes: Django has none; we do. */
export const DEFAULT_MAX_DECODED_SIZE = 1024 * 1024;

/** Why a signed object could not be read. Stable strings: log them, branch on them. */
export type UnsignFailureReason =
  | "bad-signature"
  | "signature-expired"
  | "bad-base64"
  | "bad-zlib"
  | "bad-json"
  | "too-large";

export type UnsignResult =
  | { ok: true; value: PythonJsonValue; keyIndex: number; renew: boolean; timestamp: number }
  | { ok: false; reason: UnsignFailureReason; error: Error };

/**
 * When to zlib-compress a payload. Django tries on every call and keeps the result when it is at
 * least 2 bytes shorter. That rule is kept for payloads of `minSize` bytes or more; below it we
 * write uncompressed JSON, which Django reads just as well: a deflate call costs more than all
 * the rest of an encode, to save a few dozen bytes of a small row.
 */
export interface CompressionOptions {
  /** Smallest JSON size (bytes) for which compression is tried. 0 = Django's exact rule. */
  minSize?: number;
  /**
   * `true`: pako's zlib port at level 6, whose output is byte-identical to CPython's zlib (golden
   * tests, vectors), through one reused stream (./exact-deflate.ts). In JavaScript, so it costs
   * about 4 times node:zlib's level 3 on an 8 KB session; with `minSize: 0` (Django's rule) every
   * encode pays a deflate, ~35 µs on a small session that then stays uncompressed.
   * `false`: node:zlib (pako's default path where the runtime has no node:zlib), a different but
   * equally valid stream.
   * @default false
   */
  exact?: boolean;
  /**
   * zlib level for the node:zlib path (`exact: true` always uses Django's 6). Level 3 costs about
   * half of level 6 on an 8 KB session for a stream some 6 % longer (bench/codec.js); Django
   * reads every level.
   * @default 3
   */
  level?: number;
}

/**
 * Serialize like `JSONSerializer.dumps` and frame like `Signer.sign_object`: zlib-compress only
 * when the result is at least 2 bytes shorter, then base64url, with a leading `.` if compressed.
 * `compress: true` applies Django's rule to every payload; an object applies `CompressionOptions`.
 */
export function encodePayload(obj: unknown, compress: boolean | CompressionOptions): string {
  const data = platform.latin1(pyJsonDumps(obj));
  const options = compress === true ? { minSize: 0 } : compress === false ? null : compress;
  if (options !== null && data.length >= (options.minSize ?? 0)) {
    const compressed = options.exact ? exactDeflate(data) : platform.deflate(data, options.level ?? 3);
    if (compressed.length < data.length - 1) return `.${b64Encode(compressed)}`;
  }
  return b64Encode(data);
}

/**
 * The reverse of `encodePayload`, as `Signer.unsign_object` reads it, bounded: never inflates past
 * `maxSize` bytes. Follows Django step for step, so a row reads the same on both stacks: the
 * payload's bytes (`.encode()`), a leading `.` for zlib, `b64_decode` (lenient: padding, both
 * alphabets and stray characters read as Python reads them), `zlib.decompress`, and the JSON bytes
 * decoded as latin-1 (`JSONSerializer.loads`; raw UTF-8 bytes therefore read as mojibake, as in
 * Django). The signature has been checked before any of this runs.
 */
export function decodePayload(
  payload: string,
  maxSize: number,
): { ok: true; value: PythonJsonValue } | { ok: false; reason: UnsignFailureReason; error: Error } {
  const compressed = payload.startsWith(".");
  const raw = b64Decode(compressed ? payload.slice(1) : payload);
  if (raw === null) return { ok: false, reason: "bad-base64", error: new SyntaxError("Invalid base64 payload") };
  let bytes: Uint8Array = raw;
  if (compressed) {
    const inflated = platform.inflate(raw, maxSize);
    if (!inflated.ok) return { ok: false, reason: inflated.tooLarge ? "too-large" : "bad-zlib", error: inflated.error };
    bytes = inflated.bytes;
  }
  if (bytes.length > maxSize) return { ok: false, reason: "too-large", error: new RangeError("Payload too large") };
  try {
    return { ok: true, value: pyJsonLoads(platform.latin1Text(bytes)) };
  } catch (error) {
    return { ok: false, reason: "bad-json", error: error as Error };
  }
}

/** `TimestampSigner.sign_object`. */
export function signObject(signer: TimestampSigner, obj: unknown, options: { compress?: boolean | CompressionOptions } = {}): string {
  return signer.sign(encodePayload(obj, options.compress ?? false));
}

/** Non-throwing `TimestampSigner.unsign_object`, with a typed reason on failure. */
export function verifyObject(
  signer: TimestampSigner,
  signed: string,
  options: { maxAge?: number; maxSize?: number } = {},
): UnsignResult {
  const verified = signer.verifyTimestamped(signed, options.maxAge);
  if (!verified.valid) {
    const reason = verified.error.code === "ERR_SIGNATURE_EXPIRED" ? "signature-expired" : "bad-signature";
    return { ok: false, reason, error: verified.error };
  }
  const decoded = decodePayload(verified.value, options.maxSize ?? DEFAULT_MAX_DECODED_SIZE);
  if (!decoded.ok) return decoded;
  return { ok: true, value: decoded.value, keyIndex: verified.keyIndex, renew: verified.renew, timestamp: verified.timestamp };
}

/** Options of `django.core.signing.dumps`. */
export interface DumpsOptions {
  /** The `SECRET_KEY`. */
  key: Secret;
  /** @default "django.core.signing" */
  salt?: string;
  /** zlib-compress when that saves at least 2 bytes. @default false */
  compress?: boolean;
  /** @default "sha256" */
  algorithm?: string;
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number;
}

/** `django.core.signing.dumps(obj, key, salt, compress=...)`. */
export function dumps(obj: unknown, options: DumpsOptions): string {
  const signer = new TimestampSigner({ key: options.key, salt: options.salt ?? "django.core.signing", algorithm: options.algorithm, now: options.now });
  return signObject(signer, obj, { compress: options.compress });
}

/** Options of `django.core.signing.loads`. */
export interface LoadsOptions {
  key: Secret;
  /** `fallback_keys` (4.1+). @default [] */
  fallbackKeys?: readonly Secret[];
  /** @default "django.core.signing" */
  salt?: string;
  /** Maximum age in seconds of the embedded timestamp. */
  maxAge?: number;
  /** @default "sha256" */
  algorithm?: string;
  /** Cap on decoded bytes (Django has none). @default 1 MiB */
  maxSize?: number;
  now?: () => number;
}

/** `django.core.signing.loads`: throws `BadSignature`/`SignatureExpired` like Django, or a `SyntaxError`/`RangeError` for a signed but undecodable payload. */
export function loads(signed: string, options: LoadsOptions): PythonJsonValue {
  const signer = new TimestampSigner({
    key: options.key,
    fallbackKeys: options.fallbackKeys,
    salt: options.salt ?? "django.core.signing",
    algorithm: options.algorithm,
    now: options.now,
  });
  const result = verifyObject(signer, signed, { maxAge: options.maxAge, maxSize: options.maxSize });
  if (!result.ok) throw result.error;
  return result.value;
}

export { BadSignature };
