export { DjangoSessionRepository, SessionStorageError, SessionConflictError, type DjangoSessionRepositoryOptions } from "./django-session-repository";
export type { SessionRow, SessionRowAdapter } from "./row-adapter";
export { SqlRowAdapter, type SqlExecutor, type SqlRowAdapterOptions } from "./sql-row-adapter";
export type { SessionCacheAdapter } from "./session-cache";
export { SignedCookieSessionStore, SessionCookieTooLarge, MAX_COOKIE_BYTES, type SignedCookieSessionStoreOptions } from "./signed-cookie-store";
export type { SessionEvents, SessionEventHandlers } from "./session-events";
