import { b64Decode } from "./base64";
import { constantTimeEqual, deriveKey, type Secret } from "./crypto";
import { ImproperlyConfigured } from "./errors";
import { consoleLogger, type SessionLogger } from "./logger";
import { platform } from "./platform";
import { pyJsonDumps, pyJsonLoads } from "./python-json";
import { type CompressionOptions, DEFAULT_MAX_DECODED_SIZE, signObject, type UnsignFailureReason, verifyObject } from "./signed-objects";
import { TimestampSigner } from "./signer";

/** A decoded session: what Django's `SessionBase._session` holds. */
export type SessionData = Record<string, unknown>;

/** The salt of the db, cache, cached_db and file engines (`"django.contrib.sessions." + qualname`). */
export const DEFAULT_KEY_SALT = "django.contrib.sessions.SessionStore";
/** The salt of the signed_cookies engine. */
export const SIGNED_COOKIES_SALT = "django.contrib.sessions.backends.signed_cookies";
/** Django's `SESSION_COOKIE_AGE`. */
export const DEFAULT_COOKIE_AGE = 1209600;

/**
 * Below this JSON size a `session_data` value is stored uncompressed: Django reads it the same,
 * and deflate would cost more than the rest of the encode (see bench/codec.js).
 */
export const SESSION_COMPRESS_MIN_SIZE = 1024;

/** Why a session string decoded as `{}`. */
export type DecodeFailureReason =
  | UnsignFailureReason
  | "not-a-string"
  | "not-an-object"
  | "legacy-refused"
  | "legacy-bad-hash"
  | "legacy-malformed";

export type DecodeResult =
  | {
      ok: true;
      data: SessionData;
      /** `current`: signing.dumps framing; `legacy`: the pre-3.1 base64(hash:json) format. */
      format: "current" | "legacy";
      /** 0 for the current secret, `i + 1` for `secretKeyFallbacks[i]`. */
      keyIndex: number;
      /** The string should be re-encoded with the current key and format (fallback key, sha1, legacy). */
      renew: boolean;
    }
  | { ok: false; data: SessionData; reason: DecodeFailureReason };

/** Options shared by the session codecs; names follow Django's settings. */
export interface CodecOptions {
  /** `SECRET_KEY`. */
  secretKey: Secret;
  /** `SECRET_KEY_FALLBACKS` (Django 4.1+): still verify; never used to sign. @default [] */
  secretKeyFallbacks?: readonly Secret[];
  /** Cap on encoded and decoded size in bytes; larger data reads as `{}` with reason `too-large`. @default 1 MiB */
  maxSize?: number;
  /** Where failures are reported. @default consoleLogger */
  logger?: SessionLogger;
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number;
  /**
   * When to compress (see `CompressionOptions`). `{ minSize: 0, exact: true }` writes exactly
   * the bytes Django writes. @default SessionCodec: { minSize: 1024 }; SignedCookieCodec: { minSize: 0 }
   */
  compression?: CompressionOptions;
}

/** Options of `SessionCodec`. */
export interface SessionCodecOptions extends CodecOptions {
  /**
   * The store's `key_salt`: `"django.contrib.sessions." + SessionStore.__qualname__`. Only a
   * custom store class with another name changes it.
   * @default "django.contrib.sessions.SessionStore"
   */
  keySalt?: string;
  /**
   * The pre-3.1 format (base64 of `sha1hex:json`), and sha1 signatures in the current framing,
   * both of which only Django 3.1/3.2 still read. `"refuse"` (Django 4.0+ behaviour) reads them
   * as `{}`; `"read"` accepts them as 3.2 does; `"write"` also writes the legacy format, as 3.2
   * does under `DEFAULT_HASHING_ALGORITHM = "sha1"`.
   * @default "refuse"
   */
  legacyFormat?: "refuse" | "read" | "write";
}

const LEGACY_SHAPE = /^[A-Za-z0-9+/]+={0,2}$/;
const LEGACY_HASH = /^[0-9a-f]{40}$/;

/** Lowercase hex, as Python's `hexdigest()`. */
function hex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

function checkSecret(secret: unknown, option: string, what: string): void {
  if (typeof secret === "string" ? secret.length === 0 : !(secret instanceof Uint8Array) || secret.length === 0) {
    throw new ImproperlyConfigured(`The ${option} option must be a non-empty string (${what}). Pass it explicitly, e.g. from process.env.`);
  }
}

