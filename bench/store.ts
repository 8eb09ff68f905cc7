// Store loop (issue 12, parts 2 and 4): load a session by key, decode it, change one value, encode
// it, save it — sequentially, on PostgreSQL, MariaDB and SQLite, in Django's own table and format.
// The baseline is the strongest hand-written code doing the same work: the plain driver with
// prepared statements (pg named statements, mysql2 `execute`, kept better-sqlite3 statements),
// one SELECT and one UPDATE, the same signed Django value (SessionCodec decode/encode). Against
// it, in rounds where each contender runs a batch right beside a batch of the baseline,
// the repository over the raw SQL adapter (driver executors with and without prepared statements),
// the TypeORM adapter and the Prisma adapter; all with the default compare-and-swap save
// (`concurrency: "merge"`), plus the raw SQL adapter with Django's last-writer-wins save.
// Each figure is the median of the per-round ratios to the baseline, with [min–max].
// A second table times the compare-and-swap UPDATE alone on an 8 KB session: the whole old value
// sent back (before issue 12) against its signature tail.
//
// Targets on PostgreSQL: >= 1.0x the baseline through the raw SQL adapter and TypeORM, >= 0.75x
// through Prisma (over the app's own pg Pool, `new PrismaPg(pool)`: see the Prisma adapter's
// `preparedStatements`; over `new PrismaPg({ connectionString })` it can only use $queryRawUnsafe).
// Run: npm run build && node scripts/prisma-generate.js && npx tsc -p tsconfig.bench.json &&
// node .bench-build/bench/store.js
// (BENCH_SESSIONS, BENCH_ROUNDS, BENCH_BATCH, BENCH_DIALECTS=postgres,mysql,sqlite to change the run.)
import "reflect-metadata";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaMariaDb } from "@prisma/adapter-mariadb";
import { PrismaPg } from "@prisma/adapter-pg";
import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createPool as createMysqlPool, type Pool as MysqlPool } from "mysql2/promise";
import { Pool } from "pg";
import { DataSource, type DataSourceOptions } from "typeorm";
import { DjangoSessionRepository, silentLogger, SessionCodec, SqlRowAdapter, type SqlExecutor } from "../src";
import { createPrismaAdapter, type PrismaClientLike } from "../src/adapters/prisma";
import { createTypeOrmAdapter } from "../src/adapters/typeorm";
import { createBetterSqlite3Executor, createMysql2Executor, createPgExecutor } from "../src/adapters/sql/executors";
import { toDjangoDateText } from "../src/core/django-datetime";
import { PrismaClient as PgPrismaClient } from "../src/generated/prisma-pg/client";
import { PrismaClient as MysqlPrismaClient } from "../src/generated/prisma-mysql/client";
import { PrismaClient as SqlitePrismaClient } from "../src/generated/prisma-sqlite/client";
import { djangoSessionDdl, ensureMysqlDatabase, ensurePostgresDatabase, TMP_DIR, type Dialect } from "../test/support/databases";
import { header, median, medianRate, ratio, verdict } from "./support/rounds";

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
/** Loops per contender per round, each beside a batch of the baseline (10× on SQLite, ~10× faster). */
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const batchOf = (dialect: Dialect) => (dialect === "sqlite" ? BATCH * 10 : BATCH);
const DIALECTS = (process.env.BENCH_DIALECTS ?? "postgres,mysql,sqlite").split(",") as Dialect[];
const SECRET = "bench-store-secret-key-0123456789abcdef";
const DB_NAME = "ds_bench_store";
const TWO_WEEKS_MS = 1_209_600_000;
const POOL = 10;

type Op = (key: string, i: number) => Promise<void>;
type Rates = Record<string, number>;

const BASELINE = "hand-written driver, prepared (baseline)";
const RAW_PREPARED = "raw SQL adapter, prepared executor";
const RAW_PLAIN = "raw SQL adapter, plain executor";
const RAW_DJANGO = "raw SQL adapter, prepared, concurrency: django";
const TYPEORM = "TypeORM adapter";
const PRISMA = "Prisma adapter";
const PRISMA_POOL = "Prisma adapter, new PrismaPg(pool)";
const TARGETS: Record<string, number> = { [RAW_PREPARED]: 1.0, [TYPEORM]: 1.0, [PRISMA]: 0.75, [PRISMA_POOL]: 0.75 };

const codec = new SessionCodec({ secretKey: SECRET, logger: silentLogger });
const keys = Array.from({ length: SESSIONS }, (_, i) => `benchsession${String(i).padStart(20, "0")}`);
const initial = codec.encode({ _auth_user_id: "1", _auth_user_backend: "django.contrib.auth.backends.ModelBackend", _auth_user_hash: "x".repeat(64), counter: 0 });

