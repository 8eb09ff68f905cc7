/**
 * Django's signers (`django.core.signing.Signer`, `TimestampSigner`): sign and verify a string,
 * with key fallbacks and a timestamp. Signing whole objects (`dumps` / `loads`) is in
 * ./signed-objects.ts.
 */
import { b62Decode, b62Encode } from "./base62";
import { asciiConstantTimeEqual, deriveKey, hashName, isWellFormed, type PreparedHmac, prepareHmac, type Secret, secretBytes } from "./crypto";
import { BadSignature, ImproperlyConfigured, SignatureExpired } from "./errors";

/** Options of `django.core.signing.Signer`, keyword for keyword. */
export interface SignerOptions {
  /** `key`: the `SECRET_KEY`. Required: this library never reads settings or the environment. */
  key: Secret;
  /** `fallback_keys` (Django 4.1+): old secrets that still verify; signing always uses `key`. @default [] */
  fallbackKeys?: readonly Secret[];
  /**
   * `sep`. Must not consist only of `A-z0-9-_=` (Django's check, including its `[\]^_\`` quirk and
   * Python's `$`, which also matches before a final newline). @default ":"
   */
  sep?: string;
  /** `salt`. @default "django.core.signing.Signer" (TimestampSigner: "django.core.signing.TimestampSigner") */
  salt?: string;
  /** `algorithm`. @default "sha256" */
  algorithm?: string;
  /**
   * Also accept sha1 signatures made with `key`, as Django 3.1/3.2's `legacy_algorithm` does
   * (sites that ran with `DEFAULT_HASHING_ALGORITHM = "sha1"`). Off by default: 4.0+ refuses them.
   * @default false
   */
  acceptSha1?: boolean;
}

/** What `verify()` answers instead of throwing (the fastify-cookie shape). */
export type VerifyResult =
  | {
      valid: true;
      value: string;
      /** 0 when the current key matched, `i + 1` when `fallbackKeys[i]` did. */
      keyIndex: number;
      /** True when the value should be signed again with the current key (fallback or sha1 match). */
      renew: boolean;
    }
  | { valid: false; error: BadSignature };

// `[A-z0-9-_=]` in Python's re is a range from `A` to `z`, so it also covers `[\]^_\``; and
// Python's `$` also matches just before a trailing newline, so `"\n"` and `"abc\n"` are unsafe too.
const UNSAFE_SEP = /^[A-z0-9\-_=]*\n?$/;

/** A derived key, ready to sign with (see `prepareHmac`). */
type DerivedKey = PreparedHmac;

/** `django.core.signing.Signer`. Keys are derived once at construction, not per call as in Django. */
export class Signer {
  readonly sep: string;
  readonly salt: string;
  readonly algorithm: string;
  private readonly signingKey: DerivedKey;
  private readonly verifyKeys: readonly DerivedKey[];
  private readonly sha1Key: DerivedKey | null;

  constructor(options: SignerOptions) {
    const sep = options.sep ?? ":";
    if (typeof sep !== "string" || UNSAFE_SEP.test(sep)) {
      // Django raises ValueError with this message; ours is a configuration error with a code.
      throw new ImproperlyConfigured(`Unsafe Signer separator: ${pyRepr(String(sep))} (cannot be empty or consist of only A-z0-9-_=)`);
    }
    // Django falls back to settings.SECRET_KEY for a missing or empty key, and refuses an empty
    // SECRET_KEY; we have no settings, so both are configuration mistakes.
    checkKey(options.key, "key");
    const fallbackKeys = options.fallbackKeys ?? [];
    // A runtime check for untyped callers, on an unknown alias (narrowing the keys makes them any[]).
    const given: unknown = fallbackKeys;
    if (!Array.isArray(given)) {
      throw new ImproperlyConfigured("Signer fallbackKeys must be an array of old secret keys (Django's SECRET_KEY_FALLBACKS), or omitted.");
    }
    // An empty fallback would make the HMAC key H(salt) alone, which anyone can compute.
    fallbackKeys.forEach((k, i) => checkKey(k, `fallbackKeys[${i}]`));
    this.sep = sep;
    // `||`, not `??`: Django writes `salt or default` and `algorithm or "sha256"`, so "" means the default.
    this.salt = options.salt || this.defaultSalt();
    if (typeof this.salt !== "string") throw new ImproperlyConfigured("Signer salt must be a string.");
    this.algorithm = options.algorithm || "sha256";
    const keySalt = `${this.salt}signer`;
    const derive = (secret: Secret, algorithm: string): DerivedKey => prepareHmac(hashName(algorithm), deriveKey(keySalt, secret, algorithm));
    this.signingKey = derive(options.key, this.algorithm);
    this.verifyKeys = [this.signingKey, ...fallbackKeys.map((k) => derive(k, this.algorithm))];
    this.sha1Key = options.acceptSha1 ? derive(options.key, "sha1") : null;
  }

  protected defaultSalt(): string {
    return "django.core.signing.Signer";
  }

  /** `Signer.signature(value)`: base64url HMAC with key `H(salt + "signer" + secret)`. */
  signature(value: string | Uint8Array): string {
    return hmac(this.signingKey, value);
  }

  /**
   * `Signer.sign(value)` = `value + sep + signature(value)`. Django `str()`s a non-string first;
   * JavaScript cannot reproduce `str()` (`True`, `1.0`, dates), so a non-string is a `TypeError`.
   */
  sign(value: string): string {
    if (typeof value !== "string") {
      throw new TypeError(`Signer.sign() takes a string (got ${value === null ? "null" : typeof value}); convert it first, as Django's str() would.`);
    }
    return `${value}${this.sep}${this.signature(value)}`;
  }

