import { integerExpiryOnly, toStoredExpiry } from "../../core/expiry";
import type { DjangoTimeOptions } from "../../core/django-datetime";
import { CreateError, DjangoSessionError, ImproperlyConfigured, UpdateError } from "../../core/errors";
import { consoleLogger, type SessionLogger } from "../../core/logger";
import { Session, type SessionBackend, type SessionSettings } from "../../core/session";
import { DEFAULT_COOKIE_AGE, type SessionData } from "../../core/session-codec";
import { generateSessionKey, MAX_SESSION_KEY_LENGTH } from "../../core/session-key";
import { SessionStorageError } from "../../repository/django-session-repository";
import { CACHE_KEY_PREFIX, DjangoRedisCache, isSessionDict, type DjangoRedisCacheOptions } from "./django-redis-cache";

/** Django's `RuntimeError` when `create()` found no free key in 10000 attempts. */
export class SessionCreateExhausted extends DjangoSessionError {
  constructor() {
    super("ERR_SESSION_CREATE_EXHAUSTED", "Unable to create a new session key. It is likely that the cache is unavailable.");
  }
}

export interface CacheSessionRepositoryOptions extends DjangoRedisCacheOptions {
  /** The key prefix of the engine. @default "django.contrib.sessions.cache" */
  sessionKeyPrefix?: string;
  /** `SESSION_COOKIE_AGE` in seconds. @default 1209600 */
  cookieAge?: number;
  /** `SESSION_EXPIRE_AT_BROWSER_CLOSE`. @default false */
  expireAtBrowserClose?: boolean;
  /** `"3.2"` stores custom expiry dates as integer seconds (3.2 crashes on ISO strings). @default "4.2" */
  oldestDjangoVersion?: "3.2" | "4.2" | "5.2";
  /** `USE_TZ` / `TIME_ZONE` of the Django site. @default { useTz: true } */
  time?: DjangoTimeOptions;
  /** Key generator, for tests that force collisions. @default generateSessionKey */
  generateKey?: () => string;
  /** Where unreadable cache entries are reported. @default consoleLogger */
  logger?: SessionLogger;
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Keys `create()` tries before `SessionCreateExhausted` (Django's RuntimeError). @default 10000, as Django */
  maxCreateAttempts?: number;
}

/** Django's `create()` tries this many keys before its RuntimeError. */
export const CACHE_MAX_CREATE_ATTEMPTS = 10000;
// A key that no Django cache engine ever stored (Django makes 32-character keys); answered with no query.
const PLAUSIBLE_KEY = /^[\x21-\x7e]+$/;

/**
 * Django's `cache` session engine (`django.contrib.sessions.backends.cache`, spec §7.2) on
 * Redis: the session dict pickled under `:1:django.contrib.sessions.cache<key>` with a TTL of
 * `get_expiry_age()`, nothing in a database. `load` treats a missing or unreadable entry (or a
 * failing Redis) as no session; `create` is `SET NX` with a new key, up to 10000 times; `save`
 * replaces only an existing entry (`UpdateError` when it is gone — a logout in another request
 * wins) — Django checks with a GET then SETs, we use `SET XX`, which is the same minus the race.
 * Writes that fail because Redis fails reject with `SessionStorageError`: here the cache is the
 * store.
 */
export class CacheSessionRepository implements SessionBackend {
  readonly cache: DjangoRedisCache;
  private readonly settings: SessionSettings;
  private readonly generateKey: () => string;
  private readonly logger: SessionLogger;
  private readonly maxCreateAttempts: number;

  constructor(options: CacheSessionRepositoryOptions) {
    if (!options || typeof options !== "object") throw new ImproperlyConfigured("CacheSessionRepository needs options: { client }.");
    this.cache = new DjangoRedisCache(options, options.sessionKeyPrefix ?? CACHE_KEY_PREFIX);
    const cookieAge = options.cookieAge ?? DEFAULT_COOKIE_AGE;
    if (!Number.isSafeInteger(cookieAge)) {
      throw new ImproperlyConfigured(`cookieAge must be a whole number of seconds, like SESSION_COOKIE_AGE (got ${String(options.cookieAge)}).`);
    }
    const integerExpiry = integerExpiryOnly(options.oldestDjangoVersion);
    this.generateKey = options.generateKey ?? generateSessionKey;
    this.logger = options.logger ?? consoleLogger;
    this.maxCreateAttempts = options.maxCreateAttempts ?? CACHE_MAX_CREATE_ATTEMPTS;
    if (!Number.isSafeInteger(this.maxCreateAttempts) || this.maxCreateAttempts < 1) {
      throw new ImproperlyConfigured(`maxCreateAttempts must be a positive whole number (got ${String(options.maxCreateAttempts)}).`);
    }
    this.settings = {
      cookieAge,
      expireAtBrowserClose: options.expireAtBrowserClose ?? false,
      integerExpiryOnly: integerExpiry,
      time: options.time,
      now: options.now ?? Date.now,
    };
  }

  /** The session for a cookie's key (or `null` for a new one); lazy, like `DjangoSessionRepository.get`. */
  get<T extends Record<string, unknown> = Record<string, unknown>>(sessionKey?: string | null): Session<T> {
    return new Session<T>(sessionKey, this, this.settings);
  }

  private plausible(key: string | null): key is string {
    return !!key && key.length <= MAX_SESSION_KEY_LENGTH && PLAUSIBLE_KEY.test(key);
  }

  /** Django's `load()`: the cached dict; anything else (missing, unreadable, Redis failing) is no session. */
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

  async create(session: Session<any>): Promise<void> {
    for (let attempt = 0; attempt < this.maxCreateAttempts; attempt++) {
      session.setSessionKeyForBackend(this.generateKey());
      try {
        await this.save(session, true);
        return;
      } catch (error) {
        if (error instanceof CreateError) continue;
        throw error;
      }
    }
    throw new SessionCreateExhausted();
  }

  async save(session: Session<any>, mustCreate: boolean): Promise<void> {
    if (session.sessionKey === null) return this.create(session);
    const key = session.sessionKey;
    const data = await session.dataForSave(mustCreate);
    const timeout = await session.getExpiryAge({ expiry: toStoredExpiry(data._session_expiry) });
    let written: boolean;
    try {
      written = mustCreate ? await this.cache.add(key, data, timeout) : await this.cache.replace(key, data, timeout);
    } catch (error) {
      throw new SessionStorageError("save", error);
    }
    if (!written) throw mustCreate ? new CreateError() : new UpdateError();
  }

  async delete(sessionKey: string): Promise<void> {
    if (!sessionKey) return;
    try {
      await this.cache.delete(sessionKey);
    } catch (error) {
      throw new SessionStorageError("delete", error);
    }
  }

  /** Django's `clear_expired()` does nothing for the cache engine: Redis expires the keys. */
  async clearExpired(): Promise<number> {
    return 0;
  }
}
