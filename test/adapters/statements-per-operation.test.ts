/**
 * What each adapter sends per session operation, counted where the statements leave for the
 * database: pg's `Client.query`, mysql2's connection `query`/`execute`, better-sqlite3's
 * statement `run`/`all`/`get` (for Prisma on MariaDB, whose driver is `mariadb`, Prisma's own query
 * events). Through the repository: a read is 1 SELECT, a session never touched 0 statements, a
 * save 1 UPDATE (the compare-and-swap), a new session 1 INSERT. And where the adapter runs its
 * statements as prepared statements, the database says so.
 */
import Database from "better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import mysql2 from "mysql2";
import pg from "pg";
import { DataSource, type DataSourceOptions } from "typeorm";
import { DjangoSessionRepository, SqlRowAdapter, silentLogger, type SessionRowAdapter } from "../../src";
import { createPrismaAdapter } from "../../src/adapters/prisma";
import { createTypeOrmAdapter } from "../../src/adapters/typeorm";
import { PrismaClient as PgPrismaClient } from "../../src/generated/prisma-pg/client";
import { ensurePostgresDatabase, type Dialect } from "../support/databases";
import { openDatabase } from "../support/raw-tables";
import { openTypeOrmTarget } from "../support/typeorm";
import { openDriverExecutor } from "./driver-executors";
import { clientFor, openRaw, prepareTarget, recordQueries } from "./prisma-support";

const DB = "ds_statements";
const PRISMA_TARGET = prepareTarget("statements_prisma");
// Every statement of the process is recorded (the spies below): the target's CREATE DATABASE, which
// only a first run on a new machine sends, must be over before any case records.
beforeAll(async () => {
  await PRISMA_TARGET;
});

/** Every statement sent while `recording`, from any library in this process. */
const sent: string[] = [];
let recording = false;
/** better-sqlite3 `prepare` calls, from any library in this process. */
let prepared = 0;
const record = (sql: unknown) => {
  if (recording) sent.push(String(typeof sql === "string" ? sql : (sql as { text?: unknown; sql?: unknown }).text ?? (sql as { sql?: unknown }).sql));
};

type Method = (this: unknown, ...args: unknown[]) => unknown;
/** How to put every spied method back (better-sqlite3's Statement is native: shared by the files a Jest worker runs). */
const restore: (() => void)[] = [];
function spy(target: Record<string, unknown>, method: string, sqlOf: (self: unknown, args: unknown[]) => unknown): void {
  const original = target[method] as Method;
  target[method] = function (this: unknown, ...args: unknown[]) {
    record(sqlOf(this, args));
    return original.apply(this, args);
  };
  restore.push(() => (target[method] = original));
}

beforeAll(() => {
  spy(pg.Client.prototype as unknown as Record<string, unknown>, "query", (_, [config]) => config);
  // mysql2's BaseConnection, under Connection and PoolConnection alike.
  const mysqlConnection = Object.getPrototypeOf(mysql2.Connection.prototype) as Record<string, unknown>;
  spy(mysqlConnection, "query", (_, [sql]) => sql);
  spy(mysqlConnection, "execute", (_, [sql]) => sql);
  const memory = new Database(":memory:");
  const statement = Object.getPrototypeOf(memory.prepare("SELECT 1")) as Record<string, unknown>;
  memory.close();
  for (const method of ["run", "all", "get", "iterate"]) spy(statement, method, (self) => (self as { source: string }).source);
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function (this: Database.Database, sql: string) {
    prepared++;
    return prepare.call(this, sql);
  } as typeof prepare;
  restore.push(() => (Database.prototype.prepare = prepare));
});
afterAll(() => {
  for (const undo of restore.reverse()) undo();
});

interface Opened {
  adapter: SessionRowAdapter;
  /** The statements to count: the drivers' (default) or Prisma's query events. */
  events?: string[];
  /** What the database says about prepared statements on the adapter's only connection. */
  prepared?: () => Promise<string[]>;
  close(): Promise<void>;
}

interface Variant {
  name: string;
  dialect: Dialect;
  /** Whether the adapter runs its statements as prepared statements. */
  prepares: boolean;
  open(): Promise<Opened>;
}

const PG_PREPARED = "SELECT name FROM pg_prepared_statements WHERE name LIKE 'ds\\_%' ORDER BY name";
const MYSQL_EXECUTES = "SHOW SESSION STATUS LIKE 'Com_stmt_execute'";

/** pg: the names of the prepared statements; MariaDB: how many were executed, as one entry. */
function preparedOn(dialect: Dialect, query: (sql: string) => Promise<Record<string, unknown>[]>): (() => Promise<string[]>) | undefined {
  if (dialect === "postgres") return async () => (await query(PG_PREPARED)).map((row) => String(row.name).replace(/_[0-9a-f]{12}$/, ""));
  if (dialect === "mysql") return async () => (await query(MYSQL_EXECUTES)).map((row) => `executed ${String(row.Value ?? row.value)}`);
  return undefined;
}

const DIALECTS: Dialect[] = ["postgres", "mysql", "sqlite"];

