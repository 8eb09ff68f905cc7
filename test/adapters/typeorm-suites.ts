/**
 * The TypeORM adapter's and entity's tests, shared by the files that run them (in the process
 * time zone, and again in America/New_York). Everything runs against the real databases; every
 * row is written and checked with the plain driver, never through TypeORM.
 */
import { DataSource, LessThan, MoreThan, QueryFailedError, type DataSourceOptions, type Repository } from "typeorm";
import {
  createTypeOrmAdapter,
  MysqlDjangoSession,
  PostgresDjangoSession,
  SqliteDjangoSession,
  type DjangoSessionEntity,
} from "../../src/adapters/typeorm";
import type { SessionRowAdapter } from "../../src/engines/row-adapter";
import type { Dialect } from "../support/databases";
import { openTypeOrmTarget, QueryLog, sixDigits, type TypeOrmTarget } from "../support/typeorm";

const ZONE = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** The clock in these tests (no test depends on the wall clock). */
const NOW = new Date("2026-12-10T06:00:00Z");
/** A live row as Django writes it: naive UTC with microseconds. */
const LIVE = "2026-12-10 06:34:07.123456";
const LIVE_DATE = new Date(Date.UTC(2026, 11, 10, 6, 34, 7, 123));
const EXPIRED = "2026-12-10 05:59:59.999999";

/** The stored text we expect where Django's text is `text`. */
const stored = (dialect: Dialect, text: string) => (dialect === "sqlite" ? text : sixDigits(text));

interface AdapterVariant {
  name: string;
  dialect: Dialect;
  options?: Partial<DataSourceOptions>;
}

const ADAPTER_VARIANTS: AdapterVariant[] = [
  { name: "postgres", dialect: "postgres" },
  // A server whose default TimeZone is not UTC (Django sets UTC on its own connections only).
  { name: "postgres, server TimeZone America/New_York", dialect: "postgres", options: { extra: { options: "-c TimeZone=America/New_York" } } },
  // TypeORM's default timezone, "local", shifts Date values by the process offset; our SQL binds text.
  { name: "mysql, default timezone (local)", dialect: "mysql" },
  { name: 'mariadb, timezone "Z"', dialect: "mysql", options: { type: "mariadb", timezone: "Z" } as Partial<DataSourceOptions> },
  { name: "better-sqlite3", dialect: "sqlite" },
];

