import type { Instance } from "../instances";
import { ensureInstanceDatabase, runStacks, type StacksRunOptions, type StacksRunReport } from "./stacks-run";

/**
 * The multi-process phase of `npm run test:reliability` (issue 14, part 2): the Node cluster and
 * Django under gunicorn on the run's own PostgreSQL and Redis (support/instances.ts), with the db
 * engine and with cached_db, then cached_db under each fault. Figures to stdout and the report;
 * `check` collects what Node must hold (Django's figures are measured beside it, not held).
 */
export async function multiprocessPhase(pg: Instance, redis: Instance, quick: boolean, check: (ok: boolean, what: string) => void): Promise<StacksRunReport[]> {
  const database = "ds_multiproc_full";
  await ensureInstanceDatabase(pg.port, database);
  const size = quick
    ? { nodeWorkers: 2, djangoWorkers: 2, plainMs: 10_000, faultMs: 12_000, atMs: 3000, downMs: 2000, sessionsPerGroup: 4, authLanes: 3 }
    : { nodeWorkers: 4, djangoWorkers: 3, plainMs: 60_000, faultMs: 30_000, atMs: 10_000, downMs: 5000, sessionsPerGroup: 8, authLanes: 6 };
  const base = {
    postgres: { host: "127.0.0.1", port: pg.port, database, instance: pg },
    nodeWorkers: size.nodeWorkers,
    djangoWorkers: size.djangoWorkers,
    sessionsPerGroup: size.sessionsPerGroup,
    authLanes: size.authLanes,
  };
  const cache = { url: redis.url, keyPrefix: "ds-multiproc-full", instance: redis };
  const runs: StacksRunOptions[] = [
    { ...base, name: "db", engine: "db", durationMs: size.plainMs },
    { ...base, name: "cached_db", engine: "cached_db", redis: cache, durationMs: size.plainMs },
    { ...base, name: "cached_db, Redis frozen (SIGSTOP)", engine: "cached_db", redis: cache, durationMs: size.faultMs, faults: [{ kind: "redis-freeze", atMs: size.atMs, downMs: size.downMs }] },
    { ...base, name: "cached_db, Redis restarted", engine: "cached_db", redis: cache, durationMs: size.faultMs, faults: [{ kind: "redis-restart", atMs: size.atMs, downMs: size.downMs }] },
    { ...base, name: "cached_db, PostgreSQL restarted", engine: "cached_db", redis: cache, durationMs: size.faultMs, faults: [{ kind: "postgres-restart", atMs: size.atMs, downMs: size.downMs }] },
    { ...base, name: "cached_db, a Node worker killed mid-request (x3)", engine: "cached_db", redis: cache, durationMs: size.faultMs, faults: [{ kind: "node-kill", atMs: size.atMs, downMs: 1500 }] },
  ];
  // --multiprocess-runs=a|b: only the runs whose name contains one of them (to repeat some).
  const only = process.argv.find((a) => a.startsWith("--multiprocess-runs="))?.slice("--multiprocess-runs=".length);
  if (only) runs.splice(0, runs.length, ...runs.filter((r) => only.split("|").some((part) => r.name.includes(part))));
  console.log(`\n== Many processes: a Node cluster of ${size.nodeWorkers} workers and Django 5.2 under gunicorn (${size.djangoWorkers} workers) on one PostgreSQL (and one Redis)`);
  const reports: StacksRunReport[] = [];
  for (const o of runs) {
    const r = await runStacks(o);
    reports.push(r);
    const errors = (s: "node" | "django") => Object.values(r.errors[s]).reduce((a, b) => a + b, 0);
    console.log(
      `${r.name}, ${Math.round(r.durationMs / 1000)} s: node ${r.requests.node} requests on ${r.pids.node.length} processes (p50 ${r.latencyMs.node.p50} ms, p99 ${r.latencyMs.node.p99} ms), ` +
        `django ${r.requests.django} on ${r.pids.django.length} (p50 ${r.latencyMs.django.p50} ms, p99 ${r.latencyMs.django.p99} ms); ` +
        `errors node ${errors("node")} (${r.errorsOutsideFault.node} outside the fault) django ${errors("django")} (${r.errorsOutsideFault.django}); ` +
        `increments acknowledged node ${r.acknowledged.node} django ${r.acknowledged.django}, lost node ${r.lost.node} django ${r.lost.django}, erased by Django's blind saves ${r.erasedByDjangoBlindSave}; ` +
        `stale reads node ${r.staleReads.node.length} django ${r.staleReads.django.length}; ${r.logins} logins, ${r.logouts} logouts, ${r.endedSessions} sessions ended, ` +
        `served after their end: node ${r.endedServed.node.length} django ${r.endedServed.django.length} (probes node ${r.probes.node}, django ${r.probes.django})` +
        (r.faults.length ? `; after recovery: stale reads node ${r.afterRecovery.staleReads.node} django ${r.afterRecovery.staleReads.django}, ended sessions served node ${r.afterRecovery.endedServed.node} django ${r.afterRecovery.endedServed.django}` : "") +
        (errors("django") ? `; Django errors ${JSON.stringify(r.errors.django).replace(/\\n<!doctype html>[^"]*/g, "…")}` : ""),
    );
    const name = `multiprocess ${r.name}`;
    check(r.pids.node.length >= o.nodeWorkers && r.pids.django.length === o.djangoWorkers, `${name}: processes that answered ${JSON.stringify(r.pids)}`);
    check(r.acknowledged.node > 0 && r.acknowledged.django > 0 && r.logouts > 0, `${name}: too little load ${JSON.stringify({ ...r.acknowledged, logouts: r.logouts })}`);
    check(r.errorsOutsideFault.node === 0, `${name}: ${r.errorsOutsideFault.node} Node errors outside the fault ${JSON.stringify(r.failures.filter((f) => f.stack === "node").slice(0, 3))}`);
    check(r.lost.node === 0 && r.phantom === 0 && r.missingRows === 0, `${name}: lost ${r.lost.node}, phantom ${r.phantom}, rows missing ${r.missingRows}: ${JSON.stringify(r.losses.slice(0, 3))}`);
    check(r.staleReads.node.length === 0 && r.endedServed.node.length === 0, `${name}: Node served stale data ${JSON.stringify([...r.staleReads.node, ...r.endedServed.node].slice(0, 3))}`);
    if (o.faults?.some((f) => f.kind === "node-kill")) check(r.faults[0]!.killed.some((k) => (k as { inflight?: number } | null)?.inflight), `${name}: no worker was killed with requests in flight`);
  }
  return reports;
}
