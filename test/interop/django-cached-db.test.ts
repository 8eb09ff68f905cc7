/**
 * Django's cached_db engine on the machine's Redis, against real Django sharing the same
 * database and the same Redis keys with us:
 * - Django 5.2 with its built-in `django.core.cache.backends.redis.RedisCache`;
 * - Django 3.2 with django-redis (Debian's python3-django-redis).
 * Each on SQLite and PostgreSQL. Redis database 13, under a key prefix of this process only;
 * only those keys are deleted afterwards.
 */
import { join } from "node:path";
import { createClient } from "redis";
import { CachedDbSessionRepository, DjangoSessionRepository, SqlRowAdapter, type SessionLogger } from "../../src";
import { pickleDumps } from "../../src/low-level";
import { RedisSessionCache } from "../../src/adapters/redis";
import { ensurePostgresDatabase, TMP_DIR } from "../support/databases";
import { redisTestClient } from "../support/redis";
import { openPostgres, openSqlite, type RawDatabase } from "../support/raw-tables";
import { DjangoCacheBridge } from "./django-cache-bridge";

jest.setTimeout(30_000);

const SECRET = "django-insecure-cached-db-interop-secret";
const REDIS_DB = 13;
const LOCATION = `redis://127.0.0.1:6379/${REDIS_DB}`;
const KEY_PREFIX = `ds-cdb-${process.pid}`;
// A port nothing listens on: Redis "down" for one of our clients only.
const CLOSED_PORT = 1;

const client = redisTestClient(LOCATION, KEY_PREFIX);

function recordingLogger() {
  const errors: { message: string; context: Record<string, unknown> }[] = [];
  const logger: SessionLogger = { warn: (message, context) => errors.push({ message, context }), error: (message, context) => errors.push({ message, context }) };
  return { logger, errors };
}

const CASES = [
  { version: "5.2", flavour: "django", dialect: "sqlite" },
  { version: "5.2", flavour: "django", dialect: "postgres" },
  { version: "3.2", flavour: "django-redis", dialect: "sqlite" },
  { version: "3.2", flavour: "django-redis", dialect: "postgres" },
] as const;

type Case = (typeof CASES)[number];
const caseName = ({ version, dialect }: Case) => `ds_cdb_${version.replace(".", "")}_${dialect}`;
const casePrefix = ({ version, dialect }: Case) => `${KEY_PREFIX}-${version}-${dialect}`;

/** Every case's database and Django process, started at once (Django starts in about a second each). */
const setups = new Map<Case, Promise<{ db: RawDatabase; django: DjangoCacheBridge }>>();
beforeAll(() => {
  for (const c of CASES) {
    setups.set(
      c,
      (async () => {
        const name = caseName(c);
        const db = c.dialect === "sqlite" ? await openSqlite(name) : await openPostgres(name);
        await db.recreate();
        const pg = c.dialect === "postgres" ? new URL(await ensurePostgresDatabase(name)) : null;
        const django = await DjangoCacheBridge.start(c.version, {
          engine: "cached_db",
          cache_backend: c.flavour,
          location: LOCATION,
          key_prefix: casePrefix(c),
          secret_key: SECRET,
          dialect: c.dialect,
          name: pg ? name : join(TMP_DIR, `${name}.sqlite3`),
          host: pg?.hostname,
          port: pg ? Number(pg.port || 5432) : undefined,
          user: pg ? decodeURIComponent(pg.username) : undefined,
          password: pg ? decodeURIComponent(pg.password) : undefined,
        });
        return { db, django };
      })(),
    );
  }
  // Failures surface in each case's own beforeAll.
  for (const p of setups.values()) p.catch(() => {});
});

