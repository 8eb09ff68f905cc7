import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createPool as createMysqlPool, type Pool as MysqlPool } from "mysql2/promise";
import { Pool as PgPool } from "pg";
import { createBetterSqlite3Executor, createMysql2Executor, createPgExecutor, type DriverExecutorOptions } from "../../src/adapters/sql/executors";
import type { SqlExecutor } from "../../src/adapters/sql/sql-row-adapter";
import { ensureMysqlDatabase, ensurePostgresDatabase, TMP_DIR, type Dialect } from "../support/databases";

/** The package's driver executors (`src/adapters/sql/executors.ts`) over a pool of their own. */
export interface DriverExecutor {
  executor: SqlExecutor;
  /**
   * Runs SQL on the executor's own pool (`?` placeholders on every dialect), on one of its
   * connections: with `connections: 1` always the one the executor used.
   */
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** The executor on the database `name` (`test/.tmp/<name>.sqlite3` for SQLite), as openDatabase names them. */
export async function openDriverExecutor(dialect: Dialect, name: string, options: DriverExecutorOptions & { connections?: number } = {}): Promise<DriverExecutor> {
  const connections = options.connections ?? 10;
  if (dialect === "postgres") {
    const pool = new PgPool({ connectionString: await ensurePostgresDatabase(name), max: connections });
    return { executor: createPgExecutor(pool, options), query: async (sql) => (await pool.query(sql)).rows, close: () => pool.end() };
  }
  if (dialect === "mysql") {
    const pool: MysqlPool = createMysqlPool({ ...(await ensureMysqlDatabase(name)), connectionLimit: connections });
    return { executor: createMysql2Executor(pool, options), query: async (sql) => (await pool.query(sql))[0] as Record<string, unknown>[], close: () => pool.end() };
  }
  mkdirSync(TMP_DIR, { recursive: true });
  const db = new Database(join(TMP_DIR, `${name}.sqlite3`));
  db.pragma("busy_timeout = 5000");
  return { executor: createBetterSqlite3Executor(db, options), query: async (sql) => db.prepare(sql).all() as Record<string, unknown>[], close: async () => void db.close() };
}
