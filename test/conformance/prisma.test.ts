import { DjangoSessionRepository } from "../../src";
import { createPrismaAdapter } from "../../src/adapters/prisma";
import { defineConformanceSuite } from "../../src/testing";
import { clientFor, prepareTarget, type AnyPrismaClient } from "../adapters/prisma-support";
import { openDatabase, type RawDatabase } from "../support/raw-tables";
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