describe.each(CASES)("cached_db: Django $version ($flavour) on $dialect", (c) => {
  const { version, flavour } = c;
  const prefix = casePrefix(c);
  let db: RawDatabase;
  let django: DjangoCacheBridge;
  let cache: RedisSessionCache;
  let repo: DjangoSessionRepository;
  const { logger, errors } = recordingLogger();

  beforeAll(async () => {
    ({ db, django } = await setups.get(c)!);
    cache = new RedisSessionCache({ client, keyPrefix: prefix, flavour });
    repo = new CachedDbSessionRepository({ secretKey: SECRET, adapter: new SqlRowAdapter(db.executor), cache, logger, oldestDjangoVersion: version });
  });

  afterAll(async () => {
    await django?.close();
    await db?.close();
  });

  test("the bridge runs the expected Django and cache backend", () => {
    expect(django.ready.django.startsWith(`${version}.`)).toBe(true);
    expect(django.ready.backend).toBe(flavour === "django" ? "django.core.cache.backends.redis.RedisCache" : "django_redis.cache.RedisCache");
  });

  test("same physical key as Django", async () => {
    expect(await django.call("physical_key", { key: "abcdefgh12345678" })).toBe(cache.key("abcdefgh12345678"));
    expect(cache.key("abcdefgh12345678")).toBe(`${prefix}:1:django.contrib.sessions.cached_dbabcdefgh12345678`);
  });

  test("Django writes, we read (from the cache, byte-identical to our writer)", async () => {
    const data = { user: "42", name: "Zoë 🐍", n: 2 ** 40, big: 2n ** 70n, f: 1.5, ok: true, none: null, list: [1, "a", [2]], nested: { a: { b: "c" } } };
    const { key } = await django.call("create", { data });
    const raw = await django.call("raw", { physical_key: cache.key(key) });
    // RedisCache: pickle.HIGHEST_PROTOCOL (5); django-redis: pickle.DEFAULT_PROTOCOL (4).
    expect(raw.hex.slice(0, 4)).toBe(flavour === "django" ? "8005" : "8004");
    expect(raw.hex).toBe(pickleDumps(data, { protocol: flavour === "django" ? 5 : 4 }).toString("hex"));
    // An entry of Django's carries no stamp of ours (the cross-process rule of cached-db.ts): the
    // first read goes to the row and stamps the entry, which keeps Django's bytes.
    expect(await repo.get(key).toObject()).toEqual(data);
    expect((await django.call("raw", { physical_key: cache.key(key) })).hex).toBe(raw.hex);
    // Read from the cache: the row is gone and we still see Django's cached session.
    await db.table.delete(key);
    const session = repo.get(key);
    expect(await session.toObject()).toEqual(data);
    expect(session.sessionKey).toBe(key);
  });

  test("we write, Django reads our cache entry at once (and the TTL is the expiry age)", async () => {
    const session = repo.get();
    await session.update({ cart: ["x", "y"], total: 12.5, flag: false });
    await session.save();
    const key = session.sessionKey!;
    const raw = await django.call("raw", { physical_key: cache.key(key) });
    expect(raw.hex.slice(0, 4)).toBe(flavour === "django" ? "8005" : "8004");
    expect(raw.ttl).toBeGreaterThan(1209600 - 10);
    expect(raw.ttl).toBeLessThanOrEqual(1209600);
    expect(await django.call("cache_get", { key })).toEqual({ value: { cart: ["x", "y"], total: 12.5, flag: false }, type: "dict" });
    expect((await django.load(key)).data).toEqual({ cart: ["x", "y"], total: 12.5, flag: false });
    // And the row holds the same (Django's get_decoded of the shared table).
    expect((await django.call("db_row", { key })).decoded).toEqual({ cart: ["x", "y"], total: 12.5, flag: false });
  });

  test("a change on Node is seen by Django immediately, not its stale cached copy", async () => {
    const { key } = await django.call("create", { data: { step: 1 } });
    expect((await django.load(key)).data).toEqual({ step: 1 }); // cached by Django
    const session = repo.get(key);
    await session.set("step", 2);
    await session.save();
    expect((await django.load(key)).data).toEqual({ step: 2 });
  });

  test("a logout (flush) on Node is a logout on Django", async () => {
    const { key } = await django.call("create", { data: { _auth_user_id: "7" } });
    expect((await django.load(key)).data).toEqual({ _auth_user_id: "7" });
    const session = repo.get(key);
    await session.load();
    await session.flush();
    expect(await django.load(key)).toEqual({ key: null, data: {}, types: {} });
    expect(await django.call("exists", { key })).toBe(false);
    expect((await django.call("raw", { physical_key: cache.key(key) })).hex).toBeNull();
  });

  test("cycleKey and deleteSession on Node are seen by Django", async () => {
    const { key } = await django.call("create", { data: { a: 1 } });
    const session = repo.get(key);
    await session.cycleKey();
    const newKey = session.sessionKey!;
    expect(newKey).not.toBe(key);
    expect((await django.load(key)).key).toBeNull();
    expect((await django.load(newKey)).data).toEqual({ a: 1 });
    await repo.get(newKey).deleteSession();
    expect((await django.load(newKey)).key).toBeNull();
  });

  test("Django's clear, flush and cycle are seen by us", async () => {
    const { key } = await django.call("create", { data: { a: 1 } });
    expect(await repo.get(key).toObject()).toEqual({ a: 1 }); // now cached by us too
    await django.call("clear", { key });
    const cleared = repo.get(key);
    expect(await cleared.toObject()).toEqual({});
    expect(cleared.sessionKey).toBe(key);

    await django.call("update", { key, set: { b: 2 } });
    expect(await repo.get(key).toObject()).toEqual({ b: 2 });
    const { key: cycled } = await django.call("cycle", { key });
    expect(await repo.get(cycled).toObject()).toEqual({ b: 2 });
    const old = repo.get(key);
    expect(await old.toObject()).toEqual({});
    expect(old.sessionKey).toBeNull();
    await django.call("flush", { key: cycled });
    const flushed = repo.get(cycled);
    expect(await flushed.toObject()).toEqual({});
    expect(flushed.sessionKey).toBeNull();
  });

  test("a cached session survives a Django update made while we held it (merge against the row)", async () => {
    const { key } = await django.call("create", { data: { a: 1 } });
    const ours = repo.get(key);
    expect(await ours.toObject()).toEqual({ a: 1 }); // loaded from Django's cache entry
    await django.call("update", { key, set: { d: 4 } });
    await ours.set("n", 1);
    await ours.save();
    expect((await django.load(key)).data).toEqual({ a: 1, d: 4, n: 1 });
  });

  test("Django writes a short expiry, the entry is evicted, we load the row: the TTL is the remaining age, as Django's own load sets it", async () => {
    const { key } = await django.call("create", { data: { a: 1 }, expiry_seconds: 600 });
    const secondsLeft = async () => (Date.parse((await django.call("db_row", { key })).expire_date) - Date.now()) / 1000;
    const ttl = async () => (await django.call("raw", { physical_key: cache.key(key) })).ttl as number;
    expect(await ttl()).toBeGreaterThan(595); // Django's save: get_expiry_age()
    await client.del(cache.key(key)); // evicted (or Redis restarted): the next load reads the row
    expect(await repo.get(key).toObject()).toEqual({ a: 1, _session_expiry: 600 });
    const ours = await ttl();
    expect(Math.abs(ours - (await secondsLeft()))).toBeLessThanOrEqual(2);
    expect(ours).toBeLessThanOrEqual(600);
    // Django reads our entry, and its own load from the row (get_expiry_age(expiry=s.expire_date)) sets the same TTL.
    expect((await django.load(key)).data).toEqual({ a: 1, _session_expiry: 600 });
    await client.del(cache.key(key));
    expect((await django.load(key)).data).toEqual({ a: 1, _session_expiry: 600 });
    expect(Math.abs((await ttl()) - ours)).toBeLessThanOrEqual(2);
  });

  test("an expired session is not served from the cache by either stack (the entry we filled expires with the row)", async () => {
    const { key } = await django.call("create", { data: { _auth_user_id: "7" }, expiry_seconds: 2 });
    await client.del(cache.key(key));
    expect(await repo.get(key).toObject()).toEqual({ _auth_user_id: "7", _session_expiry: 2 }); // cached by us
    const { ttl } = await django.call("raw", { physical_key: cache.key(key) });
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    expect((await django.call("raw", { physical_key: cache.key(key) })).hex).toBeNull();
    expect(await django.load(key)).toEqual({ key: null, data: {}, types: {} });
    const ours = repo.get(key);
    expect(await ours.toObject()).toEqual({});
    expect(ours.sessionKey).toBeNull();
  });

  test("exists() answers from the cache first (spec §14.1 #44); an overlong key loads as {} (#45)", async () => {
    const { key } = await django.call("create", { data: { a: 1 } });
    expect(await repo.exists(key)).toBe(true); // from the row: Django's entry is not stamped yet
    expect(await repo.get(key).get("a")).toBe(1); // stamps it
    await db.table.delete(key);
    expect(await repo.exists(key)).toBe(true);
    const long = repo.get("a".repeat(1240));
    expect(await long.toObject()).toEqual({});
    expect(long.sessionKey).toBeNull();
  });

  test("Redis down: database writes go on, the failure is logged, no request fails; coherence resumes with a working client", async () => {
    const broken = createClient({ socket: { host: "127.0.0.1", port: CLOSED_PORT, reconnectStrategy: false, connectTimeout: 500 } });
    broken.on("error", () => {});
    await expect(broken.connect()).rejects.toThrow();
    const { logger: downLogger, errors: downErrors } = recordingLogger();
    const down = new CachedDbSessionRepository({
      secretKey: SECRET,
      adapter: new SqlRowAdapter(db.executor),
      cache: new RedisSessionCache({ client: broken, keyPrefix: prefix, flavour, commandTimeout: 500 }),
      logger: downLogger,
      oldestDjangoVersion: version,
    });

    // Load falls back to the row; a new session is created in the database.
    const { key } = await django.call("create", { data: { a: 1 } });
    const session = down.get(key);
    expect(await session.toObject()).toEqual({ a: 1 });
    await session.set("b", 2);
    await session.save();
    const fresh = down.get();
    await fresh.set("new", true);
    await fresh.save();
    expect(await db.table.getRow(fresh.sessionKey!)).not.toBeNull();
    expect((await django.call("db_row", { key })).decoded).toEqual({ a: 1, b: 2 });
    expect(downErrors.length).toBeGreaterThanOrEqual(3);
    expect(downErrors.every((e) => e.message === "Error accessing the session cache")).toBe(true);
    expect(downErrors.map((e) => e.context.action)).toEqual(expect.arrayContaining(["get", "set"]));

    // Django still serves its cached copy (the cost of an outage), until a working client writes.
    expect((await django.load(key)).data).toEqual({ a: 1 });
    const healed = repo.get(key);
    await healed.set("c", 3);
    await healed.save();
    expect((await django.load(key)).data).toEqual({ a: 1, b: 2, c: 3 });

    // A logout during the outage deletes the row; the next working write or delete fixes the cache.
    const during = down.get(key);
    await during.load();
    await during.flush();
    expect(await db.table.getRow(key)).toBeNull();
    await repo.get(key).deleteSession();
    expect((await django.load(key)).key).toBeNull();
    await Promise.resolve().then(() => broken.destroy()).catch(() => {});
  });

  test("no error was logged by the working client", () => {
    expect(errors).toEqual([]);
  });
});
