import { SqlRowAdapter, type SqlExecutor } from "../../src";
import { parseDatabaseUrl } from "../../src/cli/database-url";
import { sampleRows } from "../../src/cli/doctor/row-checks";
import { openDatabase, type CliDatabase } from "../../src/cli/open-database";
import { toDjangoDateText } from "../../src/core/django-datetime";
import { fillSessions } from "../../bench/scale/fill";
import { openScaleDatabase, type ScaleDatabase } from "../../bench/scale/scale-database";
import type { Dialect } from "../support/databases";

// Loading a session by key stays one primary-key lookup on a big table: the plan of the adapter's
// own load statement (captured from SqlRowAdapter, not retyped here), on 50,000 Django-shaped rows
// with fresh statistics, where the same table without the key is scanned whole (the planner is
// choosing, not falling back to an index because the table is tiny). PostgreSQL is also asked
// for the generic plan a named prepared statement gets after five runs.

const ROWS = 50_000;

/** The statement and values the adapter sends for `load(key, now)`. */
async function loadStatement(db: ScaleDatabase, key: string, now: Date): Promise<{ sql: string; params: readonly unknown[] }> {
  let captured: { sql: string; params: readonly unknown[] } | null = null;
  const recording: SqlExecutor = {
    ...db.executor,
    query: async (sql, params, name) => {
      captured ??= { sql, params };
      return db.executor.query(sql, params, name);
    },
  };
  await new SqlRowAdapter(recording).load(key, now);
  if (!captured) throw new Error("the adapter sent no statement");
  return captured;
}

interface PgPlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PgPlanNode[];
}

/** The plan nodes that read django_session. */
function pgTableNodes(node: PgPlanNode): PgPlanNode[] {
  return [...(node["Relation Name"] === "django_session" ? [node] : []), ...(node.Plans ?? []).flatMap(pgTableNodes)];
}

/** MariaDB's JSON plan of a one-table statement: its table node (10.11 wraps it in nested_loop). */
function mariaTable(explain: unknown): { access_type: string; key?: string; rows?: number } {
  const block = (JSON.parse(String(explain)) as { query_block: { table?: unknown; nested_loop?: { table: unknown }[] } }).query_block;
  return (block.table ?? block.nested_loop?.[0]?.table) as { access_type: string; key?: string; rows?: number };
}

/**
 * A lookup through a b-tree on session_key: the primary key's, or Django's second index on that
 * column (`…_like`, varchar_pattern_ops, for LIKE 'prefix%'), which also serves `=` at the same
 * cost; PostgreSQL takes either on a tie. Either is one indexed lookup of one row.
 */
