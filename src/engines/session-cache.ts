import type { SessionData } from "../core/session-codec";

/**
 * The cache of Django's `cached_db` engine (spec §7.3): the session dict itself (not the signed
 * string) under Django's cache key. `DjangoSessionRepository({ cache })` reads through it and
 * keeps it coherent on every save, cycle and delete, so a logout on Node is a logout on Django.
 * Implementations map the session key to Django's physical key (`:1:django.contrib.sessions.cached_db<key>`
 * by default) and (de)serialise the value as Django's cache backend does (pickle for Redis).
 */
export interface SessionCacheAdapter {
  /** The cached dict, or `undefined` on a miss (or an unreadable entry). */
  get(sessionKey: string): Promise<SessionData | undefined>;
  /** Stores the dict for `timeoutSeconds` (Django's `get_expiry_age()`; ≤ 0 deletes). */
  set(sessionKey: string, data: SessionData, timeoutSeconds: number): Promise<void>;
  delete(sessionKey: string): Promise<void>;
}
