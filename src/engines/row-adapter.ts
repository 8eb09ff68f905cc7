/**
 * The small interface between `DjangoSessionRepository` and a database. Each ORM adapter
 * (Prisma, TypeORM) implements it over the user's own client/DataSource; the repository holds
 * every Django rule, the adapter only moves rows.
 *
 * Dates cross this boundary as JS `Date` instants. Each adapter writes and compares
 * `expire_date` exactly as Django does on its database (PostgreSQL `timestamptz`; MariaDB/MySQL
 * `datetime(6)` holding naive UTC; SQLite text `YYYY-MM-DD HH:MM:SS[.ffffff]`), see
 * `src/core/django-datetime.ts`.
 */
import type { DjangoTimeOptions } from "../core/django-datetime";

export interface SessionRow {
  sessionKey: string;
  sessionData: string;
  expireDate: Date;
}

export interface SessionRowAdapter {
  /** Which database this adapter talks to (used for messages and dialect-specific SQL). */
  readonly dialect: "postgres" | "mysql" | "sqlite";

  /**
   * Django's `USE_TZ`/`TIME_ZONE`, when the adapter was given its own (then the engine checks it
   * agrees with the engine's). Leave it out: the engine hands the adapter its time (`withTime`).
   */
  readonly time?: DjangoTimeOptions;

  /**
   * The same adapter writing `expire_date` for this `USE_TZ`/`TIME_ZONE`. The engine calls it
   * with its own `time`, so a user sets the time once, on the engine. Optional: an adapter
   * without it is used as it is.
   */
  withTime?(time: DjangoTimeOptions): SessionRowAdapter;

  /**
   * `SELECT session_data, expire_date FROM django_session WHERE session_key = ? AND expire_date > ?`
   * (Django's load: an expired row is not returned). One query. `null` when there is no live row.
   * Database errors are thrown, never turned into `null` (an empty session would then overwrite data).
   */
  load(sessionKey: string, now: Date): Promise<Omit<SessionRow, "sessionKey"> | null>;

  /** Whether any row has this key, expired or not (Django's `exists`). */
  exists(sessionKey: string): Promise<boolean>;

  /**
   * INSERT only (Django's `force_insert`). Resolves `false` when the key already exists (a primary
   * key collision, Django's `IntegrityError` → `CreateError`); never updates an existing row.
   */
  insert(row: SessionRow): Promise<boolean>;

  /**
   * UPDATE only (Django's `force_update`). Resolves `false` when no row has the key (it vanished:
   * Django's `UpdateError`); never inserts. When `expectedData` is given, the row is only updated
   * if its `session_data` still equals it (compare-and-swap); `false` then also means "changed".
   */
  update(row: SessionRow, expectedData?: string): Promise<boolean>;

  /**
   * `UPDATE ... SET expire_date = ? WHERE session_key = ?`: sliding expiry without rewriting the
   * data. Resolves `false` when no row has the key.
   */
  touch(sessionKey: string, expireDate: Date): Promise<boolean>;

  /** `DELETE ... WHERE session_key = ?`; no error when there is no such row. */
  delete(sessionKey: string): Promise<void>;

  /**
   * Deletes at most `limit` rows with `expire_date < now` and resolves how many it deleted.
   * Must be safe to run from several processes at once (no error, no double counting).
   */
  deleteExpired(now: Date, limit: number): Promise<number>;
}
