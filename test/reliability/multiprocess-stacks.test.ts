import { ensurePostgresDatabase } from "../support/databases";
import { startRedis, type Instance } from "./support/instances";
import { runStacks, type StacksRunReport } from "./support/multiproc/stacks-run";

// Issue 14, part 2, the short run: a Node cluster (2 workers, Express, cached_db) and Django 5.2
// under gunicorn (2 workers, its own cached_db) on one PostgreSQL database of ours on the shared
// server and one Redis server of our own, reading and writing the same sessions for 10 s while
// Redis is frozen (SIGSTOP) for 1.5 s and then a Node worker is killed mid-request three times.
// The full run (60 s, 4 + 3 workers, db and cached_db, Redis and PostgreSQL restarted) is in
// `npm run test:reliability` (test/reliability/run.ts).

function summary(r: StacksRunReport): string {
  return (
    `${r.name}: node ${r.requests.node} requests (${r.ok.node} ok, pids ${r.pids.node.length}), django ${r.requests.django} (${r.ok.django} ok, pids ${r.pids.django.length}); ` +
    `errors outside the faults node ${r.errorsOutsideFault.node} django ${r.errorsOutsideFault.django}; acknowledged node ${r.acknowledged.node} django ${r.acknowledged.django}; ` +
    `lost node ${r.lost.node} django ${r.lost.django}, erased by Django's blind saves ${r.erasedByDjangoBlindSave}; stale reads node ${r.staleReads.node.length} django ${r.staleReads.django.length}; ` +
    `${r.logins} logins, ${r.logouts} logouts, ended sessions served: node ${r.endedServed.node.length} django ${r.endedServed.django.length}; ` +
    `after recovery: ${JSON.stringify(r.afterRecovery)}; errors ${JSON.stringify(r.errors)}; faults ${JSON.stringify(r.faults)}`
  );
}

let redis: Instance;
beforeAll(async () => {
  redis = await startRedis({ maxLifetimeSeconds: 300, persistent: true });
}, 60_000);
afterAll(async () => {
  await redis?.stop();
}, 30_000);

test("both stacks on the same sessions under faults: nothing lost on Node, no process of ours serves a stale or ended session once the cache is back", async () => {
  const database = "ds_multiproc_short";
  await ensurePostgresDatabase(database);
  const r = await runStacks({
    name: "cached_db, Node 2 + Django 2 workers",
    engine: "cached_db",
    postgres: { host: "127.0.0.1", port: 5432, database },
    redis: { url: redis.url, keyPrefix: "ds-multiproc-short", instance: redis },
    nodeWorkers: 2,
    djangoWorkers: 2,
    durationMs: 10_000,
    sessionsPerGroup: 4,
    authLanes: 3,
    faults: [
      { kind: "redis-freeze", atMs: 2500, downMs: 1500 },
      { kind: "node-kill", atMs: 6000, downMs: 600 },
    ],
  });
  console.log(summary(r));
  if (r.losses.length + r.staleReads.node.length + r.staleReads.django.length + r.endedServed.node.length + r.endedServed.django.length > 0) {
    console.log(JSON.stringify({ losses: r.losses, staleReads: r.staleReads, endedServed: r.endedServed, failures: r.failures }));
  }
  // Both stacks took part, on every process.
  expect(r.pids.node.length).toBeGreaterThanOrEqual(2);
  expect(r.pids.django.length).toBe(2);
  expect(r.acknowledged.node).toBeGreaterThan(50);
  expect(r.acknowledged.django).toBeGreaterThan(20);
  expect(r.logouts).toBeGreaterThan(3);
  // The faults happened: the kills reached workers with requests in flight.
  expect(r.faults.map((f) => f.kind)).toEqual(["redis-freeze", "node-kill"]);
  expect(r.faults[1]!.killed.filter((k) => (k as { inflight: number } | null)?.inflight)).not.toHaveLength(0);
  // Outside the faults, no error on Node.
  expect(r.errorsOutsideFault.node).toBe(0);
  // Nothing Node acknowledged was lost, and no row vanished.
  expect(r.lost.node).toBe(0);
  expect(r.phantom).toBe(0);
  expect(r.missingRows).toBe(0);
  // No Node process served a stale counter or an ended session, during or after the faults.
  expect(r.staleReads.node).toEqual([]);
  expect(r.endedServed.node).toEqual([]);
}, 120_000);
