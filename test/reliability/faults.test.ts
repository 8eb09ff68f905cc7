import { SESSION_INTERRUPTED_MESSAGE } from "../../src/low-level";
import { redisOutageDuringLoad, restartDuringLoad, type RestartReport } from "./support/faults";
import { startMariaDb, startPostgres, startRedis, type Instance } from "./support/instances";
import { clockMoved, keyCollisionOnCreate, poolExhaustion, rowDeletedMidRequest } from "./support/scenarios";
import { instanceDatabase, openStack, rawTable, sharedDatabase, type Orm, type RawTable, type Stack } from "./support/stacks";

// Faults on database servers of our own (a throwaway PostgreSQL cluster and MariaDB server on free
// loopback ports, see support/instances.ts); the shared servers are never touched. The short run;
// `npm run test:reliability` restarts each database cleanly and by SIGKILL, with both ORMs.

function expectRestartSurvived(r: RestartReport): void {
  console.log(
    `${r.name}, database ${r.mode === "kill" ? "killed" : "restarted"}: down ${r.downMs} ms; ${r.load.requests} requests, ` +
      `${r.load.requests - r.load.ok} failed (${JSON.stringify(r.failureKinds)}); recovered ${r.recoveryMs} ms after the database was back; ` +
      `${r.verification.acknowledged} increments acknowledged, ${r.verification.lost} lost, ${r.verification.inDoubtStored}/${r.verification.inDoubtStored + r.verification.inDoubtDropped} in doubt stored`,
  );
  // The outage was seen, as clear 5xx answers: no reset connection, no hang, nothing else.
  expect(r.load.requests - r.load.ok).toBeGreaterThan(0);
  expect(r.load.networkErrors).toBe(0);
  expect(r.load.timeouts).toBe(0);
  for (const status of Object.keys(r.load.byStatus)) expect(["200", "500", "503"]).toContain(status);
  expect(r.failuresBeforeHalt).toBe(0);
  // No answer the bookkeeping cannot explain, no row lost, emptied or replaced, no acknowledged increment lost.
  expect(r.load.violations).toEqual([]);
  expect(r.verification).toMatchObject({ missing: 0, extra: 0, corrupted: 0, lost: 0, phantom: 0 });
  // It came back by itself, and stayed up.
  expect(r.recoveryMs).toBeLessThan(10_000);
  expect(r.cleanTailMs).toBeGreaterThan(1000);
  // Nothing secret in the logs, in the errors the app saw, or in the 5xx bodies.
  expect(r.leaks).toMatchObject({ secret: 0, keys: 0, data: 0 });
}

describe.each([
  ["PostgreSQL", "typeorm", startPostgres],
  ["MariaDB", "prisma", startMariaDb],
] as [string, Orm, typeof startPostgres][])("a %s server of our own", (_db, orm, start) => {
  let instance: Instance;
  beforeAll(async () => {
    instance = await start({ maxLifetimeSeconds: 600 });
  }, 120_000);
  afterAll(async () => {
    await instance?.stop();
  }, 60_000);

  test(`restarted under load (${orm}): 5xx during the outage, no row lost or emptied, recovers by itself`, async () => {
    const r = await restartDuringLoad({ instance, orm, sessions: 150, workers: 12, beforeMs: 1500, downMs: 1000, afterMs: 2000, mode: "fast" });
    expectRestartSurvived(r);
  }, 120_000);

  test.each(["typeorm", "prisma"] as Orm[])("connection pool of %s exhausted: a 503 within the bound, not a hang; fine again afterwards", async (poolOrm) => {
    const dialect = instance.kind === "postgres" ? "postgres" : "mysql";
    const r = await poolExhaustion(poolOrm, instanceDatabase(dialect, instance.port), { acquireTimeoutMs: 1000, storageTimeout: 1.5, holdMs: 4000 });
    console.log(`${r.name}, pool of 2 held ${r.heldMs} ms: ${r.status} after ${r.waitedMs} ms (bound: ${r.bound}, ${r.boundMs} ms); then ${r.afterStatus}`);
    expect(r.status).toBe(503);
    expect(r.body).toBe('{"error":"session storage unavailable"}');
    expect(r.waitedMs).toBeLessThan(r.boundMs + 1500);
    expect(r.waitedMs).toBeLessThan(r.heldMs - 1000);
    expect(r.afterStatus).toBe(200);
  }, 60_000);
});

