import { ImproperlyConfigured } from "../../core/errors";
import { pickleDumps, pickleLoads, type PickleLoadsOptions } from "../../core/pickle";
import type { SessionData } from "../../core/session-codec";
import { RedisCommandTimeout } from "../../core/errors";
import type { SessionCacheAdapter } from "../../engines/session-cache";
import { isSessionDict } from "../../engines/cache";

/**
 * Which Django cache backend shares the Redis database:
 * - `"django"`: Django's built-in `django.core.cache.backends.redis.RedisCache` (Django ≥ 4.0):
 *   `pickle.dumps(value, pickle.HIGHEST_PROTOCOL)` (5), TTL with `SET … EX seconds`;
 * - `"django-redis"`: `django_redis.cache.RedisCache` with its default `PickleSerializer` and no
 *   compressor (the usual setup on Django 3.2): `pickle.dumps(value, pickle.DEFAULT_PROTOCOL)`
 *   (4 on Python 3.8–3.13), TTL with `SET … PX milliseconds`.
 * Both store a plain `int` (not a bool) as its decimal digits, unpickled, and read every value by
 * trying `int(data)` first. Either reads what the other writes.
 */
export type DjangoCacheFlavour = "django" | "django-redis";

/** Django's default `KEY_FUNCTION` (`django.core.cache.backends.base.default_key_func`). */
export function defaultKeyFunction(key: string, keyPrefix: string, version: number | string): string {
  return `${keyPrefix}:${version}:${key}`;
}

/** The parts of a node-redis (v5+) client, pool or cluster this module uses. */
export interface NodeRedisClientLike {
  withTypeMapping(mapping: Record<number, unknown>): unknown;
}

interface BinaryCommands {
  get(key: string): Promise<Buffer | null>;
  set(key: string, value: Buffer | string, options?: Record<string, unknown>): Promise<unknown>;
  del(key: string | string[]): Promise<number>;
  exists(key: string | string[]): Promise<number>;
}

/** `RESP_TYPES.BLOB_STRING` of `@redis/client` (`$`): map bulk strings to Buffers, as pickles are binary. */
const RESP_BLOB_STRING = 36;

export interface DjangoRedisCacheOptions {
  /**
   * A connected node-redis client (`createClient({ url }).connect()` from `redis`), pool or
   * cluster. Its lifecycle stays yours. Use the same database as Django's `LOCATION`.
   */
  client: NodeRedisClientLike;
  /** Django's `CACHES[alias]["KEY_PREFIX"]`. @default "" */
  keyPrefix?: string;
  /** Django's `CACHES[alias]["VERSION"]`. @default 1 */
  version?: number | string;
  /** Django's `CACHES[alias]["KEY_FUNCTION"]`, as `(key, keyPrefix, version) => physical key`. @default `${keyPrefix}:${version}:${key}` */
  keyFunction?: (key: string, keyPrefix: string, version: number | string) => string;
  /** @default "django" */
  flavour?: DjangoCacheFlavour;
  /**
   * The pickle protocol written: 5 for `"django"` (`HIGHEST_PROTOCOL`), 4 for `"django-redis"`
   * (`DEFAULT_PROTOCOL`; its `PICKLE_VERSION` option). Python 3.14 makes 5 the default.
   */
  pickleProtocol?: 2 | 3 | 4 | 5;
  /** Limits for reading pickles (`maxSize` etc.). */
  pickle?: PickleLoadsOptions;
  /**
   * A Redis command that has not answered after this many milliseconds fails (the client may
   * queue commands while it reconnects; a request should not wait for that). `0` disables it.
   * @default 2000
   */
  commandTimeout?: number;
}

/** Python's `int(bytes)`: ASCII whitespace around an optional sign and digits, single underscores between digits. */
const PY_INT = /^[ \t\n\v\f\r]*([+-]?)(\d+(?:_\d+)*)[ \t\n\v\f\r]*$/;

/**
 * The value Django's cache serializer writes for `value`: an int as its digits, anything else
 * pickled (see `DjangoCacheFlavour`).
 */
export function encodeDjangoCacheValue(value: unknown, protocol: 2 | 3 | 4 | 5 = 5): Buffer {
  const isInt = (typeof value === "number" && Number.isSafeInteger(value) && !Object.is(value, -0)) || typeof value === "bigint";
  if (isInt) return Buffer.from(String(value), "ascii");
  return pickleDumps(value, { protocol });
}

