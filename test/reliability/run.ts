// `npm run test:reliability`: the full reliability runs, with their figures (scripts/reliability.js
// compiles this with tsconfig.reliability.json and runs it with --expose-gc).
//
//   load and soak   5,000 sessions, 64 keep-alive connections, 60 s, per ORM and database, the app
//                   in a process of its own (its memory sampled after a full GC every 5 s)
//   faults          each database restarted cleanly and killed under load, with both ORMs; Redis
//                   frozen and restarted under cached_db; pool exhaustion; a row deleted
//                   mid-request, key collisions, the clock moved
//   fuzzing         1,000,000 inputs per target
//   multiprocess    a Node cluster (4 workers) and Django 5.2 under gunicorn (3 workers) on the same
//                   sessions, db and cached_db, 60 s each; then cached_db with Redis frozen, Redis
//                   and PostgreSQL restarted, Node workers killed (support/multiproc/phase.ts)
//   scale           only with --only=scale (about an hour): 10,000,000 sessions per database, clearExpired
//                   and Django's clearsessions beside a load, doctor and inspect on the big table, and a
//                   10-minute soak of 4 worker processes with connection counts and server restarts
//                   (bench/scale/scale-run.ts; --scale-rows=N for another size; after npm run build,
//                   for the CLI). Its big tables are ds_scale_* databases on the shared servers,
//                   dropped at the end; the soak restarts servers of its own.
//
// Every database here is a throwaway server of our own (support/instances.ts): the shared
// servers are not touched, not even loaded. Options: --quick (small numbers, to try the runner),
// --only=load,faults,fuzz,multiprocess. Figures go to stdout and to test/.tmp/reliability-report.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { SESSION_INTERRUPTED_MESSAGE } from "../../src/low-level";
import { redisOutageDuringLoad, restartDuringLoad, type RedisOutageReport, type RestartReport } from "./support/faults";
import { cookieTarget, fuzz, pickleTarget, sessionCodecTarget, signedCookieCodecTarget, type FuzzReport, type FuzzTarget } from "./support/fuzz";
import { startMariaDb, startPostgres, startRedis, type Instance } from "./support/instances";
import { clockMoved, keyCollisionOnCreate, poolExhaustion, rowDeletedMidRequest, type PoolExhaustionReport } from "./support/scenarios";
import { multiprocessPhase } from "./support/multiproc/phase";
import type { StacksRunReport } from "./support/multiproc/stacks-run";
import { soak, type SoakReport } from "./support/soak";
import { scaleRun, type ScaleRunReport } from "../../bench/scale/scale-run";
import { instanceDatabase, openStack, rawTable, type Orm } from "./support/stacks";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = (args.find((a) => a.startsWith("--only="))?.slice(7).split(",") ?? ["load", "faults", "fuzz", "multiprocess"]).map((s) => s.trim());

const SIZES = quick
  ? { sessions: 300, workers: 16, loadMs: 5_000, faultSessions: 200, faultWorkers: 16, before: 2_000, down: 2_000, after: 3_000, fuzz: 20_000 }
  : { sessions: 5_000, workers: 64, loadMs: 60_000, faultSessions: 1_000, faultWorkers: 32, before: 5_000, down: 5_000, after: 10_000, fuzz: 1_000_000 };

const problems: string[] = [];
function check(ok: boolean, what: string): void {
  if (!ok) {
    problems.push(what);
    console.log(`  ✗ ${what}`);
  }
}

const report: {
  startedAt: string;
  quick: boolean;
  machine: { cpus: number; node: string; loadAverage: number[] };
  load: SoakReport[];
  restarts: RestartReport[];
  redis: RedisOutageReport[];
  pools: PoolExhaustionReport[];
  edges: unknown[];
  fuzz: FuzzReport[];
  scale?: ScaleRunReport;
  multiprocess: StacksRunReport[];
  problems: string[];
  durationSeconds?: number;
} = {
  startedAt: new Date().toISOString(),
  quick,
  machine: { cpus: cpus().length, node: process.version, loadAverage: loadavg() },
  load: [],
  restarts: [],
  redis: [],
  pools: [],
  edges: [],
  fuzz: [],
  multiprocess: [],
  problems,
};

const instances: Instance[] = [];
async function instance(kind: "postgres" | "mariadb" | "redis"): Promise<Instance> {
  const started =
    kind === "postgres"
      ? await startPostgres({ maxLifetimeSeconds: 7200, maxConnections: 200 })
      : kind === "mariadb"
        ? await startMariaDb({ maxLifetimeSeconds: 7200, maxConnections: 200 })
        : await startRedis({ maxLifetimeSeconds: 7200, persistent: true });
  instances.push(started);
  return started;
}

