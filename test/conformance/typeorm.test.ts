import { DataSource } from "typeorm";
import { DjangoSessionRepository } from "../../src";
import { createTypeOrmAdapter } from "../../src/adapters/typeorm";
import { defineConformanceSuite } from "../../src/testing";
import { conformanceDialects } from "./dialects";
import { openTypeOrmTarget, type TypeOrmTarget } from "../support/typeorm";

// The conformance suite through the TypeORM adapter, on DataSources configured as TypeORM's
// defaults have them (MySQL's timezone "local" included).
for (const dialect of conformanceDialects()) {
  describe(`typeorm ${dialect}`, () => {
    let target: TypeOrmTarget;
    let dataSource: DataSource;
    beforeAll(async () => {
      target = await openTypeOrmTarget(dialect, "ds_conformance_typeorm");
      await target.raw.recreate();
      dataSource = await new DataSource(target.dataSourceOptions).initialize();
    });
    afterAll(async () => {
      await dataSource.destroy();
      await target.raw.close();
    });

    defineConformanceSuite("conformance", { describe, test }, () => ({
      table: target.raw.table,
      repository: (options) => new DjangoSessionRepository({ ...options, adapter: createTypeOrmAdapter(dataSource) }),
    }));
  });
}
