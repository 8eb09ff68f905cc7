import type { AuthUser } from "../../auth/auth-settings";
import type { UserStore } from "../../auth/authenticate";
import { toDjangoDateText, type DjangoTimeOptions } from "../../core/django-datetime";
import { ImproperlyConfigured } from "../../core/errors";
import { quoteIdent, type SqlExecutor } from "./sql-row-adapter";

/** A user row as `createSqlUserStore` reads it: what auth needs, and the whole row beside it. */
export interface SqlUser extends AuthUser {
  id: string | number;
  password: string;
  isActive: boolean;
  /** Every column of the row, as the driver returned it. */
  row: Record<string, unknown>;
}

/** Options of {@link createSqlUserStore}: the user model's table, as Django's settings describe it. */
export interface SqlUserStoreOptions {
  /** The user model's `db_table` (`AUTH_USER_MODEL = "accounts.User"` → `accounts_user`). @default "auth_user" */
  table?: string;
  /** The column of the model's `USERNAME_FIELD` (e.g. `email`). @default "username" */
  usernameField?: string;
  /**
   * Look the username up as `__iexact` does (a custom manager's `get_by_natural_key` that ignores
   * case, usual for login by email): `UPPER(column) = UPPER(value)`. Django's default manager
   * compares exactly (MySQL's default collations ignore case either way).
   * @default false
   */
  caseInsensitive?: boolean;
  /** The columns auth reads and writes, for a model that renamed them. */
  columns?: { id?: string; password?: string; isActive?: string | null; lastLogin?: string };
  /** Django's `USE_TZ`/`TIME_ZONE`: how `last_login` is written on MySQL and SQLite. */
  time?: DjangoTimeOptions;
}

const ident = (dialect: SqlExecutor["dialect"], what: string, name: string) => quoteIdent(dialect, name, `createSqlUserStore ${what}`);

/** `is_active` as each driver returns Django's boolean: `true`, `1`, `"1"`, `1n`. */
function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === 1n || value === "1" || value === "t" || value === "true";
}

/**
 * A `UserStore` for `authenticate` (and `login`'s `last_login`) over any `SqlExecutor`: Django's
 * `auth_user`, or a custom user model's table with its own `USERNAME_FIELD`. Three statements:
 * the lookup by natural key (one row; none, or more than one under `caseInsensitive`, is no
 * user: Django's `get()` would raise), the password update and the `last_login` update, each by
 * primary key. `last_login` is written in Django's stored form per database: `timestamptz` on
 * PostgreSQL, naive UTC `datetime(6)` text on MySQL/MariaDB, Django's text on SQLite.
 */
export function createSqlUserStore(executor: SqlExecutor, options: SqlUserStoreOptions = {}): UserStore<SqlUser> {
  if (!executor || typeof executor.query !== "function" || typeof executor.execute !== "function") {
    throw new ImproperlyConfigured("createSqlUserStore needs a SqlExecutor ({ dialect, query, execute, isUniqueViolation }), as SqlRowAdapter does.");
  }
  const { dialect } = executor;
  if (dialect !== "postgres" && dialect !== "mysql" && dialect !== "sqlite") {
    throw new ImproperlyConfigured(`createSqlUserStore: executor.dialect must be "postgres", "mysql" or "sqlite" (got ${JSON.stringify(dialect)}).`);
  }
  const columns = options.columns ?? {};
  const table = ident(dialect, "table", options.table ?? "auth_user");
  const username = ident(dialect, "usernameField", options.usernameField ?? "username");
  const idName = columns.id ?? "id";
  const passwordName = columns.password ?? "password";
  const activeName = columns.isActive === undefined ? "is_active" : columns.isActive;
  const id = ident(dialect, "columns.id", idName);
  const password = ident(dialect, "columns.password", passwordName);
  const lastLogin = ident(dialect, "columns.lastLogin", columns.lastLogin ?? "last_login");
  if (activeName !== null) ident(dialect, "columns.isActive", activeName);
  const p = (n: number) => (dialect === "postgres" ? `$${n}` : "?");
  const where = options.caseInsensitive ? `UPPER(${username}) = UPPER(${p(1)})` : `${username} = ${p(1)}`;
  const find = `SELECT * FROM ${table} WHERE ${where} LIMIT 2`;
  const setPassword = `UPDATE ${table} SET ${password} = ${p(1)} WHERE ${id} = ${p(2)}`;
  const setLastLogin = `UPDATE ${table} SET ${lastLogin} = ${p(1)} WHERE ${id} = ${p(2)}`;
  const time = options.time ?? {};

  return {
    async findByNaturalKey(name) {
      const rows = await executor.query(find, [name]);
      const [row] = rows;
      if (rows.length !== 1 || row === undefined) return null;
      const pk = row[idName];
      const stored = row[passwordName];
      if ((typeof pk !== "number" && typeof pk !== "string" && typeof pk !== "bigint") || typeof stored !== "string") {
        throw new ImproperlyConfigured(`createSqlUserStore: ${options.table ?? "auth_user"} has no ${idName}/${passwordName} columns as Django's user model has; pass columns: { id, password }.`);
      }
      return { id: typeof pk === "bigint" ? pk.toString() : pk, password: stored, isActive: activeName === null ? true : truthy(row[activeName]), row };
    },
    async setPassword(user, encoded) {
      await executor.execute(setPassword, [encoded, user.id]);
    },
    async setLastLogin(user, at) {
      await executor.execute(setLastLogin, [dialect === "postgres" ? at : toDjangoDateText(at, time), user.id]);
    },
  };
}