const STACKS: [Orm, "postgres" | "mysql"][] = [
  ["typeorm", "postgres"],
  ["prisma", "postgres"],
  ["typeorm", "mysql"],
  ["prisma", "mysql"],
];

async function loadPhase(pg: Instance, maria: Instance): Promise<void> {
  console.log(`\n== Load and soak: ${SIZES.sessions} sessions, ${SIZES.workers} keep-alive connections, ${SIZES.loadMs / 1000} s per stack`);
  for (const [orm, dialect] of STACKS) {
    const server = dialect === "postgres" ? pg : maria;
    const r = await soak({ orm, location: instanceDatabase(dialect, server.port), sessions: SIZES.sessions, workers: SIZES.workers, durationMs: SIZES.loadMs, server: "child", sampleEveryMs: 5000 });
    report.load.push(r);
    const m = r.memory;
    console.log(
      `${r.name}: ${r.requests} requests (${r.requestsPerSecond}/s), ${r.errors} errors, ${r.increments} increments acknowledged, ${r.verification.lost} lost, ` +
        `p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms; server rss ${m.start.rssMb} → ${m.end.rssMb} MB, heap ${m.start.heapUsedMb} → ${m.end.heapUsedMb} MB ` +
        `(trend ${m.heapSlopeMbPerMin} MB/min heap, ${m.rssSlopeMbPerMin} MB/min rss)`,
    );
    check(r.errors === 0, `${r.name}: ${r.errors} errors (${JSON.stringify(r.byStatus)})`);
    check(r.violations.length === 0, `${r.name}: answers the bookkeeping cannot explain: ${r.violations.slice(0, 3).join("; ")}`);
    const v = r.verification;
    check(v.missing === 0 && v.extra === 0 && v.corrupted === 0 && v.lost === 0 && v.phantom === 0, `${r.name}: stored rows disagree: ${JSON.stringify(v)}`);
    check(v.acknowledged === r.increments, `${r.name}: ${v.acknowledged} increments in the ledger, ${r.increments} acknowledged`);
    check(r.logged.length === 0, `${r.name}: the app logged ${r.logged.length} records: ${r.logged.slice(0, 2).join(" | ")}`);
    check(m.end.heapUsedMb - m.start.heapUsedMb < 16, `${r.name}: heap grew ${Math.round(m.end.heapUsedMb - m.start.heapUsedMb)} MB`);
    if (!quick) check(m.heapSlopeMbPerMin < 5, `${r.name}: heap trend ${m.heapSlopeMbPerMin} MB/min`);
  }
}

