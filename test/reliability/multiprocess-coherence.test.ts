import { CachedDbSessionRepository, type SessionLogger } from "../../src";
import type { SessionCacheAdapter } from "../../src/engines/session-cache";
import { memoryAdapter } from "./support/fuzz";

// cached_db's cross-process rule (the generation stamp, src/engines/cached-db.ts): several
// processes — here several repositories — share one database and one cache, and each has its
// own connection to the cache, which may fail for one and not for another. A stale entry left by
// one process must not be served by another once the cache answers again, even if the process
// that left it never comes back. The same with real processes and real Django:
// multiprocess-stacks.test.ts.

/** One cache (a Map) seen through per-process connections that can be cut one by one. */
function sharedCache() {
  const entries = new Map<string, Record<string, unknown>>();
  const connect = () => {
    const link = { down: false };
    const guard = () => (link.down ? Promise.reject(new Error("Socket closed unexpectedly")) : Promise.resolve());
    const cache: SessionCacheAdapter = {
      get: async (key) => (await guard(), entries.has(key) ? structuredClone(entries.get(key)) : undefined),
      set: async (key, data) => void (await guard(), entries.set(key, structuredClone(data))),
      delete: async (key) => void (await guard(), entries.delete(key)),
    };
    return { cache, link };
  };
  return { entries, connect };
}

const quiet: SessionLogger = { warn() {}, error() {} };

function twoProcesses() {
  const shared = sharedCache();
  const store = memoryAdapter();
  const process = () => {
    const { cache, link } = shared.connect();
    return { link, repository: new CachedDbSessionRepository({ secretKey: "multiprocess-secret", adapter: store, cache, logger: quiet }) };
  };
  return { shared, store, a: process(), b: process() };
}

async function created(repository: CachedDbSessionRepository, data: Record<string, unknown>): Promise<string> {
  const s = repository.get();
  await s.update(data);
  await s.save();
  return s.sessionKey!;
}

test("a logout whose cache delete failed in one process is not served by another once the cache is back, though the first never repairs it", async () => {
  const { a, b, shared } = twoProcesses();
  const key = await created(a.repository, { _auth_user_id: "7" });
  expect(await b.repository.get(key).get("_auth_user_id")).toBe("7"); // b serves it from the cache

  // The cache goes away for both; a logs out (row deleted, cache delete failed) and is gone for good.
  a.link.down = b.link.down = true;
  await a.repository.get(key).flush();
  expect(await b.repository.get(key).get("_auth_user_id")).toBeUndefined(); // b reads the database meanwhile
  a.link.down = true; // a never talks to the cache again (killed)
  b.link.down = false;
  const stale = [...shared.entries.keys()].find((k) => k === key);
  expect(stale).toBe(key); // the entry Django would keep serving is still there

  expect(await b.repository.get(key).toObject()).toEqual({});
  expect(await b.repository.exists(key)).toBe(false);
});

test("a process that saw no failure distrusts the entries of the generation before another process's failure", async () => {
  const { a, b, shared } = twoProcesses();
  const key = await created(a.repository, { n: 1 });
  expect(await b.repository.get(key).get("n")).toBe(1);

  // Only a's connection fails: its save reaches the database, not the cache.
  a.link.down = true;
  const s = a.repository.get(key);
  await s.set("n", 2);
  await s.save();
  expect(shared.entries.get(key)).toEqual({ n: 1 });
  const stamp = `;django-session.stamp${key}`;
  const staleEntry = { entry: shared.entries.get(key), stamp: shared.entries.get(stamp) };
  // a's connection is back: its first cache command (a read of another session) starts a new generation.
  a.link.down = false;
  await a.repository.get(await created(b.repository, { other: true })).get("other");
  // b never saw a failure, and a's late repair may lose the race against b's read (or a late SET
  // of a's may land after it): put the stale entry back, with its stamp, as the worst case.
  shared.entries.set(key, staleEntry.entry!);
  shared.entries.set(stamp, staleEntry.stamp!);
  expect(await b.repository.get(key).get("n")).toBe(2);
  expect(shared.entries.get(key)).toEqual({ n: 2 }); // read once from the database, then written fresh
});

