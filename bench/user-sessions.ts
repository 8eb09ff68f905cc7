// A user's sessions on a big table (issue 13, part 4): listSessions over 1,000,000 rows on
// PostgreSQL (BENCH_USER_SESSIONS to change it), every row a real signed session of one of 10,000
// users. Reports rows scanned per second for the library, beside a hand-written scan doing the same
// work (the same keyset query with a named prepared statement, the same decode), in rounds.
import { Pool } from "pg";
import { DjangoSessionRepository, listSessions, SessionCodec, silentLogger, SqlRowAdapter, type SqlExecutor } from "../src";
import { djangoSessionDdl, ensurePostgresDatabase } from "../test/support/databases";
import { header, medianRate, ratio } from "./support/rounds";

const ROWS = Number(process.env.BENCH_USER_SESSIONS ?? 1_000_000);
const USERS = 10_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH = 1000;
const SECRET = "bench-user-sessions-secret-0123456789";
const LIBRARY = "listSessions";
const BASELINE = "hand-written keyset scan + decode (baseline)";

async function main(): Promise<void> {
  header("user sessions");
  const pool = new Pool({ connectionString: await ensurePostgresDatabase("ds_bench_user_sessions"), max: 4 });
  const codec = new SessionCodec({ secretKey: SECRET, logger: silentLogger });
  await pool.query("DROP TABLE IF EXISTS django_session");
  for (const statement of djangoSessionDdl("postgres")) await pool.query(statement);
  // One encoded value per user, repeated: the table has Django's real shape and sizes.
  const values = Array.from({ length: USERS }, (_, u) =>
    codec.encode({ _auth_user_id: String(u + 1), _auth_user_backend: "django.contrib.auth.backends.ModelBackend", _auth_user_hash: "f".repeat(64), cart: [u, u + 1] }),
  );
  await pool.query("CREATE TEMP TABLE bench_values (n int PRIMARY KEY, data text NOT NULL)");
  await pool.query("INSERT INTO bench_values SELECT i - 1, v FROM unnest($1::text[]) WITH ORDINALITY AS t(v, i)", [values]);
  const started = Date.now();
  await pool.query(
    `INSERT INTO django_session (session_key, session_data, expire_date)
     SELECT md5(i::text) || substr(md5((i * 7)::text), 1, 8), v.data, now() + interval '1 day'
     FROM generate_series(1, $1) AS i JOIN bench_values v ON v.n = i % ${USERS}`,
    [ROWS],
  );
  await pool.query("ANALYZE django_session");
  console.log(`filled ${ROWS.toLocaleString("en")} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const executor: SqlExecutor = {
    dialect: "postgres",
    query: async (sql, params) => (await pool.query(sql, params as unknown[])).rows,
    execute: async (sql, params) => (await pool.query(sql, params as unknown[])).rowCount ?? 0,
    isUniqueViolation: (error) => (error as { code?: string }).code === "23505",
  };
  const repository = new DjangoSessionRepository({ secretKey: SECRET, adapter: new SqlRowAdapter(executor), logger: silentLogger });
  const library = async (user: number) => {
    let found = 0;
    for await (const _ of listSessions(user, { repository, executor, batchSize: BATCH })) found++;
    return found;
  };
  const baseline = async (user: number) => {
    let found = 0;
    let after = "";
    for (;;) {
      const { rows } = await pool.query<{ session_key: string; session_data: string }>({
        name: "bench_scan",
        text: `SELECT session_key, session_data FROM django_session WHERE session_key > $1 AND expire_date > $2 ORDER BY session_key LIMIT ${BATCH}`,
        values: [after, new Date()],
      });
      for (const row of rows) {
        if (String(codec.decode(row.session_data)._auth_user_id) === String(user)) found++;
        after = row.session_key;
      }
      if (rows.length < BATCH) return found;
    }
  };
  const perRound: Record<string, number>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const rates: Record<string, number> = {};
    for (const [name, scan] of round % 2 ? ([[BASELINE, baseline], [LIBRARY, library]] as const) : ([[LIBRARY, library], [BASELINE, baseline]] as const)) {
      const t0 = process.hrtime.bigint();
      const found = await scan(42);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (found !== ROWS / USERS) throw new Error(`${name} found ${found} sessions of user 42, expected ${ROWS / USERS}`);
      rates[name] = ROWS / seconds;
    }
    perRound.push(rates);
  }
  console.table(
    [LIBRARY, BASELINE].map((name) => ({
      scan: name,
      "rows/s (median)": Math.round(medianRate(perRound, name)).toLocaleString("en"),
      "vs baseline": name === BASELINE ? "1.00×" : ratio(perRound, name, BASELINE).text,
      "1M rows in": `${(1_000_000 / medianRate(perRound, name)).toFixed(1)} s`,
    })),
  );
  await pool.end();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
