import { toDjangoDateText, type DjangoTimeOptions } from "../../core/django-datetime";
import { ImproperlyConfigured } from "../../core/errors";
import type { SessionRow, SessionRowAdapter } from "../../engines/row-adapter";
import { quoteIdent, SqlRowAdapter, type SqlExecutor } from "../../adapters/sql/sql-row-adapter";
import { createPgExecutor, type PgQueryable } from "../../adapters/sql/executors";

/** The SQL dialects the adapter speaks (`mysql` covers MySQL and MariaDB). */
export type PrismaDialect = "postgres" | "mysql" | "sqlite";

/**
 * The part of a `PrismaClient` the adapter uses, typed structurally so this package never imports
 * a generated client: any Prisma 5–7 client fits, as do an `$extends()`-ed client and the `tx`
 * client inside `prisma.$transaction(async (tx) => ...)` (the session statements then join that
 * transaction).
 */
export interface PrismaClientLike {
  $queryRawUnsafe(query: string, ...values: unknown[]): PromiseLike<unknown>;
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
}

/** Options of {@link createPrismaAdapter}. */
export interface PrismaAdapterOptions {
  /**
   * The database behind the client. Detected from the client (its schema's provider, or its
   * driver adapter); give it only when detection is impossible (a wrapped client). Prisma's name
   * `"postgresql"` is accepted for `"postgres"`.
   */
  dialect?: PrismaDialect | "postgresql";
  /** Table name. @default "django_session" */
  table?: string;
  /** Django's `USE_TZ` / `TIME_ZONE`, for how `expire_date` is written on MySQL and SQLite. */
  time?: DjangoTimeOptions;
  /**
   * When the client's driver adapter was built over your own `pg` Pool (`new PrismaPg(pool)`),
   * run the session statements as named prepared statements on that pool, beside Prisma's raw
   * queries instead of through them (Prisma's query events and `$extends` query hooks then do not
   * see them). A transaction client (`tx`) always goes through Prisma, so the statements join the
   * transaction. `false`: always `$queryRawUnsafe` / `$executeRawUnsafe`.
   * @default true
   */
  preparedStatements?: boolean;
}

/** Prisma's datasource providers (and driver-adapter providers) → our dialects. */
const PROVIDERS: Readonly<Record<string, PrismaDialect>> = {
  postgresql: "postgres",
  postgres: "postgres",
  mysql: "mysql",
  sqlite: "sqlite",
};

interface PrismaInternals {
  /** The schema's `datasource.provider`, set by every generated client since Prisma 2. */
  _activeProvider?: unknown;
  /**
   * Prisma 6.x/7.x with a driver adapter: the adapter factory (`provider: "postgres" | "mysql" |
   * "sqlite"`); `@prisma/adapter-pg`'s keeps the Pool it was given as `externalPool` (null once
   * `$disconnect` ended it with `disposeExternalPool`).
   */
  _engineConfig?: { adapter?: { provider?: unknown; externalPool?: unknown } };
  /** Absent on an interactive transaction's client (Prisma denies it there). */
  $transaction?: unknown;
}

function detectProvider(prisma: object): string | undefined {
  const internals = prisma as PrismaInternals;
  const provider = internals._activeProvider ?? internals._engineConfig?.adapter?.provider;
  return typeof provider === "string" ? provider : undefined;
}

/** The client's dialect, or the one asked for (checked against the client). @internal */
export function resolveDialect(prisma: object, requested: PrismaAdapterOptions["dialect"]): PrismaDialect {
  const explicit = requested === undefined ? undefined : PROVIDERS[requested];
  if (requested !== undefined && explicit === undefined) {
    throw new ImproperlyConfigured(
      `django-session/prisma: unknown dialect ${JSON.stringify(requested)}. Use "postgres", "mysql" (MySQL and MariaDB) or "sqlite".`,
    );
  }
  const provider = detectProvider(prisma);
  if (provider === undefined) {
    if (explicit) return explicit;
    throw new ImproperlyConfigured(
      "django-session/prisma could not tell which database this Prisma client uses. " +
        'Pass the dialect: createPrismaAdapter(prisma, { dialect: "postgres" | "mysql" | "sqlite" }).',
    );
  }
  const detected = PROVIDERS[provider];
  if (detected === undefined) {
    throw new ImproperlyConfigured(
      `django-session/prisma does not support the Prisma provider "${provider}". Django's django_session ` +
        'is supported on "postgresql", "mysql" (MySQL and MariaDB) and "sqlite".',
    );
  }
  if (explicit && explicit !== detected) {
    throw new ImproperlyConfigured(
      `django-session/prisma: the dialect option is "${requested}", but the Prisma client uses "${provider}".`,
    );
  }
  return detected;
}