const SESSION_KEY_INDEX = { "Node Type": expect.stringMatching(/^Index (Only )?Scan$/), "Index Name": expect.stringMatching(/^django_session_(pkey|session_key_c0390e0f_like)$/), "Index Cond": expect.stringMatching(/^\(\(session_key\)::text = /), "Plan Rows": 1 };

const databases: Partial<Record<Dialect, ScaleDatabase>> = {};

afterAll(async () => {
  for (const db of Object.values(databases)) await db?.close();
});

describe.each(["postgres", "mysql", "sqlite"] as Dialect[])("load by key on %s: one primary-key lookup", (dialect) => {
  let db: ScaleDatabase;
  let key: string;
  const now = new Date();
  const bound = () => (dialect === "postgres" ? now : toDjangoDateText(now));

  beforeAll(async () => {
    // One connection: PostgreSQL's PREPARE and SET below belong to it.
    db = databases[dialect] = await openScaleDatabase(dialect, `ds_scale_explain_${dialect === "mysql" ? "mariadb" : dialect}`, 1);
    await fillSessions(db, { rows: ROWS, chunk: ROWS });
    const [live] = await db.query("SELECT session_key FROM django_session WHERE expire_date > ? ORDER BY expire_date DESC LIMIT 1", [bound()]);
    key = String(live?.session_key);
  }, 60_000);

  test(`the adapter's load statement is one lookup of one row through a session_key index, the primary key on MariaDB and SQLite (${ROWS.toLocaleString("en")} rows)`, async () => {
    const { sql, params } = await loadStatement(db, key, now);
    expect(sql).toMatch(/WHERE session_key = (\$1|\?) AND expire_date > (\$2|\?)/);
    if (dialect === "postgres") {
      const [custom] = await db.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
      const plan = (custom?.["QUERY PLAN"] as { Plan: PgPlanNode }[])[0]?.Plan as PgPlanNode;
      console.log(`PostgreSQL plan of ${sql}: ${JSON.stringify(pgTableNodes(plan).map((n) => [n["Node Type"], n["Index Name"]]))}`);
      expect(pgTableNodes(plan)).toEqual([expect.objectContaining(SESSION_KEY_INDEX)]);
      // The generic plan a named prepared statement settles on: planned without the values.
      await db.query("SET plan_cache_mode = force_generic_plan");
      await db.query(`PREPARE ds_scale_load AS ${sql}`);
      try {
        const [generic] = await db.query(`EXPLAIN (FORMAT JSON) EXECUTE ds_scale_load('${key}', '${now.toISOString()}')`);
        const genericPlan = (generic?.["QUERY PLAN"] as { Plan: PgPlanNode }[])[0]?.Plan as PgPlanNode;
        expect(pgTableNodes(genericPlan)).toEqual([expect.objectContaining(SESSION_KEY_INDEX)]);
      } finally {
        await db.query("DEALLOCATE ds_scale_load");
        await db.query("RESET plan_cache_mode");
      }
    } else if (dialect === "mysql") {
      const [row] = await db.query(`EXPLAIN FORMAT=JSON ${sql}`, params);
      const table = mariaTable(row?.EXPLAIN);
      console.log(`MariaDB plan of ${sql}: ${JSON.stringify(table)}`);
      expect(table).toMatchObject({ access_type: "const", key: "PRIMARY" });
    } else {
      const plan = await db.query(`EXPLAIN QUERY PLAN ${sql}`, params);
      console.log(`SQLite plan of ${sql}: ${JSON.stringify(plan.map((p) => p.detail))}`);
      expect(plan.map((p) => String(p.detail))).toEqual([expect.stringMatching(/^SEARCH django_session USING INDEX sqlite_autoindex_django_session_1 \(session_key=\?\)$/)]);
    }
  });

  test("doctor's sample reads rows in expire_date order through its index, never sorting the table", async () => {
    const cli = await openDatabase(parseDatabaseUrl(dialect === "sqlite" ? `sqlite://${db.url}` : db.url, process.cwd()), { readonly: true, cwd: process.cwd() });
    try {
      const sent: { sql: string; params: readonly unknown[] }[] = [];
      const recording: CliDatabase = { ...cli, query: async (sql, params = []) => (sent.push({ sql, params }), cli.query(sql, params)) };
      expect(await sampleRows(recording, "django_session", 1000, Number.MAX_SAFE_INTEGER, now, {})).toHaveLength(1000);
      expect(sent.length).toBeGreaterThan(0);
      for (const { sql, params } of sent) {
        // A bare ORDER BY expire_date once named the select list's CAST(expire_date AS CHAR) on
        // MySQL/SQLite: a filesort of every row (36 s on 10,000,000 rows on MariaDB).
        if (dialect === "postgres") {
          const [row] = await cli.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
          expect(JSON.stringify(row?.["QUERY PLAN"])).not.toMatch(/"Node Type":"(Sort|Seq Scan)"/);
        } else if (dialect === "mysql") {
          const plan = await cli.query(`EXPLAIN ${sql}`, params);
          expect(plan).toEqual([expect.objectContaining({ key: "django_session_expire_date_a5c62663" })]);
          expect(String(plan[0]?.Extra)).not.toContain("filesort");
        } else {
          const plan = (await cli.query(`EXPLAIN QUERY PLAN ${sql}`, params)).map((p) => String(p.detail));
          expect(plan).toEqual([expect.stringMatching(/USING INDEX django_session_expire_date_a5c62663/)]);
        }
      }
    } finally {
      await cli.close();
    }
  });

  test("without the key, the same planner reads the whole table (it has the rows and the statistics to choose)", async () => {
    const sql = `SELECT session_data FROM django_session WHERE expire_date > ${dialect === "postgres" ? "$1" : "?"}`;
    if (dialect === "postgres") {
      const [row] = await db.query(`EXPLAIN (FORMAT JSON) ${sql}`, [now]);
      const plan = (row?.["QUERY PLAN"] as { Plan: PgPlanNode }[])[0]?.Plan as PgPlanNode;
      expect(pgTableNodes(plan).map((n) => n["Node Type"])).toEqual(["Seq Scan"]);
    } else if (dialect === "mysql") {
      const [row] = await db.query(`EXPLAIN FORMAT=JSON ${sql}`, [bound()]);
      const table = mariaTable(row?.EXPLAIN);
      expect(table.access_type).toBe("ALL");
      expect(table.rows).toBeGreaterThan(ROWS / 2); // the optimizer knows the table's size
    } else {
      const plan = await db.query(`EXPLAIN QUERY PLAN ${sql}`, [bound()]);
      expect(plan.map((p) => String(p.detail))).toEqual(["SCAN django_session"]);
    }
  });
});
