import { integerExpiryOnly, toStoredExpiry } from "../core/expiry";
import { DjangoSessionError, CreateError, ImproperlyConfigured, UpdateError } from "../core/errors";
import type { DjangoTimeOptions } from "../core/django-datetime";
import { Session, type SessionBackend, type SessionSettings } from "../core/session";
import { DEFAULT_COOKIE_AGE, SessionCodec, type SessionCodecOptions, type SessionData } from "../core/session-codec";
import { generateSessionKey, MAX_SESSION_KEY_LENGTH } from "../core/session-key";
import { consoleLogger, type SessionLogger } from "../core/logger";
import type { SessionRowAdapter } from "./row-adapter";
import type { SessionCacheAdapter } from "./session-cache";
import type { SessionEventHandlers } from "./session-events";

/**
 * A database failure while loading or saving a session: the database is down or failed, or did
 * not answer within `storageTimeout`. `status` is 503 (retrying later may work), or 500 for a
 * stored session too large to read; Express, Fastify and Koa answer with it when it reaches
 * their default error handler.
 *
 * `cause` is a copy of the driver's error with its name, message, stack and codes only: ORMs
 * attach the statement's parameters to their errors (TypeORM's `parameters`, pg's `detail`),
 * and those hold the session key and data, which must never reach a log. The session key is
 * also blanked out of the messages (MySQL's "Duplicate entry '<key>'" names it).
 */
export class SessionStorageError extends DjangoSessionError {
  readonly status: number;
  constructor(action: string, cause: unknown, options: { status?: number; sessionKey?: string | null } = {}) {
    const safe = safeCause(cause, options.sessionKey);
    super("ERR_SESSION_STORAGE", `Could not ${action} the session: ${safe.message}`, { cause: safe });
    this.status = options.status ?? 503;
  }
}

// Codes worth keeping from a driver error (pg, mysql2, mariadb, Prisma); nothing that can hold values.
const SAFE_ERROR_FIELDS = ["code", "errno", "sqlState", "severity"] as const;

function safeCause(cause: unknown, sessionKey?: string | null): Error {
  const redact = (text: string) => (sessionKey ? text.split(sessionKey).join("[session key]") : text);
  if (!(cause instanceof Error)) return new Error(typeof cause === "string" ? redact(cause) : "unknown error");
  const copy = new Error(redact(cause.message));
  copy.name = cause.name;
  copy.stack = cause.stack === undefined ? undefined : redact(cause.stack);
  // TypeORM wraps the driver's error; its codes are the useful ones.
  const sources = [cause, (cause as { driverError?: unknown }).driverError];
  for (const source of sources) {
    if (typeof source !== "object" || source === null) continue;
    for (const field of SAFE_ERROR_FIELDS) {
      const value = (source as Record<string, unknown>)[field];
      if ((typeof value === "string" || typeof value === "number") && !(field in copy)) Object.defineProperty(copy, field, { value, enumerable: true });
    }
  }
  return copy;
}

/** The message of a storage call that did not finish in time. */
function timeoutError(seconds: number): Error {
  return Object.assign(
    new Error(`the database did not answer within ${seconds} s (storageTimeout); its connection pool may be exhausted or the database unreachable`),
    { code: "ETIMEDOUT" },
  );
}

