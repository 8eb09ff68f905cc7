import { QueryFailedError, type DataSource } from "typeorm";
import { ImproperlyConfigured } from "../../core/errors";
import type { SessionRowAdapter } from "../../engines/row-adapter";
import { SqlRowAdapter, type SqlExecutor, type SqlRowAdapterOptions } from "../../adapters/sql/sql-row-adapter";
import {
  createPgExecutor,
  createMysqlRunExecutor,
  createSqliteStatementExecutor,
  mysqlMatchedRows,
  sqliteStatements,
  type BetterSqlite3Like,
  type PgQueryable,
} from "../../adapters/sql/executors";
import type { TypeOrmDialect } from "./django-session-entity";

/** Options of {@link createTypeOrmAdapter}. */
export interface TypeOrmAdapterOptions extends SqlRowAdapterOptions {
  /**
   * Run the session statements as prepared statements on the DataSource's own pool (PostgreSQL:
   * named statements, parsed once per connection; MySQL/MariaDB: mysql2's `execute`; SQLite: kept
   * better-sqlite3 statements). `false` runs them through TypeORM's query runners, as plain
   * queries: for a pooler that cannot keep prepared statements (PgBouncer in transaction mode
   * before 1.21).
   * @default true
   */
  preparedStatements?: boolean;
}

/** TypeORM's DataSource `type` → the SQL dialect we speak to it. */
const DIALECTS: Readonly<Record<string, TypeOrmDialect>> = {
  postgres: "postgres",
  mysql: "mysql",
  mariadb: "mysql",
  "better-sqlite3": "sqlite",
};

interface DriverError {
  code?: unknown;
  errno?: unknown;
  driverError?: { code?: unknown; errno?: unknown };
}

/** Primary-key collision codes per driver (TypeORM wraps them in `QueryFailedError.driverError`). */
function isUniqueViolation(dialect: TypeOrmDialect, error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const driverError = error as DriverError;
  const { code, errno } = driverError.driverError ?? driverError;
  switch (dialect) {
    case "postgres":
      return code === "23505";
    case "mysql":
      return code === "ER_DUP_ENTRY" || errno === 1062;
    case "sqlite":
      return code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE";
  }
}

function dialectOf(dataSource: DataSource): TypeOrmDialect {
  const type = String(dataSource.options.type);
  const dialect = Object.hasOwn(DIALECTS, type) ? DIALECTS[type] : undefined;
  if (!dialect) {
    throw new ImproperlyConfigured(
      `django-session/typeorm does not support the DataSource type "${type}". ` +
        `Use "postgres", "mysql", "mariadb" or "better-sqlite3".`,
    );
  }
  return dialect;
}

const UTC_OFFSETS = new Set(["Z", "+00:00", "-00:00"]);

/**
 * An entity mapped to Django's table on MySQL reads and writes `datetime(6)` through mysql2's
 * `timezone`; anything but UTC shifts every date (spec §6.1: Django stores naive UTC).
 * Our own SQL is immune (it binds and reads text), so only a mapped entity makes this an error.
 */
function checkMysqlEntityTimeZone(dataSource: DataSource, options: TypeOrmAdapterOptions): void {
  if (options.time?.useTz === false || !dataSource.isInitialized) return;
  const table = options.table ?? "django_session";
  const entity = dataSource.entityMetadatas.find((metadata) => metadata.tableName === table);
  if (!entity) return;
  const { timezone, dateStrings } = dataSource.options as { timezone?: string; dateStrings?: boolean | string[] };
  // mysql2's dateStrings hands TypeORM the naive text, which it parses as local time.
  const datetimeAsText = dateStrings === true || (Array.isArray(dateStrings) && dateStrings.includes("DATETIME"));
  if (!UTC_OFFSETS.has(timezone ?? "local") || datetimeAsText) {
    throw new ImproperlyConfigured(
      `The DataSource maps the entity ${entity.name} to "${table}", but its timezone is ` +
        `${JSON.stringify(timezone ?? "local")}${datetimeAsText ? " with dateStrings" : ""}, so TypeORM would ` +
        `read and write its expire_date shifted from UTC. Django stores naive UTC: set timezone: "Z" ` +
        `(and leave dateStrings unset) in the DataSource options.`,
    );
  }
}

/**
 * Runs SQL through TypeORM's query runners on the primary (never a read replica: a session just
 * written must be readable). TypeORM's `dataSource.query()` drops the affected-row count, so
 * each statement gets a query runner of its own and asks for the structured result, as
 * `dataSource.query()` itself does internally.
 */
function createRunnerExecutor(dataSource: DataSource, dialect: TypeOrmDialect): SqlExecutor {
  const run = async (sql: string, params: readonly unknown[]) => {
    const runner = dataSource.createQueryRunner("master");
    try {
      return await runner.query(sql, [...params], true);
    } finally {
      await runner.release();
    }
  };
  return {
    dialect,
    async query(sql, params) {
      // TypeORM types a result's rows as any[]: rows of column values, as the executor says.
      return (await run(sql, params)).records as Record<string, unknown>[];
    },
    async execute(sql, params) {
      const result = await run(sql, params);
      const affected = result.affected ?? 0;
      return dialect === "mysql" ? mysqlMatchedRows((result.raw as { info?: unknown } | null)?.info, affected) : affected;
    },
    isUniqueViolation: (error) => isUniqueViolation(dialect, error),
  };
}

