import type { DjangoTimeOptions } from "./django-datetime";
import { EXPIRY_KEY, expiryAge, expiryDate, storedExpiry, toStoredExpiry, type ExpiryInput, type ExpiryValue } from "./expiry";
import type { SessionData } from "./session-codec";
import { SessionNotLoaded } from "./errors";
import { validateSessionKey } from "./session-key";

/** Django's test cookie key and value (`set_test_cookie`). */
export const TEST_COOKIE_NAME = "testcookie";
export const TEST_COOKIE_VALUE = "worked";

/**
 * The persistence a `Session` delegates to: Django's engine methods (`load`, `create`, `save`,
 * `exists`, `delete`). `DjangoSessionRepository` is the db engine; the core does no I/O itself.
 */
export interface SessionBackend {
  /** Django's `load()`: the live data, or `null` when there is none (the key is then dropped). */
  load(session: Session<any>): Promise<SessionData | null>;
  /** Django's `create()`: a new key, saved at once with `mustCreate`, retried on collision. */
  create(session: Session<any>): Promise<void>;
  /** Django's `save(must_create)`. */
  save(session: Session<any>, mustCreate: boolean): Promise<void>;
  exists(sessionKey: string): Promise<boolean>;
  /** Sliding expiry: move the stored expiry forward without rewriting the data, if due. Optional. */
  touch?(session: Session<any>): Promise<boolean>;
  /** Deletes the stored session; `session` is the one asking, when it is its own key. */
  delete(sessionKey: string, session?: Session<any>): Promise<void>;
}

/** Settings a session needs for its expiry arithmetic, named after Django's. */
export interface SessionSettings {
  /** `SESSION_COOKIE_AGE` in seconds. @default 1209600 */
  cookieAge: number;
  /** `SESSION_EXPIRE_AT_BROWSER_CLOSE`. @default false */
  expireAtBrowserClose: boolean;
  /** Store expiry dates as integer seconds, the only form Django 3.2 reads. */
  integerExpiryOnly: boolean;
  /** `USE_TZ` / `TIME_ZONE`, for ISO expiry strings. */
  time?: DjangoTimeOptions;
  /** Clock in epoch milliseconds. */
  now: () => number;
}

/** One top-level key's change in this request: set to a value, or deleted. */
export type KeyChange = { type: "set" } | { type: "delete" };

/** What this request did to the data: which keys it set or deleted, and whether it cleared everything first. */
export interface SessionChanges {
  /** `clear()`/`flush()` ran: every key not set afterwards is deleted. */
  cleared: boolean;
  keys: ReadonlyMap<string, KeyChange>;
}

/**
 * Django's `SessionBase`: a dict-like session with lazy loading and the exact `accessed` /
 * `modified` rules (spec §5.1), plus a record of the top-level keys set or deleted in this
 * request. Data methods are async because touching the data is what loads it (one query, on
 * first use only); a request that never touches its session costs nothing.
 *
 * Mutating a nested object does not mark the session modified (as in Django): set the key again,
 * or call `markModified(key)`.
 */
export class Session<T extends Record<string, unknown> = Record<string, unknown>> {
  /** Set by every data access (`request.session.accessed`). */
  accessed = false;
  /** Set by every data change; the middleware saves a session only when it is set. */
  modified = false;

  private _key: string | null;
  private cache: Map<string, unknown> | null = null;
  private loading: Promise<Map<string, unknown>> | null = null;
  private readonly changes = new Map<string, KeyChange>();
  private cleared = false;
  /** Private to the backend: e.g. the `session_data` string this session was loaded from. @internal */
  backendState: unknown = undefined;

  constructor(
    sessionKey: string | null | undefined,
    private readonly backend: SessionBackend,
    readonly settings: SessionSettings,
  ) {
    this._key = validateSessionKey(sessionKey);
  }

