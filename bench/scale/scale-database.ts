import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createPool as createMysqlPool } from "mysql2/promise";
import { Pool as PgPool } from "pg";
import type { SqlExecutor } from "../../src";
import { createBetterSqlite3Executor, createMysql2Executor, createPgExecutor } from "../../src/adapters/sql/executors";
import { ensureMysqlDatabase, ensurePostgresDatabase, TMP_DIR, type Dialect } from "../../test/support/databases";

/**
 * One scale database (`ds_scale_*`, a database of our own on the shared servers, or a SQLite file
 * in test/.tmp) over a pool of `poolSize` connections: the `SqlExecutor` the library runs on, and
 * raw SQL with `?` placeholders everywhere (numbered for PostgreSQL here).
 */
export interface ScaleDatabase {
  readonly dialect: Dialect;
  readonly name: string;
  readonly executor: SqlExecutor;
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Where Django (or the CLI) finds it: a URL, or the SQLite file. */
  readonly url: string;
  close(): Promise<void>;
}

const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

export async function openScaleDatabase(dialect: Dialect, name: string, poolSize = 10): Promise<ScaleDatabase> {
  if (!/^ds_scale_[a-z0-9_]+$/.test(name)) throw new Error(`scale databases are named ds_scale_*: ${name}`);
  if (dialect === "postgres") {
    const url = await ensurePostgresDatabase(name);
    // statement_timeout 0: the fill and Django's one big DELETE may take minutes.
    const pool = new PgPool({ connectionString: url, max: poolSize });
    pool.on("error", () => undefined); // an idle client killed by the server: the pool replaces it
    return {
      dialect,
      name,
      url,
      executor: createPgExecutor(pool),
      query: async (sql, params = []) => (await pool.query(numbered(sql), [...params])).rows,
      close: () => pool.end(),
    };
  }
  if (dialect === "mysql") {
    const config = await ensureMysqlDatabase(name);
    const pool = createMysqlPool({ ...config, connectionLimit: poolSize, dateStrings: true });
    return {
      dialect,
      name,
      url: `mysql://${config.user}:${config.password}@${config.host}:${config.port}/${name}`,
      executor: createMysql2Executor(pool),
      query: async (sql, params = []) => {
        const [rows] = await pool.query(sql, [...params]);
        return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
      },
      close: () => pool.end(),
    };
  }
  mkdirSync(TMP_DIR, { recursive: true });
  const file = join(TMP_DIR, `${name}.sqlite3`);
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 10000");
  return {
    dialect,
    name,
    url: file,
    executor: createBetterSqlite3Executor(db),
    query: async (sql, params = []) => {
      const statement = db.prepare(sql);
      if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
      statement.run(...params);
      return [];
    },
    close: async () => void db.close(),
  };
}
