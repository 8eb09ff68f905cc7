import { DjangoSessionRepository, silentLogger, SqlRowAdapter } from "../../src";
import { parseDatabaseUrl } from "../../src/cli/database-url";
import { countRows as doctorCounts, EXACT_COUNT_LIMIT } from "../../src/cli/doctor/row-counts";
import { sampleRows } from "../../src/cli/doctor/row-checks";
import { openDatabase } from "../../src/cli/open-database";
import { toDjangoDateText } from "../../src/core/django-datetime";
import { fillSessions } from "../../bench/scale/fill";
import { openScaleDatabase, type ScaleDatabase } from "../../bench/scale/scale-database";
import { SCALE_SECRET } from "../../bench/scale/session-samples";
import { startSessionLoad } from "../../bench/scale/session-load";

// The short version of the scale run (bench/scale/scale-run.ts, 10,000,000 rows and Django's
// clearsessions beside ours: `npm run test:reliability -- --only=scale`): 110,000 Django-shaped
// rows, 30 % expired; the throttled, batched clearExpired runs beside a load on live sessions.
// Every expired row goes, no live one, and the load sees no error. Then what doctor reads on a
// table over its exact-count limit: estimates, and a bounded sample. Latency figures are printed
// here and compared in the full run (no wall-clock bound in a test on a shared machine).

const ROWS = 110_000;
const EXPIRED = 33_000;

describe.each(["postgres", "mysql"] as const)("%s, %i rows", (dialect) => {
  const name = `ds_scale_clear_short_${dialect === "mysql" ? "mariadb" : "postgres"}`;
  let admin: ScaleDatabase;
  let loadDb: ScaleDatabase;
  let cleanerDb: ScaleDatabase;
  const now = () => (dialect === "postgres" ? new Date() : toDjangoDateText(new Date()));

  beforeAll(async () => {
    [admin, loadDb, cleanerDb] = await Promise.all([openScaleDatabase(dialect, name, 1), openScaleDatabase(dialect, name, 10), openScaleDatabase(dialect, name, 1)]);
    await fillSessions(admin, { rows: ROWS, chunk: ROWS });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([admin?.close(), loadDb?.close(), cleanerDb?.close()]);
  });

  test("doctor on a table over its exact-count limit: estimates that say so, a bounded sample", async () => {
    const db = await openDatabase(parseDatabaseUrl(admin.url, process.cwd()), { readonly: true, cwd: process.cwd() });
    try {
      const counts = await doctorCounts(db, "django_session", new Date(), {});
      expect(ROWS).toBeGreaterThan(EXACT_COUNT_LIMIT);
      expect(counts).toMatchObject({ exact: false, method: expect.stringContaining("estimate") });
      // Statistics, not counts: near the truth, not equal to it.
      expect(counts.total).toBeGreaterThan(ROWS * 0.5);
      expect(counts.total).toBeLessThan(ROWS * 1.5);
      expect(counts.expired).toBeGreaterThan(EXPIRED * 0.3);
      expect(counts.expired).toBeLessThan(EXPIRED * 2);
      const sample = await sampleRows(db, "django_session", 1000, Number.MAX_SAFE_INTEGER, new Date(), {});
      expect(sample).toHaveLength(1000);
    } finally {
      await db.close();
    }
  });

  test("clearExpired's throttle is a share of the time spent deleting: anything else is a clear error", async () => {
    const repository = new DjangoSessionRepository({ secretKey: SCALE_SECRET, adapter: new SqlRowAdapter(cleanerDb.executor), logger: silentLogger });
    for (const throttle of [0, -0.5, 1.5, Number.NaN, "0.5" as unknown as number]) {
      await expect(repository.clearExpired({ throttle })).rejects.toThrow(/^clearExpired throttle must be the share of time spent deleting/);
    }
  });

  test(`clearExpired (batches of 2000, throttle 0.5) beside a load on live sessions: the ${EXPIRED} expired rows go, no live one, no error`, async () => {
    const live = await admin.query("SELECT session_key FROM django_session WHERE expire_date > ? ORDER BY expire_date DESC LIMIT 500", [now()]);
    const keys = live.map((r) => String(r.session_key));
    const repository = new DjangoSessionRepository({ secretKey: SCALE_SECRET, adapter: new SqlRowAdapter(loadDb.executor), logger: silentLogger });
    const cleaner = new DjangoSessionRepository({ secretKey: SCALE_SECRET, adapter: new SqlRowAdapter(cleanerDb.executor), logger: silentLogger });
    const load = startSessionLoad({ repository, keys, workers: 8 });
    let deleted = 0;
    let batches = 0;
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const without = await load.window();
      deleted = await cleaner.clearExpired({ batchSize: 2000, throttle: 0.5, onProgress: () => batches++ });
      const during = await load.window();
      console.log(`${dialect}: ${deleted} rows deleted in ${during.seconds} s; load p50/p99 ${without.p50Ms}/${without.p99Ms} ms without, ${during.p50Ms}/${during.p99Ms} ms during (${during.ops} requests)`);
      expect(without.errors).toBe(0);
      expect(during).toMatchObject({ errors: 0, errorKinds: {} });
      expect(during.ops).toBeGreaterThan(0);
    } finally {
      await load.stop();
    }
    expect(deleted).toBe(EXPIRED);
    // Full batches, then the short one that ends the loop.
    expect(batches).toBe(Math.floor(EXPIRED / 2000) + 1);
    const [left] = await admin.query("SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN expire_date < ? THEN 1 ELSE 0 END), 0) AS expired FROM django_session", [now()]);
    expect({ total: Number(left?.total), expired: Number(left?.expired) }).toEqual({ total: ROWS - EXPIRED, expired: 0 });
    // Every session the load wrote to is still there.
    const [counted] = await admin.query(`SELECT COUNT(*) AS n FROM django_session WHERE session_key IN (${keys.map(() => "?").join(", ")})`, keys);
    expect(Number(counted?.n)).toBe(keys.length);
  }, 60_000);
});
