import type { Secret } from "../core/crypto";
import { ImproperlyConfigured } from "../core/errors";
import { DJANGO_VERSION_LIST, DJANGO_VERSIONS, type DjangoVersion, type SessionAuthHashAlgorithm } from "./session-auth-hash";

/** `django.contrib.auth.backends.ModelBackend`, the default (and usual) authentication backend. */
export const MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend";
/** Django's default `AUTHENTICATION_BACKENDS`. */
export const DEFAULT_AUTHENTICATION_BACKENDS: readonly string[] = Object.freeze([MODEL_BACKEND]);
/**
 * Django's backends whose `user_can_authenticate()` lets inactive users in. Every other backend
 * (ModelBackend, RemoteUserBackend) turns a user with `is_active = False` away.
 */
export const ALLOW_ALL_USERS_BACKENDS: readonly string[] = Object.freeze([
  "django.contrib.auth.backends.AllowAllUsersModelBackend",
  "django.contrib.auth.backends.AllowAllUsersRemoteUserBackend",
]);

/** The fields of Django's user row that session authentication reads (extra fields pass through). */
export interface AuthUser {
  /** `user.pk`. Stored in the session as `String(id)` (Django's `pk.value_to_string`). */
  id: string | number | bigint;
  /** The `password` column, whole: `pbkdf2_sha256$600000$…`, or an unusable `!…`. */
  password: string;
  /**
   * `is_active`. A user object without the field counts as active (Django:
   * `getattr(user, "is_active", True)`); `false`, `null` or `0` is inactive.
   */
  isActive?: boolean | null | number;
  /** `user.backend`, as `authenticate()` sets it: `login()` uses it when no `backend` is given. */
  backend?: string;
}

/**
 * The part of a session that auth uses: `Session` from this package, or anything with the same
 * methods and Django's semantics for them.
 */
export interface AuthSession {
  get(key: string): Promise<unknown>;
  has(key: string): Promise<boolean>;
  set(key: string, value: any): Promise<void>;
  /** Django's `flush()`: empty data, stored session deleted, no key (logout). */
  flush(): Promise<void>;
  /** Django's `cycle_key()`: same data under a new key, old one deleted (no session fixation). */
  cycleKey(): Promise<void>;
}

/** Settings shared by `getUser`, `login` and `updateSessionAuthHash`, named after Django's. */
export interface AuthSettingsOptions {
  /** `SECRET_KEY`: the session auth hash is an HMAC of the password under it. */
  secretKey: Secret;
  /**
   * `SECRET_KEY_FALLBACKS` (Django 4.1+): hashes made under these still verify, and are then
   * replaced by the current one under a new session key. Not available with `siteDjangoVersion: "3.2"`.
   * @default []
   */
  secretKeyFallbacks?: readonly Secret[];
  /** `AUTHENTICATION_BACKENDS`: the backend paths a session may name. @default ["django.contrib.auth.backends.ModelBackend"] */
  backends?: readonly string[];
  /**
   * The Django version the site runs, whose `get_user()` to reproduce. `"3.2"` accepts its legacy
   * sha1 session hashes (pre-3.1 sessions) and has no fallback keys; `"4.2"` and `"5.2"` behave
   * the same, and so do 6.x. Not the engines' `oldestDjangoVersion`, which names the oldest Django that still
   * reads the stored sessions (and so how they are written).
   * @default "5.2"
   */
  siteDjangoVersion?: DjangoVersion;
  /**
   * Django 3.1/3.2's `DEFAULT_HASHING_ALGORITHM`: the session auth hash algorithm. Only with
   * `siteDjangoVersion: "3.2"`; 4.0+ always use sha256.
   * @default "sha256"
   */
  defaultHashingAlgorithm?: SessionAuthHashAlgorithm;
}

/** @internal */
export interface ResolvedAuthSettings {
  secretKey: Secret;
  secretKeyFallbacks: readonly Secret[];
  backends: readonly string[];
  siteDjangoVersion: DjangoVersion;
  algorithm: SessionAuthHashAlgorithm;
}

function isSecret(value: unknown): value is Secret {
  return typeof value === "string" || value instanceof Uint8Array;
}

/** Validates the options once per call, with messages that name the option and the fix. @internal */
export function resolveAuthSettings(options: AuthSettingsOptions, caller: string): ResolvedAuthSettings {
  if (!options || typeof options !== "object") {
    throw new ImproperlyConfigured(`${caller} needs options: { secretKey } (Django's SECRET_KEY).`);
  }
  if (!isSecret(options.secretKey) || options.secretKey.length === 0) {
    throw new ImproperlyConfigured(`${caller}: secretKey must be Django's SECRET_KEY, a non-empty string or Uint8Array.`);
  }
  const siteDjangoVersion = options.siteDjangoVersion ?? "5.2";
  if (!DJANGO_VERSIONS.includes(siteDjangoVersion)) {
    throw new ImproperlyConfigured(`${caller}: siteDjangoVersion must be one of ${DJANGO_VERSION_LIST} (got ${JSON.stringify(siteDjangoVersion)}).`);
  }
  const fallbacks = options.secretKeyFallbacks ?? [];
  if (!Array.isArray(fallbacks) || !fallbacks.every(isSecret)) {
    throw new ImproperlyConfigured(`${caller}: secretKeyFallbacks must be an array of strings or Uint8Arrays, like SECRET_KEY_FALLBACKS.`);
  }
  if (siteDjangoVersion === "3.2" && fallbacks.length > 0) {
    throw new ImproperlyConfigured(
      `${caller}: Django 3.2 has no SECRET_KEY_FALLBACKS, so it would log out sessions that a fallback key verifies; drop secretKeyFallbacks or set siteDjangoVersion to "4.2"/"5.2".`,
    );
  }
  const algorithm = options.defaultHashingAlgorithm ?? "sha256";
  if (algorithm !== "sha256" && algorithm !== "sha1") {
    throw new ImproperlyConfigured(`${caller}: defaultHashingAlgorithm must be "sha256" or "sha1" (got ${JSON.stringify(algorithm)}).`);
  }
  if (algorithm === "sha1" && siteDjangoVersion !== "3.2") {
    throw new ImproperlyConfigured(`${caller}: defaultHashingAlgorithm "sha1" is Django 3.1/3.2's DEFAULT_HASHING_ALGORITHM; set siteDjangoVersion: "3.2" (4.0+ always use sha256).`);
  }
  const backends = options.backends ?? DEFAULT_AUTHENTICATION_BACKENDS;
  if (!Array.isArray(backends) || backends.length === 0 || !backends.every((b) => typeof b === "string" && b.length > 0)) {
    throw new ImproperlyConfigured(
      `${caller}: backends must be a non-empty array of dotted backend paths, like AUTHENTICATION_BACKENDS (e.g. ["${MODEL_BACKEND}"]).`,
    );
  }
  return { secretKey: options.secretKey, secretKeyFallbacks: fallbacks, backends, siteDjangoVersion, algorithm };
}

/** `String(user.pk)`, Django's `pk.value_to_string(user)`. @internal */
export function userPk(user: AuthUser, caller: string): string {
  if (!user || typeof user !== "object") {
    throw new TypeError(`${caller} needs a user object ({ id, password, ... }), got ${user === null ? "null" : typeof user}.`);
  }
  const id = user.id;
  if (typeof id === "string" || typeof id === "bigint" || (typeof id === "number" && Number.isFinite(id))) return String(id);
  throw new TypeError(`${caller}: user.id must be the user's primary key (a string, number or bigint), got ${id === null ? "null" : typeof id}.`);
}
