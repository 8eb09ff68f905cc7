import type { DjangoTimeOptions } from "../../core/django-datetime";
import { queryOneRow, type CliDatabase } from "../open-database";
import { dateParam } from "./row-checks";

/**
 * Tables up to this many rows are counted exactly (well under a second anywhere); a bigger one is
 * estimated, because COUNT(*) reads every row: minutes on a table of ten million sessions
 * (InnoDB has no stored count at all), while doctor must answer in seconds.
 */
export const EXACT_COUNT_LIMIT = 100_000;

/** SQLite keeps no row estimates: its expired rows are counted up to this many (through the expire_date index). */
export const SQLITE_EXPIRED_COUNT_LIMIT = 1_000_000;

export interface TableCounts {
  total: number;
  expired: number;
  /** Both counted exactly; otherwise `total` and `expired` are estimates (or a lower bound, see `expiredAtLeast`). */
  exact: boolean;
  /** `expired` is a lower bound: at least this many (SQLite, beyond `SQLITE_EXPIRED_COUNT_LIMIT`). */
  expiredAtLeast?: boolean;
  /** Where the figures come from, for the report. */
  method: string;
}

const quote = (db: CliDatabase, name: string) => (db.dialect === "mysql" ? `\`${name}\`` : `"${name}"`);

/** The planner's row estimate of a statement on PostgreSQL (its statistics, no rows read). */
async function postgresEstimate(db: CliDatabase, sql: string, params: readonly unknown[] = []): Promise<number> {
  const row = await queryOneRow(db, `EXPLAIN (FORMAT JSON) ${sql}`, params);
  const plan = (row["QUERY PLAN"] as { Plan?: { "Plan Rows"?: unknown } }[] | undefined)?.[0]?.Plan;
  return Math.round(Number(plan?.["Plan Rows"] ?? 0));
}

/** MySQL/MariaDB's estimate of the rows a statement reads (index dives on a range, the table's statistics otherwise). */
async function mysqlEstimate(db: CliDatabase, sql: string, params: readonly unknown[] = []): Promise<number> {
  const rows = await db.query(`EXPLAIN ${sql}`, params);
  return rows.reduce((most, row) => Math.max(most, Number(row.rows ?? 0)), 0);
}

async function exactCounts(db: CliDatabase, table: string, bound: unknown): Promise<TableCounts> {
  const row = await queryOneRow(db, `SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN expire_date < ? THEN 1 ELSE 0 END), 0) AS expired FROM ${quote(db, table)}`, [bound]);
  return { total: Number(row.total), expired: Number(row.expired), exact: true, method: "counted" };
}

/**
 * The table's rows and expired rows, in bounded time: a probe reads at most `EXACT_COUNT_LIMIT` + 1
 * rows; a table within it is counted exactly, a bigger one estimated from the database's
 * statistics (PostgreSQL's planner, MySQL/MariaDB's EXPLAIN; SQLite: the highest rowid, and its
 * expired rows counted up to `SQLITE_EXPIRED_COUNT_LIMIT`).
 */
export async function countRows(db: CliDatabase, table: string, now: Date, time: DjangoTimeOptions): Promise<TableCounts> {
  const t = quote(db, table);
  const bound = dateParam(db, now, time);
  const probe = await queryOneRow(db, `SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM ${t} LIMIT ${EXACT_COUNT_LIMIT + 1}) AS probe`);
  if (Number(probe.n) <= EXACT_COUNT_LIMIT) return exactCounts(db, table, bound);
  if (db.dialect === "postgres") {
    const [total, expired] = [await postgresEstimate(db, `SELECT 1 FROM ${t}`), await postgresEstimate(db, `SELECT 1 FROM ${t} WHERE expire_date < ?`, [bound])];
    return { total: Math.max(total, EXACT_COUNT_LIMIT + 1), expired: Math.min(expired, total), exact: false, method: "PostgreSQL's planner estimates (EXPLAIN; as fresh as the last ANALYZE)" };
  }
  if (db.dialect === "mysql") {
    const [total, expired] = [await mysqlEstimate(db, `SELECT 1 FROM ${t}`), await mysqlEstimate(db, `SELECT 1 FROM ${t} WHERE expire_date < ?`, [bound])];
    return { total: Math.max(total, EXACT_COUNT_LIMIT + 1), expired: Math.min(expired, total), exact: false, method: "the optimizer's estimates (EXPLAIN; InnoDB's sampled statistics)" };
  }
  // rowids only grow (Django's table is a rowid table): an upper bound once rows were deleted.
  const ids = await queryOneRow(db, `SELECT MAX(rowid) - MIN(rowid) + 1 AS n FROM ${t}`);
  const expired = await queryOneRow(db, `SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM ${t} WHERE expire_date < ? LIMIT ${SQLITE_EXPIRED_COUNT_LIMIT + 1}) AS e`, [bound]);
  const expiredCount = Number(expired.n);
  const total = Math.max(Number(ids.n), EXACT_COUNT_LIMIT + 1);
  return {
    total,
    expired: Math.min(expiredCount, SQLITE_EXPIRED_COUNT_LIMIT),
    exact: false,
    expiredAtLeast: expiredCount > SQLITE_EXPIRED_COUNT_LIMIT,
    method: "estimated from the rowids (SQLite keeps no row count)",
  };
}

/** "10,000,000 rows" or "about 10,000,000 rows". */
export function describeCount(counts: TableCounts, n: number, what: "total" | "expired"): string {
  const figure = n.toLocaleString("en");
  if (counts.exact) return String(n);
  return what === "expired" && counts.expiredAtLeast ? `at least ${figure}` : `about ${figure}`;
}
