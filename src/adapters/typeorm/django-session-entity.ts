import { createHash } from "node:crypto";
import { Column, Entity, Index, PrimaryColumn, type ColumnOptions, type ValueTransformer } from "typeorm";
import { parseDjangoDateText, toDjangoDateText, type DjangoTimeOptions } from "../../core/django-datetime";
import { ImproperlyConfigured } from "../../core/errors";

/** The databases the entity and the adapter support. */
export type TypeOrmDialect = "postgres" | "mysql" | "sqlite";

/** One row of Django's `django_session` (`django.contrib.sessions.models.Session`). */
export interface DjangoSessionEntity {
  /** `session_key`, `varchar(40)` primary key. */
  sessionKey: string;
  /** `session_data`: the signed, encoded session (see `SessionCodec`). */
  sessionData: string;
  /** `expire_date`: the row is dead once this instant has passed. */
  expireDate: Date;
}

export interface DjangoSessionEntityOptions {
  /** Django's `db_table` for a custom session model. @default "django_session" */
  table?: string;
  /**
   * Django's `USE_TZ`/`TIME_ZONE`, for how SQLite holds `expire_date`. PostgreSQL stores an
   * instant; on MySQL/MariaDB the DataSource's `timezone` decides (see {@link createDjangoSessionEntity}).
   */
  time?: DjangoTimeOptions;
}

/**
 * Django's index name (`_create_index_name`): `<table>_<column>_<md5(table+column)[:8]><suffix>`.
 * Django shortens names longer than the database allows; TypeORM never creates these indexes
 * (the entity is not synchronized), so a long custom table name only gives a longer label.
 * @internal
 */
export function djangoIndexName(table: string, column: string, suffix = ""): string {
  return `${table}_${column}_${createHash("md5").update(table + column).digest("hex").slice(0, 8)}${suffix}`;
}

/**
 * A `DateTimeField` on SQLite (`expire_date`, `auth_user`'s dates): Django's text, read and
 * written by our own formatter. TypeORM's `datetime` reading parses `.ffffff` (6 digits) as local
 * time, an offset a transformer cannot undo. `null` passes through (a nullable column).
 * @internal
 */
export function sqliteDateText(time: DjangoTimeOptions, column = "expire_date"): ValueTransformer {
  return {
    to: (value: unknown) => (value instanceof Date ? toDjangoDateText(value, time) : value),
    from: (value: unknown) => {
      if (typeof value !== "string") return value;
      const date = parseDjangoDateText(value, time);
      if (date === null) throw new TypeError(`Unreadable ${column} value from sqlite: ${JSON.stringify(value)}`);
      return date;
    },
  };
}

function expireDateColumn(dialect: TypeOrmDialect, time: DjangoTimeOptions): ColumnOptions {
  switch (dialect) {
    case "postgres":
      return { name: "expire_date", type: "timestamp with time zone" };
    case "mysql":
      return { name: "expire_date", type: "datetime", precision: 6 };
    case "sqlite":
      return { name: "expire_date", type: "text", transformer: sqliteDateText(time) };
  }
}

/**
 * A TypeORM entity class for Django's `django_session` (`django.contrib.sessions.models.Session`)
 * on one database, to read or query sessions through a `Repository`. Register it in the
 * DataSource's `entities`.
 *
 * Django owns the table, so the entity is `synchronize: false`: TypeORM's schema sync and
 * migration generation leave it alone (otherwise they would drop and re-add Django's columns).
 * Create the table with Django's `migrate`, or with `migrations/<dialect>.sql`.
 *
 * - PostgreSQL: `timestamp with time zone`, an instant; correct in any time zone.
 * - MySQL/MariaDB: `datetime(6)` holding naive UTC (Django's `USE_TZ = True`). **Set the
 *   DataSource's `timezone: "Z"`**: with TypeORM's default `"local"` every date read or written
 *   is shifted by the process's UTC offset. `createTypeOrmAdapter` refuses that combination.
 * - SQLite: a text column with Django's exact text (`2026-12-10 06:34:07.123456`), so expiry
 *   comparisons between strings agree with Django's.
 *
 * JS `Date` keeps milliseconds only: Django's `.123456` reads as `.123`.
 * Use `repository.insert()` to create a row, never `save()`: `save()` silently overwrites a row
 * whose key already exists.
 */
export function createDjangoSessionEntity(
  dialect: TypeOrmDialect,
  options: DjangoSessionEntityOptions = {},
): new () => DjangoSessionEntity {
  if (!["postgres", "mysql", "sqlite"].includes(dialect)) {
    throw new ImproperlyConfigured(
      `createDjangoSessionEntity: unknown dialect ${JSON.stringify(dialect)}; use "postgres", "mysql" (for MariaDB too) or "sqlite".`,
    );
  }
  const table = options.table ?? "django_session";

  @Entity({ name: table, synchronize: false })
  class DjangoSession implements DjangoSessionEntity {
    @PrimaryColumn({ name: "session_key", type: "varchar", length: 40 })
    sessionKey!: string;

    @Column({ name: "session_data", type: dialect === "mysql" ? "longtext" : "text" })
    sessionData!: string;

    @Index(djangoIndexName(table, "expire_date"))
    @Column(expireDateColumn(dialect, options.time ?? {}))
    expireDate!: Date;
  }
  if (dialect === "postgres") {
    // Django's second index on PostgreSQL (varchar_pattern_ops, for LIKE), which TypeORM cannot
    // express; declared unsynchronized so that schema tools never plan to drop it.
    Index(djangoIndexName(table, "session_key", "_like"), { synchronize: false })(DjangoSession.prototype, "sessionKey");
  }
  return DjangoSession;
}

/** `django_session` on PostgreSQL (see {@link createDjangoSessionEntity}). */
export const PostgresDjangoSession = createDjangoSessionEntity("postgres");
/** `django_session` on MySQL/MariaDB; needs the DataSource's `timezone: "Z"` (see {@link createDjangoSessionEntity}). */
export const MysqlDjangoSession = createDjangoSessionEntity("mysql");
/** `django_session` on SQLite (better-sqlite3), Django's `USE_TZ = True` (see {@link createDjangoSessionEntity}). */
export const SqliteDjangoSession = createDjangoSessionEntity("sqlite");