// These need no fault of the server: a database of our own on the shared one.
describe("edge cases (TypeORM on PostgreSQL)", () => {
  let stack: Stack;
  let raw: RawTable;
  beforeAll(async () => {
    const location = await sharedDatabase("postgres", "ds_reliability_edges");
    raw = rawTable(location);
    await raw.recreate();
    stack = await openStack("typeorm", location);
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    await raw?.close();
  }, 60_000);

  test.each(["merge", "django"] as const)("a row deleted mid-request (%s): Django's 400 SessionInterrupted, and the row stays deleted", async (concurrency) => {
    const r = await rowDeletedMidRequest(stack, raw, concurrency);
    expect(r).toEqual({ concurrency, status: 400, body: SESSION_INTERRUPTED_MESSAGE, setCookie: null, resurrected: false });
  });

  test("a key collision on create: another key is tried, the existing sessions are untouched; if every key collides, a quick 5xx instead of Django's endless loop", async () => {
    const r = await keyCollisionOnCreate(stack, raw);
    console.log(`collisions: ${r.attempts} keys tried, then ${r.status}; every key colliding: ${r.allCollideStatus} after ${r.allCollideMs} ms`);
    expect(r).toMatchObject({ attempts: 3, status: 200, newKey: "freshkey000000000000000000000000", othersIntact: true, allCollideStatus: 503 });
    expect(r.allCollideMs).toBeLessThan(15_000);
    expect(r.allCollideLogged).toMatch(/100 generated session keys all existed already/);
  }, 60_000);

  test("the clock moved: back an hour, the session reads and saves; past its expiry, it reads as empty and its cookie is deleted (Django), a write starts a new session", async () => {
    const r = await clockMoved(stack, raw);
    expect(r.backwards).toEqual({ readStatus: 200, value: "kept", saveStatus: 200 });
    expect(r.expired).toEqual({ status: 200, body: '{"v":null,"keys":0}', cookie: '""', rowsCreated: 0 });
    expect(r.writeAfterExpiry).toEqual({ status: 200, newKey: true, oldRowKept: true });
  });
});

describe("Redis of our own under Django's cached_db (RedisSessionCache) over a PostgreSQL of our own", () => {
  let postgres: Instance;
  let redis: Instance;
  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgres({ maxLifetimeSeconds: 600 }), startRedis({ maxLifetimeSeconds: 600, persistent: true })]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([postgres?.stop(), redis?.stop()]);
  }, 60_000);

  test.each(["pause", "restart"] as const)(
    "Redis gone (%s) under load: every request still served, cache errors logged, nothing lost or read stale, and every entry left in Redis equals its row",
    async (mode) => {
      const r = await redisOutageDuringLoad({ postgres, redis, orm: "typeorm", sessions: 150, workers: 12, beforeMs: 1500, downMs: 1500, afterMs: 2000, mode, commandTimeoutMs: 300 });
      console.log(
        `${r.name}, Redis ${mode === "pause" ? "frozen" : "restarted"} for ${r.downMs} ms: ${r.load.requests} requests, ${r.load.requests - r.load.ok} failed, ` +
          `${r.cacheErrorsLogged} cache errors logged; ${r.verification.acknowledged} increments acknowledged, ${r.verification.lost} lost; ` +
          `${r.coherence.cached} sessions cached afterwards, ${r.coherence.stale} stale; ${r.load.violations.length} answers the bookkeeping cannot explain`,
      );
      expect(r.load.requests - r.load.ok).toBe(0);
      expect(r.load.violations).toEqual([]);
      expect(r.verification).toMatchObject({ missing: 0, extra: 0, corrupted: 0, lost: 0, phantom: 0 });
      expect(r.cacheErrorsLogged).toBeGreaterThan(0);
      expect(r.coherence.stale).toBe(0);
      expect(r.coherence.examples).toEqual([]);
      expect(r.coherence.cached).toBeGreaterThan(0);
      expect(r.leaks).toMatchObject({ secret: 0, keys: 0, data: 0 });
    },
    120_000,
  );
});
