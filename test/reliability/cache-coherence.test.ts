import { CachedDbSessionRepository, type SessionLogger } from "../../src";
import type { SessionCacheAdapter } from "../../src/engines/session-cache";
import { memoryAdapter } from "./support/fuzz";

// cached_db when the cache fails a write or a delete: the stale entry it leaves must not be read
// (a lost increment) nor outlive the outage (a logout that comes back on Django). The same
// against a real Redis restarted under load is in faults.test.ts.

/** A cache in a Map that can be switched off (every call fails) and back on. */
function flakyCache() {
  const entries = new Map<string, Record<string, unknown>>();
  const state = { down: false, calls: 0 };
  const guard = () => {
    state.calls++;
    if (state.down) return Promise.reject(new Error("Socket closed unexpectedly"));
    return Promise.resolve();
  };
  const cache: SessionCacheAdapter = {
    get: async (key) => (await guard(), entries.has(key) ? structuredClone(entries.get(key)) : undefined),
    set: async (key, data) => void (await guard(), entries.set(key, structuredClone(data))),
    delete: async (key) => void (await guard(), entries.delete(key)),
  };
  return { cache, entries, state };
}

const quiet: SessionLogger = { warn() {}, error() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup() {
  const flaky = flakyCache();
  const store = memoryAdapter();
  const repository = new CachedDbSessionRepository({ secretKey: "coherence-secret", adapter: store, cache: flaky.cache, logger: quiet });
  return { ...flaky, store, repository };
}

async function created(repository: CachedDbSessionRepository, data: Record<string, unknown>): Promise<string> {
  const s = repository.get();
  await s.update(data);
  await s.save();
  return s.sessionKey!;
}

test("a write the cache missed is not read back from the cache; the stale entry is deleted once the cache answers", async () => {
  const { repository, entries, state } = setup();
  const key = await created(repository, { n: 1 });
  expect(entries.get(key)).toEqual({ n: 1 });

  state.down = true; // the cache goes away: the save reaches the database only
  const s = repository.get(key);
  await s.set("n", 2);
  await s.save();
  state.down = false; // back, still holding { n: 1 }
  expect(entries.get(key)).toEqual({ n: 1 });

  // Read around the stale entry: the database's value, then the entry is written fresh.
  expect(await repository.get(key).get("n")).toBe(2);
  expect(entries.get(key)).toEqual({ n: 2 });
  expect(await repository.get(key).get("n")).toBe(2);
});

test("without the guard, the increment would be lost: read, +1, save, twice after an outage", async () => {
  const { repository, state } = setup();
  const key = await created(repository, { n: 0 });
  state.down = true;
  let s = repository.get(key);
  await s.set("n", ((await s.get("n")) as number) + 1); // 1, written to the database only
  await s.save();
  state.down = false;
  for (let i = 0; i < 2; i++) {
    s = repository.get(key);
    await s.set("n", ((await s.get("n")) as number) + 1);
    await s.save();
  }
  expect(await repository.get(key).get("n")).toBe(3);
});

test("a logout during the outage does not come back: the entry is deleted when the cache returns, even with no traffic", async () => {
  const { repository, entries, state } = setup();
  const key = await created(repository, { _auth_user_id: "7" });
  state.down = true;
  await repository.get(key).flush(); // the row is deleted; the cache delete fails
  expect(entries.has(key)).toBe(true); // what Django would keep serving
  await sleep(1200); // the first repair attempt (after 1 s) still fails
  expect(entries.has(key)).toBe(true);
  state.down = false;
  await sleep(2500); // retried every 2 s
  expect(entries.has(key)).toBe(false);
  expect(await repository.get(key).toObject()).toEqual({});
}, 10_000);

test("the repair runs at once when another cache call succeeds", async () => {
  const { repository, entries, state } = setup();
  const a = await created(repository, { v: "a" });
  const b = await created(repository, { v: "b" });
  state.down = true;
  const s = repository.get(a);
  await s.set("v", "a2");
  await s.save();
  state.down = false;
  await repository.get(b).get("v"); // a cache hit on another session
  await sleep(20);
  expect(entries.has(a)).toBe(false);
  expect(await repository.get(a).get("v")).toBe("a2");
});