/** What one dialect's run needs: its contenders, and how to close what it opened. */
interface Setup {
  clients: [string, Op][];
  close(): Promise<void>;
}

const repository = (adapter: ConstructorParameters<typeof DjangoSessionRepository>[0]["adapter"], concurrency: "merge" | "django" = "merge") =>
  new DjangoSessionRepository({ secretKey: SECRET, adapter, logger: silentLogger, concurrency });

const repoLoop =
  (repo: DjangoSessionRepository): Op =>
  async (key, i) => {
    const session = repo.get(key);
    await session.get("counter");
    await session.set("counter", i);
    await session.save();
  };

/** The hand-written loop's middle: decode the stored value, change one key, encode it again. */
function changed(stored: unknown, i: number): string {
  const data = codec.decode(String(stored));
  data.counter = i;
  return codec.encode(data);
}

/** A plain (unprepared) pg executor: the raw SQL adapter as most users would first write it. */
const plainPg = (pool: Pool): SqlExecutor => ({
  dialect: "postgres",
  query: async (sql, params) => (await pool.query(sql, params as unknown[])).rows,
  execute: async (sql, params) => (await pool.query(sql, params as unknown[])).rowCount ?? 0,
  isUniqueViolation: (error) => (error as { code?: string }).code === "23505",
});

async function seed(execute: (sql: string, params: unknown[]) => Promise<unknown>, dialect: Dialect, placeholder: (n: number) => string): Promise<void> {
  await execute("DROP TABLE IF EXISTS django_session", []);
  for (const statement of djangoSessionDdl(dialect)) await execute(statement, []);
  const expire = new Date(Date.now() + 86_400_000);
  for (let i = 0; i < keys.length; i += 300) {
    const chunk = keys.slice(i, i + 300);
    await execute(
      `INSERT INTO django_session (session_key, session_data, expire_date) VALUES ${chunk.map((_, j) => `(${placeholder(j * 3 + 1)}, ${placeholder(j * 3 + 2)}, ${placeholder(j * 3 + 3)})`).join(",")}`,
      chunk.flatMap((k) => [k, initial, dialect === "postgres" ? expire : toDjangoDateText(expire)]),
    );
  }
}

async function postgres(): Promise<Setup> {
  const url = await ensurePostgresDatabase(DB_NAME);
  const pool = new Pool({ connectionString: url, max: POOL });
  await seed((sql, params) => pool.query(sql, params), "postgres", (n) => `$${n}`);
  const dataSource = await new DataSource({ type: "postgres", url, poolSize: POOL }).initialize();
  const prisma = new PgPrismaClient({ adapter: new PrismaPg({ connectionString: url, max: POOL }) });
  await prisma.$connect();
  // Prisma over a pg Pool of the app's own: the adapter runs prepared statements on that pool.
  const prismaPool = new Pool({ connectionString: url, max: POOL });
  const prismaOverPool = new PgPrismaClient({ adapter: new PrismaPg(prismaPool) });
  await prismaOverPool.$connect();
  const load = "SELECT session_data, expire_date FROM django_session WHERE session_key = $1 AND expire_date > $2";
  const save = "UPDATE django_session SET session_data = $1, expire_date = $2 WHERE session_key = $3";
  return {
    clients: [
      [
        BASELINE,
        async (key, i) => {
          const { rows } = await pool.query<{ session_data: string }>({ name: "bench_load", text: load, values: [key, new Date()] });
          if (rows.length !== 1) throw new Error("missing row");
          await pool.query({ name: "bench_save", text: save, values: [changed(rows[0]!.session_data, i), new Date(Date.now() + TWO_WEEKS_MS), key] });
        },
      ],
      [RAW_PREPARED, repoLoop(repository(new SqlRowAdapter(createPgExecutor(pool))))],
      [RAW_PLAIN, repoLoop(repository(new SqlRowAdapter(plainPg(pool))))],
      [RAW_DJANGO, repoLoop(repository(new SqlRowAdapter(createPgExecutor(pool)), "django"))],
      [TYPEORM, repoLoop(repository(createTypeOrmAdapter(dataSource)))],
      [PRISMA, repoLoop(repository(createPrismaAdapter(prisma as unknown as PrismaClientLike)))],
      [PRISMA_POOL, repoLoop(repository(createPrismaAdapter(prismaOverPool as unknown as PrismaClientLike)))],
    ],
    close: async () => {
      await Promise.all([pool.end(), dataSource.destroy(), prisma.$disconnect(), prismaOverPool.$disconnect()]);
      await prismaPool.end();
    },
  };
}

