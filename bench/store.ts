// Store loop (issue: storage): load a session by key, change one value, save — 5,000 sessions,
// sequential, against PostgreSQL. Side by side in one run, interleaved in rounds so machine drift
// hits every client alike: raw `pg` doing one SELECT and one UPDATE, and DjangoSessionRepository
// over the TypeORM and Prisma adapters (which also sign, encode and decode every session).
// Targets: TypeORM >= 0.9x raw pg, Prisma >= 0.75x raw pg.
import "reflect-metadata";
import { PrismaPg } from "@prisma/adapter-pg";
import { Pool } from "pg";
import { DataSource } from "typeorm";
import { DjangoSessionRepository, silentLogger, SessionCodec, SqlRowAdapter } from "../src";
import { createPrismaAdapter } from "../src/adapters/prisma";
import { createTypeOrmAdapter } from "../src/adapters/typeorm";
import { PrismaClient } from "../src/generated/prisma-pg/client";
import { ensurePostgresDatabase } from "../test/support/databases";

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 5000);
const ROUNDS = 5;
const SECRET = "bench-store-secret-key-0123456789abcdef";

type Op = (key: string, i: number) => Promise<void>;

async function main(): Promise<void> {
  const url = await ensurePostgresDatabase("ds_bench");
  const pool = new Pool({ connectionString: url, max: 10 });
  await pool.query("DROP TABLE IF EXISTS django_session");
  await pool.query(
    'CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" timestamp with time zone NOT NULL)',
  );
  await pool.query('CREATE INDEX "django_session_expire_date_a5c62663" ON "django_session" ("expire_date")');
  const codec = new SessionCodec({ secretKey: SECRET, logger: silentLogger });
  const keys = Array.from({ length: SESSIONS }, (_, i) => `benchsession${String(i).padStart(20, "0")}`);
  const initial = codec.encode({ _auth_user_id: "1", _auth_user_backend: "django.contrib.auth.backends.ModelBackend", counter: 0 });
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    await pool.query(
      `INSERT INTO django_session VALUES ${chunk.map((_, j) => `($${j * 3 + 1}, $${j * 3 + 2}, $${j * 3 + 3})`).join(",")}`,
      chunk.flatMap((k) => [k, initial, new Date(Date.now() + 86_400_000)]),
    );
  }

  const dataSource = await new DataSource({ type: "postgres", url, poolSize: 10 }).initialize();
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 10 }) });
  await prisma.$connect();
  const viaTypeOrm = new DjangoSessionRepository({ secretKey: SECRET, adapter: createTypeOrmAdapter(dataSource), logger: silentLogger });
  const viaPrisma = new DjangoSessionRepository({ secretKey: SECRET, adapter: createPrismaAdapter(prisma), logger: silentLogger });

  // The repository over plain pg (no ORM): isolates what the ORMs add from what the repository adds.
  const viaPg = new DjangoSessionRepository({
    secretKey: SECRET,
    logger: silentLogger,
    adapter: new SqlRowAdapter({
      dialect: "postgres",
      query: async (sql, params) => (await pool.query(sql, params as unknown[])).rows,
      execute: async (sql, params) => (await pool.query(sql, params as unknown[])).rowCount ?? 0,
      isUniqueViolation: (error) => (error as { code?: string }).code === "23505",
    }),
  });
  const repoLoop =
    (repository: DjangoSessionRepository): Op =>
    async (key, i) => {
      const session = repository.get(key);
      await session.get("counter");
      await session.set("counter", i);
      await session.save();
    };
  const clients: [string, Op][] = [
    [
      "raw pg (SELECT + UPDATE)",
      async (key, i) => {
        const { rows } = await pool.query("SELECT session_data, expire_date FROM django_session WHERE session_key = $1 AND expire_date > $2", [key, new Date()]);
        if (rows.length !== 1) throw new Error("missing row");
        await pool.query("UPDATE django_session SET session_data = $1, expire_date = $2 WHERE session_key = $3", [`${rows[0].session_data.slice(0, -1)}${i % 10}`, new Date(Date.now() + 1209600_000), key]);
      },
    ],
    ["pg + repository (no ORM)", repoLoop(viaPg)],
    ["TypeORM adapter + repository", repoLoop(viaTypeOrm)],
    ["Prisma adapter + repository", repoLoop(viaPrisma)],
  ];

  // Warm-up, then ROUNDS rounds of SESSIONS/ROUNDS ops per client, order reversed every other round.
  for (const [, op] of clients) for (let i = 0; i < 300; i++) await op(keys[i], i);
  const elapsed = new Map<string, number>(clients.map(([name]) => [name, 0]));
  const perRound = Math.ceil(SESSIONS / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...clients].reverse() : clients;
    for (const [name, op] of order) {
      const start = process.hrtime.bigint();
      for (let i = round * perRound; i < Math.min(SESSIONS, (round + 1) * perRound); i++) await op(keys[i], i);
      elapsed.set(name, elapsed.get(name)! + Number(process.hrtime.bigint() - start) / 1e9);
    }
  }
  const raw = SESSIONS / elapsed.get(clients[0][0])!;
  const targets: Record<string, number> = { "TypeORM adapter + repository": 0.9, "Prisma adapter + repository": 0.75 };
  console.table(
    clients.map(([name]) => {
      const rate = SESSIONS / elapsed.get(name)!;
      const target = targets[name];
      return {
        client: name,
        "loops/s": Math.round(rate),
        "vs raw pg": `${(rate / raw).toFixed(2)}x`,
        target: target ? `${target}x ${rate / raw >= target ? "met" : "MISSED"}` : "",
      };
    }),
  );
  await Promise.all([pool.end(), dataSource.destroy(), prisma.$disconnect()]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
