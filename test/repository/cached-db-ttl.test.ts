/**
 * cached_db: the lifetime of the cache entry (issue 11). Django caches a session for
 * `get_expiry_age()`, and a load from the database for `get_expiry_age(expiry=s.expire_date)`:
 * the seconds the row has left. Both stacks read the cache first and never look at
 * `expire_date` again, so an entry that outlives its row keeps an expired session alive.
 *
 * Real Redis (database 12, keys under a prefix of this process only, deleted afterwards) and
 * real PostgreSQL, MariaDB and SQLite (database `ds_cdb_ttl`).
 */
import { CachedDbSessionRepository, SqlRowAdapter, silentLogger, type DjangoSessionRepositoryOptions } from "../../src";
import type { DjangoTimeOptions } from "../../src/core/django-datetime";
import { RedisSessionCache } from "../../src/adapters/redis";
import { openDatabase, type RawDatabase } from "../support/raw-tables";
import type { Dialect } from "../support/databases";
import { redisTestClient } from "../support/redis";

const SECRET = "django-insecure-cached-db-ttl-secret";
const PREFIX = `ds-cdbttl-${process.pid}`;
const COOKIE_AGE = 1_209_600;
const client = redisTestClient("redis://127.0.0.1:6379/12", PREFIX);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const CASES = [
  { dialect: "postgres", flavour: "django", time: undefined },
  { dialect: "mysql", flavour: "django-redis", time: undefined },
  { dialect: "sqlite", flavour: "django", time: undefined },
  // USE_TZ = False: expire_date is naive wall-clock time in TIME_ZONE; a misread zone would be an hour or more off.
  { dialect: "mysql", flavour: "django", time: { useTz: false, timeZone: "Asia/Kolkata" } },
  { dialect: "sqlite", flavour: "django-redis", time: { useTz: false, timeZone: "America/New_York" } },
] as const satisfies readonly { dialect: Dialect; flavour: "django" | "django-redis"; time: DjangoTimeOptions | undefined }[];

