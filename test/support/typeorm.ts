import { join } from "node:path";
import type { DataSourceOptions, Logger } from "typeorm";
import { ensureMysqlDatabase, ensurePostgresDatabase, TMP_DIR, type Dialect } from "./databases";
import { openDatabase, type RawDatabase } from "./raw-tables";

/**
 * A test file's own database for the TypeORM tests: DataSource options pointing at it, and the
 * plain driver (pg, mysql2, better-sqlite3; `raw-tables.ts`), never TypeORM, to write rows the
 * way Django writes them and to read them back exactly as stored.
 */
export interface TypeOrmTarget {
  dialect: Dialect;
  raw: RawDatabase;
  dataSourceOptions: DataSourceOptions;
  /** Inserts a row as Django does; `expire` is naive UTC text (`2026-12-10 06:34:07.123456`). */
  insertDjangoRow(sessionKey: string, sessionData: string, expire: string): Promise<void>;
  /** Many rows at once (one statement), as `insertDjangoRow`. */
  insertDjangoRows(rows: [sessionKey: string, sessionData: string, expire: string][]): Promise<void>;
  /**
   * The row as stored. `expire` is SQLite's text as is (and must be text), MySQL's `datetime(6)`
   * as text, PostgreSQL's instant as UTC text; the last two always show 6 fraction digits.
   */
  row(sessionKey: string): Promise<{ sessionData: string; expire: string } | null>;
  /** All keys, sorted. */
  keys(): Promise<string[]>;
  /** Column name → type, as the database describes the table. */
  columnTypes(): Promise<Record<string, string>>;
}

const STORED_EXPIRE: Record<Dialect, string> = {
  postgres: "to_char(expire_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')",
  mysql: "CAST(expire_date AS CHAR)",
  sqlite: "expire_date",
};

const COLUMN_TYPES: Record<Dialect, string> = {
  postgres:
    "SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_name = 'django_session' AND table_schema = current_schema()",
  mysql:
    "SELECT column_name AS name, column_type AS type FROM information_schema.columns WHERE table_name = 'django_session' AND table_schema = DATABASE()",
  sqlite: "SELECT name, type FROM pragma_table_info('django_session')",
};

async function dataSourceOptions(dialect: Dialect, name: string): Promise<DataSourceOptions> {
  if (dialect === "postgres") return { type: "postgres", url: await ensurePostgresDatabase(name) };
  if (dialect === "sqlite") return { type: "better-sqlite3", database: join(TMP_DIR, `${name}.sqlite3`) };
  const { host, port, user, password, database } = await ensureMysqlDatabase(name);
  return { type: "mysql", host, port, username: user, password, database };
}

export async function openTypeOrmTarget(dialect: Dialect, name: string): Promise<TypeOrmTarget> {
  const raw = await openDatabase(dialect, name);
  const q = raw.query;
  const insertDjangoRows: TypeOrmTarget["insertDjangoRows"] = async (rows) => {
    const values = rows.map(() => "(?, ?, ?)").join(", ");
    const params = rows.flatMap(([key, data, expire]) => [key, data, dialect === "postgres" ? `${expire}+00` : expire]);
    await q(`INSERT INTO django_session (session_key, session_data, expire_date) VALUES ${values}`, params);
  };
  return {
    dialect,
    raw,
    dataSourceOptions: await dataSourceOptions(dialect, name),
    insertDjangoRows,
    insertDjangoRow: (key, data, expire) => insertDjangoRows([[key, data, expire]]),
    async row(key) {
      const kind = dialect === "sqlite" ? ", typeof(expire_date) AS kind" : "";
      const rows = await q(`SELECT session_data, ${STORED_EXPIRE[dialect]} AS expire${kind} FROM django_session WHERE session_key = ?`, [key]);
      if (rows.length === 0) return null;
      if (dialect === "sqlite" && rows[0].kind !== "text") throw new Error(`expire_date is stored as ${String(rows[0].kind)}, not text`);
      return { sessionData: String(rows[0].session_data), expire: String(rows[0].expire) };
    },
    keys: async () => (await q("SELECT session_key FROM django_session ORDER BY session_key")).map((r) => String(r.session_key)),
    columnTypes: async () => Object.fromEntries((await q(COLUMN_TYPES[dialect])).map((r) => [String(r.name), String(r.type)])),
  };
}

/** PostgreSQL's and MySQL's stored text for Django's text `text` (always 6 fraction digits). */
export function sixDigits(text: string): string {
  return text.includes(".") ? text.padEnd(26, "0") : `${text}.000000`;
}

/** A TypeORM logger that records every statement TypeORM sends. */
export class QueryLog implements Logger {
  readonly queries: string[] = [];
  logQuery(query: string): void {
    this.queries.push(query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
  /** The statements logged while `action` ran. */
  async during(action: () => Promise<unknown>): Promise<string[]> {
    const start = this.queries.length;
    await action();
    return this.queries.slice(start);
  }
}