function isPlainObject(value: unknown): value is SessionData {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Shared part of both codecs: signer, caps and the reporting of failures. */
abstract class SignedSessionCodec {
  protected readonly signer: TimestampSigner;
  protected readonly maxSize: number;
  protected readonly logger: SessionLogger;
  protected readonly compression: CompressionOptions;

  protected constructor(options: CodecOptions, salt: string, acceptSha1: boolean, defaultMinSize: number) {
    if (!options || typeof options !== "object") {
      throw new ImproperlyConfigured("The codec needs options: { secretKey } (your Django SECRET_KEY).");
    }
    checkSecret(options.secretKey, "secretKey", "your Django SECRET_KEY");
    if (options.secretKeyFallbacks !== undefined && !Array.isArray(options.secretKeyFallbacks)) {
      throw new ImproperlyConfigured("secretKeyFallbacks must be an array of old secret keys (Django's SECRET_KEY_FALLBACKS).");
    }
    options.secretKeyFallbacks?.forEach((k, i) => checkSecret(k, `secretKeyFallbacks[${i}]`, "an old SECRET_KEY from SECRET_KEY_FALLBACKS"));
    const maxSize = options.maxSize ?? DEFAULT_MAX_DECODED_SIZE;
    if (!Number.isSafeInteger(maxSize) || maxSize < 1024) {
      throw new ImproperlyConfigured(`maxSize must be a whole number of bytes, at least 1024 (got ${String(options.maxSize)}).`);
    }
    this.maxSize = maxSize;
    const compression = {
      minSize: options.compression?.minSize ?? defaultMinSize,
      exact: options.compression?.exact ?? false,
      level: options.compression?.level ?? 3,
    };
    if (!Number.isInteger(compression.level) || compression.level < 1 || compression.level > 9) {
      throw new ImproperlyConfigured(`compression.level must be a zlib level from 1 to 9 (got ${String(options.compression?.level)}).`);
    }
    if (!Number.isSafeInteger(compression.minSize) || compression.minSize < 0) {
      throw new ImproperlyConfigured(`compression.minSize must be a whole number of bytes, 0 or more (got ${String(options.compression?.minSize)}).`);
    }
    this.compression = compression;
    this.logger = options.logger ?? consoleLogger;
    this.signer = new TimestampSigner({
      key: options.secretKey,
      fallbackKeys: options.secretKeyFallbacks ?? [],
      salt,
      now: options.now,
      acceptSha1,
    });
  }

  protected tooLong(text: string): boolean {
    // base64 inflates by 4/3; the frame adds a timestamp and a signature.
    return text.length > Math.ceil((this.maxSize * 4) / 3) + 256;
  }

  protected decodeSigned(text: unknown, maxAge?: number): DecodeResult {
    if (typeof text !== "string") return { ok: false, data: {}, reason: "not-a-string" };
    if (this.tooLong(text)) return { ok: false, data: {}, reason: "too-large" };
    const result = verifyObject(this.signer, text, { maxAge, maxSize: this.maxSize });
    if (!result.ok) return { ok: false, data: {}, reason: result.reason };
    if (!isPlainObject(result.value)) return { ok: false, data: {}, reason: "not-an-object" };
    return { ok: true, data: result.value, format: "current", keyIndex: result.keyIndex, renew: result.renew };
  }

  protected report(result: DecodeResult, engine: string): void {
    if (result.ok) return;
    const context = { reason: result.reason, engine };
    try {
      if (result.reason === "signature-expired") this.logger.debug?.("Session cookie expired", context);
      else if (result.reason === "bad-signature" || result.reason.startsWith("legacy")) this.logger.warn("Session data corrupted", context);
      else this.logger.warn("Session data could not be decoded", context);
    } catch {
      // A broken logger must not turn a bad cookie into a crash: decode never throws.
    }
  }
}

/**
 * `SessionBase.encode`/`decode`: the `session_data` column of `django_session` (and the file
 * engine's content). `decode` never throws: a failure gives `{}` and a typed reason, reported to
 * the logger (Django logs only bad signatures, as `Session data corrupted`).
 */
export class SessionCodec extends SignedSessionCodec {
  readonly keySalt: string;
  private readonly legacy: "refuse" | "read" | "write";
  private readonly legacyKey: Uint8Array;

  constructor(options: SessionCodecOptions) {
    const legacy = options?.legacyFormat ?? "refuse";
    if (!["refuse", "read", "write"].includes(legacy)) {
      throw new ImproperlyConfigured(`legacyFormat must be "refuse", "read" or "write" (got ${JSON.stringify(legacy)}).`);
    }
    const keySalt = options?.keySalt ?? DEFAULT_KEY_SALT;
    if (typeof keySalt !== "string" || keySalt.length === 0) {
      throw new ImproperlyConfigured('keySalt must be a non-empty string, normally "django.contrib.sessions.SessionStore".');
    }
    super(options, keySalt, legacy !== "refuse", SESSION_COMPRESS_MIN_SIZE);
    this.keySalt = keySalt;
    this.legacy = legacy;
    // Pre-3.1 Django salted with "django.contrib.sessions" + type(self).__name__ (no dot, and
    // the bare class name rather than the qualname the current salt uses).
    const className = keySalt.startsWith("django.contrib.sessions.") ? keySalt.slice(24).split(".").pop()! : keySalt;
    this.legacyKey = deriveKey(`django.contrib.sessions${className}`, options.secretKey, "sha1");
  }

  /** `SessionBase.encode(session_dict)`: `signing.dumps(..., compress=True, salt=key_salt)`. */
  encode(data: SessionData): string {
    if (this.legacy === "write") return this.encodeLegacy(data);
    return signObject(this.signer, data, { compress: this.compression });
  }

  /** `SessionBase.decode(session_data)`: the data, or `{}` on any failure (reported, never thrown). */
  decode(sessionData: string): SessionData {
    return this.decodeDetailed(sessionData).data;
  }

  /** Like `decode`, with the reason for a failure, the key that matched and whether to re-encode. */
  decodeDetailed(sessionData: string): DecodeResult {
    let result = this.decodeSigned(sessionData);
    if (!result.ok && result.reason === "bad-signature") {
      // Django 3.1/3.2 fall back to the legacy decoder; 4.0+ refuse it. Recognise it either way
      // so that the reason tells the operator to set legacyFormat rather than "corrupted".
      const legacy = this.decodeLegacy(sessionData);
      if (legacy !== null) result = this.legacy === "refuse" && legacy.ok ? { ok: false, data: {}, reason: "legacy-refused" } : legacy;
    }
    this.report(result, "db");
    return result;
  }

  private encodeLegacy(data: SessionData): string {
    const serialized = platform.latin1(pyJsonDumps(data));
    const hash = hex(platform.hmac("sha1", this.legacyKey, serialized));
    return platform.base64(platform.concat([platform.latin1(`${hash}:`), serialized]));
  }

  /** `null` when the string is not shaped like the legacy format at all. */
  private decodeLegacy(sessionData: string): DecodeResult | null {
    if (!LEGACY_SHAPE.test(sessionData) || sessionData.length % 4 !== 0) return null;
    // LEGACY_SHAPE and the length make this canonical base64, which every decoder reads alike.
    const raw = b64Decode(sessionData);
    if (raw === null) return null;
    const colon = raw.indexOf(0x3a);
    const givenHash = platform.latin1Text(raw.subarray(0, 40));
    if (colon !== 40 || !LEGACY_HASH.test(givenHash)) return null;
    const serialized = raw.subarray(41);
    const expected = hex(platform.hmac("sha1", this.legacyKey, serialized));
    if (!constantTimeEqual(givenHash, expected)) {
      return { ok: false, data: {}, reason: "legacy-bad-hash" };
    }
    let value: unknown;
    try {
      value = pyJsonLoads(platform.latin1Text(serialized));
    } catch {
      return { ok: false, data: {}, reason: "legacy-malformed" };
    }
    if (!isPlainObject(value)) return { ok: false, data: {}, reason: "not-an-object" };
    return { ok: true, data: value, format: "legacy", keyIndex: 0, renew: true };
  }
}

/** Options of `SignedCookieCodec`. */
export interface SignedCookieCodecOptions extends CodecOptions {
  /** `SESSION_COOKIE_AGE`: the cookie's signature expires after this many seconds. @default 1209600 */
  cookieAge?: number;
  /** @default "django.contrib.sessions.backends.signed_cookies" */
  salt?: string;
}

/**
 * The value of a `signed_cookies` engine session cookie: the whole session, signed with its own
 * salt and checked against `SESSION_COOKIE_AGE` (custom `_session_expiry` is not enforced, as in
 * Django, ticket #19201).
 */
export class SignedCookieCodec extends SignedSessionCodec {
  readonly cookieAge: number;

  constructor(options: SignedCookieCodecOptions) {
    // Cookies are size-bound (4 KB in browsers), so they always get Django's rule.
    super(options, options?.salt ?? SIGNED_COOKIES_SALT, false, 0);
    const cookieAge = options.cookieAge ?? DEFAULT_COOKIE_AGE;
    if (typeof cookieAge !== "number" || !Number.isFinite(cookieAge)) {
      throw new ImproperlyConfigured(`cookieAge must be a number of seconds, like SESSION_COOKIE_AGE (got ${String(options.cookieAge)}).`);
    }
    this.cookieAge = cookieAge;
  }

  /** `signing.dumps(session, compress=True, salt=...)` with the current time. */
  encode(data: SessionData): string {
    return signObject(this.signer, data, { compress: this.compression });
  }

  /** The session, or `{}` for a bad, expired or oversized cookie (reported, never thrown). */
  decode(cookieValue: string): SessionData {
    return this.decodeDetailed(cookieValue).data;
  }

  decodeDetailed(cookieValue: string): DecodeResult {
    const result = this.decodeSigned(cookieValue, this.cookieAge);
    this.report(result, "signed_cookies");
    return result;
  }
}
