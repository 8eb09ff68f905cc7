import { ImproperlyConfigured, PickleError } from "../core/errors";
import { toStoredExpiry } from "../core/expiry";
import type { Session } from "../core/session";
import type { SessionData } from "../core/session-codec";
import { DjangoSessionRepository, type DjangoSessionRepositoryOptions, type LoadedState } from "./db";
import type { SessionRow } from "./row-adapter";
import { CACHE_GENERATION_KEY, cacheEntryFingerprint, cacheStampKey, type SessionCacheAdapter } from "./session-cache";

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
// The generation entry outlives any session (Django's default age is two weeks); if it is evicted
// anyway, the next reader starts a new generation, which only costs one database read per session.
const GENERATION_TIMEOUT_SECONDS = 366 * 24 * 3600;
// While the cache fails, the new generation is retried this often: it must be the first thing
// this process tells the cache once it answers again (see `CachedDbSessionRepository`).
const BUMP_RETRY_MS = 250;

/**
 * Django's `cached_db` engine: the db engine, reading through Django's cache and keeping it
 * coherent on every save, cycle, flush and delete, so a logout on Node is a logout on Django.
 * As in Django, an entry lives for the seconds its session has left (`get_expiry_age()`), so an
 * expired session is served from the cache by neither stack.
 *
 * Across processes (spec: many Node processes on one cache): a process whose cache write or
 * delete failed cannot tell the others which entries it left stale, since the cache is what
 * failed. So every entry this engine writes comes with a stamp of the cache's current
 * *generation* (a token in the cache itself, under a key no Django request can name), and a
 * cache hit is trusted only when its stamp names the generation read in the same round trip and
 * the entry is still the one stamped (a fingerprint of it is in the stamp).
 * Any process that sees the cache fail starts a new generation as its first cache command once
 * the cache answers again, and reads around the cache until then: every entry written before
 * (stale or not) is then distrusted by every process of ours, read once from the database and
 * written fresh. An entry Django wrote (even over one of ours) is read from the database too, and
 * stamped then. What remains: a process that saw no failure may read before the first failing
 * process reconnects (within the client's reconnect delay); two of our processes' writes of one
 * session may reach the cache in the other order than their database writes (as Django's own
 * do); and Django's processes keep trusting every entry (this engine deletes the ones it left
 * stale as soon as it can, which is all Django can be given).
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
  /** The cache's generation as last read or written here (`undefined`: not known yet). */
  private generation: string | undefined;
  /** The cache failed since this process last started a generation: trust no entry until it has. */
  private mustRenewGeneration = false;
  private repairTimer: ReturnType<typeof setTimeout> | null = null;
  private repairing: Promise<void> | null = null;

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
    const cached = await this.trustedEntry(key);
    // Loaded without the row's string: the next save re-reads the row to merge.
    if (cached !== undefined) {
      this.events.loaded?.({ source: "cache" });
      return cached;
    }
    const data = await super.load(session);
    const state = session.backendState as LoadedState | undefined;
    if (data !== null && state?.expireDate) {
      // Django: get_expiry_age(expiry=s.expire_date), the seconds the row has left.
      await this.writeEntry(key, data, session.getExpiryAge({ expiry: state.expireDate }), state.sessionData);
    }
    return data;
  }

  override async exists(sessionKey: string): Promise<boolean> {
    if (!this.plausible(sessionKey)) return false;
    if ((await this.trustedEntry(sessionKey)) !== undefined) return true;
    return super.exists(sessionKey);
  }

  /**
   * The stamp goes before the row is written: a process that dies between its database write and
   * its cache write (a killed worker) then leaves an old entry that no process of ours trusts.
   */
  override async save(session: Session<any>, mustCreate: boolean): Promise<void> {
    const key = session.sessionKey;
    if (key !== null && !mustCreate && this.plausible(key)) await this.cacheCall("delete", key, () => this.cache.delete(cacheStampKey(key)));
    return super.save(session, mustCreate);
  }

  protected override rowUnknownWhenLoaded(): boolean {
    return true;
  }

  protected override async written(session: Session<any>, data: SessionData, row: SessionRow, merged: boolean): Promise<void> {
    await super.written(session, data, row, merged);
    await this.writeEntry(session.sessionKey!, data, session.getExpiryAge({ expiry: toStoredExpiry(data._session_expiry) }), row.sessionData);
  }

  override async delete(sessionKey: string): Promise<void> {
    if (!this.plausible(sessionKey)) return;
    // Before the row as well as after: a process killed in between leaves no entry to serve the
    // ended session, on either stack.
    await this.dropEntry(sessionKey);
    await super.delete(sessionKey);
    await this.dropEntry(sessionKey);
  }

  private async dropEntry(sessionKey: string): Promise<void> {
    await Promise.all([this.cacheCall("delete", sessionKey, () => this.cache.delete(sessionKey)), this.cacheCall("delete", null, () => this.cache.delete(cacheStampKey(sessionKey)))]);
  }

  /**
   * The cache's entry for a session if this process may serve it: not marked stale here, and
   * stamped with the generation the cache holds now (entry, stamp and generation in one round
   * trip, as the client pipelines concurrent commands).
   */
  private async trustedEntry(sessionKey: string): Promise<SessionData | undefined> {
    if (this.mustRenewGeneration) await this.repairCache();
    if (this.mustRenewGeneration || this.staleInCache.has(sessionKey)) return undefined;
    const [entry, stamp, generation] = await Promise.all([
      this.cacheCall("get", sessionKey, () => this.cache.get(sessionKey)),
      this.cacheCall("get", null, () => this.cache.get(cacheStampKey(sessionKey))),
      this.cacheCall("get", null, () => this.cache.get(CACHE_GENERATION_KEY)),
    ]);
    const current = typeof generation?.g === "string" ? generation.g : undefined;
    if (current === undefined) {
      // A cache that never saw this engine, or lost its data: start the first generation.
      if (generation === undefined && !this.mustRenewGeneration) await this.startGeneration().catch(() => undefined);
      return undefined;
    }
    this.generation = current;
    // The fingerprint: Django writes the same key without a stamp (a save, or a fill that may
    // have read the row before one of our saves and land after it), and the stamp would vouch for it.
    return entry !== undefined && stamp?.g === current && stamp.f === cacheEntryFingerprint(entry) ? entry : undefined;
  }

  /**
   * Writes a session's entry (Django's `cache.set`), reads the row again, and only if it is still
   * `rowData` stamps the entry; otherwise another process wrote the session meanwhile, and its
   * cache write may have reached the cache before this one, so the entry is deleted. With every
   * writer doing so, no stale entry is ever stamped: a writer's cache write lands after its
   * database write, so of two writers the one whose entry lands last either wrote the row last or
   * finds it changed. (Django's `cache.set` can still land over an entry; the fingerprint in the
   * stamp keeps this engine from trusting what it did not write.)
   */
  private async writeEntry(sessionKey: string, data: SessionData, timeoutSeconds: number, rowData: string): Promise<void> {
    const generation = this.generation ?? (await this.readGeneration());
    await this.cacheCall("set", sessionKey, () => this.cache.set(sessionKey, data, timeoutSeconds));
    let current: string | null | undefined;
    try {
      current = (await this.storage("load", sessionKey, () => this.adapter.load(sessionKey, new Date(0))))?.sessionData ?? null;
    } catch {
      current = undefined; // not known: the entry goes, which is always safe
    }
    if (current !== rowData) return this.dropEntry(sessionKey);
    // Unknown generation (the cache failed just now): the entry stays unstamped, so never trusted as is.
    if (generation !== undefined) await this.cacheCall("set", sessionKey, () => this.cache.set(cacheStampKey(sessionKey), { g: generation, f: cacheEntryFingerprint(data) }, timeoutSeconds));
  }

  private async readGeneration(): Promise<string | undefined> {
    const entry = await this.cacheCall("get", null, () => this.cache.get(CACHE_GENERATION_KEY));
    if (typeof entry?.g === "string") this.generation = entry.g;
    return this.generation;
  }

  private async startGeneration(): Promise<void> {
    const generation = `${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 12)}`;
    await this.cache.set(CACHE_GENERATION_KEY, { g: generation }, GENERATION_TIMEOUT_SECONDS);
    this.generation = generation;
  }

  /**
   * A cache call that never fails the request: errors are logged, as Django 5.1+ does. A failed
   * write or delete marks the session's entry as possibly stale (see `staleInCache`); a
   * successful one clears the mark. Any failure but an unreadable value means the cache may have
   * missed writes of other processes too: a new generation is started as soon as it answers.
   */
  private async cacheCall<T>(action: "get" | "set" | "delete", sessionKey: string | null, call: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await call();
      if (action !== "get" && sessionKey !== null) this.staleInCache.delete(sessionKey);
      if (this.staleInCache.size > 0) this.scheduleCacheRepair(0);
      return result;
    } catch (error) {
      if (action !== "get" && sessionKey !== null) this.markStaleInCache(sessionKey);
      // A value the safe pickle subset refuses (or a non-dict) is the entry's problem, not the cache's.
      if (!(error instanceof PickleError || error instanceof TypeError)) {
        this.mustRenewGeneration = true;
        this.scheduleCacheRepair(0);
      }
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
    this.scheduleCacheRepair(0);
  }

  /** Renews the generation and deletes the possibly stale entries once the cache answers again (retried while it does not). */
  private scheduleCacheRepair(delayMs: number): void {
    if (this.repairing !== null || (this.repairTimer !== null && delayMs > 0)) return;
    if (this.repairTimer !== null) clearTimeout(this.repairTimer);
    this.repairTimer = setTimeout(() => {
      this.repairTimer = null;
      void this.repairCache();
    }, delayMs);
    (this.repairTimer as { unref?: () => void }).unref?.();
  }

  private repairCache(): Promise<void> {
    this.repairing ??= this.repairOnce().finally(() => {
      this.repairing = null;
    });
    return this.repairing;
  }

  private async repairOnce(): Promise<void> {
    try {
      if (this.mustRenewGeneration) {
        await this.startGeneration();
        this.mustRenewGeneration = false;
      }
      for (const key of [...this.staleInCache]) {
        await Promise.all([this.cache.delete(key), this.cache.delete(cacheStampKey(key))]);
        this.staleInCache.delete(key);
      }
      if (this.staleOverflowLogged && this.staleInCache.size === 0) this.staleOverflowLogged = false;
    } catch {
      // Still failing: try again soon (the generation must be renewed first thing once it answers).
      setTimeout(() => this.scheduleCacheRepair(0), BUMP_RETRY_MS).unref?.();
    }
  }
}