const VARIANTS: Variant[] = [
  ...DIALECTS.map(
    (dialect): Variant => ({
      name: `SqlRowAdapter over the driver executor (prepared), ${dialect}`,
      dialect,
      prepares: true,
      async open() {
        const driver = await openDriverExecutor(dialect, DB, { connections: 1 });
        return { adapter: new SqlRowAdapter(driver.executor), prepared: preparedOn(dialect, driver.query), close: driver.close };
      },
    }),
  ),
  ...DIALECTS.map(
    (dialect): Variant => ({
      name: `SqlRowAdapter over the driver executor, prepared: false, ${dialect}`,
      dialect,
      prepares: false,
      async open() {
        const driver = await openDriverExecutor(dialect, DB, { connections: 1, prepared: false });
        return { adapter: new SqlRowAdapter(driver.executor), prepared: preparedOn(dialect, driver.query), close: driver.close };
      },
    }),
  ),
  ...DIALECTS.flatMap((dialect): Variant[] =>
    [true, false].map((preparedStatements) => ({
      name: `TypeORM${preparedStatements ? "" : ", preparedStatements: false"}, ${dialect}`,
      dialect,
      // TypeORM's own better-sqlite3 runner keeps statements too (statementCacheSize).
      prepares: preparedStatements || dialect === "sqlite",
      async open() {
        const target = await openTypeOrmTarget(dialect, DB);
        await target.raw.close();
        const pool = dialect === "sqlite" ? {} : { poolSize: 1 };
        const dataSource = await new DataSource({ ...target.dataSourceOptions, ...pool } as DataSourceOptions).initialize();
        return {
          adapter: createTypeOrmAdapter(dataSource, { preparedStatements }),
          prepared: preparedOn(dialect, (sql) => dataSource.query(sql)),
          close: () => dataSource.destroy(),
        };
      },
    })),
  ),
  ...DIALECTS.map(
    (dialect): Variant => ({
      name: `Prisma, ${dialect}`,
      dialect,
      prepares: false,
      async open() {
        const target = await PRISMA_TARGET;
        const raw = await openRaw(dialect, target);
        await raw.recreate();
        await raw.close();
        const prisma = clientFor(dialect, target);
        const events = recordQueries(prisma);
        const adapter = createPrismaAdapter(prisma);
        await adapter.exists("warm-up");
        return { adapter, events, close: () => prisma.$disconnect() };
      },
    }),
  ),
  {
    name: "Prisma over new PrismaPg(pool), postgres",
    dialect: "postgres",
    prepares: true,
    async open() {
      const pool = new pg.Pool({ connectionString: await ensurePostgresDatabase(DB), max: 1 });
      const prisma = new PgPrismaClient({ adapter: new PrismaPg(pool) });
      return {
        adapter: createPrismaAdapter(prisma),
        prepared: preparedOn("postgres", async (sql) => (await pool.query(sql)).rows),
        close: async () => {
          await prisma.$disconnect();
          await pool.end();
        },
      };
    },
  },
];

const verbOf = (sql: string) => /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase();

describe.each(VARIANTS)("$name", ({ dialect, prepares, open }) => {
  let opened: Opened;
  let repository: DjangoSessionRepository;
  beforeAll(async () => {
    const raw = await openDatabase(dialect, DB);
    await raw.recreate();
    await raw.close();
    opened = await open();
    repository = new DjangoSessionRepository({ secretKey: "statements-secret", adapter: opened.adapter, logger: silentLogger });
  });
  afterAll(() => opened.close());

  /** The verbs of the statements `action` sent. */
  async function verbs(action: () => Promise<unknown>): Promise<(string | undefined)[]> {
    const log = opened.events ?? sent;
    const from = log.length;
    recording = true;
    try {
      await action();
    } finally {
      recording = false;
    }
    return log.slice(from).map(verbOf);
  }

  test("create 1 INSERT, untouched 0, read 1 SELECT, save 1 UPDATE", async () => {
    const created = repository.get();
    await created.set("n", 1);
    expect(await verbs(() => created.save())).toEqual(["INSERT"]);
    const key = created.sessionKey!;

    expect(await verbs(() => repository.get(key).saveIfModified())).toEqual([]);

    const read = repository.get(key);
    expect(
      await verbs(async () => {
        expect(await read.get("n")).toBe(1);
        expect(await read.saveIfModified()).toBe(false);
      }),
    ).toEqual(["SELECT"]);

    const changed = repository.get(key);
    await changed.set("n", 2);
    expect(await verbs(() => changed.save())).toEqual(["UPDATE"]);
    expect(await repository.get(key).get("n")).toBe(2);
  });

  test("a second request of the same kind sends the same statements", async () => {
    const session = repository.get();
    await session.set("n", 1);
    await session.save();
    for (let i = 0; i < 2; i++) {
      const again = repository.get(session.sessionKey!);
      expect(await verbs(async () => (await again.set("n", i + 10), await again.save()))).toEqual(["SELECT", "UPDATE"]);
    }
  });

  if (prepares && dialect === "sqlite") {
    test("prepares each statement once, then only runs it", async () => {
      const session = repository.get();
      await session.set("n", 1);
      await session.save();
      const again = async () => {
        const s = repository.get(session.sessionKey!);
        await s.set("n", 2);
        await s.save();
      };
      await again();
      const before = prepared;
      await again();
      expect(prepared - before).toBe(0);
    });
  } else if (prepares) {
    test("runs its statements as prepared statements", async () => {
      const found = await opened.prepared!();
      if (dialect === "postgres") {
        // load, insert and cas (the compare-and-swap save), by name, on the adapter's only connection.
        expect(found).toEqual(expect.arrayContaining(["ds_cas", "ds_insert", "ds_load"]));
      } else {
        // MariaDB counts COM_STMT_EXECUTE per connection: at least the 6 statements above.
        expect(found).toHaveLength(1);
        expect(Number(found[0]!.replace("executed ", ""))).toBeGreaterThanOrEqual(6);
      }
    });
  } else {
    test("runs its statements unprepared", async () => {
      const session = repository.get();
      await session.set("n", 1);
      const before = prepared;
      await session.save();
      if (dialect === "sqlite") expect(prepared - before).toBe(1);
      // Prisma's own pool is out of reach: its statements are counted above, through its events.
      else if (opened.events === undefined) expect(await opened.prepared!()).toEqual(dialect === "postgres" ? [] : ["executed 0"]);
    });
  }
});
