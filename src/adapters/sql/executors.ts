import type { SqlExecutor } from "./sql-row-adapter";

/*
 * `SqlExecutor`s over the plain drivers, running the statements the adapter names as prepared
 * statements: parsed and planned once per connection, then only bound and executed. Each driver
 * is typed structurally (by the few members used), so nothing here imports a driver.
 */

/** What a `pg` `Pool` (or `Client`) offers: `query({ name, text, values })`. */
export interface PgQueryable {
  query(config: { text: string; values: unknown[]; name?: string }): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

/** Options of the driver executors. */
export interface DriverExecutorOptions {
  /**
   * Run the named statements as prepared statements. Turn it off behind a pooler that cannot keep
   * them (PgBouncer in transaction mode before 1.21, without `max_prepared_statements`).
   * @default true
   */
  prepared?: boolean;
}

/** Rows an error's code says are a primary-key (unique) collision, per driver. */
const pgUnique = (error: unknown) => codeOf(error) === "23505";

function codeOf(error: unknown): unknown {
  return typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
}

/**
 * A `SqlExecutor` over a `pg` `Pool`: each named statement runs as a named prepared statement
 * (`{ name, text, values }`; pg parses it once per connection).
 */
export function createPgExecutor(pool: PgQueryable, options: DriverExecutorOptions = {}): SqlExecutor {
  const prepared = options.prepared ?? true;
  const run = (text: string, params: readonly unknown[], name: string | undefined) =>
    pool.query(prepared && name !== undefined ? { name, text, values: [...params] } : { text, values: [...params] });
  return {
    dialect: "postgres",
    query: async (sql, params, name) => (await run(sql, params, name)).rows,
    execute: async (sql, params, name) => (await run(sql, params, name)).rowCount ?? 0,
    isUniqueViolation: pgUnique,
  };
}

/** What mysql2 answers for an INSERT/UPDATE/DELETE. */
interface MysqlResultHeader {
  affectedRows?: number;
  info?: string;
}

/**
 * Rows an UPDATE matched on MySQL/MariaDB. `affectedRows` counts matched rows only while the
 * connection has the FOUND_ROWS flag (mysql2's default); the server's info line always has them.
 * A same-value update must count as found, or it would look like a vanished row.
 */
export function mysqlMatchedRows(info: unknown, affected: number): number {
  const matched = typeof info === "string" ? /Rows matched: (\d+)/.exec(info) : null;
  return matched ? Number(matched[1]) : affected;
}

/** Whether a mysql2 error is a duplicate key. */
export const mysqlUnique = (error: unknown): boolean => {
  const { code, errno } = (typeof error === "object" && error !== null ? error : {}) as { code?: unknown; errno?: unknown };
  return code === "ER_DUP_ENTRY" || errno === 1062;
};

/**
 * Runs one statement on MySQL/MariaDB: `prepared` says whether through the binary protocol
 * (mysql2's `execute`, prepared once per connection and cached) or as a text query.
 */
export type MysqlRun = (sql: string, params: readonly unknown[], prepared: boolean) => Promise<unknown>;

/** A `SqlExecutor` over a way to run mysql2 statements (see `createMysql2Executor`). */
export function createMysqlRunExecutor(run: MysqlRun, options: DriverExecutorOptions = {}): SqlExecutor {
  const prepared = options.prepared ?? true;
  return {
    dialect: "mysql",
    query: async (sql, params, name) => (await run(sql, params, prepared && name !== undefined)) as Record<string, unknown>[],
    async execute(sql, params, name) {
      const header = (await run(sql, params, prepared && name !== undefined)) as MysqlResultHeader;
      return mysqlMatchedRows(header.info, header.affectedRows ?? 0);
    },
    isUniqueViolation: mysqlUnique,
  };
}

/** What a mysql2 promise `Pool` offers (`mysql2/promise`'s `createPool`). */
export interface Mysql2PromisePool {
  // `never[]`: any pool whose values are typed (mysql2's ExecuteValues) fits; the values are the adapter's.
  query(sql: string, values: never[]): Promise<[unknown, unknown]>;
  execute(sql: string, values: never[]): Promise<[unknown, unknown]>;
}

/**
 * A `SqlExecutor` over a `mysql2/promise` pool: named statements through `execute` (prepared
 * once per connection), the rest through `query`.
 */
export function createMysql2Executor(pool: Mysql2PromisePool, options: DriverExecutorOptions = {}): SqlExecutor {
  return createMysqlRunExecutor(async (sql, params, prepared) => (await (prepared ? pool.execute(sql, [...params] as never[]) : pool.query(sql, [...params] as never[])))[0], options);
}

/** What a better-sqlite3 `Database` offers. */
export interface BetterSqlite3Like {
  prepare(sql: string): BetterSqlite3StatementLike;
}

/** What a better-sqlite3 `Statement` offers. */
export interface BetterSqlite3StatementLike {
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}

export const sqliteUnique = (error: unknown): boolean => {
  const code = codeOf(error);
  return code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE";
};

/**
 * Prepared statements of one better-sqlite3 database, by SQL text: `database()` is asked on every
 * call, so a database that was closed and opened again gets statements of its own.
 */
export function sqliteStatements(database: () => BetterSqlite3Like): (sql: string, prepared: boolean) => BetterSqlite3StatementLike {
  const caches = new WeakMap<BetterSqlite3Like, Map<string, BetterSqlite3StatementLike>>();
  return (sql, prepared) => {
    const db = database();
    if (!prepared) return db.prepare(sql);
    let cache = caches.get(db);
    if (!cache) caches.set(db, (cache = new Map<string, BetterSqlite3StatementLike>()));
    let statement = cache.get(sql);
    if (!statement) cache.set(sql, (statement = db.prepare(sql)));
    return statement;
  };
}

/** A `SqlExecutor` over statements of a better-sqlite3 database (see `createBetterSqlite3Executor`). */
export function createSqliteStatementExecutor(statement: (sql: string, prepared: boolean) => BetterSqlite3StatementLike, options: DriverExecutorOptions = {}): SqlExecutor {
  const prepared = options.prepared ?? true;
  return {
    dialect: "sqlite",
    query: async (sql, params, name) => statement(sql, prepared && name !== undefined).all(...params) as Record<string, unknown>[],
    execute: async (sql, params, name) => statement(sql, prepared && name !== undefined).run(...params).changes,
    isUniqueViolation: sqliteUnique,
  };
}

/** A `SqlExecutor` over a better-sqlite3 `Database`: named statements are prepared once and kept. */
export function createBetterSqlite3Executor(db: BetterSqlite3Like, options: DriverExecutorOptions = {}): SqlExecutor {
  return createSqliteStatementExecutor(sqliteStatements(() => db), options);
}
