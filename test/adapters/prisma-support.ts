import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaMariaDb } from "@prisma/adapter-mariadb";
import { PrismaPg } from "@prisma/adapter-pg";
import Database from "better-sqlite3";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Client as PgRawClient } from "pg";
import { createConnection as createMysqlConnection } from "mysql2/promise";
import { PrismaClient as MysqlPrismaClient } from "../../src/generated/prisma-mysql/client";
import { PrismaClient as PgPrismaClient } from "../../src/generated/prisma-pg/client";
import { PrismaClient as SqlitePrismaClient } from "../../src/generated/prisma-sqlite/client";
import { djangoSessionDdl, ensureMysqlDatabase, ensurePostgresDatabase, TMP_DIR, type Dialect } from "../support/databases";

export const DIALECTS: readonly Dialect[] = ["postgres", "mysql", "sqlite"];

/** Runs a statement with the plain driver (`?` placeholders everywhere), never through Prisma. */
export interface RawDb {
  dialect: Dialect;
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /**
   * `expire_date` exactly as stored: PostgreSQL's instant as UTC text with 6 digits
   * (`to_char(... AT TIME ZONE 'UTC')`), MariaDB's naive `datetime(6)` text, SQLite's raw text.
   */
  storedExpire(sessionKey: string): Promise<string | null>;
  /** SQLite: `typeof(expire_date)`; elsewhere the SQL type name. */
  storedType(sessionKey: string): Promise<string | null>;
  count(): Promise<number>;
  /** Drops and re-creates `django_session` with Django's DDL (migrations/<dialect>.sql). */
  recreate(): Promise<void>;
  close(): Promise<void>;
}

const toPg = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

export interface Target {
  postgres: string;
  mysql: Awaited<ReturnType<typeof ensureMysqlDatabase>>;
  sqlite: string;
}

/** This file's own databases: `ds_<name>` on PostgreSQL and MariaDB, `test/.tmp/ds_<name>.sqlite3`. */
export async function prepareTarget(name: string): Promise<Target> {
  mkdirSync(TMP_DIR, { recursive: true });
  const sqlite = join(TMP_DIR, `ds_${name}.sqlite3`);
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(sqlite + suffix, { force: true });
  return {
    postgres: await ensurePostgresDatabase(`ds_${name}`),
    mysql: await ensureMysqlDatabase(`ds_${name}`),
    sqlite,
  };
}

export async function openRaw(dialect: Dialect, target: Target): Promise<RawDb> {
  let query: RawDb["query"];
  let close: () => Promise<void>;
  if (dialect === "postgres") {
    const client = new PgRawClient({ connectionString: target.postgres });
    await client.connect();
    query = async (sql, params = []) => (await client.query(toPg(sql), params)).rows;
    close = () => client.end();
  } else if (dialect === "mysql") {
    const conn = await createMysqlConnection({ ...target.mysql, dateStrings: true });
    query = async (sql, params = []) => {
      const [rows] = await conn.query(sql, params);
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
    };
    close = () => conn.end();
  } else {
    const db = new Database(target.sqlite);
    db.pragma("busy_timeout = 5000");
    query = async (sql, params = []) => {
      const stmt = db.prepare(sql);
      if (stmt.reader) return stmt.all(...params) as Record<string, unknown>[];
      stmt.run(...params);
      return [];
    };
    close = async () => void db.close();
  }
  const expireText =
    dialect === "postgres"
      ? `to_char(expire_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`
      : dialect === "mysql"
        ? "CAST(expire_date AS CHAR)"
        : "expire_date";
  const typeOf = dialect === "sqlite" ? "typeof(expire_date)" : dialect === "postgres" ? "pg_typeof(expire_date)::text" : "'datetime'";
  return {
    dialect,
    query,
    close,
    async storedExpire(key) {
      const rows = await query(`SELECT ${expireText} AS t FROM django_session WHERE session_key = ?`, [key]);
      return rows.length ? String(rows[0].t) : null;
    },
    async storedType(key) {
      const rows = await query(`SELECT ${typeOf} AS t FROM django_session WHERE session_key = ?`, [key]);
      return rows.length ? String(rows[0].t) : null;
    },
    async count() {
      return Number((await query("SELECT COUNT(*) AS n FROM django_session"))[0].n);
    },
    async recreate() {
      await query("DROP TABLE IF EXISTS django_session");
      for (const statement of djangoSessionDdl(dialect)) await query(statement);
    },
  };
}

/** `expire_date` literal the way Django writes it with USE_TZ = True (raw SQL, not through Prisma). */
export function djangoLiteral(dialect: Dialect, text: string): string {
  return dialect === "postgres" ? `${text}+00` : text;
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` in UTC, always 6 digits (what PostgreSQL/MariaDB report via `RawDb.storedExpire`). */
export function utcMicros(date: Date): string {
  return date.toISOString().replace("T", " ").replace("Z", "000");
}

const QUERY_LOG = [{ emit: "event", level: "query" }] as const;

export function pgClient(target: Target) {
  return new PgPrismaClient({ adapter: new PrismaPg({ connectionString: target.postgres }), log: [...QUERY_LOG] });
}

export function mysqlClient(target: Target, options: { foundRows?: boolean } = {}) {
  return new MysqlPrismaClient({
    adapter: new PrismaMariaDb({ ...target.mysql, connectionLimit: 4, ...options }),
    log: [...QUERY_LOG],
  });
}

export function sqliteClient(target: Target) {
  return new SqlitePrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${target.sqlite}` }), log: [...QUERY_LOG] });
}

/** A generated client of any of the three schemas, as the tests use it (query events on). */
export type AnyPrismaClient = ReturnType<typeof pgClient> | ReturnType<typeof mysqlClient> | ReturnType<typeof sqliteClient>;

export function clientFor(dialect: Dialect, target: Target): AnyPrismaClient {
  return dialect === "postgres" ? pgClient(target) : dialect === "mysql" ? mysqlClient(target) : sqliteClient(target);
}

/** Records the SQL each client really sends (Prisma's `query` events). */
export function recordQueries(client: AnyPrismaClient): string[] {
  const seen: string[] = [];
  (client as ReturnType<typeof pgClient>).$on("query", (event) => seen.push(event.query));
  return seen;
}

/** Runs `body` with `process.env.TZ` set (Node re-reads the zone on assignment). */
export function useTimeZone(zone: string): void {
  let previous: string | undefined;
  beforeAll(() => {
    previous = process.env.TZ;
    process.env.TZ = zone;
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.TZ;
    else process.env.TZ = previous;
  });
}