/** TypeORM's drivers, by the members that hold the driver's own connections. */
interface DriverInternals {
  /** PostgresDriver: the primary's pg Pool (also with replication). */
  master?: PgQueryable;
  /** MysqlDriver without replication: the mysql2 pool (callback API). */
  pool?: MysqlCallbackPool;
  /** MysqlDriver with replication: then only TypeORM knows the primary. */
  poolCluster?: unknown;
  /** BetterSqlite3Driver: the one better-sqlite3 Database. */
  databaseConnection?: BetterSqlite3Like;
}

type MysqlCallback = (error: Error | null, result: unknown) => void;
interface MysqlCallbackPool {
  query(sql: string, values: unknown[], callback: MysqlCallback): unknown;
  execute?(sql: string, values: unknown[], callback: MysqlCallback): unknown;
}

/** The driver's own connection once the DataSource is initialized (and not replicated, on MySQL). */
function driverOf(dataSource: DataSource): DriverInternals {
  return dataSource.driver as unknown as DriverInternals;
}

/**
 * The statements run on the DataSource driver's own pool, as prepared statements, and logged
 * through the DataSource's logger as TypeORM logs its own (`logging` shows them). Until the
 * DataSource is initialized, and on a replicated MySQL DataSource, they go through TypeORM's
 * query runners instead.
 */
function createDriverExecutor(dataSource: DataSource, dialect: TypeOrmDialect): SqlExecutor {
  const viaRunner = createRunnerExecutor(dataSource, dialect);
  /**
   * Logs each statement as TypeORM's query runners do, so `logging` shows them, and fails as they
   * do: a `QueryFailedError` holding the driver's error (its `code` copied onto it).
   */
  const logged = <R>(sql: string, params: readonly unknown[], run: () => Promise<R>): Promise<R> => {
    const logger = dataSource.logger;
    logger.logQuery(sql, params as unknown[]);
    return run().catch((error: unknown) => {
      logger.logQueryError(error as Error, sql, params as unknown[]);
      // As TypeORM's runners do: the driver's error as it is (a native error may come from another realm).
      throw new QueryFailedError(sql, [...params], error as Error);
    });
  };
  const direct: SqlExecutor =
    dialect === "postgres"
      ? createPgExecutor({ query: (config) => driverOf(dataSource).master!.query(config) })
      : dialect === "mysql"
        ? createMysqlRunExecutor(
            (sql, params, prepared) =>
              new Promise((resolve, reject) => {
                const pool = driverOf(dataSource).pool!;
                const done: MysqlCallback = (error, result) => (error ? reject(error) : resolve(result));
                if (prepared && typeof pool.execute === "function") pool.execute(sql, [...params], done);
                else pool.query(sql, [...params], done);
              }),
          )
        : createSqliteStatementExecutor(sqliteStatements(() => driverOf(dataSource).databaseConnection!));
  const ready = (): boolean => {
    if (!dataSource.isInitialized) return false;
    const driver = driverOf(dataSource);
    if (dialect === "postgres") return typeof driver.master?.query === "function";
    if (dialect === "mysql") return driver.poolCluster === undefined && typeof driver.pool?.query === "function";
    return typeof driver.databaseConnection?.prepare === "function";
  };
  return {
    dialect,
    query: (sql, params, name) => (ready() ? logged(sql, params, () => direct.query(sql, params, name)) : viaRunner.query(sql, params)),
    execute: (sql, params, name) => (ready() ? logged(sql, params, () => direct.execute(sql, params, name)) : viaRunner.execute(sql, params)),
    isUniqueViolation: (error) => isUniqueViolation(dialect, error),
  };
}

/**
 * The `django_session` row adapter over a TypeORM `DataSource` (PostgreSQL, MySQL/MariaDB, or
 * SQLite through better-sqlite3): Django's own statements (`SqlRowAdapter`), one query per
 * operation, as prepared statements on the DataSource driver's own pool (see
 * `preparedStatements`). It needs no entity, and is correct whatever the
 * DataSource's `timezone` option, because it binds and reads `expire_date` as Django's text on
 * MySQL and SQLite.
 *
 * Throws `ImproperlyConfigured` for another database type, and on MySQL when an initialized
 * DataSource maps an entity to the table without `timezone: "Z"` (that entity would read dates
 * shifted; see `createDjangoSessionEntity`).
 *
 * @example
 * const adapter = createTypeOrmAdapter(dataSource);
 * await adapter.load(sessionKey, new Date());
 */
export function createTypeOrmAdapter(dataSource: DataSource, options: TypeOrmAdapterOptions = {}): SessionRowAdapter {
  const dialect = dialectOf(dataSource);
  if (dialect === "mysql") checkMysqlEntityTimeZone(dataSource, options);
  const { preparedStatements = true, ...rowOptions } = options;
  const executor = preparedStatements ? createDriverExecutor(dataSource, dialect) : createRunnerExecutor(dataSource, dialect);
  return new SqlRowAdapter(executor, rowOptions);
}