/** How Django's cache serializer reads a stored value: `int(data)`, else `pickle.loads(data)` (the safe subset). */
export function decodeDjangoCacheValue(data: Uint8Array, options?: PickleLoadsOptions): unknown {
  // A pickle starts with 0x80 (PROTO), or an opcode byte; only plain digits can be an int.
  if (data.length > 0 && data.length <= 5000 && data[0] !== 0x80) {
    // Both groups take part in every match (the sign may be empty).
    const [, sign, digits] = PY_INT.exec(Buffer.from(data.buffer, data.byteOffset, data.length).toString("latin1")) ?? [];
    if (sign !== undefined && digits !== undefined) {
      const value = BigInt(sign + digits.replace(/_/g, ""));
      return Number.MIN_SAFE_INTEGER <= value && value <= Number.MAX_SAFE_INTEGER ? Number(value) : value;
    }
  }
  return pickleLoads(data, options);
}

/**
 * One of Django's caches on Redis, as Django's cache API sees it (`get`, `set`, `add`,
 * `delete`, `has_key`), for the keys of one session engine: physical key =
 * `keyFunction(sessionKeyPrefix + sessionKey, keyPrefix, version)`.
 */
export class DjangoRedisCache {
  readonly flavour: DjangoCacheFlavour;
  private readonly redis: BinaryCommands;
  private readonly keyPrefix: string;
  private readonly version: number | string;
  private readonly keyFunction: (key: string, keyPrefix: string, version: number | string) => string;
  private readonly protocol: 2 | 3 | 4 | 5;
  private readonly pickleOptions: PickleLoadsOptions | undefined;
  private readonly timeout: number;

  constructor(
    options: DjangoRedisCacheOptions,
    /** `django.contrib.sessions.cache` or `django.contrib.sessions.cached_db`. */
    readonly sessionKeyPrefix: string,
  ) {
    if (!options || typeof options.client?.withTypeMapping !== "function") {
      throw new ImproperlyConfigured("The Redis session cache needs `client`: a node-redis (v5+) client, e.g. await createClient({ url }).connect() from 'redis'.");
    }
    this.flavour = options.flavour ?? "django";
    if (this.flavour !== "django" && this.flavour !== "django-redis") {
      throw new ImproperlyConfigured(`flavour must be "django" or "django-redis" (got ${JSON.stringify(options.flavour)}).`);
    }
    this.protocol = options.pickleProtocol ?? (this.flavour === "django" ? 5 : 4);
    if (![2, 3, 4, 5].includes(this.protocol)) throw new ImproperlyConfigured(`pickleProtocol must be 2 to 5 (got ${String(options.pickleProtocol)}).`);
    this.redis = options.client.withTypeMapping({ [RESP_BLOB_STRING]: Buffer }) as BinaryCommands;
    this.keyPrefix = options.keyPrefix ?? "";
    this.version = options.version ?? 1;
    this.keyFunction = options.keyFunction ?? defaultKeyFunction;
    this.pickleOptions = options.pickle;
    this.timeout = options.commandTimeout ?? 2000;
    if (!Number.isFinite(this.timeout) || this.timeout < 0) throw new ImproperlyConfigured(`commandTimeout must be ≥ 0 ms (got ${String(options.commandTimeout)}).`);
  }

  /** The physical Redis key of a session. */
  key(sessionKey: string): string {
    return this.keyFunction(this.sessionKeyPrefix + sessionKey, this.keyPrefix, this.version);
  }

