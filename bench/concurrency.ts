// Lost updates (issue: beyond Django): N requests of one user load the same session at once,
// each sets its own key, and saves. Django's last-writer-wins keeps ~1 of them; our default
// compare-and-swap merge keeps all. Reported per database, with the time the merge took.
import { Pool } from "pg";
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DjangoSessionRepository, SqlRowAdapter, silentLogger, type SqlExecutor } from "../src";
import { djangoSessionDdl, ensureMysqlDatabase, ensurePostgresDatabase, TMP_DIR } from "../test/support/databases";

const WRITERS = Number(process.env.BENCH_WRITERS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

async function executors(): Promise<[string, SqlExecutor, () => Promise<void>][]> {
  const pg = new Pool({ connectionString: await ensurePostgresDatabase("ds_bench_concurrency"), max: 10 });
  const mysql = (await import("mysql2/promise")).createPool({ ...(await ensureMysqlDatabase("ds_bench_concurrency")), connectionLimit: 10 });
  mkdirSync(TMP_DIR, { recursive: true });
  const sqlite = new Database(join(TMP_DIR, "bench-concurrency.sqlite3"));
  sqlite.pragma("journal_mode = WAL");
  const out: [string, SqlExecutor, () => Promise<void>][] = [
    ["PostgreSQL", {
      dialect: "postgres",
      query: async (sql, params) => (await pg.query(sql, params as unknown[])).rows,
      execute: async (sql, params) => (await pg.query(sql, params as unknown[])).rowCount ?? 0,
      isUniqueViolation: (e) => (e as { code?: string }).code === "23505",
    }, () => pg.end()],
    ["MariaDB", {
      dialect: "mysql",
      query: async (sql, params) => (await mysql.query(sql, params as unknown[]))[0] as Record<string, unknown>[],
      execute: async (sql, params) => ((await mysql.query(sql, params as unknown[]))[0] as { affectedRows: number }).affectedRows,
      isUniqueViolation: (e) => (e as { code?: string }).code === "ER_DUP_ENTRY",
    }, () => mysql.end()],
    ["SQLite", {
      dialect: "sqlite",
      query: async (sql, params) => sqlite.prepare(sql).all(...(params as unknown[])) as Record<string, unknown>[],
      execute: async (sql, params) => sqlite.prepare(sql).run(...(params as unknown[])).changes,
      isUniqueViolation: (e) => String((e as { code?: string }).code).startsWith("SQLITE_CONSTRAINT"),
    }, async () => void sqlite.close()],
  ];
  for (const [, executor] of out) {
    await executor.execute("DROP TABLE IF EXISTS django_session", []);
    for (const statement of djangoSessionDdl(executor.dialect)) await executor.execute(statement, []);
  }
  return out;
}

async function lostKeys(repository: DjangoSessionRepository): Promise<number> {
  const seed = repository.get();
  await seed.set("seed", true);
  await seed.save();
  const key = seed.sessionKey!;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, i) => {
      const s = repository.get(key);
      await s.load();
      await s.set(`k${i}`, i);
      await s.save();
    }),
  );
  const data = await repository.get(key).toObject();
  return Array.from({ length: WRITERS }, (_, i) => `k${i}`).filter((k) => !(k in data)).length;
}

async function main(): Promise<void> {
  const rows = [];
  for (const [name, executor, close] of await executors()) {
    for (const concurrency of ["django", "merge"] as const) {
      const repository = new DjangoSessionRepository({ secretKey: "bench-concurrency-secret", adapter: new SqlRowAdapter(executor), logger: silentLogger, concurrency });
      let lost = 0;
      const start = process.hrtime.bigint();
      for (let r = 0; r < ROUNDS; r++) lost += await lostKeys(repository);
      const ms = Number(process.hrtime.bigint() - start) / 1e6 / ROUNDS;
      rows.push({ database: name, concurrency, writers: WRITERS, "keys lost (avg)": (lost / ROUNDS).toFixed(1), "ms per round": ms.toFixed(0) });
    }
    await close();
  }
  console.table(rows);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