/** Options of `DjangoSessionRepository`, named after Django's settings. */
export interface DjangoSessionRepositoryOptions extends SessionCodecOptions {
  /** The row adapter for your ORM: `createPrismaAdapter(...)` or `createTypeOrmAdapter(...)`. */
  adapter: SessionRowAdapter;
  /** `SESSION_COOKIE_AGE` in seconds. @default 1209600 (two weeks) */
  cookieAge?: number;
  /** `SESSION_EXPIRE_AT_BROWSER_CLOSE`. @default false */
  expireAtBrowserClose?: boolean;
  /**
   * The oldest Django version that shares the table. `"3.2"` stores custom expiry dates as
   * integer seconds (3.2 crashes on the ISO strings 4.1+ writes) and never uses fallback keys
   * to sign. @default "4.2"
   */
  oldestDjangoVersion?: "3.2" | "4.2" | "5.2";
  /** `USE_TZ` and `TIME_ZONE` of the Django site. @default { useTz: true } */
  time?: DjangoTimeOptions;
  /** Key generator, for tests that force collisions. @default generateSessionKey */
  generateKey?: () => string;
  /**
   * What a save does when another request changed the row since this one loaded it.
   * `"merge"` (default): compare-and-swap on `session_data`; on a conflict re-read the row,
   * re-apply only this request's set and deleted keys, and retry. `"django"`: Django's
   * last-writer-wins UPDATE, which silently erases the other request's changes.
   * A deleted row is `UpdateError` either way: a logout always wins.
   * @default "merge"
   */
  concurrency?: "merge" | "django";
  /** Conflicts retried before a save gives up with `SessionConflictError`. @default 50 */
  maxMergeAttempts?: number;
  /**
   * Django's `cached_db` engine: read through this cache and keep it coherent on every save,
   * cycle and delete. Cache failures are logged and never fail a request (Django 5.1+).
   */
  cache?: SessionCacheAdapter;
  /** Handlers for what happens to sessions (metrics, logs); see `SessionEvents`. */
  on?: SessionEventHandlers;
  /**
   * Seconds a database call of a request (load, save, touch, delete, exists) may take before it
   * fails with `SessionStorageError`, whatever the pool does: some pools (mysql2's) queue forever
   * when all their connections are busy. Set your pool's own acquire timeout lower where it has
   * one (pg `connectionTimeoutMillis`, mariadb `acquireTimeout`): it also drops the queued query.
   * `null` waits as long as the pool does. `clearExpired` is never timed.
   * @default 10
   */
  storageTimeout?: number | null;
  /**
   * Sliding expiry without rewriting the data: when less than this share of a session's lifetime
   * remains (0 < share < 1), the middleware moves `expire_date` forward with an UPDATE of that
   * column only and re-sends the cookie; at most once per threshold. Off by default (Django can
   * only slide expiry by re-saving everything on every request, `SESSION_SAVE_EVERY_REQUEST`).
   */
  touchThreshold?: number;
}

/** A merging save lost the compare-and-swap race `maxMergeAttempts` times in a row. */
export class SessionConflictError extends DjangoSessionError {
  constructor(attempts: number) {
    super("ERR_SESSION_CONFLICT", `The session changed concurrently ${attempts} times in a row while saving; giving up.`);
  }
}

/** State the repository keeps on a session it loaded. */
interface LoadedState {
  /** The row's `expire_date` when loaded from the database (for sliding expiry). */
  expireDate?: Date;
  /** The exact `session_data` string read, for compare-and-swap saves. */
  sessionData: string;
}

function normalTime(time: DjangoTimeOptions | undefined): string {
  return time?.useTz === false ? `USE_TZ=False, TIME_ZONE=${time.timeZone ?? "UTC"}` : "USE_TZ=True";
}
const sameTime = (a: DjangoTimeOptions | undefined, b: DjangoTimeOptions | undefined) => normalTime(a) === normalTime(b);
const describeTime = normalTime;

// Sessions tracked as possibly stale in the cache at most (see `staleInCache`); past it, a long
// cache outage with more writes than that is logged as unrepairable.
const MAX_STALE_IN_CACHE = 100_000;

// Django loops forever on collisions; with 165-bit random keys more than a handful means the
// key generator or the database is broken, and a clear error beats a hung request.
const MAX_CREATE_ATTEMPTS = 100;

// A key that cannot be in the table (too long for varchar(40), or bytes some databases reject
// outright, like NUL on PostgreSQL) is answered without a query.
const PLAUSIBLE_KEY = /^[\x21-\x7e]+$/;

/**
 * Django's `db` session engine over a row adapter: lazy load (one SELECT of a live row),
 * INSERT-only create with collision retry, UPDATE-only save that raises `UpdateError` when the
 * row vanished (never resurrecting it), `cycleKey`, `flush` and batched `clearExpired`.
 */