  private run<T>(command: string, call: () => Promise<T>): Promise<T> {
    const promise = call();
    if (!this.timeout) return promise;
    let timer: NodeJS.Timeout;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisCommandTimeout(command, this.timeout)), this.timeout);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  private encode(value: unknown): Buffer {
    return encodeDjangoCacheValue(value, this.protocol);
  }

  private expiry(timeoutSeconds: number): Record<string, unknown> {
    // RedisCache: ex=seconds; django-redis: px=int(timeout * 1000).
    return this.flavour === "django" ? { expiration: { type: "EX", value: timeoutSeconds } } : { expiration: { type: "PX", value: timeoutSeconds * 1000 } };
  }

  /** `cache.get(key)`: the value, or `undefined` when missing. Throws `PickleError` for a value outside the safe subset. */
  async get(sessionKey: string): Promise<unknown> {
    const data = await this.run("GET", () => this.redis.get(this.key(sessionKey)));
    if (data === null || data === undefined) return undefined;
    return decodeDjangoCacheValue(data, this.pickleOptions);
  }

  /** `cache.set(key, value, timeout)`: a timeout ≤ 0 deletes the key, as both backends do. */
  async set(sessionKey: string, value: unknown, timeoutSeconds: number): Promise<void> {
    const key = this.key(sessionKey);
    const timeout = Math.trunc(timeoutSeconds);
    if (!(timeout > 0)) {
      await this.run("DEL", () => this.redis.del(key));
      return;
    }
    const data = this.encode(value);
    await this.run("SET", () => this.redis.set(key, data, this.expiry(timeout)));
  }

  /**
   * `cache.set` only if the key exists (`SET … XX`): what the cache engine's save does with
   * `get() is not None` then `set()`, without the race. Resolves false when the key is missing.
   */
  async replace(sessionKey: string, value: unknown, timeoutSeconds: number): Promise<boolean> {
    const key = this.key(sessionKey);
    const timeout = Math.trunc(timeoutSeconds);
    if (!(timeout > 0)) return (await this.run("DEL", () => this.redis.del(key))) > 0;
    const data = this.encode(value);
    const reply = await this.run("SET", () => this.redis.set(key, data, { ...this.expiry(timeout), condition: "XX" }));
    return reply !== null && reply !== undefined;
  }

  /**
   * `cache.add(key, value, timeout)` (`SET … NX`). With a timeout ≤ 0, RedisCache sets and at
   * once deletes (true unless the key existed); django-redis answers `not has_key(key)`.
   */
  async add(sessionKey: string, value: unknown, timeoutSeconds: number): Promise<boolean> {
    const key = this.key(sessionKey);
    const timeout = Math.trunc(timeoutSeconds);
    if (!(timeout > 0)) {
      if (this.flavour === "django-redis") return (await this.run("EXISTS", () => this.redis.exists(key))) === 0;
      const reply = await this.run("SET", () => this.redis.set(key, this.encode(value), { condition: "NX" }));
      if (reply === null || reply === undefined) return false;
      await this.run("DEL", () => this.redis.del(key));
      return true;
    }
    const reply = await this.run("SET", () => this.redis.set(key, this.encode(value), { ...this.expiry(timeout), condition: "NX" }));
    return reply !== null && reply !== undefined;
  }

  /** `cache.delete(key)`: true when a key was removed. */
  async delete(sessionKey: string): Promise<boolean> {
    return (await this.run("DEL", () => this.redis.del(this.key(sessionKey)))) > 0;
  }

  /** `key in cache` (`has_key`). */
  async has(sessionKey: string): Promise<boolean> {
    return (await this.run("EXISTS", () => this.redis.exists(this.key(sessionKey)))) > 0;
  }
}

/** The cache key prefix of Django's `cached_db` engine. */
export const CACHED_DB_KEY_PREFIX = "django.contrib.sessions.cached_db";
/** The cache key prefix of Django's `cache` engine. */
export const CACHE_KEY_PREFIX = "django.contrib.sessions.cache";


/**
 * The `cache` option of `CachedDbSessionRepository` for Django's `cached_db` engine on Redis:
 * the session dict pickled under `:1:django.contrib.sessions.cached_db<key>` (by default), as
 * Django's RedisCache or django-redis writes it. A value that is not a dict, or not readable
 * by the safe pickle subset, throws: the repository logs it and reads the database (as Django
 * does when its cache raises).
 */
export class RedisSessionCache implements SessionCacheAdapter {
  readonly cache: DjangoRedisCache;

  constructor(options: DjangoRedisCacheOptions & { sessionKeyPrefix?: string }) {
    this.cache = new DjangoRedisCache(options, options?.sessionKeyPrefix ?? CACHED_DB_KEY_PREFIX);
  }

  /** The physical Redis key of a session. */
  key(sessionKey: string): string {
    return this.cache.key(sessionKey);
  }

  async get(sessionKey: string): Promise<SessionData | undefined> {
    const value = await this.cache.get(sessionKey);
    if (value === undefined) return undefined;
    if (!isSessionDict(value)) throw new TypeError("the cached session is not a dict");
    return value;
  }

  set(sessionKey: string, data: SessionData, timeoutSeconds: number): Promise<void> {
    return this.cache.set(sessionKey, data, timeoutSeconds);
  }

  async delete(sessionKey: string): Promise<void> {
    await this.cache.delete(sessionKey);
  }
}


