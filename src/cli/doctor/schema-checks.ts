import { createHash } from "node:crypto";
import { queryOneRow, type CliDatabase } from "../open-database";
import type { Dialect } from "../database-url";
import { worst, type Check, type CheckStatus } from "./check";

interface ColumnInfo {
  name: string;
  /** Lowercase type as the database reports it: `character varying(40)`, `datetime(6)`, ... */
  type: string;
  notNull: boolean;
  hasDefault: boolean;
}

interface IndexInfo {
  name: string;
  columns: string[];
  primary: boolean;
  /** PostgreSQL: `pg_get_indexdef`, to see `varchar_pattern_ops`. */
  definition?: string;
}

export interface TableSchema {
  columns: ColumnInfo[];
  indexes: IndexInfo[];
}

/** Django's column types for `AbstractBaseSession` per database (spec §6.1, migrations/*.sql). */
const DJANGO_TYPES: Record<Dialect, Record<"session_key" | "session_data" | "expire_date", string>> = {
  postgres: { session_key: "character varying(40)", session_data: "text", expire_date: "timestamp with time zone" },
  mysql: { session_key: "varchar(40)", session_data: "longtext", expire_date: "datetime(6)" },
  sqlite: { session_key: "varchar(40)", session_data: "text", expire_date: "datetime" },
};

/** Django's `_create_index_name`: `<table>_<column>_<md5(table + column)[:8]><suffix>`. */
export function djangoIndexName(table: string, column: string, suffix = ""): string {
  return `${table}_${column}_${createHash("md5").update(table + column).digest("hex").slice(0, 8)}${suffix}`;
}

const q = (dialect: Dialect, name: string) => (dialect === "mysql" ? `\`${name}\`` : `"${name}"`);

/** Reads the table's columns and indexes from the catalog, or `null` when there is no such table. */
export async function readTableSchema(db: CliDatabase, table: string): Promise<TableSchema | null> {
  if (db.dialect === "postgres") {
    const regclass = `"${table}"`;
    const found = await queryOneRow(db, "SELECT to_regclass(?) IS NOT NULL AS found", [regclass]);
    if (!found.found) return null;
    const columns = await db.query(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null, a.atthasdef AS has_default
       FROM pg_attribute a WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [regclass],
    );
    const indexes = await db.query(
      `SELECT c.relname AS name, i.indisprimary AS is_primary, pg_get_indexdef(i.indexrelid) AS definition,
         array_to_string(ARRAY(SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord), ',') AS columns
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = to_regclass(?) ORDER BY c.relname`,
      [regclass],
    );
    return {
      columns: columns.map((c) => ({ name: String(c.name), type: String(c.type).toLowerCase(), notNull: Boolean(c.not_null), hasDefault: Boolean(c.has_default) })),
      indexes: indexes.map((i) => ({
        name: String(i.name),
        columns: String(i.columns).split(",").filter(Boolean),
        primary: Boolean(i.is_primary),
        definition: String(i.definition),
      })),
    };
  }
  if (db.dialect === "mysql") {
    const found = await queryOneRow(db, "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", [table]);
    if (Number(found.n) === 0) return null;
    const columns = await db.query(
      `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt, EXTRA AS extra
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
      [table],
    );
    const stats = await db.query(
      `SELECT INDEX_NAME AS name, COLUMN_NAME AS col FROM information_schema.STATISTICS
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
      [table],
    );
    const indexes = new Map<string, IndexInfo>();
    for (const s of stats) {
      const name = String(s.name);
      if (!indexes.has(name)) indexes.set(name, { name, columns: [], primary: name === "PRIMARY" });
      indexes.get(name)!.columns.push(String(s.col));
    }
    return {
      columns: columns.map((c) => ({
        name: String(c.name),
        type: String(c.type).toLowerCase(),
        notNull: c.nullable === "NO",
        hasDefault: (c.dflt !== null && c.dflt !== "NULL") || /auto_increment|default_generated/i.test(String(c.extra)),
      })),
      indexes: [...indexes.values()],
    };
  }
  const found = await queryOneRow(db, "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?", [table]);
  if (Number(found.n) === 0) return null;
  const columns = await db.query(`PRAGMA table_info(${q("sqlite", table)})`);
  const list = await db.query(`PRAGMA index_list(${q("sqlite", table)})`);
  const indexes: IndexInfo[] = [];
  for (const index of list) {
    const info = await db.query(`PRAGMA index_info(${q("sqlite", String(index.name))})`);
    indexes.push({ name: String(index.name), columns: info.map((i) => String(i.name)), primary: index.origin === "pk" });
  }
  // A rowid table whose INTEGER PRIMARY KEY is the rowid has no index for it.
  const pkColumns = columns.filter((c) => Number(c.pk) > 0).map((c) => String(c.name));
  if (pkColumns.length && !indexes.some((i) => i.primary)) indexes.push({ name: "(rowid)", columns: pkColumns, primary: true });
  return {
    columns: columns.map((c) => ({ name: String(c.name), type: String(c.type).toLowerCase(), notNull: Number(c.notnull) === 1, hasDefault: c.dflt_value !== null })),
    indexes,
  };
}