export class DjangoSessionRepository implements SessionBackend {
  readonly codec: SessionCodec;
  private readonly adapter: SessionRowAdapter;
  private readonly settings: SessionSettings;
  private readonly generateKey: () => string;
  private readonly now: () => number;
  private readonly merge: boolean;
  private readonly cache: SessionCacheAdapter | null;
  private readonly logger: SessionLogger;
  private readonly events: SessionEventHandlers;
  private readonly touchThreshold: number | null;
  private readonly maxMergeAttempts: number;
  private readonly storageTimeoutMs: number | null;
  /**
   * cached_db: sessions whose cache entry a failed write or delete may have left stale (Redis
   * was down, or closed the connection under an in-flight SET). Their loads read around the
   * cache, and their entries are deleted as soon as the cache answers again, so that neither
   * this process nor Django keeps serving the old entry: a logout during the outage must not
   * come back. (Django 5.1 logs the failure and keeps serving the stale entry until it expires.)
   */
  private readonly staleInCache = new Set<string>();
  private staleOverflowLogged = false;
  private repairTimer: NodeJS.Timeout | null = null;
  private repairing = false;

  constructor(options: DjangoSessionRepositoryOptions) {
    if (!options || typeof options !== "object") {
      throw new ImproperlyConfigured("DjangoSessionRepository needs options: { secretKey, adapter }.");
    }
    const adapter = options.adapter;
    if (!adapter || typeof adapter.load !== "function" || typeof adapter.insert !== "function") {
      throw new ImproperlyConfigured(
        "DjangoSessionRepository needs an `adapter`: createPrismaAdapter(prisma) from 'django-session/prisma' or createTypeOrmAdapter(dataSource) from 'django-session/typeorm'.",
      );
    }
    const cookieAge = options.cookieAge ?? DEFAULT_COOKIE_AGE;
    if (!Number.isSafeInteger(cookieAge)) {
      throw new ImproperlyConfigured(`cookieAge must be a whole number of seconds, like SESSION_COOKIE_AGE (got ${String(options.cookieAge)}).`);
    }
    const integerExpiry = integerExpiryOnly(options.oldestDjangoVersion);
    if (options.time?.useTz === false && options.time.timeZone) {
      try {
        new Intl.DateTimeFormat("en-US", { timeZone: options.time.timeZone });
      } catch {
        throw new ImproperlyConfigured(`time.timeZone ${JSON.stringify(options.time.timeZone)} is not an IANA time zone name (Django's TIME_ZONE).`);
      }
    }
    if (adapter.time !== undefined && !sameTime(adapter.time, options.time)) {
      // Expiry arithmetic and the stored expire_date would disagree by the zone's offset.
      throw new ImproperlyConfigured(
        `The repository's time option (${describeTime(options.time)}) differs from its adapter's (${describeTime(adapter.time)}): pass the same time (Django's USE_TZ / TIME_ZONE) to both.`,
      );
    }
    this.codec = new SessionCodec(options);
    this.adapter = adapter;
    this.now = options.now ?? Date.now;
    this.generateKey = options.generateKey ?? generateSessionKey;
    const concurrency = options.concurrency ?? "merge";
    if (concurrency !== "merge" && concurrency !== "django") {
      throw new ImproperlyConfigured(`concurrency must be "merge" or "django" (got ${JSON.stringify(options.concurrency)}).`);
    }
    this.merge = concurrency === "merge";
    this.cache = options.cache ?? null;
    this.logger = options.logger ?? consoleLogger;
    this.events = options.on ?? {};
    this.touchThreshold = options.touchThreshold ?? null;
    if (this.touchThreshold !== null && !(this.touchThreshold > 0 && this.touchThreshold < 1)) {
      throw new ImproperlyConfigured(`touchThreshold must be a share of the session lifetime between 0 and 1, e.g. 0.5 (got ${String(options.touchThreshold)}).`);
    }
    this.maxMergeAttempts = options.maxMergeAttempts ?? 50;
    if (!Number.isSafeInteger(this.maxMergeAttempts) || this.maxMergeAttempts < 1) {
      throw new ImproperlyConfigured(`maxMergeAttempts must be a positive whole number (got ${String(options.maxMergeAttempts)}).`);
    }
    const storageTimeout = options.storageTimeout === undefined ? 10 : options.storageTimeout;
    if (storageTimeout !== null && !(typeof storageTimeout === "number" && storageTimeout > 0 && storageTimeout <= 2147483)) {
      throw new ImproperlyConfigured(`storageTimeout must be a number of seconds greater than 0, or null for no limit (got ${String(options.storageTimeout)}).`);
    }
    this.storageTimeoutMs = storageTimeout === null ? null : storageTimeout * 1000;
    this.settings = {
      cookieAge,
      expireAtBrowserClose: options.expireAtBrowserClose ?? false,
      integerExpiryOnly: integerExpiry,
      time: options.time,
      now: this.now,
    };
  }

