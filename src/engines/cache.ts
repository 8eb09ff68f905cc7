import { toStoredExpiry } from "../core/expiry";
import { CreateError, ImproperlyConfigured, SessionStorageError, UpdateError } from "../core/errors";
import type { Session } from "../core/session";
import type { SessionData } from "../core/session-codec";
import { SessionEngine, type SessionEngineOptions } from "./base";

/**
 * Django's cache API as the `cache` engine uses it (`get`, `add`, `set`, `delete`, `has_key`),
 * on session keys: the client maps them to Django's physical keys and (de)serialises values as
 * Django's cache backend does. `DjangoRedisCache` from `django-session/redis` is one.
 */
export interface DjangoCacheClient {
  /** The stored value, or `undefined` on a miss. */
  get(sessionKey: string): Promise<unknown>;
  /** Stores only when the key is absent; resolves whether it did. */
  add(sessionKey: string, value: unknown, timeoutSeconds: number): Promise<boolean>;
  /** Stores only when the key is present; resolves whether it did. */
  replace(sessionKey: string, value: unknown, timeoutSeconds: number): Promise<boolean>;
  delete(sessionKey: string): Promise<unknown>;
  has(sessionKey: string): Promise<boolean>;
}

export interface CacheSessionEngineOptions extends SessionEngineOptions {
  cache: DjangoCacheClient;
}

/** Django's `create()` tries this many keys before its RuntimeError. */
export const CACHE_MAX_CREATE_ATTEMPTS = 10000;

/** A plain object: the only thing Django's `cache` engine stores (a pickled dict). */
export function isSessionDict(value: unknown): value is SessionData {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Django's `cache` session engine (`django.contrib.sessions.backends.cache`, spec §7.2): the
 * session dict under the engine's cache key with a TTL of `get_expiry_age()`, nothing in a
 * database. `load` treats a missing or unreadable entry (or a failing cache) as no session;
 * `create` is an add with a new key, up to 10000 times; `save` replaces only an existing entry
 * (`UpdateError` when it is gone — a logout in another request wins) — Django checks with a get
 * then sets; an atomic replace is the same minus the race. Writes that fail because the cache
 * fails reject with `SessionStorageError`: here the cache is the store.
 */
export class CacheSessionEngine extends SessionEngine {
  readonly cache: DjangoCacheClient;

  constructor(options: CacheSessionEngineOptions, engine = "CacheSessionEngine") {
    super(options, { engine, maxCreateAttempts: CACHE_MAX_CREATE_ATTEMPTS });
    const cache = options.cache;
    if (!cache || typeof cache.get !== "function" || typeof cache.add !== "function" || typeof cache.replace !== "function") {
      throw new ImproperlyConfigured(`${engine} needs a \`cache\` with Django's cache API (get, add, replace, delete, has), e.g. DjangoRedisCache from 'django-session/redis'.`);
    }
    this.cache = cache;
  }

  // Django's RuntimeError message, word for word.
  protected override exhaustedMessage(): string {
    return "Unable to create a new session key. It is likely that the cache is unavailable.";
  }

  /** Django's `load()`: the cached dict; anything else (missing, unreadable, cache failing) is no session. */
  async load(session: Session<any>): Promise<SessionData | null> {
    const key = session.sessionKey;
    if (!this.plausible(key)) return null;
    let value: unknown;
    try {
      value = await this.cache.get(key);
    } catch (error) {
      // Django: "Some backends raise an exception on invalid cache keys. If this happens, reset the session."
      (this.logger.error ?? this.logger.warn).call(this.logger, "Error reading the session cache", { action: "get", error: (error as Error)?.message ?? String(error) });
      return null;
    }
    if (value === undefined) return null;
    if (!isSessionDict(value)) {
      this.logger.warn("Session cache entry is not a dict", { type: Array.isArray(value) ? "list" : typeof value });
      return null;
    }
    return value;
  }

  async exists(sessionKey: string): Promise<boolean> {
    if (!this.plausible(sessionKey)) return false;
    return this.cache.has(sessionKey);
  }

  async save(session: Session<any>, mustCreate: boolean): Promise<void> {
    if (session.sessionKey === null) return this.create(session);
    const key = session.sessionKey;
    const data = await session.dataForSave(mustCreate);
    const timeout = session.getExpiryAge({ expiry: toStoredExpiry(data._session_expiry) });
    let written: boolean;
    try {
      written = mustCreate ? await this.cache.add(key, data, timeout) : await this.cache.replace(key, data, timeout);
    } catch (error) {
      throw new SessionStorageError("save", error, { sessionKey: key });
    }
    if (!written) throw mustCreate ? new CreateError() : new UpdateError();
  }

  async delete(sessionKey: string): Promise<void> {
    if (!this.plausible(sessionKey)) return;
    try {
      await this.cache.delete(sessionKey);
    } catch (error) {
      throw new SessionStorageError("delete", error, { sessionKey });
    }
  }
}
