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

// Keys of `CachedDbSessionRepository`'s cross-process coherence (see there), in the same cache
// and namespace as the sessions. Django takes a session key from the cookie, and a cookie value
// cannot hold ";" (Django's parse_cookie splits on it), so no request can name these keys.
/** The cache's current generation: `{ g: token }`. @internal */
export const CACHE_GENERATION_KEY = ";django-session.generation";
/** The generation a session's entry was written in, and the entry's fingerprint: `{ g: token, f: fingerprint }`. @internal */
export function cacheStampKey(sessionKey: string): string {
  return `;django-session.stamp${sessionKey}`;
}

/**
 * A fingerprint of a cached session dict as this engine wrote it (FNV-1a over its JSON, with its
 * length): not a security measure — whoever can write the cache can write any entry — only a way
 * to tell an entry this engine stamped from one another writer (Django) put there since.
 * @internal
 */
export function cacheEntryFingerprint(data: SessionData): string {
  const text = JSON.stringify(data, (_key, value: unknown) => (typeof value === "bigint" ? `${value}n` : value));
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${h.toString(36)}.${text.length.toString(36)}`;
}
