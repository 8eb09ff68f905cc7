import { parseDjangoDateText, toDjangoDateText, type DjangoTimeOptions } from "../../core/django-datetime";
import type { SessionRow, SessionRowAdapter } from "../../engines/row-adapter";
import { ImproperlyConfigured } from "../../core/errors";

/**
 * What an ORM (or a raw driver) must offer to run the adapter's SQL over its own connection:
 * the fastest honest path through both Prisma (`$queryRawUnsafe`) and TypeORM (`query`).
 */
export interface SqlExecutor {
  readonly dialect: "postgres" | "mysql" | "sqlite";
  /** Runs a SELECT; `params` bind to `$1..$n` (postgres) or `?` (mysql, sqlite). */
  query(sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Runs an INSERT/UPDATE/DELETE and resolves the number of rows it matched. */
  execute(sql: string, params: readonly unknown[]): Promise<number>;
  /** Whether an error thrown by `execute` is a primary-key (unique) violation. */
  isUniqueViolation(error: unknown): boolean;
}

export interface SqlRowAdapterOptions {
  /** Table name. @default "django_session" */
  table?: string;
  /** Django's `USE_TZ`/`TIME_ZONE`, for how `expire_date` is written on MySQL and SQLite. */
  time?: DjangoTimeOptions;
}

interface Statements {
  load: string;
  exists: string;
  insert: string;
  update: string;
  updateIfUnchanged: string;
  touch: string;
  delete: string;
  deleteExpired: string;
}

function quoteIdent(dialect: SqlExecutor["dialect"], name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ImproperlyConfigured(`Unsafe table name: ${JSON.stringify(name)} (a plain SQL identifier, like Django's db_table)`);
  return dialect === "mysql" ? `\`${name}\`` : `"${name}"`;
}

function statements(dialect: SqlExecutor["dialect"], tableName: string): Statements {
  const t = quoteIdent(dialect, tableName);
  let n = 0;
  // Positional placeholders in the order the values are passed.
  const p = () => (dialect === "postgres" ? `$${++n}` : "?");
  const reset = <T>(s: T) => ((n = 0), s);
  // MySQL's datetime(6) and SQLite's datetime text are read as text so no driver can shift them
  // (Prisma's SQLite adapter parses a `datetime` column's naive text as local time in raw queries).
  const expire =
    dialect === "mysql" ? "CAST(expire_date AS CHAR) AS expire_date" : dialect === "sqlite" ? "CAST(expire_date AS TEXT) AS expire_date" : "expire_date";
  return {
    load: reset(`SELECT session_data, ${expire} FROM ${t} WHERE session_key = ${p()} AND expire_date > ${p()}`),
    exists: reset(`SELECT 1 AS found FROM ${t} WHERE session_key = ${p()} LIMIT 1`),
    insert: reset(`INSERT INTO ${t} (session_key, session_data, expire_date) VALUES (${p()}, ${p()}, ${p()})`),
    update: reset(`UPDATE ${t} SET session_data = ${p()}, expire_date = ${p()} WHERE session_key = ${p()}`),
    updateIfUnchanged: reset(
      `UPDATE ${t} SET session_data = ${p()}, expire_date = ${p()} WHERE session_key = ${p()} AND session_data = ${p()}`,
    ),
    touch: reset(`UPDATE ${t} SET expire_date = ${p()} WHERE session_key = ${p()}`),
    delete: reset(`DELETE FROM ${t} WHERE session_key = ${p()}`),
    // Bounded batches on the expire_date index. PostgreSQL skips rows another cleaner holds, so
    // parallel runs never wait on each other; MySQL deletes in index order to keep lock order
    // stable; SQLite serialises writers anyway.
    deleteExpired: reset(
      dialect === "postgres"
        ? `DELETE FROM ${t} WHERE session_key IN (SELECT session_key FROM ${t} WHERE expire_date < ${p()} LIMIT ${p()} FOR UPDATE SKIP LOCKED)`
        : dialect === "mysql"
          ? `DELETE FROM ${t} WHERE expire_date < ${p()} ORDER BY expire_date LIMIT ${p()}`
          : `DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} WHERE expire_date < ${p()} LIMIT ${p()})`,
    ),
  };
}

/**
 * A `SessionRowAdapter` over SQL, shared by the Prisma and TypeORM adapters: Django's exact
 * statements and `expire_date` formats per database, run on the ORM's own connection.
 */
export class SqlRowAdapter implements SessionRowAdapter {
  readonly dialect: SqlExecutor["dialect"];
  private readonly sql: Statements;
  /** The `USE_TZ`/`TIME_ZONE` given to this adapter itself, if any (see `SessionRowAdapter.time`). */
  readonly time?: DjangoTimeOptions;
  private readonly zone: DjangoTimeOptions;

  constructor(
    private readonly executor: SqlExecutor,
    private readonly options: SqlRowAdapterOptions = {},
  ) {
    this.dialect = executor.dialect;
    this.sql = statements(executor.dialect, options.table ?? "django_session");
    this.time = options.time;
    this.zone = options.time ?? {};
  }

  withTime(time: DjangoTimeOptions): SqlRowAdapter {
    return new SqlRowAdapter(this.executor, { ...this.options, time });
  }

  /** The value bound for `expire_date`: an instant on PostgreSQL, Django's naive text elsewhere. */
  private toDb(date: Date): unknown {
    return this.dialect === "postgres" ? date : toDjangoDateText(date, this.zone);
  }

  private fromDb(value: unknown): Date {
    if (value instanceof Date) return value;
    const parsed = typeof value === "string" ? parseDjangoDateText(value, this.zone) : null;
    if (parsed === null) throw new TypeError(`Unreadable expire_date value from ${this.dialect}`);
    return parsed;
  }

  async load(sessionKey: string, now: Date): Promise<Omit<SessionRow, "sessionKey"> | null> {
    const [row] = await this.executor.query(this.sql.load, [sessionKey, this.toDb(now)]);
    if (row === undefined) return null;
    return { sessionData: String(row.session_data), expireDate: this.fromDb(row.expire_date) };
  }

  async exists(sessionKey: string): Promise<boolean> {
    return (await this.executor.query(this.sql.exists, [sessionKey])).length > 0;
  }

  async insert(row: SessionRow): Promise<boolean> {
    try {
      await this.executor.execute(this.sql.insert, [row.sessionKey, row.sessionData, this.toDb(row.expireDate)]);
      return true;
    } catch (error) {
      if (this.executor.isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async update(row: SessionRow, expectedData?: string): Promise<boolean> {
    const params = [row.sessionData, this.toDb(row.expireDate), row.sessionKey];
    const affected =
      expectedData === undefined
        ? await this.executor.execute(this.sql.update, params)
        : await this.executor.execute(this.sql.updateIfUnchanged, [...params, expectedData]);
    return affected > 0;
  }

  async touch(sessionKey: string, expireDate: Date): Promise<boolean> {
    return (await this.executor.execute(this.sql.touch, [this.toDb(expireDate), sessionKey])) > 0;
  }

  async delete(sessionKey: string): Promise<void> {
    await this.executor.execute(this.sql.delete, [sessionKey]);
  }

  async deleteExpired(now: Date, limit: number): Promise<number> {
    return this.executor.execute(this.sql.deleteExpired, [this.toDb(now), limit]);
  }
}