/** The verdict on one column whose type is not Django's. */
function judgeType(dialect: Dialect, column: keyof (typeof DJANGO_TYPES)["postgres"], actual: string): { status: CheckStatus; why: string } {
  const varchar = /^(?:character varying|varchar)\((\d+)\)$/.exec(actual);
  if (column === "session_key") {
    if (varchar && Number(varchar[1]) >= 40) return { status: "warn", why: "wider than Django's; works" };
    if (varchar && Number(varchar[1]) >= 32) return { status: "warn", why: "holds generated 32-character keys, but Django allows 40" };
    if (dialect === "sqlite" && /char|clob|text/.test(actual)) return { status: "warn", why: "the same TEXT affinity; works" };
    if (actual === "text" && dialect === "postgres") return { status: "warn", why: "works, but is not Django's" };
    return { status: "fail", why: "session keys are strings of up to 40 characters" };
  }
  if (column === "session_data") {
    if (dialect === "mysql" && actual === "mediumtext") return { status: "warn", why: "caps a session at 16 MiB" };
    if (dialect === "sqlite" && /char|clob|text/.test(actual)) return { status: "warn", why: "the same TEXT affinity; works" };
    return { status: "fail", why: "too small or not text: a large session would be cut off or rejected" };
  }
  if (dialect === "postgres") {
    if (/^timestamp\(\d\) with time zone$/.test(actual)) return { status: "warn", why: "fewer fractional digits than Django's microseconds" };
    if (/^timestamp(\(\d\))? without time zone$/.test(actual)) {
      return { status: "fail", why: "a naive timestamp: drivers shift it by their own time zone, so sessions expire early or late" };
    }
    return { status: "fail", why: "expire_date must be a timestamp with time zone" };
  }
  if (dialect === "mysql") {
    if (/^datetime(\([0-5]\))?$/.test(actual)) return { status: "warn", why: "drops the microseconds Django writes" };
    if (/^timestamp(\(\d\))?$/.test(actual)) return { status: "fail", why: "TIMESTAMP converts through the connection time zone and ends in 2038" };
    return { status: "fail", why: "expire_date must be datetime(6)" };
  }
  // SQLite stores Django's text whatever the declared type (a NUMERIC/TEXT affinity keeps it as text).
  if (/int|real|floa|doub/.test(actual)) return { status: "fail", why: "an INTEGER/REAL affinity invites epoch numbers, which Django's text comparison cannot order against" };
  return { status: "warn", why: "works (Django's text is kept as text), but is not Django's" };
}

function alterFix(dialect: Dialect, table: string, column: string, type: string): string {
  if (dialect === "postgres") {
    const using = column === "expire_date" ? ` USING ${q(dialect, column)} AT TIME ZONE 'UTC'` : "";
    return `ALTER TABLE ${q(dialect, table)} ALTER COLUMN ${q(dialect, column)} TYPE ${type}${using};`;
  }
  if (dialect === "mysql") return `ALTER TABLE ${q(dialect, table)} MODIFY ${q(dialect, column)} ${type} NOT NULL;`;
  return `SQLite cannot change a column type: create the table from migrations/sqlite.sql under a new name, copy the rows (INSERT INTO ... SELECT), drop the old table and rename.`;
}