  /**
   * The session for a cookie's key (or `null` for a new one). Lazy: nothing is read until its
   * data is touched; an unknown, invalid or expired key loads as an empty session and never
   * creates a row.
   */
  get<T extends Record<string, unknown> = Record<string, unknown>>(sessionKey?: string | null): Session<T> {
    return new Session<T>(sessionKey, this, this.settings);
  }

  /**
   * One database call of a request: bounded by `storageTimeout`, and any failure becomes a
   * `SessionStorageError` (with a cause that carries no parameters). A call that times out is
   * left to finish on its own and its outcome ignored, like any write whose answer was lost: in
   * the default merge mode a late save is a compare-and-swap, so it can only store this
   * request's changes onto the row it read, never over a newer write.
   */
  private async storage<T>(action: string, sessionKey: string | null, call: () => Promise<T>): Promise<T> {
    const timeoutMs = this.storageTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      const pending = call();
      if (timeoutMs === null) return await pending;
      return await Promise.race([
        pending,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            pending.catch(() => undefined); // its late failure is nobody's business now
            reject(timeoutError(timeoutMs / 1000));
          }, timeoutMs);
          timer.unref?.();
        }),
      ]);
    } catch (error) {
      throw new SessionStorageError(action, error, { sessionKey });
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  // --- SessionBackend ------------------------------------------------------------------

  async load(session: Session<any>): Promise<SessionData | null> {
    const key = session.sessionKey;
    if (key === null || key.length > MAX_SESSION_KEY_LENGTH || !PLAUSIBLE_KEY.test(key)) return null;
    if (this.cache && !this.staleInCache.has(key)) {
      const cached = await this.cacheCall("get", key, () => this.cache!.get(key));
      // Loaded without the row's string: the next save re-reads the row to merge (see save()).
      if (cached !== undefined) {
        this.events.loaded?.({ source: "cache" });
        return cached;
      }
    }
    // A failure is an error, never an empty session: that would overwrite the real one on save.
    const row = await this.storage("load", key, () => this.adapter.load(key, new Date(this.now())));
    if (row === null) {
      if (this.events.missing || this.events.expired) {
        // Only a listener pays for telling the two apart.
        if (await this.storage("load", key, () => this.adapter.exists(key))) this.events.expired?.({});
        else this.events.missing?.({});
      }
      return null;
    }
    const decoded = this.codec.decodeDetailed(row.sessionData);
    if (!decoded.ok && decoded.reason === "too-large") {
      throw new SessionStorageError("load", new RangeError("the stored session data is larger than maxSize; raise maxSize to read it"), { status: 500 });
    }
    if (!decoded.ok) this.events.invalid?.({ reason: decoded.reason });
    else this.events.loaded?.({ source: "db" });
    const data = decoded.data;
    session.backendState = { sessionData: row.sessionData, expireDate: row.expireDate } satisfies LoadedState;
    if (decoded.ok && decoded.keyIndex > 0) {
      // Signed with an old secret: rewrite it with the current one now (compare-and-swap, so a
      // concurrent change is never overwritten), so that the old secret can be retired.
      const resigned = await this.resign(session, data, row.sessionData, row.expireDate);
      this.events.fallbackSecret?.({ keyIndex: decoded.keyIndex, resigned });
    }
    if (this.cache) {
      // Django: get_expiry_age(expiry=s.expire_date), the seconds the row has left.
      const timeout = await session.getExpiryAge({ expiry: row.expireDate });
      await this.cacheCall("set", key, () => this.cache!.set(key, data, timeout));
    }
    return data;
  }

  private async resign(session: Session<any>, data: SessionData, loaded: string, expireDate: Date): Promise<boolean> {
    const sessionData = this.codec.encode(data);
    try {
      if (!(await this.storage("re-sign", session.sessionKey, () => this.adapter.update({ sessionKey: session.sessionKey!, sessionData, expireDate }, loaded)))) return false;
    } catch {
      return false; // the read succeeded; re-signing is an optimisation and can wait
    }
    session.backendState = { sessionData, expireDate } satisfies LoadedState;
    return true;
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
    this.repairTimer.unref?.();
  }

  private async repairCache(): Promise<void> {
    if (this.repairing || !this.cache) return;
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

  /**
   * `decode(session_data)`, except for data over the codec's `maxSize`: Django reads any size,
   * so such a row is a real session, not a corrupt one, and an empty session in its place
   * would overwrite it on save. It is an error instead (raise `maxSize` to read it).
   */
  private decodeRow(sessionData: string, action: string): SessionData {
    const result = this.codec.decodeDetailed(sessionData);
    if (!result.ok && result.reason === "too-large") {
      throw new SessionStorageError(action, new RangeError("the stored session data is larger than maxSize; raise maxSize to read it"), { status: 500 });
    }
    return result.data;
  }

  async exists(sessionKey: string): Promise<boolean> {
    if (!sessionKey || sessionKey.length > MAX_SESSION_KEY_LENGTH || !PLAUSIBLE_KEY.test(sessionKey)) return false;
    if (this.cache && !this.staleInCache.has(sessionKey) && (await this.cacheCall("get", sessionKey, () => this.cache!.get(sessionKey))) !== undefined) return true;
    return this.storage("look up", sessionKey, () => this.adapter.exists(sessionKey));
  }

  async create(session: Session<any>): Promise<void> {
    // Django checks exists() before each attempt; the INSERT's own collision check makes that
    // extra query unnecessary (create = 1 INSERT).
    for (let attempt = 0; attempt < MAX_CREATE_ATTEMPTS; attempt++) {
      session.setSessionKeyForBackend(this.generateKey());
      try {
        await this.save(session, true);
        this.events.created?.({ attempts: attempt + 1 });
        return;
      } catch (error) {
        if (error instanceof CreateError) continue;
        throw error;
      }
    }
    throw new SessionStorageError("create", new Error(`${MAX_CREATE_ATTEMPTS} generated session keys all existed already`));
  }

  async save(session: Session<any>, mustCreate: boolean): Promise<void> {
    if (session.sessionKey === null) return this.create(session);
    const data = await session.dataForSave(mustCreate);
    const row = await this.row(session, data);
    const loaded = (session.backendState as LoadedState | undefined)?.sessionData;
    // Loaded from the cache, so the row's string is unknown: merge against a fresh read.
    if (!mustCreate && this.merge && loaded === undefined && this.cache) return this.mergeAndSave(session);
    const written = await this.storage("save", row.sessionKey, () =>
      mustCreate ? this.adapter.insert(row) : this.merge && loaded !== undefined ? this.adapter.update(row, loaded) : this.adapter.update(row),
    );
    if (!written && mustCreate) throw new CreateError();
    if (!written && this.merge && loaded !== undefined) return this.mergeAndSave(session);
    // The row is gone (a logout in a concurrent request): Django's UpdateError. Never re-insert.
    if (!written) {
      this.events.interrupted?.({});
      throw new UpdateError();
    }
    await this.written(session, data, row.sessionData, row.expireDate, false);
  }

  /** After a successful write: remember the stored string; refresh the cache (cached_db). */
  private async written(session: Session<any>, data: SessionData, sessionData: string, expireDate: Date, merged: boolean): Promise<void> {
    session.backendState = { sessionData, expireDate } satisfies LoadedState;
    this.events.saved?.({ merged });
    if (this.cache) {
      const key = session.sessionKey!;
      const timeout = await session.getExpiryAge({ expiry: toStoredExpiry(data._session_expiry) });
      await this.cacheCall("set", key, () => this.cache!.set(key, data, timeout));
    }
  }

  private async row(session: Session<any>, data: SessionData) {
    return {
      sessionKey: session.sessionKey!,
      sessionData: this.codec.encode(data),
      expireDate: await session.getExpiryDate({ expiry: toStoredExpiry(data._session_expiry) }),
    };
  }

  /**
   * The compare-and-swap lost: another request saved this session since it was loaded. Re-read
   * the row, re-apply this request's own changes (its set and deleted top-level keys; everything
   * after a `clear()`) onto it, and swap again, a bounded number of times.
   */
  private async mergeAndSave(session: Session<any>): Promise<void> {
    const key = session.sessionKey!;
    const ours = await session.dataForSave(true);
    const { cleared, keys } = session.changeSet;
    for (let attempt = 1; attempt <= this.maxMergeAttempts; attempt++) {
      // Epoch "now": the row is re-read whatever its expiry, as an UPDATE by key would see it.
      const fresh = await this.storage("save", key, () => this.adapter.load(key, new Date(0)));
      if (fresh === null) {
        this.events.interrupted?.({});
        throw new UpdateError();
      }
      this.events.conflict?.({ attempt });
      const merged: SessionData = cleared ? {} : this.decodeRow(fresh.sessionData, "save");
      for (const [name, change] of keys) {
        if (change.type === "delete") delete merged[name];
        else Object.defineProperty(merged, name, { value: ours[name], enumerable: true, writable: true, configurable: true });
      }
      session.replaceDataForBackend(merged);
      const row = await this.row(session, merged);
      const written = await this.storage("save", key, () => this.adapter.update(row, fresh.sessionData));
      if (written) {
        await this.written(session, merged, row.sessionData, row.expireDate, true);
        return;
      }
      // Spread the retries of many writers of one session a little apart.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(attempt, 10)));
    }
    throw new SessionConflictError(this.maxMergeAttempts);
  }

  /**
   * Sliding expiry (`touchThreshold`): when less than that share of the session's lifetime is
   * left, move `expire_date` to now + lifetime with an UPDATE of that column only. Resolves
   * whether it did. Sessions with an absolute expiry date, or read from the cache, are left alone.
   */
  async touch(session: Session<any>): Promise<boolean> {
    const state = session.backendState as LoadedState | undefined;
    if (this.touchThreshold === null || !state?.expireDate || session.sessionKey === null || !session.loaded) return false;
    const expiry = await session.get("_session_expiry");
    if (typeof expiry === "string") return false;
    const lifetime = await session.getExpiryAge();
    const now = this.now();
    if (state.expireDate.getTime() - now >= this.touchThreshold * lifetime * 1000) return false;
    const expireDate = new Date(now + lifetime * 1000);
    const key = session.sessionKey;
    const touched = await this.storage("touch", key, () => this.adapter.touch(key, expireDate));
    if (touched) {
      session.backendState = { ...state, expireDate } satisfies LoadedState;
      this.events.touched?.({});
    }
    return touched;
  }

  async delete(sessionKey: string): Promise<void> {
    // Like load and exists: a key no row can have (a hostile cookie's, flushed at logout) costs
    // no query, and cannot fail one (PostgreSQL rejects a NUL byte outright).
    if (!sessionKey || sessionKey.length > MAX_SESSION_KEY_LENGTH || !PLAUSIBLE_KEY.test(sessionKey)) return;
    await this.storage("delete", sessionKey, () => this.adapter.delete(sessionKey));
    if (this.cache) await this.cacheCall("delete", sessionKey, () => this.cache!.delete(sessionKey));
  }

  // --- maintenance ---------------------------------------------------------------------

  /**
   * Django's `clear_expired()` (`manage.py clearsessions`), in bounded batches on the
   * `expire_date` index instead of one huge DELETE. Safe to run from several processes at once.
   * Resolves the number of rows deleted.
   */
  async clearExpired(options: { batchSize?: number; onProgress?: (deleted: number) => void } = {}): Promise<number> {
    const batchSize = options.batchSize ?? 1000;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new ImproperlyConfigured(`clearExpired batchSize must be a positive whole number (got ${String(options.batchSize)}).`);
    }
    const now = new Date(this.now());
    let total = 0;
    for (;;) {
      const deleted = await this.adapter.deleteExpired(now, batchSize);
      total += deleted;
      options.onProgress?.(total);
      if (deleted < batchSize) {
        this.events.cleared?.({ deleted: total });
        return total;
      }
    }
  }
}