interface PrismaRawError {
  code?: unknown;
  meta?: {
    /** Prisma 5/6 query engine: the database's own error code. */
    code?: unknown;
    /** Prisma 6/7 driver adapters: the adapter's error, normalised. */
    driverAdapterError?: { cause?: DriverAdapterCause };
  };
  /** A `DriverAdapterError` itself (not wrapped by the client). */
  name?: unknown;
  cause?: DriverAdapterCause;
}

interface DriverAdapterCause {
  kind?: unknown;
  originalCode?: unknown;
  code?: unknown;
}

/** Database codes of a primary-key / unique violation, per dialect. */
const UNIQUE_CODES: Readonly<Record<PrismaDialect, ReadonlySet<string>>> = {
  postgres: new Set(["23505"]),
  // ER_DUP_ENTRY, ER_DUP_ENTRY_WITH_KEY_NAME
  mysql: new Set(["1062", "1586", "ER_DUP_ENTRY", "ER_DUP_ENTRY_WITH_KEY_NAME"]),
  // The extended result codes, by name and by number (1555, 2067).
  sqlite: new Set(["SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_UNIQUE", "1555", "2067"]),
};

/**
 * Whether a Prisma error is a primary-key collision. A raw statement that fails throws
 * `PrismaClientKnownRequestError` P2010 ("Raw query failed"); with a driver adapter (Prisma 6/7)
 * `meta.driverAdapterError.cause` holds `kind: "UniqueConstraintViolation"` and the database's
 * `originalCode` (23505 / 1062 / SQLITE_CONSTRAINT_PRIMARYKEY); Prisma 5/6's query engine puts the
 * code in `meta.code` instead. P2002 is what a model query (`create`) throws for the same thing.
 */
export function isPrismaUniqueViolation(dialect: PrismaDialect, error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as PrismaRawError;
  if (e.code === "P2002") return true;
  const cause = e.meta?.driverAdapterError?.cause ?? (e.name === "DriverAdapterError" ? e.cause : undefined);
  if (cause?.kind === "UniqueConstraintViolation") return true;
  const codes = UNIQUE_CODES[dialect];
  for (const code of [cause?.originalCode, cause?.code, e.code === "P2010" ? e.meta?.code : undefined]) {
    if ((typeof code === "string" || typeof code === "number") && codes.has(String(code))) return true;
  }
  return false;
}


/** A `SqlExecutor` over the client's raw-SQL methods (each statement runs on its own, no transaction). */
export function createPrismaExecutor(prisma: PrismaClientLike, dialect: PrismaDialect): SqlExecutor {
  return {
    dialect,
    async query(sql, params) {
      const rows = await prisma.$queryRawUnsafe(sql, ...params);
      return rows as Record<string, unknown>[];
    },
    async execute(sql, params) {
      return Number(await prisma.$executeRawUnsafe(sql, ...params));
    },
    isUniqueViolation: (error) => isPrismaUniqueViolation(dialect, error),
  };
}

/**
 * The pg Pool the client's `@prisma/adapter-pg` was given (`new PrismaPg(pool)`), when there is
 * one and the client is not a transaction's: read on every call, as `$disconnect` may end it.
 */
function externalPgPool(prisma: object): (() => PgQueryable | undefined) | undefined {
  const internals = prisma as PrismaInternals;
  const factory = internals._engineConfig?.adapter;
  if (typeof internals.$transaction !== "function" || factory?.provider !== "postgres" || !("externalPool" in factory)) return undefined;
  return () => {
    const pool = factory.externalPool as Partial<PgQueryable> | null | undefined;
    return typeof pool?.query === "function" ? (pool as PgQueryable) : undefined;
  };
}

/**
 * Named prepared statements on the client's own pg Pool while it has one; `$queryRawUnsafe`
 * otherwise. Errors are the pg driver's then (23505 for a duplicate key).
 */
function createPrismaPoolExecutor(prisma: PrismaClientLike, pool: () => PgQueryable | undefined): SqlExecutor {
  const viaClient = createPrismaExecutor(prisma, "postgres");
  const direct = createPgExecutor({ query: (config) => pool()!.query(config) });
  return {
    dialect: "postgres",
    query: (sql, params, name) => (pool() ? direct.query(sql, params, name) : viaClient.query(sql, params)),
    execute: (sql, params, name) => (pool() ? direct.execute(sql, params, name) : viaClient.execute(sql, params)),
    isUniqueViolation: (error) => direct.isUniqueViolation(error) || viaClient.isUniqueViolation(error),
  };
}