  /** The session key, or `null` for a session that has none yet. Read-only, as in Django. */
  get sessionKey(): string | null {
    return this._key;
  }

  /** Whether the data has been loaded (or cleared) yet. */
  get loaded(): boolean {
    return this.cache !== null;
  }

  /** For backends: assign a (validated) key, as Django's `_session_key` setter does. @internal */
  setSessionKeyForBackend(key: string | null): void {
    this._key = validateSessionKey(key);
  }

  /** For backends: the data to persist, without loading when `noLoad` (Django's `_get_session(no_load)`). @internal */
  async dataForSave(noLoad: boolean): Promise<SessionData> {
    const data = noLoad ? (this.cache ?? new Map<string, unknown>()) : await this.data();
    return mapToObject(data);
  }

  /** For backends: replace the loaded data (after a merge), leaving the flags alone. @internal */
  replaceDataForBackend(data: SessionData): void {
    this.cache = objectToMap(data);
  }

  /** For backends: the record of this request's changes (used to merge concurrent writes). @internal */
  get changeSet(): SessionChanges {
    return { cleared: this.cleared, keys: this.changes };
  }

  // Django's `_get_session`: every access sets `accessed`; the first one loads.
  private async data(): Promise<Map<string, unknown>> {
    this.accessed = true;
    if (this.cache !== null) return this.cache;
    if (this._key === null) {
      this.cache = new Map();
      return this.cache;
    }
    // Concurrent first accesses share one load.
    this.loading ??= this.backend.load(this).then((loaded) => {
      if (loaded === null) this._key = null;
      // A clear() that ran while loading wins; the loaded data is discarded.
      this.cache ??= objectToMap(loaded ?? {});
      return this.cache;
    });
    try {
      return await this.loading;
    } finally {
      this.loading = null;
    }
  }

  /** Loads the data now (it loads by itself on first access). */
  async load(): Promise<this> {
    await this.data();
    return this;
  }

  private track(key: string, change: KeyChange): void {
    this.changes.set(key, change);
  }

  /** `session.get(key, default=None)`. */
  async get<K extends keyof T & string>(key: K): Promise<T[K] | undefined>;
  async get<K extends keyof T & string, D>(key: K, defaultValue: D): Promise<T[K] | D>;
  async get(key: string, defaultValue?: unknown): Promise<unknown> {
    const data = await this.data();
    return data.has(key) ? data.get(key) : defaultValue;
  }

  /** `session[key] = value`. */
  async set<K extends keyof T & string>(key: K, value: T[K]): Promise<void> {
    const data = await this.data();
    data.set(key, value);
    this.track(key, { type: "set" });
    this.modified = true;
  }

  /** `key in session`. */
  async has(key: keyof T & string): Promise<boolean> {
    return (await this.data()).has(key);
  }

  /** `del session[key]`: throws `KeyError`-like `RangeError` when the key is missing, as Django does. */
  async delete(key: keyof T & string): Promise<void> {
    const data = await this.data();
    if (!data.has(key)) throw new RangeError(`KeyError: ${JSON.stringify(key)}`);
    data.delete(key);
    this.track(key, { type: "delete" });
    this.modified = true;
  }

  /** `session.pop(key[, default])`: `modified` only if the key existed; throws when missing and no default. */
  async pop<K extends keyof T & string>(key: K): Promise<T[K]>;
  async pop<K extends keyof T & string, D>(key: K, defaultValue: D): Promise<T[K] | D>;
  async pop(key: string, ...defaultValue: unknown[]): Promise<unknown> {
    // A rest parameter, because an explicit `undefined` default must still count as given.
    const data = await this.data();
    if (data.has(key)) {
      const value = data.get(key);
      data.delete(key);
      this.track(key, { type: "delete" });
      this.modified = true;
      return value;
    }
    if (defaultValue.length === 0) throw new RangeError(`KeyError: ${JSON.stringify(key)}`);
    return defaultValue[0];
  }