async function mysql(): Promise<Setup> {
  const config = await ensureMysqlDatabase(DB_NAME);
  const pool: MysqlPool = createMysqlPool({ ...config, connectionLimit: POOL });
  await seed((sql, params) => pool.query(sql, params), "mysql", () => "?");
  const options = { type: "mariadb", host: config.host, port: config.port, username: config.user, password: config.password, database: config.database, poolSize: POOL } as DataSourceOptions;
  const dataSource = await new DataSource(options).initialize();
  const prisma = new MysqlPrismaClient({ adapter: new PrismaMariaDb({ ...config, connectionLimit: POOL }) });
  await prisma.$connect();
  const load = "SELECT session_data, CAST(expire_date AS CHAR) AS expire_date FROM django_session WHERE session_key = ? AND expire_date > ?";
  const save = "UPDATE django_session SET session_data = ?, expire_date = ? WHERE session_key = ?";
  return {
    clients: [
      [
        BASELINE,
        async (key, i) => {
          const [rows] = (await pool.execute(load, [key, toDjangoDateText(new Date())])) as unknown as [{ session_data: string }[]];
          if (rows.length !== 1) throw new Error("missing row");
          await pool.execute(save, [changed(rows[0]!.session_data, i), toDjangoDateText(new Date(Date.now() + TWO_WEEKS_MS)), key]);
        },
      ],
      [RAW_PREPARED, repoLoop(repository(new SqlRowAdapter(createMysql2Executor(pool))))],
      [RAW_PLAIN, repoLoop(repository(new SqlRowAdapter(createMysql2Executor(pool, { prepared: false }))))],
      [RAW_DJANGO, repoLoop(repository(new SqlRowAdapter(createMysql2Executor(pool)), "django"))],
      [TYPEORM, repoLoop(repository(createTypeOrmAdapter(dataSource)))],
      [PRISMA, repoLoop(repository(createPrismaAdapter(prisma as unknown as PrismaClientLike)))],
    ],
    close: async () => void (await Promise.all([pool.end(), dataSource.destroy(), prisma.$disconnect()])),
  };
}

