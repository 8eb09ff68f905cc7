import { PrismaPg } from "@prisma/adapter-pg";
import { Pool } from "pg";
import { DjangoSessionRepository } from "../../src";
import { createPrismaAdapter } from "../../src/adapters/prisma";
import { defineConformanceSuite } from "../../src/testing";
import { clientFor, prepareTarget, type AnyPrismaClient } from "../adapters/prisma-support";
import { openDatabase, type RawDatabase } from "../support/raw-tables";
import { ensurePostgresDatabase } from "../support/databases";
import { PrismaClient as PgPrismaClient } from "../../src/generated/prisma-pg/client";
import { conformanceDialects } from "./dialects";

// The conformance suite (Django's SessionTestsMixin and database tests) through the Prisma
// adapter; the table is checked with the plain drivers.
const target = prepareTarget("conformance_prisma"); // ds_conformance_prisma (+ test/.tmp/ds_conformance_prisma.sqlite3)

for (const dialect of conformanceDialects()) {
  describe(`prisma ${dialect}`, () => {
    let db: RawDatabase;
    let prisma: AnyPrismaClient;
    beforeAll(async () => {
      db = await openDatabase(dialect, "ds_conformance_prisma");
      await db.recreate();
      prisma = clientFor(dialect, await target);
    });
    afterAll(async () => {
      await prisma.$disconnect();
      await db.close();
    });

    defineConformanceSuite("conformance", { describe, test }, () => ({
      table: db.table,
      repository: (options) => new DjangoSessionRepository({ ...options, adapter: createPrismaAdapter(prisma) }),
    }));
  });
}

// Over `new PrismaPg(pool)` the adapter runs its statements as named prepared statements on that
// pool (PrismaSessionAdapter's preparedStatements): the same suite on that path.
if (conformanceDialects().includes("postgres")) describe("prisma postgres over PrismaPg(pool)", () => {
  let db: RawDatabase;
  let pool: Pool;
  let prisma: PgPrismaClient;
  beforeAll(async () => {
    db = await openDatabase("postgres", "ds_conformance_prisma_pool");
    await db.recreate();
    pool = new Pool({ connectionString: await ensurePostgresDatabase("ds_conformance_prisma_pool"), max: 4 });
    prisma = new PgPrismaClient({ adapter: new PrismaPg(pool) });
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await pool.end();
    await db.close();
  });

  defineConformanceSuite("conformance", { describe, test }, () => ({
    table: db.table,
    repository: (options) => new DjangoSessionRepository({ ...options, adapter: createPrismaAdapter(prisma) }),
  }));
});
