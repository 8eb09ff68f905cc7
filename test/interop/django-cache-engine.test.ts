/**
 * Django's `cache` session engine (sessions only in Redis) against real Django on the
 * machine's Redis: Django 5.2 with its RedisCache, Django 3.2 with django-redis. Redis database
 * 14, under a key prefix of this process only; only those keys are deleted afterwards.
 */
import { createClient } from "redis";
import { redisTestClient } from "../support/redis";
import { CreateError, UpdateError, type SessionLogger } from "../../src";
import { PyDatetime, pickleDumps } from "../../src/low-level";
import { CACHE_MAX_CREATE_ATTEMPTS, CacheSessionRepository, SessionCreateExhausted } from "../../src/adapters/redis";
import { DjangoCacheBridge } from "./django-cache-bridge";

jest.setTimeout(30_000);

const SECRET = "django-insecure-cache-engine-interop-secret";
const LOCATION = "redis://127.0.0.1:6379/14";
const KEY_PREFIX = `ds-ce-${process.pid}`;

const client = redisTestClient(LOCATION, KEY_PREFIX);

describe.each([
  { version: "5.2", flavour: "django" },
  { version: "3.2", flavour: "django-redis" },
] as const)("cache engine: Django $version ($flavour)", ({ version, flavour }) => {
  const prefix = `${KEY_PREFIX}-${version}`;
  let django: DjangoCacheBridge;
  let repo: CacheSessionRepository;
  const logged: string[] = [];
  const logger: SessionLogger = { warn: (m) => logged.push(m), error: (m) => logged.push(m) };

  beforeAll(async () => {
    django = await DjangoCacheBridge.start(version, { engine: "cache", cache_backend: flavour, location: LOCATION, key_prefix: prefix, secret_key: SECRET });
    repo = new CacheSessionRepository({ client, keyPrefix: prefix, flavour, logger, oldestDjangoVersion: version });
  });

  afterAll(() => django?.close());

  test("same physical key as Django", async () => {
    expect(await django.call("physical_key", { key: "abcdefgh12345678" })).toBe(repo.cache.key("abcdefgh12345678"));
    expect(repo.cache.key("k1234567")).toBe(`${prefix}:1:django.contrib.sessions.cachek1234567`);
  });

  test("Django creates, we read; we change, Django reads", async () => {
    const { key } = await django.call("create", { data: { a: 1, s: "é" } });
    const session = repo.get(key);
    expect(await session.toObject()).toEqual({ a: 1, s: "é" });
    await session.set("b", [1, 2]);
    await session.save();
    expect((await django.load(key)).data).toEqual({ a: 1, s: "é", b: [1, 2] });
  });

  test("we create (SET NX, TTL = expiry age), Django reads the same bytes it would write", async () => {
    const session = repo.get();
    await session.update({ x: "y" });
    await session.setExpiry(600);
    await session.save();
    const key = session.sessionKey!;
    expect(key).toMatch(/^[a-z0-9]{32}$/);
    const raw = await django.call("raw", { physical_key: repo.cache.key(key) });
    expect(raw.hex).toBe(pickleDumps({ x: "y", _session_expiry: 600 }, { protocol: flavour === "django" ? 5 : 4 }).toString("hex"));
    expect(raw.ttl).toBeGreaterThan(590);
    expect(raw.ttl).toBeLessThanOrEqual(600);
    expect(await django.load(key)).toEqual({ key, data: { x: "y", _session_expiry: 600 }, types: { x: "str", _session_expiry: "int" } });
    expect(await django.call("exists", { key })).toBe(true);
    expect(await repo.exists(key)).toBe(true);
  });

  test("flush and cycle on either side are seen by the other", async () => {
    const { key } = await django.call("create", { data: { u: "1" } });
    const ours = repo.get(key);
    await ours.cycleKey();
    expect((await django.load(key)).key).toBeNull();
    expect((await django.load(ours.sessionKey!)).data).toEqual({ u: "1" });
    await ours.flush();
    expect(ours.sessionKey).toBeNull();
    const { key: k2 } = await django.call("create", { data: { v: 2 } });
    await django.call("flush", { key: k2 });
    const gone = repo.get(k2);
    expect(await gone.toObject()).toEqual({});
    expect(gone.sessionKey).toBeNull();
    expect(await repo.exists(k2)).toBe(false);
  });

  test("save after a logout elsewhere is UpdateError, and never resurrects the session (spec §14.1 #36)", async () => {
    const session = repo.get();
    await session.set("a", 1);
    await session.save({ mustCreate: true });
    const key = session.sessionKey!;
    await django.call("delete", { key });
    await session.set("a", 2);
    await expect(session.save()).rejects.toBeInstanceOf(UpdateError);
    expect((await django.load(key)).key).toBeNull();
    expect(await client.exists(repo.cache.key(key))).toBe(0);
  });

  test("Django's clear() then save: an empty session, still keyed", async () => {
    const { key } = await django.call("create", { data: { a: 1 } });
    await django.call("clear", { key });
    const session = repo.get(key);
    expect(await session.toObject()).toEqual({});
    expect(session.sessionKey).toBe(key);
  });

  test("overlong and unknown keys load as {} without a record (spec §14.1 #35, #51)", async () => {
    for (const key of ["a".repeat(1240), "unknownkey0000000000000000000000"]) {
      const session = repo.get(key);
      expect(await session.toObject()).toEqual({});
      expect(session.sessionKey).toBeNull();
    }
  });

  test("create retries on a collision, then gives up with Django's RuntimeError message (10000 attempts by default, 300 here)", async () => {
    const { key: taken } = await django.call("create", { data: {} });
    const keys = [taken, taken, "freshkey" + "0".repeat(24)];
    const retrying = new CacheSessionRepository({ client, keyPrefix: prefix, flavour, generateKey: () => keys.shift() ?? "x".repeat(32) });
    const session = retrying.get();
    await session.create();
    expect(session.sessionKey).toBe("freshkey" + "0".repeat(24));
    await expect(session.save({ mustCreate: true })).rejects.toBeInstanceOf(CreateError);

    let calls = 0;
    const stuck = new CacheSessionRepository({ client, keyPrefix: prefix, flavour, maxCreateAttempts: 300, generateKey: () => (calls++, taken) });
    const error = await stuck.get().create().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionCreateExhausted);
    expect((error as Error).message).toBe("Unable to create a new session key. It is likely that the cache is unavailable.");
    expect(calls).toBe(300);
  });

  test("by default, create gives up after as many taken keys as Django's own create() tries", async () => {
    const { key: taken } = await django.call("create", { data: {} });
    const djangos = await django.call("create_attempts", { taken });
    expect(djangos).toEqual({ attempts: 10000, raised: "RuntimeError", message: "Unable to create a new session key. It is likely that the cache is unavailable." });
    let calls = 0;
    const stuck = new CacheSessionRepository({ client, keyPrefix: prefix, flavour, generateKey: () => (calls++, taken) });
    const error = await stuck.get().create().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionCreateExhausted);
    expect((error as Error).message).toBe(djangos.message);
    expect(calls).toBe(djangos.attempts);
    expect(CACHE_MAX_CREATE_ATTEMPTS).toBe(djangos.attempts);
  });

  test("set_expiry(timedelta) from Django: 3.2 stores a datetime, 5.2 an ISO string; we read and keep it", async () => {
    const { key } = await django.call("create", { data: { a: 1 }, expiry_timedelta: 3600 });
    const session = repo.get(key);
    const expiry = await session.get("_session_expiry");
    if (version === "3.2") {
      expect(expiry).toBeInstanceOf(PyDatetime);
      expect((expiry as PyDatetime).utcOffset).toBe(0);
    } else {
      expect(typeof expiry).toBe("string");
    }
    const age = session.getExpiryAge();
    expect(age).toBeGreaterThan(3590);
    expect(age).toBeLessThanOrEqual(3600);
    await session.set("b", 2);
    await session.save();
    const seen = await django.load(key);
    expect(seen.data.b).toBe(2);
    expect(seen.types._session_expiry).toBe(version === "3.2" ? "datetime" : "str");
    const raw = await django.call("raw", { physical_key: repo.cache.key(key) });
    expect(raw.ttl).toBeGreaterThan(3590);
  });

  test("Redis down: load is no session (logged), writes fail with SessionStorageError", async () => {
    const broken = createClient({ socket: { host: "127.0.0.1", port: 1, reconnectStrategy: false, connectTimeout: 500 } });
    broken.on("error", () => {});
    await expect(broken.connect()).rejects.toThrow();
    const downLogged: string[] = [];
    const down = new CacheSessionRepository({ client: broken, keyPrefix: prefix, flavour, commandTimeout: 500, logger: { warn: (m) => downLogged.push(m), error: (m) => downLogged.push(m) } });
    const { key } = await django.call("create", { data: { a: 1 } });
    const session = down.get(key);
    expect(await session.toObject()).toEqual({});
    expect(downLogged).toEqual(["Error reading the session cache"]);
    await session.set("x", 1);
    await expect(session.save()).rejects.toMatchObject({ code: "ERR_SESSION_STORAGE" });
    // Working again with a working client.
    expect(await repo.get(key).toObject()).toEqual({ a: 1 });
  });

  test("nothing was logged by the working repository", () => {
    expect(logged).toEqual([]);
  });
});