async function sqlite(): Promise<Setup> {
  mkdirSync(TMP_DIR, { recursive: true });
  const file = join(TMP_DIR, `${DB_NAME}.sqlite3`);
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(file + suffix, { force: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  await seed(async (sql, params) => db.prepare(sql).run(...params), "sqlite", () => "?");
  const dataSource = await new DataSource({ type: "better-sqlite3", database: file }).initialize();
  const prisma = new SqlitePrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${file}` }) });
  await prisma.$connect();
  const load = db.prepare<[string, string], { session_data: string }>(
    "SELECT session_data, CAST(expire_date AS TEXT) AS expire_date FROM django_session WHERE session_key = ? AND expire_date > ?",
  );
  const save = db.prepare("UPDATE django_session SET session_data = ?, expire_date = ? WHERE session_key = ?");
  return {
    clients: [
      [
        BASELINE,
        async (key, i) => {
          const rows = load.all(key, toDjangoDateText(new Date()));
          if (rows.length !== 1) throw new Error("missing row");
          save.run(changed(rows[0]!.session_data, i), toDjangoDateText(new Date(Date.now() + TWO_WEEKS_MS)), key);
        },
      ],
      [RAW_PREPARED, repoLoop(repository(new SqlRowAdapter(createBetterSqlite3Executor(db))))],
      [RAW_PLAIN, repoLoop(repository(new SqlRowAdapter(createBetterSqlite3Executor(db, { prepared: false }))))],
      [RAW_DJANGO, repoLoop(repository(new SqlRowAdapter(createBetterSqlite3Executor(db)), "django"))],
      [TYPEORM, repoLoop(repository(createTypeOrmAdapter(dataSource)))],
      [PRISMA, repoLoop(repository(createPrismaAdapter(prisma as unknown as PrismaClientLike)))],
    ],
    close: async () => {
      await Promise.all([dataSource.destroy(), prisma.$disconnect()]);
      db.close();
    },
  };
}

/** The baseline's rate measured right beside `name`'s in a round (see `measure`). */
const besideOf = (name: string) => `${BASELINE} beside ${name}`;

/**
 * ROUNDS rounds; in each, every contender runs BATCH loops back to back with a batch of the
 * baseline (who goes first alternates), so each per-round ratio compares neighbouring moments
 * of this shared machine. Rates in loops/s; the baseline's own rate is its median in the round.
 */
async function measure(clients: [string, Op][], size: number): Promise<Rates[]> {
  const [[, baseline], ...contenders] = clients as [[string, Op], ...[string, Op][]];
  let next = 0;
  const batch = async (op: Op): Promise<number> => {
    const start = process.hrtime.bigint();
    for (let n = 0; n < size; n++, next++) await op(keys[next % SESSIONS]!, next);
    return size / (Number(process.hrtime.bigint() - start) / 1e9);
  };
  for (const [, op] of clients) for (let i = 0; i < 300; i++) await op(keys[i]!, i);
  const rounds: Rates[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const rates: Rates = {};
    const beside: number[] = [];
    const order = round % 2 ? [...contenders].reverse() : contenders;
    for (const [index, [name, op]] of order.entries()) {
      const baselineFirst = (round + index) % 2 === 0;
      if (baselineFirst) beside.push((rates[besideOf(name)] = await batch(baseline)));
      rates[name] = await batch(op);
      if (!baselineFirst) beside.push((rates[besideOf(name)] = await batch(baseline)));
    }
    rates[BASELINE] = median(beside);
    rounds.push(rates);
  }
  return rounds;
}

/**
 * The compare-and-swap UPDATE alone, on one 8 KB session, through pg named statements: the whole
 * old session_data compared (what the adapter sent before issue 12) against its signature tail.
 */
async function casOnLargeSession(): Promise<void> {
  const pool = new Pool({ connectionString: await ensurePostgresDatabase(DB_NAME), max: 1 });
  // ~8 KB of JSON that compresses little (hex digests), as a real large session's data may.
  const large = codec.encode({ blob: Array.from({ length: 120 }, (_, i) => createHash("sha256").update(String(i)).digest("hex")) });
  const values = [large, changed(large, 1)];
  const whole = "UPDATE django_session SET session_data = $1, expire_date = $2 WHERE session_key = $3 AND session_data = $4";
  const tail = "UPDATE django_session SET session_data = $1, expire_date = $2 WHERE session_key = $3 AND right(session_data, $4) = $5";
  const key = keys[0]!;
  await pool.query("UPDATE django_session SET session_data = $1 WHERE session_key = $2", [values[0], key]);
  let current = 0;
  const swap = (mode: "whole" | "tail") => {
    const next = values[1 - current]!;
    const old = values[current]!;
    const suffix = old.slice(old.lastIndexOf(":"));
    const expire = new Date(Date.now() + TWO_WEEKS_MS);
    current = 1 - current;
    return mode === "whole"
      ? pool.query({ name: "bench_cas_whole", text: whole, values: [next, expire, key, old] })
      : pool.query({ name: "bench_cas_tail", text: tail, values: [next, expire, key, suffix.length, suffix] });
  };
  const loops = 500;
  const rounds: Rates[] = [];
  for (let round = 0; round < 7; round++) {
    const rates: Rates = {};
    for (const mode of round % 2 ? (["tail", "whole"] as const) : (["whole", "tail"] as const)) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < loops; i++) if ((await swap(mode)).rowCount !== 1) throw new Error("the swap lost");
      rates[mode] = loops / (Number(process.hrtime.bigint() - start) / 1e9);
    }
    rounds.push(rates);
  }
  console.log(`\ncompare-and-swap UPDATE of one ${large.length}-byte session, PostgreSQL, pg named statements (${loops} per round, 7 rounds)`);
  console.table([
    { compared: "whole session_data (before)", "UPDATEs/s": Math.round(medianRate(rounds, "whole")), "vs whole": "1.00×" },
    { compared: "signature tail (now)", "UPDATEs/s": Math.round(medianRate(rounds, "tail")), "vs whole": ratio(rounds, "tail", "whole").text },
  ]);
  await pool.end();
}

const SETUPS: Record<Dialect, () => Promise<Setup>> = { postgres, mysql, sqlite };
const NAMES: Record<Dialect, string> = { postgres: "PostgreSQL", mysql: "MariaDB", sqlite: "SQLite" };

async function main(): Promise<void> {
  header("bench/store");
  console.log(
    `${ROUNDS} rounds of ${BATCH} loops (SQLite ${batchOf("sqlite")}: load, change one key, save) per contender, each beside as many of the baseline, over ${SESSIONS} sessions; pools of ${POOL}, sequential`,
  );
  for (const dialect of DIALECTS) {
    const setup = await SETUPS[dialect]();
    try {
      const rounds = await measure(setup.clients, batchOf(dialect));
      console.log(`\n${NAMES[dialect]}: ratios are medians of per-round ratios to the baseline batch run beside each [min–max]`);
      console.table(
        setup.clients.map(([name]) => {
          const summary = ratio(rounds, name, besideOf(name));
          const target = dialect === "postgres" ? TARGETS[name] : undefined;
          return {
            contender: name,
            "loops/s": Math.round(medianRate(rounds, name)),
            "vs baseline": name === BASELINE ? "1.00×" : summary.text,
            target: target === undefined ? "" : verdict(summary, target),
          };
        }),
      );
    } finally {
      await setup.close();
    }
  }
  if (DIALECTS.includes("postgres")) await casOnLargeSession();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
