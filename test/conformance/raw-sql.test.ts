import { DjangoSessionRepository, SqlRowAdapter } from "../../src";
import { defineConformanceSuite } from "../../src/testing";
import { openDatabase, type RawDatabase } from "../support/raw-tables";
import { conformanceDialects } from "./dialects";

// The baseline: the conformance suite through SqlRowAdapter over the plain drivers (pg, mysql2,
// better-sqlite3). The Prisma and TypeORM adapters run the same suite in their own files.
for (const dialect of conformanceDialects()) {
  describe(`raw ${dialect}`, () => {
    let db: RawDatabase;
    beforeAll(async () => {
      db = await openDatabase(dialect, "ds_conformance_raw");
      await db.recreate();
    });
    afterAll(() => db.close());

    defineConformanceSuite("conformance", { describe, test }, () => ({
      table: db.table,
      repository: (options) => new DjangoSessionRepository({ ...options, adapter: new SqlRowAdapter(db.executor) }),
    }));
  });
}
