import type { DataSource } from "typeorm";
import { ImproperlyConfigured } from "../../core/errors";
import type { SessionRowAdapter } from "../../engines/row-adapter";
import { SqlRowAdapter, type SqlExecutor, type SqlRowAdapterOptions } from "../../adapters/sql/sql-row-adapter";
import type { TypeOrmDialect } from "./django-session-entity";

/** Options of {@link createTypeOrmAdapter}. */
export type TypeOrmAdapterOptions = SqlRowAdapterOptions;

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

/**
 * Rows an UPDATE matched on MySQL/MariaDB. `affectedRows` counts matched rows only while the
 * connection has the FOUND_ROWS flag (mysql2's default); the server's info line always has them.
 * A same-value update must count as found, or it would look like a vanished row.
 */
function mysqlMatchedRows(raw: unknown, affected: number): number {
  const info = (raw as { info?: unknown } | null)?.info;
  const matched = typeof info === "string" ? /Rows matched: (\d+)/.exec(info) : null;
  return matched ? Number(matched[1]) : affected;
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
 * Runs SQL on the DataSource's own pool (the primary, never a read replica: a session just
 * written must be readable). TypeORM's `dataSource.query()` drops the affected-row count, so
 * each statement gets a query runner of its own and asks for the structured result, as
 * `dataSource.query()` itself does internally.
 */
function createTypeOrmExecutor(dataSource: DataSource, dialect: TypeOrmDialect): SqlExecutor {
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
      return dialect === "mysql" ? mysqlMatchedRows(result.raw, affected) : affected;
    },
    isUniqueViolation: (error) => isUniqueViolation(dialect, error),
  };
}

/**
 * The `django_session` row adapter over a TypeORM `DataSource` (PostgreSQL, MySQL/MariaDB, or
 * SQLite through better-sqlite3): Django's own statements (`SqlRowAdapter`), one query per
 * operation, on the DataSource's connections. It needs no entity, and is correct whatever the
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
  return new SqlRowAdapter(createTypeOrmExecutor(dataSource, dialect), options);
}
