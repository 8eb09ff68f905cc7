import { toStoredExpiry } from "../core/expiry";
import { CreateError, ImproperlyConfigured, SessionConflictError, SessionStorageError, UpdateError } from "../core/errors";
import { Session } from "../core/session";
import { SessionCodec, type SessionCodecOptions, type SessionData } from "../core/session-codec";
import { SessionEngine, type SessionEngineOptions } from "./base";
import type { SessionEventHandlers } from "./events";
import { mergeSessionChanges } from "./merge";
import type { SessionRow, SessionRowAdapter } from "./row-adapter";
import { describeTime } from "./settings";
import { storageCall, storageTimeoutMs } from "./storage-call";

/** Options of `DjangoSessionRepository`, named after Django's settings. */
export interface DjangoSessionRepositoryOptions extends SessionCodecOptions, SessionEngineOptions {
  /** The row adapter for your ORM: `createPrismaAdapter(...)` or `createTypeOrmAdapter(...)`. */
  adapter: SessionRowAdapter;
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

/** State the repository keeps on a session it loaded. */
export interface LoadedState {
  /** The row's `expire_date` when loaded from the database (for sliding expiry). */
  expireDate?: Date;
  /** The exact `session_data` string read, for compare-and-swap saves. */
  sessionData: string;
}

const sameTime = (a: DjangoSessionRepositoryOptions["time"], b: DjangoSessionRepositoryOptions["time"]) => describeTime(a) === describeTime(b);

// Django loops forever on collisions; with 165-bit random keys more than a handful means the
// key generator or the database is broken, and a clear error beats a hung request.
const MAX_CREATE_ATTEMPTS = 100;

/**
 * Django's `db` session engine over a row adapter: lazy load (one SELECT of a live row),
 * INSERT-only create with collision retry, UPDATE-only save that raises `UpdateError` when the
 * row vanished (never resurrecting it), `cycleKey`, `flush` and batched `clearExpired`.
 */
export class DjangoSessionRepository extends SessionEngine {
  readonly codec: SessionCodec;
  protected readonly adapter: SessionRowAdapter;
  protected readonly events: SessionEventHandlers;
  private readonly merge: boolean;
  private readonly touchThreshold: number | null;
  private readonly maxMergeAttempts: number;
  private readonly storageTimeoutMs: number | null;

  constructor(options: DjangoSessionRepositoryOptions) {
    if (!options || typeof options !== "object") {
      throw new ImproperlyConfigured("DjangoSessionRepository needs options: { secretKey, adapter }.");
    }
    super(options, { engine: "DjangoSessionRepository", maxCreateAttempts: MAX_CREATE_ATTEMPTS });
    const adapter = options.adapter;
    if (!adapter || typeof adapter.load !== "function" || typeof adapter.insert !== "function") {
      throw new ImproperlyConfigured(
        "DjangoSessionRepository needs an `adapter`: createPrismaAdapter(prisma) from 'django-session/prisma' or createTypeOrmAdapter(dataSource) from 'django-session/typeorm'.",
      );
    }
    // The cache option of the old combined class: say where cached_db went (subclasses have one).
    if (new.target === DjangoSessionRepository && (options as { cache?: unknown }).cache !== undefined) {
      throw new ImproperlyConfigured("DjangoSessionRepository is Django's db engine; for cached_db use new CachedDbSessionRepository({ adapter, cache, ... }).");
    }
    if (adapter.time !== undefined && !sameTime(adapter.time, options.time)) {
      // Expiry arithmetic and the stored expire_date would disagree by the zone's offset.
      throw new ImproperlyConfigured(
        `The repository's time option (${describeTime(options.time)}) differs from its adapter's (${describeTime(adapter.time)}): pass the same time (Django's USE_TZ / TIME_ZONE) to both.`,
      );
    }
    this.codec = new SessionCodec(options);
    // The time is set once, on the engine: an adapter that was not given one gets the engine's.
    this.adapter = adapter.time === undefined && typeof adapter.withTime === "function" ? adapter.withTime(options.time ?? {}) : adapter;
    const concurrency = options.concurrency ?? "merge";
    if (concurrency !== "merge" && concurrency !== "django") {
      throw new ImproperlyConfigured(`concurrency must be "merge" or "django" (got ${JSON.stringify(options.concurrency)}).`);
    }
    this.merge = concurrency === "merge";
    this.events = options.on ?? {};
    this.touchThreshold = options.touchThreshold ?? null;
    if (this.touchThreshold !== null && !(this.touchThreshold > 0 && this.touchThreshold < 1)) {
      throw new ImproperlyConfigured(`touchThreshold must be a share of the session lifetime between 0 and 1, e.g. 0.5 (got ${String(options.touchThreshold)}).`);
    }
    this.maxMergeAttempts = options.maxMergeAttempts ?? 50;
    if (!Number.isSafeInteger(this.maxMergeAttempts) || this.maxMergeAttempts < 1) {
      throw new ImproperlyConfigured(`maxMergeAttempts must be a positive whole number (got ${String(options.maxMergeAttempts)}).`);
    }
    this.storageTimeoutMs = storageTimeoutMs(options.storageTimeout);
  }

  /** One database call of a request: bounded by `storageTimeout`; failures are `SessionStorageError`. */
  protected storage<T>(action: string, sessionKey: string | null, call: () => Promise<T>): Promise<T> {
    return storageCall(action, sessionKey, this.storageTimeoutMs, call);
  }

  protected override created(attempts: number): void {
    this.events.created?.({ attempts });
  }

  // --- SessionBackend ------------------------------------------------------------------