describe.each(CASES)("cached_db TTL on $dialect ($flavour cache, time $time)", ({ dialect, flavour, time }) => {
  const prefix = `${PREFIX}-${dialect}-${flavour}-${time ? "naive" : "aware"}`;
  let db: RawDatabase;
  let cache: RedisSessionCache;

  beforeAll(async () => {
    db = await openDatabase(dialect, "ds_cdb_ttl");
    await db.recreate();
    cache = new RedisSessionCache({ client, keyPrefix: prefix, flavour });
  });
  afterAll(() => db.close());

  const repo = (options: Partial<Omit<DjangoSessionRepositoryOptions, "adapter">> = {}) =>
    new CachedDbSessionRepository({ secretKey: SECRET, adapter: new SqlRowAdapter(db.executor, { time }), time, cache, logger: silentLogger, ...options });

  /** Redis's TTL for the entry, in seconds (-2: no entry). */
  const ttl = (key: string) => client.ttl(cache.key(key));

  /** The seconds the row has left, read with the plain driver. */
  async function rowSecondsLeft(key: string): Promise<number> {
    const row = await db.table.getRow(key);
    if (row === null) throw new Error(`no row for ${key}`);
    // The raw table reads naive text as UTC; re-read it in TIME_ZONE when USE_TZ = False.
    const expire = time ? new SqlRowAdapter(db.executor, { time }) : null;
    const date = expire ? (await expire.load(key, new Date(0)))!.expireDate : row.expireDate;
    return (date.getTime() - Date.now()) / 1000;
  }

  /** The entry's TTL is the row's remaining age (±2 s) and about `expected` seconds. */
  async function expectTtl(key: string, expected: number): Promise<void> {
    const [held, left] = [await ttl(key), await rowSecondsLeft(key)];
    expect(Math.abs(held - left)).toBeLessThanOrEqual(2);
    expect(held).toBeGreaterThanOrEqual(expected - 2);
    expect(held).toBeLessThanOrEqual(expected);
  }

  async function insertRow(key: string, data: Record<string, unknown>, secondsLeft: number): Promise<void> {
    const repository = repo();
    // Written through the adapter so that a naive expire_date is in TIME_ZONE, as Django writes it.
    await new SqlRowAdapter(db.executor, { time }).insert({ sessionKey: key, sessionData: repository.codec.encode(data), expireDate: new Date(Date.now() + secondsLeft * 1000) });
  }

  test("a load of a row with 600 s left caches it for 600 s, not the cookie age", async () => {
    const key = `ttlload${dialect}${flavour}${time ? "n" : "a"}0123456789`;
    await insertRow(key, { user: "42" }, 600);
    expect(await ttl(key)).toBe(-2);
    const session = repo().get(key);
    expect(await session.toObject()).toEqual({ user: "42" });
    await expectTtl(key, 600);
  });

  test("a save caches for the expiry age: the cookie age, or the custom expiry", async () => {
    const session = repo({ cookieAge: 1800 }).get();
    await session.set("a", 1);
    await session.save();
    await expectTtl(session.sessionKey!, 1800);
    const defaults = repo().get();
    await defaults.set("a", 1);
    await defaults.save();
    await expectTtl(defaults.sessionKey!, COOKIE_AGE);
  });

  test("after setExpiry (seconds, { seconds }, a Date) the entry lives as long as the row", async () => {
    for (const value of [600, { seconds: 700 }, new Date(Date.now() + 800_000)]) {
      const session = repo().get();
      await session.set("a", 1);
      await session.setExpiry(value);
      await session.save();
      await expectTtl(session.sessionKey!, typeof value === "number" ? 600 : value instanceof Date ? 800 : 700);
      // And again when re-read from the row (entry evicted).
      await client.del(cache.key(session.sessionKey!));
      expect(await repo().get(session.sessionKey).toObject()).toEqual(expect.objectContaining({ a: 1 }));
      await expectTtl(session.sessionKey!, typeof value === "number" ? 600 : value instanceof Date ? 800 : 700);
    }
  });

  test("after a cycleKey the new entry has the session's remaining age and the old one is gone", async () => {
    const session = repo().get();
    await session.set("a", 1);
    await session.setExpiry(new Date(Date.now() + 900_000));
    await session.save();
    const old = session.sessionKey!;
    // Loaded from the row (entry evicted), then cycled.
    await client.del(cache.key(old));
    const loaded = repo().get(old);
    await loaded.load();
    await expectTtl(old, 900);
    await loaded.cycleKey();
    const cycled = loaded.sessionKey!;
    expect(cycled).not.toBe(old);
    expect(await ttl(old)).toBe(-2);
    await expectTtl(cycled, 900);
    // A session without custom expiry gets a fresh cookie age on cycle, as in Django (cycle_key saves a new row).
    const plain = repo({ cookieAge: 1000 }).get();
    await plain.set("b", 2);
    await plain.save();
    await plain.cycleKey();
    await expectTtl(plain.sessionKey!, 1000);
  });

  test("an expired row is not served from the cache", async () => {
    const key = `ttlexpired${dialect}${flavour}${time ? "n" : "a"}0123456`;
    await insertRow(key, { _auth_user_id: "7" }, 2);
    expect(await repo().get(key).toObject()).toEqual({ _auth_user_id: "7" }); // cached now
    expect(await ttl(key)).toBeGreaterThan(0);
    expect(await ttl(key)).toBeLessThanOrEqual(2);
    await sleep(3_100);
    const later = repo().get(key);
    expect(await later.toObject()).toEqual({});
    expect(later.sessionKey).toBeNull();
    expect(await ttl(key)).toBe(-2);
  });

  test("a row with under a second left is read but not cached (a timeout of 0 deletes)", async () => {
    const key = `ttlsubsecond${dialect}${flavour}${time ? "n" : "a"}01234`;
    await insertRow(key, { a: 1 }, 0.8);
    expect(await repo().get(key).toObject()).toEqual({ a: 1 });
    expect(await ttl(key)).toBe(-2);
  });
});
