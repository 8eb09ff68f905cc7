import { saltedHmac, type Secret } from "../core/crypto";
import { ImproperlyConfigured } from "../core/errors";

/** Django's `SESSION_KEY`: the session key holding the user's pk as a string. */
export const SESSION_KEY = "_auth_user_id";
/** Django's `BACKEND_SESSION_KEY`: the dotted path of the backend that authenticated the user. */
export const BACKEND_SESSION_KEY = "_auth_user_backend";
/** Django's `HASH_SESSION_KEY`: `get_session_auth_hash()` at login. */
export const HASH_SESSION_KEY = "_auth_user_hash";
/** The key salt of `AbstractBaseUser.get_session_auth_hash()`. */
export const SESSION_AUTH_HASH_KEY_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash";

/**
 * The Django versions whose auth and hasher behaviour this package reproduces. 6.x sessions and
 * logins behave as 5.2's; what differs is the hashers' work (PBKDF2 iterations).
 */
export type DjangoVersion = "3.2" | "4.2" | "5.2" | "6.0" | "6.1" | "6.2";

/** Every `DjangoVersion`, oldest first. @internal */
export const DJANGO_VERSIONS: readonly DjangoVersion[] = Object.freeze(["3.2", "4.2", "5.2", "6.0", "6.1", "6.2"]);

/** `"3.2", "4.2", …` for error messages. @internal */
export const DJANGO_VERSION_LIST = DJANGO_VERSIONS.map((v) => JSON.stringify(v)).join(", ");

/** The HMAC algorithm of the session auth hash. */
export type SessionAuthHashAlgorithm = "sha256" | "sha1";

/** Options of `getSessionAuthHash`. */
export interface SessionAuthHashOptions {
  /**
   * `sha256` as Django 4.0+ always uses; `sha1` for Django 3.1/3.2 under
   * `DEFAULT_HASHING_ALGORITHM = 'sha1'`, or for 3.2's legacy hash (`_legacy_get_session_auth_hash`).
   * @default "sha256"
   */
  algorithm?: SessionAuthHashAlgorithm;
}

/**
 * `AbstractBaseUser.get_session_auth_hash()`: lowercase hex
 * `salted_hmac("django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash", password, secret, algorithm)`,
 * where `password` is the user's whole `password` column (`pbkdf2_sha256$…`). 64 hex characters
 * for sha256, 40 for sha1. Changing the password (or the secret) changes it, which is what logs
 * out the user's other sessions.
 *
 * With a `SECRET_KEY_FALLBACKS` entry as `secret` this is one of
 * `get_session_auth_fallback_hash()`'s values.
 */
export function getSessionAuthHash(password: string, secret: Secret, options: SessionAuthHashOptions = {}): string {
  const algorithm = options.algorithm ?? "sha256";
  if (algorithm !== "sha256" && algorithm !== "sha1") {
    throw new ImproperlyConfigured(`algorithm must be "sha256" or "sha1" (got ${JSON.stringify(algorithm)}).`);
  }
  if (typeof password !== "string") {
    throw new TypeError(`The user's password must be the encoded password string of Django's password column (got ${password === null ? "null" : typeof password}).`);
  }
  return saltedHmac(SESSION_AUTH_HASH_KEY_SALT, password, secret, algorithm).toString("hex");
}
