import { djangoSessionDdl } from "../../test/support/databases";
import type { ScaleDatabase } from "./scale-database";
import { sampleSessions } from "./session-samples";

/**
 * Fills Django's `django_session` with generated rows in the database itself (no row crosses the
 * wire): PostgreSQL `generate_series`, MariaDB's SEQUENCE engine (`seq_1_to_n`), SQLite a
 * recursive CTE. Row g gets a sample value chosen by g and, for g % 10 < 3, an expire_date up
 * to two weeks in the past (30 % expired); the others expire between 1 hour and 2 weeks ahead.
 *
 * Keys: md5 of g on PostgreSQL (32 hex characters, Django's length and alphabet); on MariaDB
 * 8 hex digits of g then 24 of its md5, so that InnoDB's clustered index is filled in key order
 * (random keys into a table 30 times the size of the default 128 MB buffer pool take hours);
 * random on SQLite.
 */
export interface FillOptions {
  rows: number;
  /** Only the expired rows (g % 10 < 3) again, after a clear, with the same keys. */
  expiredOnly?: boolean;
  /** Rows per INSERT … SELECT. @default 500000 */
  chunk?: number;
  onProgress?: (inserted: number) => void;
}

const SAMPLES_TABLE = "ds_scale_samples";
const TWO_WEEKS_S = 1_209_600;

/** Django's table, empty, made with Django's DDL. */
export async function recreateSessionTable(db: ScaleDatabase): Promise<void> {
  await db.query("DROP TABLE IF EXISTS django_session");
  for (const statement of djangoSessionDdl(db.dialect)) await db.query(statement);
}

async function writeSamples(db: ScaleDatabase): Promise<number> {
  const samples = sampleSessions();
  await db.query(`DROP TABLE IF EXISTS ${SAMPLES_TABLE}`);
  await db.query(`CREATE TABLE ${SAMPLES_TABLE} (i integer PRIMARY KEY, data text NOT NULL)`);
  await db.query(`INSERT INTO ${SAMPLES_TABLE} (i, data) VALUES ${samples.map(() => "(?, ?)").join(", ")}`, samples.flatMap((data, i) => [i, data]));
  return samples.length;
}

/** The secondary indexes (and on PostgreSQL the primary key), dropped for a bulk load and made again after it: sorted builds are far faster. */
async function withoutIndexes(db: ScaleDatabase, load: () => Promise<void>): Promise<void> {
  if (db.dialect === "postgres") {
    const indexes = await db.query("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'django_session' AND indexname <> 'django_session_pkey'");
    for (const { indexname } of indexes) await db.query(`DROP INDEX "${String(indexname)}"`);
    await db.query("ALTER TABLE django_session DROP CONSTRAINT django_session_pkey");
    await load();
    await db.query("ALTER TABLE django_session ADD CONSTRAINT django_session_pkey PRIMARY KEY (session_key)");
    for (const { indexdef } of indexes) await db.query(String(indexdef));
    await db.query("ANALYZE django_session");
  } else if (db.dialect === "mysql") {
    // InnoDB's primary key is the table itself; the expire_date index is rebuilt sorted.
    await db.query("DROP INDEX django_session_expire_date_a5c62663 ON django_session");
    await load();
    await db.query("CREATE INDEX django_session_expire_date_a5c62663 ON django_session (expire_date)");
    await db.query("ANALYZE TABLE django_session");
  } else {
    await db.query("DROP INDEX django_session_expire_date_a5c62663");
    await load();
    await db.query('CREATE INDEX "django_session_expire_date_a5c62663" ON "django_session" ("expire_date")');
    await db.query("ANALYZE");
  }
}

/** One INSERT … SELECT of rows first..last (1-based, inclusive). */
function insertChunk(db: ScaleDatabase, first: number, last: number, samples: number, expiredOnly: boolean): Promise<unknown> {
  // Spread over two weeks by multiplying g by primes, so neighbouring rows expire at different times.
  const pastS = `(1 + (g * 7919) % ${TWO_WEEKS_S})`;
  const aheadS = `(3600 + (g * 104729) % ${TWO_WEEKS_S - 3600})`;
  const which = expiredOnly ? "g % 10 < 3" : "1 = 1";
  if (db.dialect === "postgres") {
    return db.query(
      `INSERT INTO django_session (session_key, session_data, expire_date)
       SELECT md5('ds' || g::text), s.data,
              CASE WHEN g % 10 < 3 THEN now() - ${pastS} * interval '1 second' ELSE now() + ${aheadS} * interval '1 second' END
       FROM generate_series(${first}::bigint, ${last}::bigint) AS g JOIN ${SAMPLES_TABLE} s ON s.i = g % ${samples}
       WHERE ${which}`,
    );
  }
  if (db.dialect === "mysql") {
    // Django stores UTC on MySQL with USE_TZ = True (the default since Django 5.0).
    return db.query(
      `INSERT INTO django_session (session_key, session_data, expire_date)
       SELECT CONCAT(LPAD(LOWER(HEX(g)), 8, '0'), LEFT(MD5(CONCAT('ds', g)), 24)), s.data,
              IF(g % 10 < 3, UTC_TIMESTAMP(6) - INTERVAL ${pastS} SECOND, UTC_TIMESTAMP(6) + INTERVAL ${aheadS} SECOND)
       FROM (SELECT seq AS g FROM seq_${first}_to_${last}) AS n JOIN ${SAMPLES_TABLE} s ON s.i = g % ${samples}
       WHERE ${which} ORDER BY g`,
    );
  }
  // Django's SQLite text, whole seconds (Django writes no fraction when microseconds are 0).
  return db.query(
    `WITH RECURSIVE n(g) AS (SELECT ${first} UNION ALL SELECT g + 1 FROM n WHERE g < ${last})
     INSERT INTO django_session (session_key, session_data, expire_date)
     SELECT lower(hex(randomblob(16))), s.data,
            strftime('%Y-%m-%d %H:%M:%S', 'now', CASE WHEN g % 10 < 3 THEN '-' || ${pastS} ELSE '+' || ${aheadS} END || ' seconds')
     FROM n JOIN ${SAMPLES_TABLE} s ON s.i = g % ${samples} WHERE ${which}`,
  );
}

/** Fills the table (created empty with Django's DDL first unless `expiredOnly`); resolves the rows inserted. */
export async function fillSessions(db: ScaleDatabase, options: FillOptions): Promise<number> {
  const chunk = options.chunk ?? 500_000;
  if (!options.expiredOnly) await recreateSessionTable(db);
  const samples = await writeSamples(db);
  const load = async () => {
    for (let first = 1; first <= options.rows; first += chunk) {
      const last = Math.min(options.rows, first + chunk - 1);
      await insertChunk(db, first, last, samples, Boolean(options.expiredOnly));
      options.onProgress?.(last);
    }
  };
  if (options.expiredOnly) await load();
  else await withoutIndexes(db, load);
  await db.query(`DROP TABLE ${SAMPLES_TABLE}`);
  if (options.expiredOnly) await db.query(db.dialect === "mysql" ? "ANALYZE TABLE django_session" : db.dialect === "postgres" ? "ANALYZE django_session" : "ANALYZE");
  return options.expiredOnly ? Math.floor(options.rows / 10) * 3 + Math.min(2, options.rows % 10) : options.rows;
}
