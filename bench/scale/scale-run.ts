// The scale run of issue 14 (parts 1 and 3), as `npm run test:reliability -- --only=scale` runs it:
//   clear   N rows (10,000,000; 30 % expired) on PostgreSQL and MariaDB, our throttled, batched
//           clearExpired and then Django 5.2's clearsessions beside a steady load on live sessions
//   cli     doctor and inspect on the big table: how long they take and what they read
//   soak    worker processes under load for 10 minutes: RSS and heap slope per worker, connections
//           per worker against the pool size, and the database restarted under them
// Databases are ds_scale_* on the shared servers (clear, cli) or throwaway servers (soak, which
// restarts them); the big ones are dropped at the end unless --keep.
import { loadavg, cpus } from "node:os";
import { execFileSync } from "node:child_process";
import { dropTestDatabase, type Dialect } from "../../test/support/databases";
import { startMariaDb, startPostgres, type Instance } from "../../test/reliability/support/instances";
import type { Orm } from "../../test/reliability/support/stacks";
import { clearUnderLoad, type ClearReport } from "./clear-under-load";
import { connectionSoak, type SoakFault, type SoakWorkerPlan, type WorkerReport } from "./connection-soak";
import { mysqlMonitor, postgresMonitor } from "./db-monitor";

export interface ScaleRunOptions {
  rows: number;
  dialects: ("postgres" | "mysql")[];
  baselineSeconds: number;
  /** The soak's length. */
  soakMs: number;
  only: string[];
  keep: boolean;
  log: (line: string) => void;
}

export interface ScaleRunReport {
  startedAt: string;
  machine: { cpus: number; node: string; uptime: string[] };
  clear: ClearReport[];
  soak: WorkerReport[];
  problems: string[];
}

const uptime = () => {
  try {
    return execFileSync("uptime", { encoding: "utf8" }).trim();
  } catch {
    return `load average ${loadavg().map((n) => n.toFixed(2)).join(", ")}`;
  }
};

export function clearDatabaseName(dialect: Dialect): string {
  return `ds_scale_clear_${dialect === "mysql" ? "mariadb" : dialect}`;
}

export async function scaleRun(options: ScaleRunOptions): Promise<ScaleRunReport> {
  const { log } = options;
  const report: ScaleRunReport = { startedAt: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version, uptime: [uptime()] }, clear: [], soak: [], problems: [] };
  const check = (ok: boolean, what: string) => {
    if (!ok) {
      report.problems.push(what);
      log(`  ✗ ${what}`);
    }
  };
  if (options.only.includes("clear")) {
    for (const dialect of options.dialects) {
      log(`\n== ${options.rows.toLocaleString("en")} sessions on ${dialect === "mysql" ? "MariaDB" : "PostgreSQL"}: clearExpired and Django's clearsessions beside a load (${uptime()})`);
      const r = await clearUnderLoad({ dialect, rows: options.rows, baselineSeconds: options.baselineSeconds, name: clearDatabaseName(dialect), log });
      report.clear.push(r);
      report.machine.uptime.push(uptime());
      const line = (name: string, run: ClearReport["ours"] | ClearReport["django"]) =>
        `  ${name}: ${run.deleted.toLocaleString("en")} rows in ${run.seconds} s (${run.rowsPerSecond.toLocaleString("en")} rows/s); load p50/p99 ${run.without.p50Ms}/${run.without.p99Ms} ms → ` +
        `${run.during.p50Ms}/${run.during.p99Ms} ms during (×${run.p99Ratio} p99, max ${run.during.maxMs} ms), ${run.during.errors} errors ${JSON.stringify(run.during.errorKinds)}, ` +
        `${run.without.opsPerSecond} → ${run.during.opsPerSecond} requests/s`;
      log(line(`clearExpired (batches of ${r.ours.batchSize}, throttle ${r.ours.throttle})`, r.ours));
      log(line(`Django ${r.django.version} clearsessions`, r.django));
      check(r.ours.deleted === r.expired, `${dialect}: clearExpired deleted ${r.ours.deleted} of ${r.expired} expired rows`);
      check(r.ours.during.errors === 0 && r.ours.without.errors === 0, `${dialect}: ${r.ours.during.errors} errors during clearExpired`);
      check(r.ours.p99Ratio <= 1.5, `${dialect}: load p99 ×${r.ours.p99Ratio} during clearExpired (goal ≤ 1.5)`);
      if (!options.keep) await dropTestDatabase(dialect, clearDatabaseName(dialect));
    }
  }
  if (options.only.includes("soak")) {
    log(`\n== Soak: 4 worker processes (TypeORM and Prisma on PostgreSQL and MariaDB), ${options.soakMs / 60_000} min, servers of our own restarted under them (${uptime()})`);
    report.soak = await soakPhase(options.soakMs);
    report.machine.uptime.push(uptime());
    for (const r of report.soak) {
      log(
        `  ${r.name}: ${r.ops} requests, ${r.errors} failed ${JSON.stringify(r.errorKinds)}; rss ${r.memory.samples[0]?.rssMb} → ${r.memory.samples.at(-1)?.rssMb} MB (${r.memory.rssSlopeMbPerMin} MB/min), ` +
          `heap ${r.memory.samples[0]?.heapUsedMb} → ${r.memory.samples.at(-1)?.heapUsedMb} MB (${r.memory.heapSlopeMbPerMin} MB/min); connections max ${r.maxConnections} (pool ${r.poolSize}), ` +
          `${r.connectionsAtEnd} at the end, ${r.connectionsAfterClose} after close; served again ${r.recoverySeconds.join(" s, ")} s after each fault`,
      );
      check(r.maxConnections <= r.poolSize && r.connectionsAtEnd <= r.poolSize, `${r.name}: ${r.maxConnections} connections with a pool of ${r.poolSize}`);
      check(r.connectionsAfterClose === 0, `${r.name}: ${r.connectionsAfterClose} connections left after closing the pool`);
      check(r.recoverySeconds.length === SOAK_FAULTS(options.soakMs).filter((f) => f.dialect === (r.name.includes("PostgreSQL") ? "postgres" : "mysql")).length, `${r.name}: recovered after ${r.recoverySeconds.length} faults`);
      // The heap is what a leak grows; RSS moves in steps around the restarts (buffers of new connections), so it is bounded, not trended.
      const rssGrowth = (r.memory.samples.at(-1)?.rssMb ?? 0) - Math.min(...r.memory.samples.map((p) => p.rssMb));
      check(r.memory.heapSlopeMbPerMin < 1 && rssGrowth < 48, `${r.name}: heap trend ${r.memory.heapSlopeMbPerMin} MB/min, rss ${rssGrowth} MB above its lowest`);
    }
  }
  report.machine.uptime.push(uptime());
  return report;
}

