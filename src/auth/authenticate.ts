import { ImproperlyConfigured } from "../core/errors";
import { ALLOW_ALL_USERS_BACKENDS, MODEL_BACKEND, type AuthUser } from "./auth-settings";
import { makePassword, verifyPassword, type PasswordHasherOptions } from "./passwords";

/**
 * Where `authenticate` finds users and writes what a login changes: Django's user manager and
 * `user.save(update_fields=[...])`. `createSqlUserStore` (django-session/low-level),
 * `createTypeOrmUserStore` (django-session/typeorm) and `createPrismaUserStore`
 * (django-session/prisma) make one for `auth_user` or a custom user table.
 */
export interface UserStore<U extends AuthUser = AuthUser> {
  /**
   * `UserModel._default_manager.get_by_natural_key(username)`: the user whose `USERNAME_FIELD`
   * is `username` (as the site's manager compares it: exactly by default), or `null`.
   */
  findByNaturalKey(username: string): Promise<U | null>;
  /** `user.set_password(raw); user.save(update_fields=["password"])`, with the hash given. */
  setPassword(user: U, encoded: string): Promise<void>;
  /** `update_last_login`: `user.last_login = now; user.save(update_fields=["last_login"])`. */
  setLastLogin(user: U, at: Date): Promise<void>;
}

/** Options of `authenticate`: the site's password settings, its users, its backend. */
export interface AuthenticateOptions<U extends AuthUser> extends PasswordHasherOptions {
  users: UserStore<U>;
  /**
   * The backend this stands for, set as `user.backend` on the user returned (so `login` stores
   * it). `AllowAllUsersModelBackend` lets inactive users in, as Django's does.
   * @default "django.contrib.auth.backends.ModelBackend"
   */
  backend?: string;
}

/** Why `authenticate` returned no user; the caller shows one message for all (as Django's form does). */
export type AuthenticateReason = "missing-credentials" | "unknown-user" | "wrong-password" | "inactive";

export interface AuthenticateResult<U extends AuthUser> {
  /** The user, with `backend` set, or `null`. */
  user: (U & { backend: string }) | null;
  reason?: AuthenticateReason;
  /**
   * The password was re-hashed and stored (Django's `check_password` setter): it was checked
   * against an outdated hasher or work factor. The user's `_auth_user_hash` changes with it, so
   * their other sessions end at their next request, on both stacks, as after a login on Django.
   */
  passwordUpgraded: boolean;
}

function isActive(user: AuthUser): boolean {
  // `getattr(user, "is_active", True)`: a missing field counts as active.
  const value = user.isActive;
  return value === undefined || Boolean(value);
}

/**
 * `django.contrib.auth.authenticate(request, username=..., password=...)` with Django's
 * `ModelBackend`:
 *
 * - the user is found by its natural key (`users.findByNaturalKey`); for an unknown username the
 *   default hasher runs once anyway (Django's #20760), so the answer takes as long as for a wrong
 *   password and does not reveal which usernames exist;
 * - the password is checked with the site's hashers; a correct password stored with an outdated
 *   hasher or work factor is re-hashed and saved as Django's `check_password(raw, setter)` does —
 *   except that a hash with *more* work than configured (a newer Django wrote it) is never
 *   re-hashed down, so a Node side configured for an older Django does not rewrite the column
 *   (and log the user out everywhere) at every other login;
 * - an inactive user is refused (`user_can_authenticate`) unless `backend` is one of the
 *   `AllowAllUsers*` backends; the password is checked (and upgraded) first, as in Django.
 *
 * Then `login(session, result.user, options)` logs the user in.
 */
export async function authenticate<U extends AuthUser>(
  credentials: { username?: string | null; password?: string | null },
  options: AuthenticateOptions<U>,
): Promise<AuthenticateResult<U>> {
  const users = options?.users;
  if (!users || typeof users.findByNaturalKey !== "function" || typeof users.setPassword !== "function") {
    throw new ImproperlyConfigured(
      "authenticate needs options.users: a UserStore ({ findByNaturalKey, setPassword, setLastLogin }), e.g. createTypeOrmUserStore(dataSource) from django-session/typeorm.",
    );
  }
  const backend = options.backend ?? MODEL_BACKEND;
  if (typeof backend !== "string" || backend === "") throw new ImproperlyConfigured("authenticate: backend must be a dotted backend path, like an AUTHENTICATION_BACKENDS entry.");
  const { username, password } = credentials ?? {};
  if (typeof username !== "string" || typeof password !== "string") return { user: null, reason: "missing-credentials", passwordUpgraded: false };

  const user = await users.findByNaturalKey(username);
  if (user === null) {
    // `UserModel().set_password(password)`: the cost of one hash of the preferred hasher.
    await makePassword(password, options);
    return { user: null, reason: "unknown-user", passwordUpgraded: false };
  }
  const { valid, mustUpdate, workAbove } = await verifyPassword(password, user.password, options);
  if (!valid) return { user: null, reason: "wrong-password", passwordUpgraded: false };
  let passwordUpgraded = false;
  if (mustUpdate && !workAbove) {
    const encoded = await makePassword(password, options);
    await users.setPassword(user, encoded);
    user.password = encoded;
    passwordUpgraded = true;
  }
  if (!ALLOW_ALL_USERS_BACKENDS.includes(backend) && !isActive(user)) return { user: null, reason: "inactive", passwordUpgraded };
  user.backend = backend;
  return { user: user as U & { backend: string }, passwordUpgraded };
}
