/**
 * django-session: the dict-like `Session`, Django's session engines (`db`, `cached_db`, `cache`,
 * `signed_cookies`), Django's session codec and signing, and the errors. The core imports no ORM
 * and no framework: the ORM adapters are `django-session/prisma` and `django-session/typeorm`,
 * Redis is `django-session/redis`, Django's auth is `django-session/auth`, and the building blocks
 * below these (pickle, Python JSON, base62, cookie helpers, the middleware core) are
 * `django-session/low-level`.
 */
export { Session, type SessionChanges, type KeyChange } from "./core/session";
export {
  SessionEngine,
  DjangoSessionRepository,
  CachedDbSessionRepository,
  CacheSessionEngine,
  SignedCookieSessionStore,
  type SessionEngineOptions,
  type DjangoSessionSettings,
  type DjangoSessionRepositoryOptions,
  type CachedDbSessionRepositoryOptions,
  type CacheSessionEngineOptions,
  type DjangoCacheClient,
  type SignedCookieSessionStoreOptions,
  type SessionRow,
  type SessionRowAdapter,
  type SessionCacheAdapter,
  type SessionEvents,
  type SessionEventHandlers,
} from "./engines";
export { SqlRowAdapter, type SqlExecutor, type SqlRowAdapterOptions } from "./adapters/sql/sql-row-adapter";
export { createSqlUserStore, type SqlUser, type SqlUserStoreOptions } from "./adapters/sql/sql-user-store";
export { listSessions, endSessions, type UserSession, type UserSessionsOptions } from "./adapters/sql/user-sessions";
export {
  SessionCodec,
  SignedCookieCodec,
  type SessionData,
  type DecodeResult,
  type DecodeFailureReason,
  type SessionCodecOptions,
  type SignedCookieCodecOptions,
} from "./core/session-codec";
export { Signer, TimestampSigner, type SignerOptions, type TimestampSignerOptions } from "./core/signer";
export { dumps, loads, type DumpsOptions, type LoadsOptions } from "./core/signed-objects";
export { generateSessionKey } from "./core/session-key";
export { consoleLogger, silentLogger, type SessionLogger } from "./core/logger";
export type { DjangoTimeOptions } from "./core/django-datetime";
export type { ExpiryValue, OldestDjangoVersion } from "./core/expiry";
export type { Secret } from "./core/crypto";
export {
  DjangoSessionError,
  isDjangoSessionError,
  BadSignature,
  SignatureExpired,
  InvalidAlgorithm,
  ImproperlyConfigured,
  CreateError,
  UpdateError,
  SessionInterrupted,
  SessionNotLoaded,
  SessionStorageError,
  SessionConflictError,
  SessionCreateExhausted,
  SessionCookieTooLarge,
  PickleError,
  PythonJsonError,
  type DjangoSessionErrorCode,
  type PickleErrorReason,
} from "./core/errors";