/** Every `SessionRowAdapter` method's contract, per database and DataSource configuration. */
export function defineAdapterSuite(databaseName: string): void {
  const targets = new Map<Dialect, TypeOrmTarget>();
  beforeAll(async () => {
    for (const dialect of ["postgres", "mysql", "sqlite"] as const) {
      const target = await openTypeOrmTarget(dialect, databaseName);
      await target.raw.recreate();
      targets.set(dialect, target);
    }
  });
  afterAll(async () => {
    for (const target of targets.values()) await target.raw.close();
  });

  describe.each(ADAPTER_VARIANTS)(`createTypeOrmAdapter: $name (TZ=${ZONE()})`, ({ dialect, options }) => {
    let target: TypeOrmTarget;
    let dataSource: DataSource;
    let adapter: SessionRowAdapter;
    const log = new QueryLog();

    beforeAll(async () => {
      target = targets.get(dialect)!;
      dataSource = await new DataSource({ ...target.dataSourceOptions, ...options, logger: log } as DataSourceOptions).initialize();
      adapter = createTypeOrmAdapter(dataSource);
    });
    afterAll(() => dataSource.destroy());
    beforeEach(() => target.raw.table.truncate());

    test("reports its dialect", () => {
      expect(adapter.dialect).toBe(dialect);
    });

    describe("load", () => {
      test("returns a live row written by Django, with its exact expire_date", async () => {
        await target.insertDjangoRow("live", "data-live", LIVE);
        await target.insertDjangoRow("whole", "data-whole", "2026-12-10 07:00:00");
        expect(await adapter.load("live", NOW)).toEqual({ sessionData: "data-live", expireDate: LIVE_DATE });
        expect(await adapter.load("whole", NOW)).toEqual({ sessionData: "data-whole", expireDate: new Date("2026-12-10T07:00:00Z") });
      });

      test("ignores expired rows and rows expiring exactly now (Django: expire_date > now)", async () => {
        await target.insertDjangoRow("dead", "d", EXPIRED);
        await target.insertDjangoRow("edge", "e", "2026-12-10 06:00:00");
        expect(await adapter.load("dead", NOW)).toBeNull();
        expect(await adapter.load("edge", NOW)).toBeNull();
        expect(await adapter.load("edge", new Date(NOW.getTime() - 1))).not.toBeNull();
      });

      test("returns null for an unknown key", async () => {
        expect(await adapter.load("missing", NOW)).toBeNull();
      });
    });

    test("exists sees expired rows too, and not missing ones", async () => {
      await target.insertDjangoRow("dead", "d", EXPIRED);
      expect(await adapter.exists("dead")).toBe(true);
      expect(await adapter.exists("missing")).toBe(false);
    });

    describe("insert", () => {
      test("writes expire_date exactly as Django does", async () => {
        expect(await adapter.insert({ sessionKey: "a", sessionData: "A", expireDate: new Date("2026-12-10T12:30:00.500Z") })).toBe(true);
        expect(await adapter.insert({ sessionKey: "b", sessionData: "B", expireDate: new Date("2026-12-10T14:00:00Z") })).toBe(true);
        expect(await target.row("a")).toEqual({ sessionData: "A", expire: stored(dialect, "2026-12-10 12:30:00.500000") });
        expect(await target.row("b")).toEqual({ sessionData: "B", expire: stored(dialect, "2026-12-10 14:00:00") });
      });

      test("returns false on a duplicate key and leaves the existing row alone", async () => {
        await target.insertDjangoRow("taken", "original", LIVE);
        const intruder = { sessionKey: "taken", sessionData: "intruder", expireDate: new Date("2030-01-01T00:00:00Z") };
        expect(await adapter.insert(intruder)).toBe(false);
        expect(await target.row("taken")).toEqual({ sessionData: "original", expire: stored(dialect, LIVE) });
      });

      test("rethrows other errors, other constraint violations included", async () => {
        await expect(adapter.insert({ sessionKey: "k", sessionData: null as unknown as string, expireDate: NOW })).rejects.toThrow(/null/i);
        expect(await target.keys()).toEqual([]);
      });
    });

    describe("update", () => {
      test("rewrites data and expire_date of an existing row", async () => {
        await target.insertDjangoRow("k", "old", LIVE);
        expect(await adapter.update({ sessionKey: "k", sessionData: "new", expireDate: new Date("2026-12-24T14:00:00Z") })).toBe(true);
        expect(await target.row("k")).toEqual({ sessionData: "new", expire: stored(dialect, "2026-12-24 14:00:00") });
      });

      test("returns false for a vanished row and never inserts", async () => {
        expect(await adapter.update({ sessionKey: "gone", sessionData: "x", expireDate: NOW })).toBe(false);
        expect(await target.keys()).toEqual([]);
      });

      test("counts a same-value update as found", async () => {
        const row = { sessionKey: "same", sessionData: "same", expireDate: new Date("2026-12-10T12:30:00.500Z") };
        expect(await adapter.insert(row)).toBe(true);
        expect(await adapter.update(row)).toBe(true);
        expect(await adapter.update(row, "same")).toBe(true);
      });

      test("with expectedData, is a compare-and-swap on session_data", async () => {
        await target.insertDjangoRow("k", "v1", LIVE);
        const next = { sessionKey: "k", sessionData: "v2", expireDate: new Date("2026-12-24T14:00:00Z") };
        expect(await adapter.update(next, "stale")).toBe(false);
        expect(await target.row("k")).toEqual({ sessionData: "v1", expire: stored(dialect, LIVE) });
        expect(await adapter.update(next, "v1")).toBe(true);
        expect(await target.row("k")).toEqual({ sessionData: "v2", expire: stored(dialect, "2026-12-24 14:00:00") });
        expect(await adapter.update({ ...next, sessionKey: "gone" }, "v1")).toBe(false);
        expect(await target.keys()).toEqual(["k"]);
      });
    });

    test("delete removes the row, and is quiet for a missing one", async () => {
      await target.insertDjangoRow("k", "v", LIVE);
      await target.insertDjangoRow("other", "v", LIVE);
      await adapter.delete("k");
      await adapter.delete("missing");
      expect(await target.keys()).toEqual(["other"]);
    });

    describe("deleteExpired", () => {
      test("deletes at most `limit` rows, only expired ones (Django: expire_date < now)", async () => {
        await target.insertDjangoRows([
          ...[0, 1, 2, 3, 4].map((i): [string, string, string] => [`dead${i}`, "d", `2026-12-10 05:0${i}:00.5`]),
          ["live", "l", LIVE],
          ["edge", "e", "2026-12-10 06:00:00"],
        ]);
        expect(await adapter.deleteExpired(NOW, 2)).toBe(2);
        expect(await adapter.deleteExpired(NOW, 10)).toBe(3);
        expect(await adapter.deleteExpired(NOW, 10)).toBe(0);
        expect(await target.keys()).toEqual(["edge", "live"]);
      });

      test("concurrent runs never fail and never count a row twice", async () => {
        const expired = 60;
        const minute = (i: number) => String(i).padStart(2, "0");
        await target.insertDjangoRows([
          ...Array.from({ length: expired }, (_, i): [string, string, string] => [`dead${minute(i)}`, "d", `2026-12-10 05:${minute(i)}:00`]),
          ["live", "l", LIVE],
        ]);
        const counts = await Promise.all([1, 2, 3, 4].map(() => adapter.deleteExpired(NOW, 20)));
        for (const n of counts) expect(n).toBeLessThanOrEqual(20);
        const total = counts.reduce((a, b) => a + b, 0);
        expect((await target.keys()).length).toBe(expired + 1 - total);
        let rest = 0;
        for (let n; (n = await adapter.deleteExpired(NOW, 50)) > 0; ) rest += n;
        expect(total + rest).toBe(expired);
        expect(await target.keys()).toEqual(["live"]);
      });
    });

    test("sends one statement per operation", async () => {
      const row = { sessionKey: "q", sessionData: "v", expireDate: new Date("2026-12-10T12:30:00Z") };
      const verbs = async (action: () => Promise<unknown>) => (await log.during(action)).map((sql) => sql.split(" ")[0]);
      expect(await verbs(() => adapter.insert(row))).toEqual(["INSERT"]);
      expect(await verbs(() => adapter.insert(row))).toEqual(["INSERT"]); // the duplicate too
      expect(await verbs(() => adapter.load("q", NOW))).toEqual(["SELECT"]);
      expect(await verbs(() => adapter.exists("q"))).toEqual(["SELECT"]);
      expect(await verbs(() => adapter.update(row))).toEqual(["UPDATE"]);
      expect(await verbs(() => adapter.update(row, "v"))).toEqual(["UPDATE"]);
      expect(await verbs(() => adapter.delete("q"))).toEqual(["DELETE"]);
      expect(await verbs(() => adapter.deleteExpired(NOW, 10))).toEqual(["DELETE"]);
    });
  });
}

