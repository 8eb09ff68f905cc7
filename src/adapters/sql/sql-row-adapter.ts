import { parseDjangoDateText, toDjangoDateText, type DjangoTimeOptions } from "../../core/django-datetime";
import type { SessionRow, SessionRowAdapter } from "../../engines/row-adapter";
import { ImproperlyConfigured } from "../../core/errors";
import { platform } from "../../core/platform";

/**
 * What an ORM (or a raw driver) must offer to run the adapter's SQL over its own connection.
 *
 * `name`, when given, is a stable name of this exact SQL text (`ds_<statement>_<hash of the
 * text>`, at most 63 characters): the same name always comes with the same text, so an executor
 * may run the statement as a named prepared statement (pg's `{ name, text, values }`, mysql2's
 * `execute`, a cached better-sqlite3 `prepare`), parsed and planned once per connection. It is
 * given for the statements of a request (load, exists, insert, update, touch, delete) and left
 * out for the rare ones (the batched `deleteExpired`). An executor may ignore it.
 */
export interface SqlExecutor {
  readonly dialect: "postgres" | "mysql" | "sqlite";
  /** Runs a SELECT; `params` bind to `$1..$n` (postgres) or `?` (mysql, sqlite). */
  query(sql: string, params: readonly unknown[], name?: string): Promise<Record<string, unknown>[]>;
  /** Runs an INSERT/UPDATE/DELETE and resolves the number of rows it matched. */
  execute(sql: string, params: readonly unknown[], name?: string): Promise<number>;
  /** Whether an error thrown by `execute` is a primary-key (unique) violation. */
  isUniqueViolation(error: unknown): boolean;
}

export interface SqlRowAdapterOptions {
  /** Table name. @default "django_session" */
  table?: string;
  /** Django's `USE_TZ`/`TIME_ZONE`, for how `expire_date` is written on MySQL and SQLite. */
  time?: DjangoTimeOptions;
}

/** One statement: its SQL text and, for the statements of a request, its stable name. */
interface Statement {
  readonly text: string;
  readonly name?: string;
}

interface Statements {
  load: Statement;
  exists: Statement;
  insert: Statement;
  update: Statement;
  /** Compare-and-swap on the signature at the end of `session_data` (see `casTail`). */
  updateIfTailUnchanged: Statement;
  /** Compare-and-swap on the whole `session_data`, for a stored value with no signature shape. */
  updateIfUnchanged: Statement;
  touch: Statement;
  delete: Statement;
  deleteExpired: Statement;
}

/** `ds_<statement>_<12 hex digits of SHA-256 of the text>`: unique per text, stable across processes. */
function named(kind: string, text: string): Statement {
  // Through the core's platform, not node:crypto: the adapter runs on Workers too (D1-style executors).
  const digest = platform.digest("sha256", [platform.utf8(text)]);
  const hex = Array.from(digest.subarray(0, 6), (byte) => byte.toString(16).padStart(2, "0")).join("");
  return { text, name: `ds_${kind}_${hex}` };
}

/**
 * The tail of a stored Django value a compare-and-swap may compare instead of the whole: from its
 * last `:` to the end, when what follows that `:` has the shape of a signature (base64url of at
 * least 20 bytes, an HMAC-SHA1; Django's SHA-256 is 43 characters). Django's value is
 * `payload:timestamp:signature`, the signature an HMAC under the secret of everything before it,
 * so another value ending in the same signature would be an HMAC collision: comparing the tail
 * is as strong as comparing the whole, and sends ~45 bytes instead of the session. A value with
 * no such tail (a corrupt row, something not written by Django) is compared whole.
 */
export function casTail(stored: string): string | null {
  const colon = stored.lastIndexOf(":");
  if (colon < 0) return null;
  const tail = stored.slice(colon);
  return /^:[A-Za-z0-9_-]{27,}$/.test(tail) ? tail : null;
}

/** A table or column name, quoted for the dialect; anything but a plain identifier is refused. @internal */
export function quoteIdent(dialect: SqlExecutor["dialect"], name: string, what = "table name"): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ImproperlyConfigured(`Unsafe ${what}: ${JSON.stringify(name)} (a plain SQL identifier, like Django's db_table)`);
  return dialect === "mysql" ? `\`${name}\`` : `"${name}"`;
}

