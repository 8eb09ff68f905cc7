import { DataSource, type DataSourceOptions } from "typeorm";
import { createDjangoSessionEntity, createTypeOrmAdapter } from "../../src/adapters/typeorm";
import { ImproperlyConfigured } from "../../src/core/errors";
import { openTypeOrmTarget, type TypeOrmTarget } from "../support/typeorm";
import { defineAdapterSuite, defineEntitySuite } from "./typeorm-suites";

// In the process time zone; typeorm-new-york.test.ts runs the same suites in America/New_York.
defineAdapterSuite("ds_typeorm");
defineEntitySuite("ds_typeorm");

describe("createTypeOrmAdapter configuration", () => {
  let mysql: TypeOrmTarget;
  beforeAll(async () => {
    mysql = await openTypeOrmTarget("mysql", "ds_typeorm");
    await mysql.raw.recreate();
  });
  afterAll(() => mysql.raw.close());

  const openMysql = (options: object) => new DataSource({ ...mysql.dataSourceOptions, ...options } as DataSourceOptions).initialize();

  test("rejects a database type it does not support, naming the supported ones", () => {
    const dataSource = new DataSource({ type: "cockroachdb", url: "postgresql://127.0.0.1:26257/none", timeTravelQueries: false });
    expect(() => createTypeOrmAdapter(dataSource)).toThrow(ImproperlyConfigured);
    expect(() => createTypeOrmAdapter(dataSource)).toThrow(/"cockroachdb".*"postgres", "mysql", "mariadb" or "better-sqlite3"/);
    const inherited = { options: { type: "constructor" } } as unknown as DataSource;
    expect(() => createTypeOrmAdapter(inherited)).toThrow(ImproperlyConfigured);
  });

  test("takes mysql and mariadb alike", () => {
    for (const type of ["mysql", "mariadb"] as const) {
      expect(createTypeOrmAdapter(new DataSource({ type, host: "127.0.0.1" })).dialect).toBe("mysql");
    }
  });

  test("on MySQL without the FOUND_ROWS flag, still counts a same-value update as found", async () => {
    const dataSource = await openMysql({ flags: ["-FOUND_ROWS"] });
    try {
      const adapter = createTypeOrmAdapter(dataSource);
      const row = { sessionKey: "same", sessionData: "same", expireDate: new Date("2026-12-10T12:30:00Z") };
      expect(await adapter.insert(row)).toBe(true);
      // The quirk: with this flag the driver reports 0 affected rows for an unchanged row.
      const runner = dataSource.createQueryRunner();
      const result = await runner.query("UPDATE django_session SET session_data = ? WHERE session_key = ?", ["same", "same"], true);
      await runner.release();
      expect(result.affected).toBe(0);
      expect(await adapter.update(row)).toBe(true);
      expect(await adapter.update({ ...row, sessionKey: "gone" })).toBe(false);
    } finally {
      await dataSource.destroy();
    }
  });

  describe("on MySQL, with an entity mapped to django_session", () => {
    const withEntity = (options: object) => openMysql({ entities: [createDjangoSessionEntity("mysql")], ...options });

    test.each([
      ["the default timezone (local)", {}],
      ['timezone "+01:00"', { timezone: "+01:00" }],
      ['timezone "Z" with dateStrings', { timezone: "Z", dateStrings: true }],
    ])("refuses %s: TypeORM would shift the entity's dates", async (_, options) => {
      const dataSource = await withEntity(options);
      try {
        expect(() => createTypeOrmAdapter(dataSource)).toThrow(ImproperlyConfigured);
        expect(() => createTypeOrmAdapter(dataSource)).toThrow(/set timezone: "Z"/);
      } finally {
        await dataSource.destroy();
      }
    });

    test.each([
      ['timezone "Z"', { timezone: "Z" }, {}],
      ['timezone "+00:00"', { timezone: "+00:00" }, {}],
      ["Django's USE_TZ = False", {}, { time: { useTz: false, timeZone: "America/New_York" } }],
      ["the adapter on another table", {}, { table: "custom_session" }],
    ])("accepts %s", async (_, options, adapterOptions) => {
      const dataSource = await withEntity(options);
      try {
        expect(createTypeOrmAdapter(dataSource, adapterOptions).dialect).toBe("mysql");
      } finally {
        await dataSource.destroy();
      }
    });
  });
});

describe("createDjangoSessionEntity options", () => {
  test("an unknown dialect is a configuration error that lists the known ones", () => {
    expect(() => createDjangoSessionEntity("mariadb" as "mysql")).toThrow(ImproperlyConfigured);
    expect(() => createDjangoSessionEntity("mariadb" as "mysql")).toThrow(/"postgres", "mysql" \(for MariaDB too\) or "sqlite"/);
  });

  test("a custom table gets Django's index names for it", async () => {
    const entity = createDjangoSessionEntity("postgres", { table: "accounts_session" });
    const target = await openTypeOrmTarget("postgres", "ds_typeorm");
    const dataSource = await new DataSource({ ...target.dataSourceOptions, entities: [entity] } as DataSourceOptions).initialize();
    try {
      const metadata = dataSource.getMetadata(entity);
      expect(metadata.tableName).toBe("accounts_session");
      // What the schema editor's `_create_index_name` gives for this table in Django 3.2.25 and 5.2.17.
      expect(metadata.indices.map((index) => index.name).sort()).toEqual([
        "accounts_session_expire_date_5bbfba7c",
        "accounts_session_session_key_b186966f_like",
      ]);
    } finally {
      await dataSource.destroy();
      await target.raw.close();
    }
  });

  test("on SQLite, Django's USE_TZ = False stores TIME_ZONE wall-clock text", async () => {
    const target = await openTypeOrmTarget("sqlite", "ds_typeorm_naive");
    await target.raw.recreate();
    const entity = createDjangoSessionEntity("sqlite", { time: { useTz: false, timeZone: "America/New_York" } });
    const dataSource = await new DataSource({ ...target.dataSourceOptions, entities: [entity] } as DataSourceOptions).initialize();
    try {
      const repository = dataSource.getRepository(entity);
      await repository.insert({ sessionKey: "k", sessionData: "v", expireDate: new Date("2026-12-10T12:30:00Z") });
      expect(await target.row("k")).toEqual({ sessionData: "v", expire: "2026-12-10 07:30:00" });
      expect((await repository.findOneBy({ sessionKey: "k" }))!.expireDate).toEqual(new Date("2026-12-10T12:30:00Z"));
    } finally {
      await dataSource.destroy();
      await target.raw.close();
    }
  });
});