  /** `session.setdefault(key, value)`: sets (and marks modified) only when missing. */
  async setdefault<K extends keyof T & string>(key: K, value: T[K]): Promise<T[K]> {
    const data = await this.data();
    if (data.has(key)) return data.get(key) as T[K];
    data.set(key, value);
    this.track(key, { type: "set" });
    this.modified = true;
    return value;
  }

  /** `session.update(dict)`. */
  async update(values: Partial<T>): Promise<void> {
    const data = await this.data();
    for (const key of Object.keys(values)) {
      data.set(key, (values as Record<string, unknown>)[key]);
      this.track(key, { type: "set" });
    }
    this.modified = true;
  }

  async keys(): Promise<(keyof T & string)[]> {
    return [...(await this.data()).keys()] as (keyof T & string)[];
  }

  async values(): Promise<T[keyof T][]> {
    return [...(await this.data()).values()] as T[keyof T][];
  }

  async items(): Promise<[keyof T & string, T[keyof T]][]> {
    return [...(await this.data()).entries()] as [keyof T & string, T[keyof T]][];
  }

  /** A plain-object copy of the data (loads it). */
  async toObject(): Promise<Partial<T>> {
    return mapToObject(await this.data()) as Partial<T>;
  }

  /** `session.clear()`: empties the data without loading it; sets `accessed` and `modified`. */
  clear(): void {
    this.cache = new Map();
    this.accessed = true;
    this.modified = true;
    this.cleared = true;
    this.changes.clear();
  }

  /** Marks a key as changed after mutating its value in place (Django: `session.modified = True`). */
  markModified(key: keyof T & string): void {
    this.track(key, { type: "set" });
    this.modified = true;
  }

  /** `session.is_empty()`: no key and nothing (or nothing loaded) in the data. Never loads. */
  isEmpty(): boolean {
    return !this._key && (this.cache === null || this.cache.size === 0);
  }

  // --- test cookie ---------------------------------------------------------------------

  async setTestCookie(): Promise<void> {
    await this.set(TEST_COOKIE_NAME, TEST_COOKIE_VALUE as T[keyof T & string]);
  }

  async testCookieWorked(): Promise<boolean> {
    return (await this.get(TEST_COOKIE_NAME as keyof T & string)) === TEST_COOKIE_VALUE;
  }

  async deleteTestCookie(): Promise<void> {
    await this.delete(TEST_COOKIE_NAME);
  }

  // --- expiry (spec §5.2) --------------------------------------------------------------

  private context(modification?: Date) {
    return {
      cookieAge: this.settings.cookieAge,
      modification: modification ?? new Date(this.settings.now()),
      time: this.settings.time,
    };
  }

  /**
   * The loaded data, for the synchronous getters: a session with a key must have been loaded
   * (`await session.load()`, or any data access) first. Like Django's `self.get()`, it counts as
   * an access.
   */
  private loadedData(caller: string): Map<string, unknown> {
    if (this.cache === null) {
      if (this._key !== null) throw new SessionNotLoaded(caller);
      this.cache = new Map();
    }
    this.accessed = true;
    return this.cache;
  }

  private storedExpiry(caller: string, options?: { expiry?: ExpiryInput }): ExpiryInput {
    if (options && "expiry" in options) return options.expiry;
    return toStoredExpiry(this.loadedData(caller).get(EXPIRY_KEY));
  }

  /**
   * `get_expiry_age()`: seconds until expiry. Synchronous: a session with a key must be loaded
   * first (`await session.load()`), or pass `expiry` (a stored `_session_expiry`, or a `Date`
   * such as the row's `expire_date`).
   */
  getExpiryAge(options?: { modification?: Date; expiry?: ExpiryInput }): number {
    return expiryAge(this.storedExpiry("getExpiryAge", options), this.context(options?.modification));
  }

