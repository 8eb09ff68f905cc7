import { connectionSoak, type SoakWorkerPlan, type WorkerReport } from "../../bench/scale/connection-soak";
import { mysqlMonitor, postgresMonitor, type DbMonitor } from "../../bench/scale/db-monitor";
import { MYSQL_CONFIG, POSTGRES_URL } from "../support/databases";
import { sharedDatabase, type Orm } from "./support/stacks";

// The short version of the connection soak (bench/scale/connection-soak.ts; the full one runs each
// worker in a process of its own for 10 minutes and restarts the servers: `npm run
// test:reliability -- --only=scale`). Four workers in this process, one per ORM and database, each
// on a database of its own so that the server's count of its connections is its alone; six request
// loops per worker over a pool of three. Twice, every connection of every worker is ended from the
// server (pg_terminate_backend, KILL CONNECTION), as a failover does. The pools stay within their
// size throughout, every worker serves again after each fault, and a closed pool leaves nothing open.

const POOL = 3;
const STACKS: [Orm, "postgres" | "mysql"][] = [
  ["typeorm", "postgres"],
  ["prisma", "postgres"],
  ["typeorm", "mysql"],
  ["prisma", "mysql"],
];

let reports: WorkerReport[] = [];
const monitors: DbMonitor[] = [];

beforeAll(async () => {
  const pg = postgresMonitor(POSTGRES_URL);
  const maria = mysqlMonitor(MYSQL_CONFIG);
  monitors.push(pg, maria);
  const workers: SoakWorkerPlan[] = [];
  for (const [orm, dialect] of STACKS) {
    const database = `ds_scale_conn_${orm}_${dialect === "mysql" ? "mariadb" : "postgres"}`;
    workers.push({ spec: { orm, location: await sharedDatabase(dialect, database), poolSize: POOL, loops: 6, sessions: 40, pauseMs: 10 }, database, monitor: dialect === "postgres" ? pg : maria });
  }
  reports = await connectionSoak({
    workers,
    where: "in-process",
    durationMs: 8_000,
    memoryEveryMs: 5_000,
    faults: [
      { atMs: 2_500, dialect: "postgres", kind: "terminate" },
      { atMs: 2_500, dialect: "mysql", kind: "terminate" },
      { atMs: 5_000, dialect: "postgres", kind: "terminate" },
      { atMs: 5_000, dialect: "mysql", kind: "terminate" },
    ],
  });
  for (const r of reports) {
    console.log(
      `${r.name}: ${r.ops} requests, ${r.errors} failed ${JSON.stringify(r.errorKinds)}; connections max ${r.maxConnections} (pool ${r.poolSize}), ${r.connectionsAtEnd} at the end, ` +
        `${r.connectionsAfterClose} after close; served again ${r.recoverySeconds.join(" s, ")} s after each fault`,
    );
  }
}, 90_000);

afterAll(async () => {
  for (const m of monitors) await m.close();
});

describe.each(STACKS)("%s on %s, a pool of 3 under 6 request loops, all its connections ended twice", (orm, dialect) => {
  const report = () => reports.find((r) => r.database === `ds_scale_conn_${orm}_${dialect === "mysql" ? "mariadb" : "postgres"}`) as WorkerReport;

  test("never more connections than the pool size, before, between and after the faults", () => {
    expect(report().maxConnections).toBeGreaterThan(0);
    expect(report().maxConnections).toBeLessThanOrEqual(POOL);
    expect(report().connectionsAtEnd).toBeLessThanOrEqual(POOL);
  });

  test("serves again after each fault, and most requests succeed", () => {
    expect(report().recoverySeconds).toHaveLength(2);
    expect(report().ops).toBeGreaterThan(report().errors * 10);
  });

  test("a closed pool leaves no connection open on the server", () => {
    expect(report().connectionsAfterClose).toBe(0);
  });
});
