import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Pool as MysqlPool } from "mysql2/promise";
import { Pool as PgPool } from "pg";
import { parseDjangoDateText, toDjangoDateText } from "../../src/core/django-datetime";
import type { SqlExecutor } from "../../src/adapters/sql/sql-row-adapter";
import type { RawSessionTable } from "../../src/testing";
import { djangoSessionDdl, ensureMysqlDatabase, ensurePostgresDatabase, TMP_DIR, type Dialect } from "./databases";

/**
 * A database prepared for one test file: Django's table created with Django's DDL, a raw
 * `RawSessionTable` that reads rows with the plain driver (never through an adapter under test),
 * and a raw `SqlExecutor` for the baseline adapter.
 */
export interface RawDatabase {
  dialect: Dialect;
  table: RawSessionTable;
  executor: SqlExecutor;
  /** Runs raw SQL (`?` placeholders everywhere; translated for PostgreSQL). */
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Drops and re-creates `django_session` with Django's DDL. */
  recreate(): Promise<void>;
  close(): Promise<void>;
}

const toPg = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

function tableOver(dialect: Dialect, query: RawDatabase["query"]): RawSessionTable {
  const bind = (date: Date) => (dialect === "postgres" ? date : toDjangoDateText(date));
  const read = (value: unknown) => (value instanceof Date ? value : parseDjangoDateText(String(value))!);
  const expire = dialect === "mysql" ? "CAST(expire_date AS CHAR) AS expire_date" : "expire_date";
  return {
    async getRow(key) {
      const rows = await query(`SELECT session_data, ${expire} FROM django_session WHERE session_key = ?`, [key]);
      return rows.length ? { sessionData: String(rows[0].session_data), expireDate: read(rows[0].expire_date) } : null;
    },
    async count() {
      const rows = await query("SELECT COUNT(*) AS n FROM django_session");
      return Number(rows[0].n);
    },
    async insert(row) {
      await query("INSERT INTO django_session (session_key, session_data, expire_date) VALUES (?, ?, ?)", [row.sessionKey, row.sessionData, bind(row.expireDate)]);
    },
    async delete(key) {
      await query("DELETE FROM django_session WHERE session_key = ?", [key]);
    },
    async truncate() {
      await query("DELETE FROM django_session");
    },
  };
}

async function recreateWith(dialect: Dialect, run: (sql: string) => Promise<unknown>): Promise<void> {
  await run("DROP TABLE IF EXISTS django_session");
  for (const statement of djangoSessionDdl(dialect)) await run(statement);
}

export async function openPostgres(database: string): Promise<RawDatabase> {
  const pool = new PgPool({ connectionString: await ensurePostgresDatabase(database), max: 10 });
  const query: RawDatabase["query"] = async (sql, params = []) => (await pool.query(toPg(sql), params)).rows;
  const executor: SqlExecutor = {
    dialect: "postgres",
    query: async (sql, params) => (await pool.query(sql, params as unknown[])).rows,
    execute: async (sql, params) => (await pool.query(sql, params as unknown[])).rowCount ?? 0,
    isUniqueViolation: (error) => (error as { code?: string }).code === "23505",
  };
  return {
    dialect: "postgres",
    table: tableOver("postgres", query),
    executor,
    query,
    recreate: () => recreateWith("postgres", (sql) => pool.query(sql)),
    close: () => pool.end(),
  };
}

export async function openMysql(database: string): Promise<RawDatabase> {
  const mysql = await import("mysql2/promise");
  const pool: MysqlPool = mysql.createPool({ ...(await ensureMysqlDatabase(database)), connectionLimit: 10, dateStrings: true });
  const query: RawDatabase["query"] = async (sql, params = []) => {
    const [rows] = await pool.query(sql, params);
    return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
  };
  const executor: SqlExecutor = {
    dialect: "mysql",
    query: async (sql, params) => (await pool.query(sql, params as unknown[]))[0] as Record<string, unknown>[],
    execute: async (sql, params) => ((await pool.query(sql, params as unknown[]))[0] as { affectedRows: number }).affectedRows,
    isUniqueViolation: (error) => (error as { code?: string }).code === "ER_DUP_ENTRY",
  };
  return {
    dialect: "mysql",
    table: tableOver("mysql", query),
    executor,
    query,
    recreate: () => recreateWith("mysql", (sql) => pool.query(sql)),
    close: () => pool.end(),
  };
}

export async function openSqlite(name: string): Promise<RawDatabase> {
  mkdirSync(TMP_DIR, { recursive: true });
  const db = new Database(join(TMP_DIR, `${name}.sqlite3`));
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 5000");
  const query: RawDatabase["query"] = async (sql, params = []) => {
    const statement = db.prepare(sql);
    if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
    statement.run(...params);
    return [];
  };
  const executor: SqlExecutor = {
    dialect: "sqlite",
    query: async (sql, params) => db.prepare(sql).all(...(params as unknown[])) as Record<string, unknown>[],
    execute: async (sql, params) => db.prepare(sql).run(...(params as unknown[])).changes,
    isUniqueViolation: (error) => String((error as { code?: string }).code).startsWith("SQLITE_CONSTRAINT"),
  };
  return {
    dialect: "sqlite",
    table: tableOver("sqlite", query),
    executor,
    query,
    recreate: () => recreateWith("sqlite", async (sql) => void db.exec(sql)),
    close: async () => void db.close(),
  };
}

export function openDatabase(dialect: Dialect, name: string): Promise<RawDatabase> {
  return dialect === "postgres" ? openPostgres(name) : dialect === "mysql" ? openMysql(name) : openSqlite(name);
}
