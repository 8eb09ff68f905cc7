import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import type * as MysqlPromise from "mysql2/promise";
import type * as Pg from "pg";
import type { SqlExecutor } from "../adapters/sql/sql-row-adapter";
import { CliError, ExitCode } from "./cli-error";
import type { DatabaseTarget, Dialect } from "./database-url";

/** An open connection for one CLI run. */
export interface CliDatabase {
  readonly dialect: Dialect;
  /** The URL without its password, safe to print. */
  readonly display: string;
  /** The connection as `SqlRowAdapter` needs it. */
  readonly executor: SqlExecutor;
  /** Runs one statement; `?` placeholders everywhere (numbered for PostgreSQL here). */
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/**
 * The one row of a statement that always returns one (an aggregate, `SELECT now()`). A driver that
 * returns none is reported as a problem, not read as a crash.
 */
export async function queryOneRow(db: CliDatabase, sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>> {
  const [row] = await db.query(sql, params);
  if (row === undefined) throw new CliError(ExitCode.PROBLEM, `${db.display} returned no row for ${firstLine(sql)}`);
  return row;
}

const CONNECT_TIMEOUT_MS = 10_000;

/** The database drivers are optional peer dependencies, loaded only when a URL needs one. */
const DRIVERS: Record<Dialect, { module: string; package: string; name: string }> = {
  postgres: { module: "pg", package: "pg", name: "PostgreSQL" },
  mysql: { module: "mysql2/promise", package: "mysql2", name: "MySQL/MariaDB" },
  sqlite: { module: "better-sqlite3", package: "better-sqlite3", name: "SQLite" },
};

function isNotFound(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === "MODULE_NOT_FOUND" && typeof message === "string" && message.includes(`'${name}'`);
}

/**
 * Requires an optional package from where django-session is installed, then from the current
 * project (for a CLI run through a global install or npx). A missing package is exit code 3 naming it.
 */
export function loadOptionalPackage<T>(module: string, packageName: string, what: string, cwd: string): T {
  const requirers = [require, createRequire(path.join(cwd, "package.json"))];
  for (const load of requirers) {
    try {
      return load(module) as T;
    } catch (error) {
      if (!isNotFound(error, module)) {
        throw new CliError(ExitCode.CANNOT_CONNECT, `The ${packageName} package is installed but failed to load: ${describeError(error)}`);
      }
    }
  }
  throw new CliError(
    ExitCode.CANNOT_CONNECT,
    `${what} need the "${packageName}" package, which is not installed.`,
    `Install it next to django-session: npm install ${packageName}`,
  );
}

function loadDriver<T>(dialect: Dialect, cwd: string): T {
  const driver = DRIVERS[dialect];
  return loadOptionalPackage<T>(driver.module, driver.package, `${driver.name} URLs`, cwd);
}

/** The text up to its first newline. */
function firstLine(text: string): string {
  const end = text.indexOf("\n");
  return end < 0 ? text : text.slice(0, end);
}

/** A driver error as one line (pg gives an AggregateError with an empty message for ECONNREFUSED on several addresses). */
export function describeError(error: unknown): string {
  const e = (error ?? {}) as { message?: unknown; errors?: unknown; code?: unknown };
  if (typeof e.message === "string" && e.message.trim()) return firstLine(e.message.trim());
  if (Array.isArray(e.errors) && e.errors.length) return [...new Set(e.errors.map((inner) => describeError(inner)))].join("; ");
  if (typeof e.code === "string") return e.code;
  return String(error);
}

/** Whether a query failed because the table does not exist. */
export function isMissingTable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === "42P01" || code === "ER_NO_SUCH_TABLE" || (typeof message === "string" && /^no such table/i.test(message));
}

const toNumbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

function cannotConnect(target: DatabaseTarget, error: unknown): CliError {
  return new CliError(ExitCode.CANNOT_CONNECT, `Cannot connect to ${target.display}: ${describeError(error)}`);
}

/**
 * Opens `target` with its driver and checks the connection with one query. Read-only where the
 * driver can enforce it (SQLite); doctor and inspect only ever run SELECTs.
 */
export async function openDatabase(target: DatabaseTarget, options: { readonly: boolean; cwd: string }): Promise<CliDatabase> {
  if (target.dialect === "postgres") {
    const pg = loadDriver<typeof Pg>("postgres", options.cwd);
    const client = new pg.Client({ connectionString: target.connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: "django-session-cli" });
    // An idle connection dropped by the server must not crash the process with an unhandled event.
    client.on("error", () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw cannotConnect(target, error);
    }
    const run = async (sql: string, params: readonly unknown[] = []) => client.query<Record<string, unknown>>(sql, params as unknown[]);
    return {
      dialect: "postgres",
      display: target.display,
      executor: {
        dialect: "postgres",
        query: async (sql, params) => (await run(sql, params)).rows,
        execute: async (sql, params) => (await run(sql, params)).rowCount ?? 0,
        isUniqueViolation: (error) => (error as { code?: string }).code === "23505",
      },
      query: async (sql, params) => (await run(toNumbered(sql), params)).rows,
      close: () => client.end(),
    };
  }

  if (target.dialect === "mysql") {
    const mysql = loadDriver<typeof MysqlPromise>("mysql", options.cwd);
    let connection: MysqlPromise.Connection;
    try {
      connection = await mysql.createConnection({
        host: target.host,
        port: target.port,
        user: target.user,
        password: target.password,
        database: target.database,
        ssl: target.ssl ? {} : undefined,
        charset: "utf8mb4",
        dateStrings: true,
        supportBigNumbers: true,
        connectTimeout: CONNECT_TIMEOUT_MS,
      });
    } catch (error) {
      throw cannotConnect(target, error);
    }
    connection.on("error", () => undefined);
    const run = async (sql: string, params: readonly unknown[] = []) => (await connection.query(sql, params as unknown[]))[0];
    return {
      dialect: "mysql",
      display: target.display,
      executor: {
        dialect: "mysql",
        query: async (sql, params) => (await run(sql, params)) as Record<string, unknown>[],
        execute: async (sql, params) => ((await run(sql, params)) as { affectedRows: number }).affectedRows,
        isUniqueViolation: (error) => (error as { code?: string }).code === "ER_DUP_ENTRY",
      },
      query: async (sql, params) => {
        const rows = await run(sql, params);
        return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
      },
      close: () => connection.end(),
    };
  }

  const Database = loadDriver<typeof BetterSqlite3>("sqlite", options.cwd);
  // better-sqlite3 would create a missing file: a typo must not leave an empty database behind.
  if (!existsSync(target.file)) {
    throw new CliError(
      ExitCode.CANNOT_CONNECT,
      `Cannot open ${target.display}: the file does not exist.`,
      "sqlite:///path is an absolute path; write sqlite:relative/path for one relative to the current directory.",
    );
  }
  let db: BetterSqlite3.Database;
  try {
    db = new Database(target.file, { readonly: options.readonly, fileMustExist: true, timeout: 5000 });
    // Fails here, not later, for a file that is not a SQLite database.
    db.prepare("SELECT count(*) FROM sqlite_master").get();
  } catch (error) {
    throw cannotConnect(target, error);
  }
  const run = async (sql: string, params: readonly unknown[] = []) => {
    const statement = db.prepare(sql);
    return statement.reader ? (statement.all(...(params as unknown[])) as Record<string, unknown>[]) : (statement.run(...(params as unknown[])), []);
  };
  return {
    dialect: "sqlite",
    display: target.display,
    executor: {
      dialect: "sqlite",
      query: async (sql, params) => db.prepare(sql).all(...(params as unknown[])) as Record<string, unknown>[],
      execute: async (sql, params) => db.prepare(sql).run(...(params as unknown[])).changes,
      isUniqueViolation: (error) => String((error as { code?: string }).code).startsWith("SQLITE_CONSTRAINT"),
    },
    query: run,
    close: async () => void db.close(),
  };
}