/** The faults of a soak of `ms`: connections ended at 20 %, each server restarted at 40 % and 60 %, both at 80 %. */
const SOAK_FAULTS = (ms: number): SoakFault[] => [
  { atMs: ms * 0.2, dialect: "postgres", kind: "terminate" },
  { atMs: ms * 0.2, dialect: "mysql", kind: "terminate" },
  { atMs: ms * 0.4, dialect: "postgres", kind: "restart" },
  { atMs: ms * 0.6, dialect: "mysql", kind: "restart" },
  { atMs: ms * 0.8, dialect: "postgres", kind: "restart" },
  { atMs: ms * 0.8, dialect: "mysql", kind: "restart" },
];

/** Part 3: the soak on throwaway servers (restarting the shared ones would hit everybody's tests). */
async function soakPhase(soakMs: number): Promise<WorkerReport[]> {
  const instances: Instance[] = [];
  try {
    const pg = await startPostgres({ maxLifetimeSeconds: Math.ceil(soakMs / 1000) + 600 });
    instances.push(pg);
    const maria = await startMariaDb({ maxLifetimeSeconds: Math.ceil(soakMs / 1000) + 600 });
    instances.push(maria);
    const pgMonitor = postgresMonitor(`postgresql://postgres@127.0.0.1:${pg.port}/postgres`);
    const mariaMonitor = mysqlMonitor({ host: "127.0.0.1", port: maria.port, user: "root", password: "" });
    const workers: SoakWorkerPlan[] = (["typeorm", "prisma"] as Orm[]).flatMap((orm) => [
      {
        spec: { orm, location: { dialect: "postgres" as const, url: `postgresql://postgres@127.0.0.1:${pg.port}/ds_scale_soak_${orm}` }, poolSize: 5, loops: 12, sessions: 500, pauseMs: 5 },
        database: `ds_scale_soak_${orm}`,
        monitor: pgMonitor,
      },
      {
        spec: { orm, location: { dialect: "mysql" as const, host: "127.0.0.1", port: maria.port, user: "root", password: "", database: `ds_scale_soak_${orm}` }, poolSize: 5, loops: 12, sessions: 500, pauseMs: 5 },
        database: `ds_scale_soak_${orm}`,
        monitor: mariaMonitor,
      },
    ]);
    try {
      return await connectionSoak({
        workers,
        where: "child",
        durationMs: soakMs,
        memoryEveryMs: 10_000,
        faults: SOAK_FAULTS(soakMs),
        restart: async (dialect) => {
          const server = dialect === "postgres" ? pg : maria;
          await server.halt("fast");
          await server.start();
        },
      });
    } finally {
      await pgMonitor.close();
      await mariaMonitor.close();
    }
  } finally {
    for (const instance of instances) await instance.stop().catch(() => undefined);
  }
}