async function faultPhase(pg: Instance, maria: Instance, redis: Instance): Promise<void> {
  console.log(`\n== Faults (servers of our own on ports ${pg.port}, ${maria.port} and ${redis.port})`);
  for (const server of [pg, maria]) {
    for (const orm of ["typeorm", "prisma"] as Orm[]) {
      for (const mode of ["fast", "kill"] as const) {
        const r = await restartDuringLoad({ instance: server, orm, sessions: SIZES.faultSessions, workers: SIZES.faultWorkers, beforeMs: SIZES.before, downMs: SIZES.down, afterMs: SIZES.after, mode });
        report.restarts.push(r);
        const failed = r.load.requests - r.load.ok;
        console.log(
          `${r.name}, ${mode === "fast" ? "restarted" : "killed and restarted"} (down ${r.downMs} ms): ${r.load.requests} requests, ${failed} failed ${JSON.stringify(r.failureKinds)}, ` +
            `recovered ${r.recoveryMs} ms after the database was back, then ${r.cleanTailMs} ms clean; ` +
            `${r.verification.acknowledged} increments acknowledged, ${r.verification.lost} lost, in doubt: ${r.verification.inDoubtStored} stored, ${r.verification.inDoubtDropped} not`,
        );
        check(failed > 0, `${r.name} ${mode}: the outage was not seen`);
        check(r.load.networkErrors === 0 && r.load.timeouts === 0, `${r.name} ${mode}: ${r.load.networkErrors} connection errors, ${r.load.timeouts} hangs`);
        check(Object.keys(r.load.byStatus).every((s) => ["200", "500", "503"].includes(s)), `${r.name} ${mode}: statuses ${JSON.stringify(r.load.byStatus)}`);
        check(r.failuresBeforeHalt === 0, `${r.name} ${mode}: ${r.failuresBeforeHalt} failures before the database went down`);
        check(r.load.violations.length === 0, `${r.name} ${mode}: ${r.load.violations.slice(0, 3).join("; ")}`);
        const v = r.verification;
        check(v.missing === 0 && v.extra === 0 && v.corrupted === 0 && v.lost === 0 && v.phantom === 0, `${r.name} ${mode}: stored rows disagree: ${JSON.stringify(v)}`);
        check(r.recoveryMs < 10_000 && r.cleanTailMs > SIZES.after / 2, `${r.name} ${mode}: recovery ${r.recoveryMs} ms, clean tail ${r.cleanTailMs} ms`);
        check(r.leaks.secret + r.leaks.keys + r.leaks.data === 0, `${r.name} ${mode}: leaks ${JSON.stringify(r.leaks)}`);
      }
    }
  }
  for (const mode of ["pause", "restart"] as const) {
    const r = await redisOutageDuringLoad({ postgres: pg, redis, orm: "typeorm", sessions: SIZES.faultSessions, workers: SIZES.faultWorkers, beforeMs: SIZES.before, downMs: SIZES.down, afterMs: SIZES.after, mode, commandTimeoutMs: 500 });
    report.redis.push(r);
    const failed = r.load.requests - r.load.ok;
    console.log(
      `${r.name}, Redis ${mode === "pause" ? "frozen (SIGSTOP)" : "restarted"} for ${r.downMs} ms: ${r.load.requests} requests, ${failed} failed, ${r.cacheErrorsLogged} cache errors logged; ` +
        `${r.verification.acknowledged} increments acknowledged, ${r.verification.lost} lost, ${r.load.violations.length} stale or unexplained answers; afterwards ${r.coherence.cached} sessions cached, ${r.coherence.stale} stale`,
    );
    check(failed === 0, `${r.name} ${mode}: ${failed} failed requests ${JSON.stringify(r.failureKinds)}`);
    check(r.load.violations.length === 0, `${r.name} ${mode}: ${r.load.violations.slice(0, 3).join("; ")}`);
    const v = r.verification;
    check(v.missing === 0 && v.extra === 0 && v.corrupted === 0 && v.lost === 0 && v.phantom === 0, `${r.name} ${mode}: stored rows disagree: ${JSON.stringify(v)}`);
    check(r.cacheErrorsLogged > 0, `${r.name} ${mode}: no cache error was logged`);
    check(r.coherence.stale === 0 && r.coherence.cached > 0, `${r.name} ${mode}: coherence ${JSON.stringify(r.coherence)}`);
    check(r.leaks.secret + r.leaks.keys + r.leaks.data === 0, `${r.name} ${mode}: leaks ${JSON.stringify(r.leaks)}`);
  }
  for (const server of [pg, maria]) {
    const dialect = server.kind === "postgres" ? "postgres" : "mysql";
    for (const orm of ["typeorm", "prisma"] as Orm[]) {
      const r = await poolExhaustion(orm, instanceDatabase(dialect, server.port), { acquireTimeoutMs: 1000, storageTimeout: 2, holdMs: 6000 });
      report.pools.push(r);
      console.log(`${r.name}, pool of 2 held for ${r.heldMs} ms: ${r.status} ${r.body} after ${r.waitedMs} ms (bound: ${r.bound}, ${r.boundMs} ms); afterwards ${r.afterStatus}`);
      check(r.status === 503 && r.waitedMs < r.boundMs + 1500 && r.afterStatus === 200, `${r.name}: pool exhaustion gave ${r.status} after ${r.waitedMs} ms, then ${r.afterStatus}`);
    }
  }
  const location = instanceDatabase("postgres", pg.port);
  const raw = rawTable(location);
  await raw.recreate();
  const stack = await openStack("typeorm", location);
  try {
    for (const concurrency of ["merge", "django"] as const) {
      const r = await rowDeletedMidRequest(stack, raw, concurrency);
      report.edges.push({ case: "row deleted mid-request", ...r });
      console.log(`row deleted mid-request (${concurrency}): ${r.status} "${r.body.slice(0, 60)}…", Set-Cookie ${r.setCookie ?? "none"}, row resurrected: ${r.resurrected}`);
      check(r.status === 400 && r.body === SESSION_INTERRUPTED_MESSAGE && r.setCookie === null && !r.resurrected, `row deleted mid-request (${concurrency}): ${JSON.stringify(r)}`);
    }
    const c = await keyCollisionOnCreate(stack, raw);
    report.edges.push({ case: "key collision on create", ...c });
    console.log(`key collision on create: ${c.attempts} keys tried, ${c.status}, existing rows intact: ${c.othersIntact}; every key colliding: ${c.allCollideStatus} after ${c.allCollideMs} ms`);
    check(c.attempts === 3 && c.status === 200 && c.othersIntact && c.allCollideStatus >= 500, `key collision: ${JSON.stringify(c)}`);
    const k = await clockMoved(stack, raw);
    report.edges.push({ case: "clock moved", ...k });
    console.log(`clock moved: back 1 h → read ${k.backwards.readStatus} (${String(k.backwards.value)}), save ${k.backwards.saveStatus}; past expiry → ${k.expired.body}, cookie ${k.expired.cookie}, ${k.expired.rowsCreated} rows created; a write → new key: ${k.writeAfterExpiry.newKey}`);
    check(k.backwards.value === "kept" && k.expired.cookie === '""' && k.expired.rowsCreated === 0 && k.writeAfterExpiry.newKey, `clock moved: ${JSON.stringify(k)}`);
  } finally {
    await stack.close();
    await raw.close();
  }
}