/** Column and index checks against Django's DDL for this database. */
export function schemaChecks(dialect: Dialect, table: string, schema: TableSchema): Check[] {
  const expected = DJANGO_TYPES[dialect];
  const lines: string[] = [];
  const fix: string[] = [];
  const statuses: CheckStatus[] = [];
  for (const [name, type] of Object.entries(expected) as [keyof typeof expected, string][]) {
    const column = schema.columns.find((c) => c.name === name);
    if (!column) {
      statuses.push("fail");
      lines.push(`${name}: missing (Django creates ${type} NOT NULL)`);
      continue;
    }
    if (column.type !== type) {
      const verdict = judgeType(dialect, name, column.type);
      statuses.push(verdict.status);
      lines.push(`${name}: ${column.type}, Django creates ${type} (${verdict.why})`);
      const step = alterFix(dialect, table, name, type);
      if (!fix.includes(step)) fix.push(step);
    }
    if (!column.notNull) {
      statuses.push("warn");
      lines.push(`${name}: allows NULL; Django declares it NOT NULL`);
    }
  }
  for (const column of schema.columns.filter((c) => !(c.name in expected))) {
    if (column.notNull && !column.hasDefault) {
      statuses.push("fail");
      lines.push(`${column.name}: an extra NOT NULL column without a default, so inserts of the three Django columns fail`);
      fix.push(`Give ${column.name} a default or allow NULL (a custom session model must fill it in create_model_instance()).`);
    } else {
      statuses.push("info");
      lines.push(`${column.name}: an extra column (a custom session model?); left alone`);
    }
  }
  const primary = schema.indexes.find((i) => i.primary);
  if (!primary || primary.columns.join(",") !== "session_key") {
    statuses.push("fail");
    lines.push(primary ? `the primary key is (${primary.columns.join(", ")}), Django's is (session_key)` : "no primary key: Django's is session_key, which makes duplicate keys impossible");
    fix.push("Make session_key the primary key (see migrations/ for Django's DDL).");
  }
  const columnStatus = worst(statuses);
  const checks: Check[] = [
    {
      id: "columns",
      status: columnStatus,
      message: columnStatus === "ok" ? `columns match Django's ${dialect} DDL` : `columns differ from Django's ${dialect} DDL`,
      lines: lines.length ? lines : undefined,
      fix: fix.length ? fix : undefined,
      details: { columns: schema.columns.map((c) => ({ name: c.name, type: c.type, notNull: c.notNull })) },
    },
  ];

  const indexLines: string[] = [];
  const indexFix: string[] = [];
  const indexStatuses: CheckStatus[] = [];
  const wanted: { name: string; column: string; like: boolean; missing: CheckStatus; why: string }[] = [
    { name: djangoIndexName(table, "expire_date"), column: "expire_date", like: false, missing: "warn", why: "clear-expired and clearsessions scan the whole table without it" },
  ];
  if (dialect === "postgres") {
    wanted.push({ name: djangoIndexName(table, "session_key", "_like"), column: "session_key", like: true, missing: "info", why: "used only by LIKE/startswith lookups on session_key" });
  }
  for (const want of wanted) {
    const byName = schema.indexes.find((i) => i.name === want.name);
    const onColumn = schema.indexes.find(
      (i) => !i.primary && i.columns[0] === want.column && (!want.like || /varchar_pattern_ops/.test(i.definition ?? "")),
    );
    if (byName && byName.columns[0] === want.column) continue;
    if (onColumn) {
      indexStatuses.push("info");
      indexLines.push(`the index on ${want.column} is named ${onColumn.name}; Django names it ${want.name} (harmless)`);
      continue;
    }
    indexStatuses.push(want.missing);
    indexLines.push(`no index ${want.name} on ${want.column}${want.like ? " varchar_pattern_ops" : ""} (${want.why})`);
    indexFix.push(`CREATE INDEX ${q(dialect, want.name)} ON ${q(dialect, table)} (${q(dialect, want.column)}${want.like ? " varchar_pattern_ops" : ""});`);
  }
  const indexStatus = worst(indexStatuses);
  checks.push({
    id: "indexes",
    status: indexStatus,
    message: indexStatus === "ok" ? `indexes match Django's (${wanted.map((w) => w.name).join(", ")})` : "indexes differ from Django's",
    lines: indexLines.length ? indexLines : undefined,
    fix: indexFix.length ? indexFix : undefined,
    details: { indexes: schema.indexes.map((i) => ({ name: i.name, columns: i.columns, primary: i.primary })) },
  });
  return checks;
}