const ENTITY_CASES = [
  { dialect: "postgres" as Dialect, entity: PostgresDjangoSession, options: {} },
  // Django keeps naive UTC in datetime(6); TypeORM reads it as UTC only with timezone "Z".
  { dialect: "mysql" as Dialect, entity: MysqlDjangoSession, options: { timezone: "Z" } },
  { dialect: "sqlite" as Dialect, entity: SqliteDjangoSession, options: {} },
];

const DUPLICATE_KEY_CODE: Record<Dialect, string> = {
  postgres: "23505",
  mysql: "ER_DUP_ENTRY",
  sqlite: "SQLITE_CONSTRAINT_PRIMARYKEY",
};

/** The entity through a TypeORM `Repository`, against rows Django wrote. */
export function defineEntitySuite(databaseName: string): void {
  describe.each(ENTITY_CASES)(`DjangoSession entity: $dialect (TZ=${ZONE()})`, ({ dialect, entity, options }) => {
    let target: TypeOrmTarget;
    let dataSource: DataSource;
    let repository: Repository<DjangoSessionEntity>;
    const open = (extra: Partial<DataSourceOptions> = {}) =>
      new DataSource({ ...target.dataSourceOptions, ...options, entities: [entity], ...extra } as DataSourceOptions).initialize();

    beforeAll(async () => {
      target = await openTypeOrmTarget(dialect, databaseName);
      await target.raw.recreate();
      dataSource = await open();
      repository = dataSource.getRepository(entity);
    });
    afterAll(async () => {
      await dataSource.destroy();
      await target.raw.close();
    });
    beforeEach(async () => {
      await target.raw.table.truncate();
      await target.insertDjangoRows([
        ["live", "data-live", LIVE],
        ["whole", "data-whole", "2026-12-10 07:00:00"],
        ["dead", "data-dead", EXPIRED],
      ]);
    });

    test("findOneBy reads rows Django wrote, to the millisecond", async () => {
      expect(await repository.findOneBy({ sessionKey: "live" })).toEqual({ sessionKey: "live", sessionData: "data-live", expireDate: LIVE_DATE });
      expect((await repository.findOneBy({ sessionKey: "whole" }))!.expireDate).toEqual(new Date("2026-12-10T07:00:00Z"));
    });

    test("MoreThan/LessThan on expireDate agree with Django's expiry", async () => {
      const keys = async (where: object) => (await repository.find({ where, order: { sessionKey: "ASC" } })).map((s) => s.sessionKey);
      expect(await keys({ expireDate: MoreThan(NOW) })).toEqual(["live", "whole"]);
      expect(await keys({ expireDate: LessThan(NOW) })).toEqual(["dead"]);
    });

    test("insert writes Django's format, and the row reads back", async () => {
      await repository.insert({ sessionKey: "orm", sessionData: "data-orm", expireDate: new Date("2026-12-10T12:30:00.500Z") });
      expect(await target.row("orm")).toEqual({ sessionData: "data-orm", expire: stored(dialect, "2026-12-10 12:30:00.500000") });
      expect((await repository.findOneBy({ sessionKey: "orm" }))!.expireDate).toEqual(new Date("2026-12-10T12:30:00.500Z"));
    });

    test("insert of an existing key fails with the driver's duplicate-key code", async () => {
      const error = await repository.insert({ sessionKey: "live", sessionData: "x", expireDate: NOW }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueryFailedError);
      expect((error as { code?: string }).code).toBe(DUPLICATE_KEY_CODE[dialect]);
      expect((await target.row("live"))!.sessionData).toBe("data-live");
    });

    test("update writes Django's format and reports the affected rows", async () => {
      const result = await repository.update({ sessionKey: "live" }, { sessionData: "changed", expireDate: new Date("2026-12-10T14:00:00Z") });
      expect(result.affected).toBe(1);
      expect(await target.row("live")).toEqual({ sessionData: "changed", expire: stored(dialect, "2026-12-10 14:00:00") });
      expect((await repository.update({ sessionKey: "missing" }, { sessionData: "x" })).affected).toBe(0);
    });

    test("carries Django's table and index names", () => {
      const metadata = dataSource.getMetadata(entity);
      expect(metadata.tableName).toBe("django_session");
      expect(metadata.indices.map((index) => index.name)).toContain("django_session_expire_date_a5c62663");
    });

    test("schema sync plans nothing for Django's table", async () => {
      expect((await dataSource.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
    });

    test("a DataSource with synchronize: true leaves Django's table as it was", async () => {
      const before = await target.columnTypes();
      await (await open({ synchronize: true })).destroy();
      expect(await target.columnTypes()).toEqual(before);
      expect(await target.row("live")).toEqual({ sessionData: "data-live", expire: stored(dialect, LIVE) });
    });

    // SQLite's column is text on purpose (TypeORM's datetime reading is wrong there), so only
    // PostgreSQL and MySQL can match Django's DDL column for column.
    if (dialect !== "sqlite") {
      test("its columns and indexes match Django's DDL: even a forced sync plans nothing", async () => {
        const metadata = dataSource.getMetadata(entity);
        metadata.synchronize = true;
        try {
          expect((await dataSource.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
        } finally {
          metadata.synchronize = false;
        }
      });
    }
  });
}
