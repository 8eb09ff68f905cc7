import { ImproperlyConfigured } from "../core/errors";
import { toStoredExpiry } from "../core/expiry";
import type { Session } from "../core/session";
import type { SessionData } from "../core/session-codec";
import { DjangoSessionRepository, type DjangoSessionRepositoryOptions, type LoadedState } from "./db";
import type { SessionRow } from "./row-adapter";
import type { SessionCacheAdapter } from "./session-cache";

/** Options of `CachedDbSessionRepository`: the db engine's, plus the cache it reads through. */
export interface CachedDbSessionRepositoryOptions extends DjangoSessionRepositoryOptions {
  /**
   * Django's cache for `cached_db` (`RedisSessionCache` from `django-session/redis`). Cache
   * failures are logged and never fail a request (Django 5.1+).
   */
  cache: SessionCacheAdapter;
}

// Sessions tracked as possibly stale in the cache at most (see `staleInCache`); past it, a long
// cache outage with more writes than that is logged as unrepairable.
const MAX_STALE_IN_CACHE = 100_000;

/**
 * Django's `cached_db` engine: the db engine, reading through Django's cache and keeping it
 * coherent on every save, cycle, flush and delete, so a logout on Node is a logout on Django.
 * As in Django, an entry lives for the seconds its session has left (`get_expiry_age()`), so an
 * expired session is served from the cache by neither stack.
 */
export class CachedDbSessionRepository extends DjangoSessionRepository {
  private readonly cache: SessionCacheAdapter;
  /**
   * Sessions whose cache entry a failed write or delete may have left stale (Redis was down, or
   * closed the connection under an in-flight SET). Their loads read around the cache, and their
   * entries are deleted as soon as the cache answers again, so that neither this process nor
   * Django keeps serving the old entry: a logout during the outage must not come back. (Django
   * 5.1 logs the failure and keeps serving the stale entry until it expires.)
   */
  private readonly staleInCache = new Set<string>();
  private staleOverflowLogged = false;
  private repairTimer: ReturnType<typeof setTimeout> | null = null;
  private repairing = false;

  constructor(options: CachedDbSessionRepositoryOptions) {
    const cache = options?.cache;
    if (!cache || typeof cache.get !== "function" || typeof cache.set !== "function" || typeof cache.delete !== "function") {
      throw new ImproperlyConfigured("CachedDbSessionRepository needs a `cache`: new RedisSessionCache({ client }) from 'django-session/redis'.");
    }
    super(options);
    this.cache = cache;
  }

  override async load(session: Session<any>): Promise<SessionData | null> {
    const key = session.sessionKey;
    if (!this.plausible(key)) return null;
    if (!this.staleInCache.has(key)) {
      const cached = await this.cacheCall("get", key, () => this.cache.get(key));
      // Loaded without the row's string: the next save re-reads the row to merge.
      if (cached !== undefined) {
        this.events.loaded?.({ source: "cache" });
        return cached;
      }
    }
    const data = await super.load(session);
    const state = session.backendState as LoadedState | undefined;
    if (data !== null && state?.expireDate) {
      // Django: get_expiry_age(expiry=s.expire_date), the seconds the row has left.
      const timeout = session.getExpiryAge({ expiry: state.expireDate });
      await this.cacheCall("set", key, () => this.cache.set(key, data, timeout));
    }
    return data;
  }

  override async exists(sessionKey: string): Promise<boolean> {
    if (!this.plausible(sessionKey)) return false;
    if (!this.staleInCache.has(sessionKey) && (await this.cacheCall("get", sessionKey, () => this.cache.get(sessionKey))) !== undefined) return true;
    return super.exists(sessionKey);
  }

  protected override rowUnknownWhenLoaded(): boolean {
    return true;
  }

  protected override async written(session: Session<any>, data: SessionData, row: SessionRow, merged: boolean): Promise<void> {
    await super.written(session, data, row, merged);
    const key = session.sessionKey!;
    const timeout = session.getExpiryAge({ expiry: toStoredExpiry(data._session_expiry) });
    await this.cacheCall("set", key, () => this.cache.set(key, data, timeout));
  }

  override async delete(sessionKey: string): Promise<void> {
    if (!this.plausible(sessionKey)) return;
    await super.delete(sessionKey);
    await this.cacheCall("delete", sessionKey, () => this.cache.delete(sessionKey));
  }

  /**
   * A cache call that never fails the request: errors are logged, as Django 5.1+ does. A failed
   * write or delete marks the session's entry as possibly stale (see `staleInCache`); a
   * successful one clears the mark.
   */
  private async cacheCall<T>(action: "get" | "set" | "delete", sessionKey: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await call();
      if (action !== "get") this.staleInCache.delete(sessionKey);
      if (this.staleInCache.size > 0) this.scheduleCacheRepair(0);
      return result;
    } catch (error) {
      if (action !== "get") this.markStaleInCache(sessionKey);
      const context = { action, error: (error as Error)?.message ?? String(error) };
      (this.logger.error ?? this.logger.warn).call(this.logger, "Error accessing the session cache", context);
      this.events.cacheError?.({ action, message: context.error });
      return undefined;
    }
  }

  private markStaleInCache(sessionKey: string): void {
    if (this.staleInCache.size >= MAX_STALE_IN_CACHE && !this.staleInCache.has(sessionKey)) {
      if (!this.staleOverflowLogged) {
        this.staleOverflowLogged = true;
        (this.logger.error ?? this.logger.warn).call(this.logger, "Too many session cache entries may be stale to repair them all", { limit: MAX_STALE_IN_CACHE });
      }
      return;
    }
    this.staleInCache.add(sessionKey);
    this.scheduleCacheRepair(1000);
  }

  /** Deletes the possibly stale entries once the cache answers again (retried while it does not). */
  private scheduleCacheRepair(delayMs: number): void {
    if (this.repairing || (this.repairTimer !== null && delayMs > 0)) return;
    if (this.repairTimer !== null) clearTimeout(this.repairTimer);
    this.repairTimer = setTimeout(() => {
      this.repairTimer = null;
      void this.repairCache();
    }, delayMs);
    (this.repairTimer as { unref?: () => void }).unref?.();
  }

  private async repairCache(): Promise<void> {
    if (this.repairing) return;
    this.repairing = true;
    try {
      for (const key of [...this.staleInCache]) {
        try {
          await this.cache.delete(key);
        } catch {
          this.repairing = false;
          this.scheduleCacheRepair(2000); // still failing: try again later
          return;
        }
        this.staleInCache.delete(key);
      }
      if (this.staleOverflowLogged && this.staleInCache.size === 0) this.staleOverflowLogged = false;
    } finally {
      this.repairing = false;
    }
  }
}