function statements(dialect: SqlExecutor["dialect"], tableName: string): Statements {
  const t = quoteIdent(dialect, tableName);
  let n = 0;
  // Positional placeholders in the order the values are passed.
  const p = () => (dialect === "postgres" ? `$${++n}` : "?");
  const reset = (s: string) => ((n = 0), s);
  // The last n characters of session_data (n is bound: PostgreSQL infers an integer).
  const tailOf = (n: string) => (dialect === "sqlite" ? `substr(session_data, -${n})` : dialect === "mysql" ? `RIGHT(session_data, ${n})` : `right(session_data, ${n})`);
  // Exact equality: MySQL/MariaDB compare text in the column's collation, case-insensitive and
  // blind to trailing spaces with Django's default (utf8mb4_general_ci), so compare the bytes
  // there. PostgreSQL's and SQLite's default collations compare exactly.
  const same = (column: string, value: string) => (dialect === "mysql" ? `CAST(${column} AS BINARY) = CAST(${value} AS BINARY)` : `${column} = ${value}`);
  // MySQL's datetime(6) and SQLite's datetime text are read as text so no driver can shift them
  // (Prisma's SQLite adapter parses a `datetime` column's naive text as local time in raw queries).
  const expire =
    dialect === "mysql" ? "CAST(expire_date AS CHAR) AS expire_date" : dialect === "sqlite" ? "CAST(expire_date AS TEXT) AS expire_date" : "expire_date";
  return {
    load: named("load", reset(`SELECT session_data, ${expire} FROM ${t} WHERE session_key = ${p()} AND expire_date > ${p()}`)),
    exists: named("exists", reset(`SELECT 1 AS found FROM ${t} WHERE session_key = ${p()} LIMIT 1`)),
    insert: named("insert", reset(`INSERT INTO ${t} (session_key, session_data, expire_date) VALUES (${p()}, ${p()}, ${p()})`)),
    update: named("update", reset(`UPDATE ${t} SET session_data = ${p()}, expire_date = ${p()} WHERE session_key = ${p()}`)),
    // The tail's length is a parameter too: right()/RIGHT()/substr() of the last n characters.
    updateIfTailUnchanged: named(
      "cas",
      reset(`UPDATE ${t} SET session_data = ${p()}, expire_date = ${p()} WHERE session_key = ${p()} AND ${same(tailOf(p()), p())}`),
    ),
    updateIfUnchanged: named(
      "cas_whole",
      reset(`UPDATE ${t} SET session_data = ${p()}, expire_date = ${p()} WHERE session_key = ${p()} AND ${same("session_data", p())}`),
    ),
    touch: named("touch", reset(`UPDATE ${t} SET expire_date = ${p()} WHERE session_key = ${p()}`)),
    delete: named("delete", reset(`DELETE FROM ${t} WHERE session_key = ${p()}`)),
    // Bounded batches on the expire_date index. PostgreSQL skips rows another cleaner holds, so
    // parallel runs never wait on each other; MySQL deletes in index order to keep lock order
    // stable; SQLite serialises writers anyway.
    deleteExpired: {
      text: reset(
        dialect === "postgres"
        ? `DELETE FROM ${t} WHERE session_key IN (SELECT session_key FROM ${t} WHERE expire_date < ${p()} LIMIT ${p()} FOR UPDATE SKIP LOCKED)`
        : dialect === "mysql"
          ? `DELETE FROM ${t} WHERE expire_date < ${p()} ORDER BY expire_date LIMIT ${p()}`
          : `DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} WHERE expire_date < ${p()} LIMIT ${p()})`,
      ),
    },
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

  private run(kind: "query", statement: Statement, params: readonly unknown[]): Promise<Record<string, unknown>[]>;
  private run(kind: "execute", statement: Statement, params: readonly unknown[]): Promise<number>;
  private run(kind: "query" | "execute", statement: Statement, params: readonly unknown[]): Promise<unknown> {
    // A name only when there is one: an executor that takes a third argument of its own is unaffected otherwise.
    if (statement.name === undefined) return kind === "query" ? this.executor.query(statement.text, params) : this.executor.execute(statement.text, params);
    return kind === "query" ? this.executor.query(statement.text, params, statement.name) : this.executor.execute(statement.text, params, statement.name);
  }

  async load(sessionKey: string, now: Date): Promise<Omit<SessionRow, "sessionKey"> | null> {
    const [row] = await this.run("query", this.sql.load, [sessionKey, this.toDb(now)]);
    if (row === undefined) return null;
    return { sessionData: String(row.session_data), expireDate: this.fromDb(row.expire_date) };
  }

  async exists(sessionKey: string): Promise<boolean> {
    return (await this.run("query", this.sql.exists, [sessionKey])).length > 0;
  }

  async insert(row: SessionRow): Promise<boolean> {
    try {
      await this.run("execute", this.sql.insert, [row.sessionKey, row.sessionData, this.toDb(row.expireDate)]);
      return true;
    } catch (error) {
      if (this.executor.isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async update(row: SessionRow, expectedData?: string): Promise<boolean> {
    const params = [row.sessionData, this.toDb(row.expireDate), row.sessionKey];
    if (expectedData === undefined) return (await this.run("execute", this.sql.update, params)) > 0;
    const tail = casTail(expectedData);
    const affected =
      tail === null
        ? await this.run("execute", this.sql.updateIfUnchanged, [...params, expectedData])
        : await this.run("execute", this.sql.updateIfTailUnchanged, [...params, tail.length, tail]);
    return affected > 0;
  }

  async touch(sessionKey: string, expireDate: Date): Promise<boolean> {
    return (await this.run("execute", this.sql.touch, [this.toDb(expireDate), sessionKey])) > 0;
  }

  async delete(sessionKey: string): Promise<void> {
    await this.run("execute", this.sql.delete, [sessionKey]);
  }

  async deleteExpired(now: Date, limit: number): Promise<number> {
    return this.run("execute", this.sql.deleteExpired, [this.toDb(now), limit]);
  }
}