test("an entry someone else (Django) wrote over one of ours is not vouched for by our stamp: read once from the database, then served from the cache", async () => {
  const { a, shared, store } = twoProcesses();
  const key = await created(a.repository, { n: 1 });
  shared.entries.set(key, { n: 99 }); // what a foreign writer put there (over our stamped entry); the row still says 1
  let loads = 0;
  const load = store.load.bind(store);
  store.load = (...args) => (loads++, load(...args));
  expect(await a.repository.get(key).get("n")).toBe(1);
  expect(loads).toBe(2); // the row, and the row again after the cache write (see the next test)
  expect(shared.entries.get(key)).toEqual({ n: 1 });
  // Stamped now: the next read is a cache hit.
  expect(await a.repository.get(key).get("n")).toBe(1);
  expect(loads).toBe(2);
});

test("a cache write that reaches the cache after a newer one of another process does not stay: the writer finds the row changed and deletes the entry", async () => {
  const shared = sharedCache();
  const store = memoryAdapter();
  // a's cache writes of session entries wait for a gate: they reach the cache late.
  const gate: { open?: () => void } = {};
  const late = shared.connect().cache;
  const slow: SessionCacheAdapter = {
    ...late,
    set: async (key, data, timeout) => {
      if (!key.startsWith(";")) await new Promise<void>((resolve) => (gate.open = resolve));
      return late.set(key, data, timeout);
    },
  };
  const a = new CachedDbSessionRepository({ secretKey: "multiprocess-secret", adapter: store, cache: slow, logger: quiet });
  const b = new CachedDbSessionRepository({ secretKey: "multiprocess-secret", adapter: store, cache: shared.connect().cache, logger: quiet });
  const key = await created(b, { n: 1 });
  shared.entries.delete(key); // a cache miss for a
  const reading = a.get(key).get("n"); // a reads the row (n: 1) and is slow to write the cache
  await new Promise((r) => setTimeout(r, 20));
  const s = b.get(key);
  await s.set("n", 2); // b saves n: 2 and writes the cache first
  await s.save();
  expect(shared.entries.get(key)).toEqual({ n: 2 });
  gate.open?.(); // a's older entry lands now
  expect(await reading).toBe(1);
  expect(shared.entries.has(key)).toBe(false); // a found the row changed: the old entry is gone
  expect(await b.get(key).get("n")).toBe(2);
});

test("a process killed between its database write and its cache write leaves no entry another process trusts", async () => {
  const shared = sharedCache();
  const store = memoryAdapter();
  const b = new CachedDbSessionRepository({ secretKey: "multiprocess-secret", adapter: store, cache: shared.connect().cache, logger: quiet });
  const key = await created(b, { n: 1 });
  expect(await b.get(key).get("n")).toBe(1);
  // a's cache writes of session entries never happen (it dies right after the database write).
  const dying = shared.connect().cache;
  const a = new CachedDbSessionRepository({
    secretKey: "multiprocess-secret",
    adapter: store,
    cache: { ...dying, set: (k, data, timeout) => (k.startsWith(";django-session.generation") ? dying.set(k, data, timeout) : new Promise<void>(() => undefined)) },
    logger: quiet,
  });
  const s = a.get(key);
  await s.set("n", 2);
  void s.save(); // committed, then hangs on the cache forever
  await new Promise((r) => setTimeout(r, 30));
  expect(shared.entries.get(key)).toEqual({ n: 1 }); // the old entry is still there (Django would serve it)
  expect(await b.get(key).get("n")).toBe(2);
});

test("an unreadable entry is that entry's problem: it does not start a new generation for everyone", async () => {
  const failing: SessionCacheAdapter & { generations: number } = {
    generations: 0,
    get: async (key) => {
      if (!key.startsWith(";")) throw new TypeError("the cached session is not a dict");
      return { g: "g1" }; // the generation and every stamp
    },
    set: async (key) => void (key.endsWith("generation") && failing.generations++),
    delete: async () => undefined,
  };
  const repository = new CachedDbSessionRepository({ secretKey: "multiprocess-secret", adapter: memoryAdapter(), cache: failing, logger: quiet });
  const key = await created(repository, { n: 1 });
  expect(await repository.get(key).get("n")).toBe(1);
  expect(await repository.get(key).get("n")).toBe(1);
  expect(failing.generations).toBe(0);
});
