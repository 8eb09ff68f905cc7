import { constantTimeEqual } from "../core/crypto";
import { ImproperlyConfigured } from "../core/errors";
import { resolveAuthSettings, userPk, type AuthSession, type AuthSettingsOptions, type AuthUser } from "./auth-settings";
import type { UserStore } from "./authenticate";
import { BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, getSessionAuthHash } from "./session-auth-hash";

/** Options of `login`. */
export interface LoginOptions extends AuthSettingsOptions {
  /**
   * The dotted path of the backend that authenticated the user, stored as `_auth_user_backend`.
   * Defaults to `user.backend`, else the only entry of `backends` (an error when there are several).
   */
  backend?: string;
  /**
   * Django's `user_logged_in` receiver `update_last_login`: when given, `last_login` is set to now
   * (`users.setLastLogin`) after the session is written, as Django does for every user model with
   * a `last_login` field. The stores of `createSqlUserStore`, `createTypeOrmUserStore` and
   * `createPrismaUserStore` write it in Django's stored form for each database.
   */
  users?: Pick<UserStore, "setLastLogin">;
  /** The clock of `last_login`. @default () => new Date() */
  now?: () => Date;
  /** The request's CSRF tokens (`DjangoCsrf.forRequest`): rotated as Django's `login()` does (`rotate_token`). */
  csrf?: { rotateToken(): void };
}

/** What `login` did to the session before writing the user into it. */
export interface LoginResult {
  /**
   * `cycled`: the session had no user; same data, new key (no session fixation).
   * `flushed`: it belonged to another user, or to this user before a password change: emptied,
   * new key.
   * `kept`: the same user logging in again with the same hash; Django keeps the key.
   */
  session: "cycled" | "flushed" | "kept";
}

/** Options of `updateSessionAuthHash`. */
export type UpdateSessionAuthHashOptions = Omit<AuthSettingsOptions, "backends" | "secretKeyFallbacks">;

// Django's exact messages (django/contrib/auth/__init__.py, _get_backend_from_user).
const MULTIPLE_BACKENDS =
  "You have multiple authentication backends configured and therefore must provide the `backend` argument or set the `backend` attribute on the user.";

function resolveBackend(user: AuthUser, explicit: unknown, backends: readonly string[]): string {
  // `backend or user.backend`; a user without the attribute falls back to the only backend.
  const backend = explicit ? explicit : user.backend;
  if (backend === undefined) {
    const [only] = backends;
    if (backends.length === 1 && only !== undefined) return only;
    throw new ImproperlyConfigured(MULTIPLE_BACKENDS);
  }
  if (typeof backend !== "string") throw new ImproperlyConfigured(`backend must be a dotted import path string (got ${backend === null ? "null" : typeof backend}).`);
  return backend;
}

/**
 * `django.contrib.auth.login(request, user, backend)`: writes the user into the session exactly as
 * Django does, so that Django (and `getUser`) sees them logged in.
 *
 * If the session already holds a user, and it is another user or the stored hash differs (a
 * constant-time comparison), the session is flushed; if it holds none, its key is cycled, so data
 * from the anonymous session survives under a new key. Then `_auth_user_id` (`String(user.id)`),
 * `_auth_user_backend` and `_auth_user_hash` are set. Save the session (and send its new cookie)
 * as usual afterwards.
 *
 * With `users`, `last_login` is updated as Django's `user_logged_in` receiver does; with `csrf`,
 * the CSRF secret is rotated (`rotate_token`), so a token from before the login stops working.
 */
export async function login(session: AuthSession, user: AuthUser, options: LoginOptions): Promise<LoginResult> {
  const settings = resolveAuthSettings(options, "login");
  const pk = userPk(user, "login");
  const hash = getSessionAuthHash(user.password, settings.secretKey, { algorithm: settings.algorithm });
  // Django resolves the backend after touching the session; resolving it first means a
  // configuration error leaves the session as it was.
  const backend = resolveBackend(user, options.backend, settings.backends);

  let action: LoginResult["session"] = "kept";
  if (await session.has(SESSION_KEY)) {
    const storedPk = await session.get(SESSION_KEY);
    const storedHash = await session.get(HASH_SESSION_KEY);
    const samePk = (typeof storedPk === "string" || typeof storedPk === "number") && String(storedPk) === pk;
    const sameHash = typeof storedHash === "string" && constantTimeEqual(storedHash, hash);
    // `hash and not compare(...)`: the hash is never empty here (getSessionAuthHash always
    // returns 40 or 64 hex digits), so a differing hash always flushes.
    if (!samePk || !sameHash) {
      await session.flush();
      action = "flushed";
    }
  } else {
    await session.cycleKey();
    action = "cycled";
  }
  await session.set(SESSION_KEY, pk);
  await session.set(BACKEND_SESSION_KEY, backend);
  await session.set(HASH_SESSION_KEY, hash);
  options.csrf?.rotateToken();
  if (options.users) await options.users.setLastLogin(user, (options.now ?? (() => new Date()))());
  return { session: action };
}

/**
 * `django.contrib.auth.logout(request)`: flushes the session (data emptied, stored session
 * deleted, key dropped). The `user_logged_out` signal is Django-side only.
 */
export async function logout(session: AuthSession): Promise<void> {
  await session.flush();
}

/**
 * `django.contrib.auth.update_session_auth_hash(request, user)`: after a password change, keeps
 * this session logged in while every other session of the user is logged out (their stored hash
 * no longer matches). Cycles the session key, then, if the session is this user's (Django:
 * `request.user == user`), stores the hash of the user's new `password`.
 */
export async function updateSessionAuthHash(session: AuthSession, user: AuthUser, options: UpdateSessionAuthHashOptions): Promise<void> {
  const settings = resolveAuthSettings(options, "updateSessionAuthHash");
  const pk = userPk(user, "updateSessionAuthHash");
  const hash = getSessionAuthHash(user.password, settings.secretKey, { algorithm: settings.algorithm });
  await session.cycleKey();
  const storedPk = await session.get(SESSION_KEY);
  if ((typeof storedPk === "string" || typeof storedPk === "number") && String(storedPk) === pk) {
    await session.set(HASH_SESSION_KEY, hash);
  }
}