async function fuzzPhase(): Promise<void> {
  console.log(`\n== Fuzzing: ${SIZES.fuzz.toLocaleString("en")} inputs per target`);
  const targets: (() => FuzzTarget<any>)[] = [cookieTarget, sessionCodecTarget, signedCookieCodecTarget, pickleTarget];
  for (const make of targets) {
    const r = await fuzz(make(), { inputs: SIZES.fuzz, seed: 20_260_101 });
    report.fuzz.push(r);
    console.log(
      `${r.target}: ${r.inputs} inputs in ${Math.round(r.durationMs / 1000)} s (${r.inputsPerSecond}/s), ${r.failureCount} failures; slowest run ${r.maxMs} ms measured, ` +
        `${r.maxConfirmedMs} ms of CPU when re-timed (${r.maxConfirmedSmallMs} ms for inputs up to 16 KiB; p99.9 ${r.p999Ms} ms), largest input ${r.largestInputBytes} bytes; ` +
        `heap ${r.memory.heapUsedBeforeMb} → ${r.memory.heapUsedAfterMb} MB (peak ${r.memory.peakHeapUsedMb}), rss ${r.memory.rssBeforeMb} → ${r.memory.rssAfterMb} MB (peak ${r.memory.peakRssMb})`,
    );
    for (const f of r.failures) console.log(`    ${f}`);
    check(r.failureCount === 0, `${r.target}: ${r.failureCount} failures`);
    check(r.memory.heapUsedAfterMb - r.memory.heapUsedBeforeMb < 32 && r.memory.peakRssMb - r.memory.rssBeforeMb < 512, `${r.target}: memory ${JSON.stringify(r.memory)}`);
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`Reliability run${quick ? " (quick)" : ""}: ${only.join(", ")} — ${report.machine.cpus} CPUs, Node ${process.version}, load average ${report.machine.loadAverage.map((l) => l.toFixed(1)).join(" ")}`);
  try {
    if (only.includes("load") || only.includes("faults")) {
      const [pg, maria, redis] = await Promise.all([instance("postgres"), instance("mariadb"), instance("redis")]);
      if (only.includes("load")) await loadPhase(pg, maria);
      if (only.includes("faults")) await faultPhase(pg, maria, redis);
    }
    if (only.includes("multiprocess")) {
      const [pg, redis] = await Promise.all([instance("postgres"), instance("redis")]);
      report.multiprocess = await multiprocessPhase(pg, redis, quick, check);
    }
    if (only.includes("fuzz")) await fuzzPhase();
    if (only.includes("scale")) {
      const rows = Number(args.find((a) => a.startsWith("--scale-rows="))?.slice(13) ?? (quick ? 200_000 : 10_000_000));
      report.scale = await scaleRun({ rows, dialects: ["postgres", "mysql"], baselineSeconds: quick ? 5 : 30, soakMs: quick ? 60_000 : 600_000, only: ["clear", "soak"], keep: false, log: console.log });
      problems.push(...report.scale.problems);
    }
  } catch (error) {
    problems.push(`the run itself failed: ${(error as Error)?.stack ?? String(error)}`);
    console.error(error);
  } finally {
    for (const i of instances) await i.stop().catch(() => undefined);
  }
  report.durationSeconds = Math.round((Date.now() - started) / 1000);
  const dir = join(__dirname.slice(0, __dirname.indexOf(".reliability-build")), "test", ".tmp");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "reliability-report.json"), `${JSON.stringify(report, null, 1)}\n`);
  console.log(`\n${problems.length === 0 ? "PASS" : `FAIL: ${problems.length} problems`} in ${report.durationSeconds} s (figures in test/.tmp/reliability-report.json)`);
  for (const p of problems) console.log(`  - ${p}`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}

void main();
