import { constantTimeEqual } from "../core/crypto";
import { ImproperlyConfigured } from "../core/errors";
import { ALLOW_ALL_USERS_BACKENDS, resolveAuthSettings, type AuthSession, type AuthSettingsOptions, type AuthUser } from "./auth-settings";
import { BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, getSessionAuthHash } from "./session-auth-hash";

/** Options of `getUser`. */
export interface GetUserOptions<U extends AuthUser> extends AuthSettingsOptions {
  /**
   * The backend's `get_user(user_id)`: the user row for the session's `_auth_user_id` (always a
   * string, e.g. `"1"` or a UUID; convert it to your pk type), or `null` when there is none.
   * Called with the session's backend path as the second argument.
   */
  loadUser: (id: string, backend: string) => Promise<U | null | undefined> | U | null | undefined;
  /**
   * The backend's `user_can_authenticate(user)`. By default Django's: inactive users
   * (`isActive` false/null/0) are turned away, except by the `AllowAllUsers*` backends.
   */
  userCanAuthenticate?: (user: U, backend: string) => boolean;
}

/** Why `getUser` found a user, or why it found none. */
export type GetUserReason = GetUserResult<AuthUser>["reason"];

/** What `getUser` found. `user: null` is Django's `AnonymousUser`. */
export type GetUserResult<U extends AuthUser> =
  | {
      user: U;
      backend: string;
      /**
       * `verified`: the hash matches under `secretKey`.
       * `verified-fallback`: it matched under a `secretKeyFallbacks` entry; the session now has
       * a new key (`cycleKey()`) and the current hash (Django 4.1.8+).
       * `verified-legacy`: Django 3.2 only, a pre-3.1 sha1 session hash.
       */
      reason: "verified" | "verified-fallback" | "verified-legacy";
    }
  | {
      user: null;
      /**
       * `no-user`: no `_auth_user_id` or no `_auth_user_backend` in the session.
       * `invalid-user-id`: `_auth_user_id` is not a string (nor a number).
       * `unknown-backend`: the backend is not in `backends`.
       * `user-not-found`: `loadUser` returned nothing.
       * `inactive`: the backend refuses the user (`isActive` false).
       * `hash-mismatch`: the session's hash matches neither the current nor a fallback hash (the
       * password changed, or the secret did): the session was flushed (logged out).
       * Only `hash-mismatch` touches the session, as in Django.
       */
      reason: "no-user" | "invalid-user-id" | "unknown-backend" | "user-not-found" | "inactive" | "hash-mismatch";
    };

function defaultUserCanAuthenticate(user: AuthUser, backend: string): boolean {
  if (ALLOW_ALL_USERS_BACKENDS.includes(backend)) return true;
  // getattr(user, "is_active", True), then Python truthiness.
  return user.isActive === undefined ? true : Boolean(user.isActive);
}

/**
 * `django.contrib.auth.get_user(request)`: the user a Django session is logged in as, verified the
 * way Django verifies it, or `null` (anonymous) with the reason.
 *
 * 1. `_auth_user_id` and `_auth_user_backend` must both be in the session, and the backend must be
 *    one of `backends`.
 * 2. `loadUser(id)` must return a user the backend accepts (ModelBackend: an active one).
 * 3. `_auth_user_hash` must equal `getSessionAuthHash(user.password, secretKey)` (constant time).
 *    Otherwise, if it equals the hash under a `secretKeyFallbacks` entry, the session is moved to
 *    a new key and the current hash stored (Django 4.1.8+); with `siteDjangoVersion: "3.2"`, a legacy
 *    sha1 hash is accepted as is. Anything else flushes the session: the user changed their
 *    password, or the hash is missing or forged.
 *
 * Steps 1 and 2 leave the session alone, as Django does.
 */
export async function getUser<U extends AuthUser>(session: AuthSession, options: GetUserOptions<U>): Promise<GetUserResult<U>> {
  const settings = resolveAuthSettings(options, "getUser");
  if (typeof options.loadUser !== "function") {
    throw new ImproperlyConfigured("getUser: loadUser must be a function (id: string, backend: string) => user | null, your backend's get_user().");
  }
  const canAuthenticate = options.userCanAuthenticate ?? defaultUserCanAuthenticate;

  if (!(await session.has(SESSION_KEY)) || !(await session.has(BACKEND_SESSION_KEY))) return { user: null, reason: "no-user" };
  const rawId = await session.get(SESSION_KEY);
  const backend = await session.get(BACKEND_SESSION_KEY);
  // Django always writes a string; pk.to_python() would also take a number.
  let id: string;
  if (typeof rawId === "string") id = rawId;
  else if (typeof rawId === "number" && Number.isSafeInteger(rawId)) id = String(rawId);
  else return { user: null, reason: "invalid-user-id" };
  if (typeof backend !== "string" || !settings.backends.includes(backend)) return { user: null, reason: "unknown-backend" };

  const user = await options.loadUser(id, backend);
  if (user === null || user === undefined) return { user: null, reason: "user-not-found" };
  if (!canAuthenticate(user, backend)) return { user: null, reason: "inactive" };

  const sessionHash = await session.get(HASH_SESSION_KEY);
  // A missing or empty hash never verifies (`session_hash and ...`).
  if (typeof sessionHash === "string" && sessionHash !== "") {
    const current = getSessionAuthHash(user.password, settings.secretKey, { algorithm: settings.algorithm });
    if (constantTimeEqual(sessionHash, current)) return { user, backend, reason: "verified" };
    // Django stops at the first match (any() over a generator); so do we.
    for (const fallback of settings.secretKeyFallbacks) {
      if (constantTimeEqual(sessionHash, getSessionAuthHash(user.password, fallback))) {
        await session.cycleKey();
        await session.set(HASH_SESSION_KEY, current);
        return { user, backend, reason: "verified-fallback" };
      }
    }
    if (settings.siteDjangoVersion === "3.2") {
      // _legacy_get_session_auth_hash(): sha1 under SECRET_KEY, accepted without an upgrade.
      const legacy = getSessionAuthHash(user.password, settings.secretKey, { algorithm: "sha1" });
      if (constantTimeEqual(sessionHash, legacy)) return { user, backend, reason: "verified-legacy" };
    }
  }
  await session.flush();
  return { user: null, reason: "hash-mismatch" };
}