/**
 * Django's `django_session` row adapter over your `PrismaClient` (PostgreSQL, MySQL/MariaDB,
 * SQLite): Django's own statements (`SqlRowAdapter`) through `$queryRawUnsafe` /
 * `$executeRawUnsafe` (or, over `new PrismaPg(pool)`, as prepared statements on that pool: see
 * `preparedStatements`), one statement per operation, with `expire_date` written exactly as Django
 * writes it (see `src/core/django-datetime.ts`). It needs no Prisma model; the `DjangoSession`
 * model in this package's `prisma/*.prisma` is only for querying the table yourself.
 *
 * MySQL/MariaDB: an UPDATE that rewrites identical values matches the row but changes nothing.
 * Prisma's mariadb adapter reports matched rows (the connector's `foundRows`, on by default); if
 * a pool was built with `foundRows: false`, a 0 count is double-checked with one SELECT before
 * the row is reported gone, so a same-value save never looks like a vanished session.
 */
export class PrismaSessionAdapter implements SessionRowAdapter {
  readonly dialect: PrismaDialect;
  private readonly rows: SqlRowAdapter;
  private readonly executor: SqlExecutor;
  /** The `USE_TZ`/`TIME_ZONE` given to this adapter itself, if any (see `SessionRowAdapter.time`). */
  readonly time?: DjangoTimeOptions;
  private readonly zone: DjangoTimeOptions;
  private readonly confirmUpdateSql: string;

  constructor(
    private readonly prisma: PrismaClientLike,
    private readonly options: PrismaAdapterOptions = {},
  ) {
    if (
      typeof prisma !== "object" ||
      prisma === null ||
      typeof prisma.$queryRawUnsafe !== "function" ||
      typeof prisma.$executeRawUnsafe !== "function"
    ) {
      throw new ImproperlyConfigured(
        "django-session/prisma needs a PrismaClient (or a transaction client): an object with $queryRawUnsafe and $executeRawUnsafe.",
      );
    }
    this.dialect = resolveDialect(prisma, options.dialect);
    const pool = options.preparedStatements === false || this.dialect !== "postgres" ? undefined : externalPgPool(prisma);
    this.executor = pool ? createPrismaPoolExecutor(prisma, pool) : createPrismaExecutor(prisma, this.dialect);
    this.time = options.time;
    this.zone = options.time ?? {};
    const table = quoteIdent(this.dialect, options.table ?? "django_session");
    this.rows = new SqlRowAdapter(this.executor, { table: options.table, time: options.time });
    this.confirmUpdateSql = `SELECT 1 AS found FROM ${table} WHERE session_key = ? AND session_data = ? AND expire_date = ? LIMIT 1`;
  }

  withTime(time: DjangoTimeOptions): PrismaSessionAdapter {
    return new PrismaSessionAdapter(this.prisma, { ...this.options, time });
  }

  load(sessionKey: string, now: Date): Promise<Omit<SessionRow, "sessionKey"> | null> {
    return this.rows.load(sessionKey, now);
  }

  exists(sessionKey: string): Promise<boolean> {
    return this.rows.exists(sessionKey);
  }

  insert(row: SessionRow): Promise<boolean> {
    return this.rows.insert(row);
  }

  async update(row: SessionRow, expectedData?: string): Promise<boolean> {
    if (await this.rows.update(row, expectedData)) return true;
    if (this.dialect !== "mysql") return false;
    // 0 on MySQL/MariaDB: the row is gone (or changed, for a compare-and-swap), or the connection
    // lacks FOUND_ROWS and the row already held exactly these values.
    const found = await this.executor.query(this.confirmUpdateSql, [
      row.sessionKey,
      row.sessionData,
      toDjangoDateText(row.expireDate, this.zone),
    ]);
    return found.length > 0;
  }

  touch(sessionKey: string, expireDate: Date): Promise<boolean> {
    return this.rows.touch(sessionKey, expireDate);
  }

  delete(sessionKey: string): Promise<void> {
    return this.rows.delete(sessionKey);
  }

  deleteExpired(now: Date, limit: number): Promise<number> {
    return this.rows.deleteExpired(now, limit);
  }
}

/**
 * `new PrismaSessionAdapter(prisma, options)`.
 *
 * @example
 * import { PrismaClient } from "./generated/prisma/client";
 * import { createPrismaAdapter } from "django-session/prisma";
 * const adapter = createPrismaAdapter(new PrismaClient({ adapter }));
 */
export function createPrismaAdapter(prisma: PrismaClientLike, options: PrismaAdapterOptions = {}): PrismaSessionAdapter {
  return new PrismaSessionAdapter(prisma, options);
}