  /** `Signer.unsign(signed)`: the value, or throws `BadSignature`. */
  unsign(signed: string): string {
    const result = this.verify(signed);
    if (!result.valid) throw result.error;
    return result.value;
  }

  /** Non-throwing `unsign`: tries the current key, then each fallback, in constant time per key. */
  verify(signed: string): VerifyResult {
    const at = typeof signed === "string" ? signed.lastIndexOf(this.sep) : -1;
    if (at < 0) return { valid: false, error: new BadSignature(`No "${this.sep}" found in value`) };
    const value = signed.slice(0, at);
    const sig = signed.slice(at + this.sep.length);
    // Python cannot even encode such a value (UnicodeEncodeError); it never had a valid signature.
    if (!isWellFormed(value)) return { valid: false, error: new BadSignature(`Signature "${truncate(sig)}" does not match`) };
    // `value` is well formed: the prepared HMACs hash it as UTF-8 directly.
    for (const [i, key] of this.verifyKeys.entries()) {
      if (asciiConstantTimeEqual(sig, key(value))) {
        return { valid: true, value, keyIndex: i, renew: i !== 0 };
      }
    }
    if (this.sha1Key && asciiConstantTimeEqual(sig, this.sha1Key(value))) {
      return { valid: true, value, keyIndex: 0, renew: true };
    }
    // Django echoes the signature in this message; it is attacker-supplied and not secret.
    return { valid: false, error: new BadSignature(`Signature "${truncate(sig)}" does not match`) };
  }
}

/** Options of `TimestampSigner`, plus an injectable clock. */
export interface TimestampSignerOptions extends SignerOptions {
  /** Milliseconds since the epoch, like `Date.now` (Django: `time.time()`). @default Date.now */
  now?: () => number;
}

export type TimestampVerifyResult =
  | { valid: true; value: string; timestamp: number; keyIndex: number; renew: boolean }
  | { valid: false; error: BadSignature };

/** `django.core.signing.TimestampSigner`: appends a base62 timestamp before signing. */
export class TimestampSigner extends Signer {
  private readonly now: () => number;

  constructor(options: TimestampSignerOptions) {
    super(options);
    this.now = options.now ?? Date.now;
  }

  protected override defaultSalt(): string {
    return "django.core.signing.TimestampSigner";
  }

  private lastSecond = NaN;
  private lastTimestamp = "";

  /** `int(time.time())` in base62; `int()` truncates. Encoded once per second. */
  timestamp(): string {
    const second = Math.trunc(this.now() / 1000);
    if (second !== this.lastSecond) {
      this.lastTimestamp = b62Encode(second);
      this.lastSecond = second;
    }
    return this.lastTimestamp;
  }

  override sign(value: string): string {
    if (typeof value !== "string") return super.sign(value);
    return super.sign(`${value}${this.sep}${this.timestamp()}`);
  }

  /** `TimestampSigner.unsign(value, max_age)`; `maxAge` in seconds. Throws `BadSignature`/`SignatureExpired`. */
  override unsign(signed: string, maxAge?: number): string {
    const result = this.verifyTimestamped(signed, maxAge);
    if (!result.valid) throw result.error;
    return result.value;
  }

  /** Non-throwing `unsign` with the timestamp (seconds) and which key matched. */
  verifyTimestamped(signed: string, maxAge?: number): TimestampVerifyResult {
    const outer = super.verify(signed);
    if (!outer.valid) return outer;
    const at = outer.value.lastIndexOf(this.sep);
    if (at < 0) return { valid: false, error: new BadSignature(`No "${this.sep}" found in value`) };
    let timestamp: number;
    try {
      timestamp = b62Decode(outer.value.slice(at + this.sep.length));
    } catch {
      return { valid: false, error: new BadSignature("Malformed timestamp") };
    }
    if (maxAge !== undefined && maxAge !== null) {
      // NaN would make `age > maxAge` always false: a signature that never expires.
      if (typeof maxAge !== "number" || Number.isNaN(maxAge)) throw new TypeError(`maxAge must be a number of seconds (got ${String(maxAge)}).`);
      // Django compares a float age with a strict `>`.
      const age = this.now() / 1000 - timestamp;
      if (age > maxAge) {
        return { valid: false, error: new SignatureExpired(`Signature age ${age} > ${maxAge} seconds`) };
      }
    }
    return { valid: true, value: outer.value.slice(0, at), timestamp, keyIndex: outer.keyIndex, renew: outer.renew };
  }
}

function hmac(derived: DerivedKey, value: string | Uint8Array): string {
  // A well-formed string is hashed as UTF-8 directly (the same bytes as secretBytes, without the
  // intermediate copy); secretBytes throws Python's error for a lone surrogate.
  return derived(typeof value === "string" && isWellFormed(value) ? value : secretBytes(value));
}

function checkKey(key: unknown, option: string): void {
  const ok = typeof key === "string" ? key.length > 0 : key instanceof Uint8Array && key.length > 0;
  if (!ok) {
    throw new ImproperlyConfigured(
      `Signer ${option} must be a non-empty string or Uint8Array (a Django SECRET_KEY). Pass it explicitly; this library never reads settings or the environment.`,
    );
  }
}

function truncate(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

const REPR_ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** Python's `repr()` of a string (ASCII control characters escaped), for Django's exact error message. */
function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const body = text.replace(/[\\\u0000-\u001f\u007f'"]/g, (c) => {
    if (c === quote) return `\\${c}`;
    if (c === "'" || c === '"') return c;
    return REPR_ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
  return `${quote}${body}${quote}`;
}
