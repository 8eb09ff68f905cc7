/**
 * `DjangoRedisCache` and `RedisSessionCache` on the machine's real Redis (database 12, keys
 * under a prefix of this process, deleted afterwards). Interop with real Django is in
 * test/interop/django-cached-db.test.ts and django-cache-engine.test.ts.
 */
import { createServer, type Server, type Socket } from "node:net";
import { RESP_TYPES, createClient } from "redis";
import { PickleError } from "../../src";
import { pickleDumps } from "../../src/low-level";
import { redisTestClient } from "../support/redis";
import { DjangoRedisCache, RedisCommandTimeout, RedisSessionCache, decodeDjangoCacheValue, encodeDjangoCacheValue } from "../../src/adapters/redis";

const PREFIX = `ds-rc-${process.pid}`;
// Created here (the describe blocks build caches over it), connected before the tests.
const client = redisTestClient("redis://127.0.0.1:6379/12", PREFIX);

const raw = (key: string) => client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }).get(key);

test("bulk strings are mapped with @redis/client's own RESP_TYPES.BLOB_STRING", () => {
  expect(RESP_TYPES.BLOB_STRING).toBe(36);
});

describe("values as Django's cache serializers write them", () => {
  test("an int (not a bool) is its digits; anything else is pickled", () => {
    expect(encodeDjangoCacheValue(42).toString()).toBe("42");
    expect(encodeDjangoCacheValue(-7).toString()).toBe("-7");
    expect(encodeDjangoCacheValue(2n ** 80n).toString()).toBe(String(2n ** 80n));
    expect(encodeDjangoCacheValue(true)).toEqual(pickleDumps(true));
    expect(encodeDjangoCacheValue(1.5)).toEqual(pickleDumps(1.5));
    expect(encodeDjangoCacheValue({ a: 1 }, 4)[1]).toBe(4);
  });

  test("reading tries Python's int(bytes) first: whitespace, sign, underscores", () => {
    for (const [text, value] of [
      ["42", 42],
      [" -7\n", -7],
      ["+1_000", 1000],
      ["007", 7],
      [String(2n ** 80n), 2n ** 80n],
    ] as const) {
      expect(decodeDjangoCacheValue(Buffer.from(text))).toBe(value);
    }
    // Not ints, so pickles, which these are not.
    for (const text of ["1__0", "_1", "1.5", "", "0x10"]) {
      expect(() => decodeDjangoCacheValue(Buffer.from(text))).toThrow(PickleError);
    }
  });
});

describe.each(["django", "django-redis"] as const)("DjangoRedisCache (%s)", (flavour) => {
  const cache = new DjangoRedisCache({ client, keyPrefix: `${PREFIX}-${flavour}`, version: 3, flavour }, "django.contrib.sessions.cache");

  test("key = KEY_PREFIX:VERSION:<engine prefix><session key>; a KEY_FUNCTION replaces it", () => {
    expect(cache.key("abc")).toBe(`${PREFIX}-${flavour}:3:django.contrib.sessions.cacheabc`);
    const custom = new DjangoRedisCache({ client, keyPrefix: "p", keyFunction: (key, prefix, version) => `${prefix}|${version}|${key.toUpperCase()}` }, "x.");
    expect(custom.key("k")).toBe("p|1|X.K");
  });

  test("set stores the pickle with a TTL; ≤ 0 deletes; get reads it back", async () => {
    await cache.set("s1", { a: [1, "b"] }, 100);
    const stored = await raw(cache.key("s1"));
    expect(stored).toEqual(pickleDumps({ a: [1, "b"] }, { protocol: flavour === "django" ? 5 : 4 }));
    const ttl = await client.pTTL(cache.key("s1"));
    expect(ttl).toBeGreaterThan(95_000);
    expect(ttl).toBeLessThanOrEqual(100_000);
    expect(await cache.get("s1")).toEqual({ a: [1, "b"] });
    await cache.set("s1", { a: 1 }, 0);
    expect(await cache.get("s1")).toBeUndefined();
    await cache.set("int", 12, 100);
    expect((await raw(cache.key("int")))!.toString()).toBe("12");
    expect(await cache.get("int")).toBe(12);
  });

  test("add is SET NX; replace is SET XX; has and delete", async () => {
    expect(await cache.add("s2", { v: 1 }, 100)).toBe(true);
    expect(await cache.add("s2", { v: 2 }, 100)).toBe(false);
    expect(await cache.get("s2")).toEqual({ v: 1 });
    expect(await cache.replace("s2", { v: 3 }, 100)).toBe(true);
    expect(await cache.replace("missing", { v: 3 }, 100)).toBe(false);
    expect(await cache.has("missing")).toBe(false);
    expect(await cache.has("s2")).toBe(true);
    expect(await cache.delete("s2")).toBe(true);
    expect(await cache.delete("s2")).toBe(false);
  });

  test("add with a timeout ≤ 0: true unless the key exists, and nothing is left stored", async () => {
    expect(await cache.add("s3", { v: 1 }, 0)).toBe(true);
    expect(await cache.has("s3")).toBe(false);
    await cache.set("s3", { v: 1 }, 100);
    expect(await cache.add("s3", { v: 2 }, -5)).toBe(false);
    expect(await cache.get("s3")).toEqual({ v: 1 });
  });

  test("an entry outside the safe subset is a PickleError, nothing is run", async () => {
    await client.set(cache.key("evil"), Buffer.from("\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.", "latin1"));
    await expect(cache.get("evil")).rejects.toBeInstanceOf(PickleError);
  });
});

test("RedisSessionCache: the cached_db key by default; a non-dict entry is an error (the repository then reads the row)", async () => {
  const sessions = new RedisSessionCache({ client, keyPrefix: PREFIX });
  expect(sessions.key("k")).toBe(`${PREFIX}:1:django.contrib.sessions.cached_dbk`);
  await sessions.set("k", { a: 1 }, 60);
  expect(await sessions.get("k")).toEqual({ a: 1 });
  await client.set(sessions.key("k"), "5");
  await expect(sessions.get("k")).rejects.toThrow("not a dict");
  await sessions.delete("k");
  expect(await sessions.get("k")).toBeUndefined();
});

test("a Redis that never answers: commands fail after commandTimeout instead of hanging the request", async () => {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on("data", () => {}); // read everything, answer nothing
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const silent = createClient({ socket: { host: "127.0.0.1", port, reconnectStrategy: false } });
  silent.on("error", () => {});
  const connecting = silent.connect().catch(() => {});
  const cache = new RedisSessionCache({ client: silent, commandTimeout: 200 });
  const started = Date.now();
  await expect(cache.get("k")).rejects.toBeInstanceOf(RedisCommandTimeout);
  expect(Date.now() - started).toBeLessThan(2000);
  for (const socket of sockets) socket.destroy();
  await connecting;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  try {
    silent.destroy();
  } catch {
    // already closed
  }
});