  /** `get_expiry_date()`. Synchronous, like `getExpiryAge`. */
  getExpiryDate(options?: { modification?: Date; expiry?: ExpiryInput }): Date {
    return expiryDate(this.storedExpiry("getExpiryDate", options), this.context(options?.modification));
  }

  /**
   * `set_expiry(value)`: seconds of inactivity (0 = at browser close), a `Date`, `{ seconds }`
   * from now, or `null` for the global policy. Dates are stored as Django 4.1+ does (ISO
   * strings), or as integer seconds when the repository must stay readable by Django 3.2.
   */
  async setExpiry(value: ExpiryValue): Promise<void> {
    const stored = storedExpiry(value, new Date(this.settings.now()), {
      integerOnly: this.settings.integerExpiryOnly,
      time: this.settings.time,
    });
    const key = EXPIRY_KEY as keyof T & string;
    if (stored === undefined) {
      await this.pop(key, undefined);
      return;
    }
    await this.set(key, stored as T[keyof T & string]);
  }

  /**
   * `get_expire_at_browser_close()`. Synchronous, so `if session.getExpireAtBrowserClose()`
   * means what it says; a session with a key must be loaded first (`await session.load()`).
   */
  getExpireAtBrowserClose(): boolean {
    const expiry = this.loadedData("getExpireAtBrowserClose").get(EXPIRY_KEY);
    if (expiry === undefined || expiry === null) return this.settings.expireAtBrowserClose;
    return expiry === 0;
  }

  // --- lifecycle (delegated to the backend, Django's engine methods) -------------------

  /** `session.save()`: persists the data, always (as Django's). See `saveIfModified`. */
  async save(options: { mustCreate?: boolean } = {}): Promise<void> {
    await this.backend.save(this, options.mustCreate ?? false);
  }

  /**
   * The middleware's rule, for services too: save only when the session was modified and is not
   * empty, and resolve whether it wrote. Afterwards `modified` is false again, so a second call
   * with no change in between writes nothing.
   */
  async saveIfModified(): Promise<boolean> {
    if (!this.modified || this.isEmpty()) return false;
    await this.backend.save(this, false);
    this.modified = false;
    return true;
  }

  /**
   * Sliding expiry (the repository's `touchThreshold`): extends the stored expiry of a loaded,
   * unmodified session when it is due. Resolves whether it did. The middleware calls it.
   */
  async touch(): Promise<boolean> {
    return (await this.backend.touch?.(this)) ?? false;
  }

  /** `session.create()`: a new key, saved immediately. */
  async create(): Promise<void> {
    await this.backend.create(this);
    this.modified = true;
  }

  /** `session.exists(key)`. */
  exists(sessionKey: string): Promise<boolean> {
    return this.backend.exists(sessionKey);
  }

  /** `session.delete_session(key=None)` (Django's `delete(session_key)`): removes a stored session. */
  async deleteSession(sessionKey?: string | null): Promise<void> {
    const key = sessionKey ?? this._key;
    if (key === null) return;
    await this.backend.delete(key, key === this._key ? this : undefined);
  }

  /** `session.flush()`: clears the data, deletes the stored session and drops the key (logout). */
  async flush(): Promise<void> {
    this.clear();
    await this.deleteSession();
    this._key = null;
  }

  /**
   * `session.cycle_key()`: same data under a new key, the old row deleted (login does this to
   * prevent session fixation).
   */
  async cycleKey(): Promise<void> {
    const data = await this.data();
    const oldKey = this._key;
    await this.create();
    this.cache = data;
    if (oldKey !== null) await this.backend.delete(oldKey);
  }
}

function objectToMap(data: SessionData): Map<string, unknown> {
  return new Map(Object.keys(data).map((key) => [key, data[key]]));
}

function mapToObject(data: Map<string, unknown>): SessionData {
  const out: SessionData = {};
  for (const [key, value] of data) {
    // defineProperty: a "__proto__" key stays an ordinary own property.
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