  async load(session: Session<any>): Promise<SessionData | null> {
    const key = session.sessionKey;
    if (!this.plausible(key)) return null;
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
    if (!decoded.ok && decoded.reason === "too-large") throw tooLarge("load");
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
   * `decode(session_data)`, except for data over the codec's `maxSize`: Django reads any size,
   * so such a row is a real session, not a corrupt one, and an empty session in its place
   * would overwrite it on save. It is an error instead (raise `maxSize` to read it).
   */
  private decodeRow(sessionData: string, action: string): SessionData {
    const result = this.codec.decodeDetailed(sessionData);
    if (!result.ok && result.reason === "too-large") throw tooLarge(action);
    return result.data;
  }

  async exists(sessionKey: string): Promise<boolean> {
    if (!this.plausible(sessionKey)) return false;
    return this.storage("look up", sessionKey, () => this.adapter.exists(sessionKey));
  }

  async save(session: Session<any>, mustCreate: boolean): Promise<void> {
    if (session.sessionKey === null) return this.create(session);
    const data = await session.dataForSave(mustCreate);
    const row = await this.row(session, data);
    const loaded = (session.backendState as LoadedState | undefined)?.sessionData;
    if (!mustCreate && this.merge && loaded === undefined && this.rowUnknownWhenLoaded(session)) return this.mergeAndSave(session);
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
    await this.written(session, data, row, false);
  }

  /**
   * Whether a loaded session may lack the row's string (cached_db: it came from the cache), so
   * that a merging save must read the row first instead of a blind UPDATE.
   */
  protected rowUnknownWhenLoaded(_session: Session<any>): boolean {
    return false;
  }

  /** After a successful write: remember the stored string (cached_db also refreshes its cache). */
  protected async written(session: Session<any>, _data: SessionData, row: SessionRow, merged: boolean): Promise<void> {
    session.backendState = { sessionData: row.sessionData, expireDate: row.expireDate } satisfies LoadedState;
    this.events.saved?.({ merged });
  }

  private async row(session: Session<any>, data: SessionData): Promise<SessionRow> {
    return {
      sessionKey: session.sessionKey!,
      sessionData: this.codec.encode(data),
      expireDate: session.getExpiryDate({ expiry: toStoredExpiry(data._session_expiry) }),
    };
  }

  /**
   * The compare-and-swap lost: another request saved this session since it was loaded. Re-read
   * the row, re-apply this request's own changes onto it (`mergeSessionChanges`), and swap
   * again, a bounded number of times.
   */
  private async mergeAndSave(session: Session<any>): Promise<void> {
    const key = session.sessionKey!;
    const ours = await session.dataForSave(true);
    const changes = session.changeSet;
    for (let attempt = 1; attempt <= this.maxMergeAttempts; attempt++) {
      // Epoch "now": the row is re-read whatever its expiry, as an UPDATE by key would see it.
      const fresh = await this.storage("save", key, () => this.adapter.load(key, new Date(0)));
      if (fresh === null) {
        this.events.interrupted?.({});
        throw new UpdateError();
      }
      this.events.conflict?.({ attempt });
      const stored = changes.cleared ? {} : this.decodeRow(fresh.sessionData, "save");
      const merged = mergeSessionChanges(stored, ours, changes);
      session.replaceDataForBackend(merged);
      const row = await this.row(session, merged);
      const written = await this.storage("save", key, () => this.adapter.update(row, fresh.sessionData));
      if (written) {
        await this.written(session, merged, row, true);
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
    const expiry: unknown = await session.get("_session_expiry");
    if (typeof expiry === "string") return false;
    const lifetime = session.getExpiryAge();
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
    if (!this.plausible(sessionKey)) return;
    await this.storage("delete", sessionKey, () => this.adapter.delete(sessionKey));
  }

  // --- maintenance ---------------------------------------------------------------------

  /**
   * Django's `clear_expired()` (`manage.py clearsessions`), in bounded batches on the
   * `expire_date` index instead of one huge DELETE. Safe to run from several processes at once.
   * Resolves the number of rows deleted.
   *
   * `throttle` (0 < share <= 1, default 1: batches back to back) is the share of the time spent
   * deleting: after a batch that took t, the cleaner waits t × (1 − share) / share, so on a busy
   * database the site's own queries keep most of a core (0.5 waits as long as each batch took).
   */
  override async clearExpired(options: { batchSize?: number; throttle?: number; onProgress?: (deleted: number) => void } = {}): Promise<number> {
    const batchSize = options.batchSize ?? 1000;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new ImproperlyConfigured(`clearExpired batchSize must be a positive whole number (got ${String(options.batchSize)}).`);
    }
    const throttle = options.throttle ?? 1;
    if (!(typeof throttle === "number" && throttle > 0 && throttle <= 1)) {
      throw new ImproperlyConfigured(`clearExpired throttle must be the share of time spent deleting, above 0 and at most 1, e.g. 0.5 (got ${String(options.throttle)}).`);
    }
    const now = new Date(this.now());
    let total = 0;
    for (;;) {
      const started = performance.now();
      const deleted = await this.adapter.deleteExpired(now, batchSize);
      total += deleted;
      options.onProgress?.(total);
      if (deleted < batchSize) {
        this.events.cleared?.({ deleted: total });
        return total;
      }
      if (throttle < 1) {
        const waitMs = ((performance.now() - started) * (1 - throttle)) / throttle;
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }
}

function tooLarge(action: string): SessionStorageError {
  return new SessionStorageError(action, new RangeError("the stored session data is larger than maxSize; raise maxSize to read it"), { status: 500 });
}
