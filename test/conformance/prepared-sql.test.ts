import { DjangoSessionRepository, SqlRowAdapter } from "../../src";
import { defineConformanceSuite } from "../../src/testing";
import { openDriverExecutor, type DriverExecutor } from "../adapters/driver-executors";
import { openDatabase, type RawDatabase } from "../support/raw-tables";
import { conformanceDialects } from "./dialects";

// The conformance suite through SqlRowAdapter over the package's driver executors, which run the
// adapter's named statements as prepared statements (pg named statements, mysql2 execute, kept
// better-sqlite3 statements). The table is read and written with the plain drivers.
for (const dialect of conformanceDialects()) {
  describe(`prepared ${dialect}`, () => {
    let db: RawDatabase;
    let driver: DriverExecutor;
    beforeAll(async () => {
      db = await openDatabase(dialect, "ds_conformance_prepared");
      await db.recreate();
      driver = await openDriverExecutor(dialect, "ds_conformance_prepared");
    });
    afterAll(async () => {
      await driver.close();
      await db.close();
    });

    defineConformanceSuite("conformance", { describe, test }, () => ({
      table: db.table,
      repository: (options) => new DjangoSessionRepository({ ...options, adapter: new SqlRowAdapter(driver.executor) }),
    }));
  });
}
