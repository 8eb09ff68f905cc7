/**
 * Django's session engines, as Django names them: the shared base (`SessionBase`), `db`,
 * `cached_db`, `cache` and `signed_cookies`. Engines import the core only; ORMs and caches come
 * in through the row adapter and cache client interfaces.
 */
export { SessionEngine, type SessionEngineOptions } from "./base";
export type { DjangoSessionSettings } from "./settings";
export { DjangoSessionRepository, type DjangoSessionRepositoryOptions } from "./db";
export { CachedDbSessionRepository, type CachedDbSessionRepositoryOptions } from "./cached-db";
export { CacheSessionEngine, CACHE_MAX_CREATE_ATTEMPTS, isSessionDict, type CacheSessionEngineOptions, type DjangoCacheClient } from "./cache";
export { SignedCookieSessionStore, type SignedCookieSessionStoreOptions } from "./signed-cookies";
export { mergeSessionChanges } from "./merge";
export type { SessionRow, SessionRowAdapter } from "./row-adapter";
export type { SessionCacheAdapter } from "./session-cache";
export type { SessionEvents, SessionEventHandlers } from "./events";
