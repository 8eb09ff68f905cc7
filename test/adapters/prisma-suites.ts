/**
 * The Prisma adapter's tests, shared by the test files that run them (in the process time zone,
 * and again in America/New_York). Everything runs against the real databases; every row is
 * checked with the plain driver (pg / mysql2 / better-sqlite3), never through Prisma.
 */
import { toDjangoDateText } from "../../src/core/django-datetime";
import { createPrismaAdapter, type PrismaSessionAdapter } from "../../src/adapters/prisma";
import type { Dialect } from "../support/databases";
import {
  DIALECTS,
  clientFor,
  djangoLiteral,
  mysqlClient,
  openRaw,
  pgClient,
  prepareTarget,
  recordQueries,
  sqliteClient,
  utcMicros,
  type AnyPrismaClient,
  type RawDb,
  type Target,
} from "./prisma-support";

/** The adapter's clock in these tests: 2026-12-10 12:00:00 UTC (no test depends on the wall clock). */
const NOW = new Date("2026-12-10T12:00:00.000Z");

/** `expire_date` as Django stores it (UTC, no fraction when microseconds are 0): the SQLite text. */
const djangoText = (date: Date) => toDjangoDateText(date);

function memo<T>(make: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= make());
}

interface DialectFixture {
  dialect: Dialect;
  raw: RawDb;
  prisma: AnyPrismaClient;
  adapter: PrismaSessionAdapter;
  /** SQL the client sent since the last `beforeEach` (Prisma `query` events). */
  queries: string[];
  /** Inserts a row with raw SQL, the way Django writes it (`expire` is naive UTC text). */
  djangoInsert(key: string, data: string, expire: string): Promise<void>;
  row(key: string): Promise<{ data: string; expire: string } | null>;
}

/** Opens the client and raw connection of one dialect for a `describe` block. */
function useDialect(dialect: Dialect, target: () => Promise<Target>): () => DialectFixture {
  let fixture: DialectFixture | undefined;
  beforeAll(async () => {
    const t = await target();
    const raw = await openRaw(dialect, t);
    await raw.recreate();
    const prisma = clientFor(dialect, t);
    const queries = recordQueries(prisma);
    const adapter = createPrismaAdapter(prisma);
    await adapter.exists("warm-up"); // connects (the mariadb adapter asks for VERSION() once)
    fixture = {
      dialect,
      raw,
      prisma,
      adapter,
      queries,
      async djangoInsert(key, data, expire) {
        await raw.query("INSERT INTO django_session (session_key, session_data, expire_date) VALUES (?, ?, ?)", [key, data, djangoLiteral(dialect, expire)]);
      },
      async row(key) {
        const rows = await raw.query("SELECT session_data FROM django_session WHERE session_key = ?", [key]);
        return rows.length ? { data: String(rows[0].session_data), expire: (await raw.storedExpire(key))! } : null;
      },
    };
  });
  beforeEach(async () => {
    await fixture!.raw.query("DELETE FROM django_session");
    fixture!.queries.length = 0;
  });
  afterAll(async () => {
    await fixture?.prisma.$disconnect();
    await fixture?.raw.close();
  });
  return () => fixture!;
}

/** What `RawDb.storedExpire` reports for an instant: SQLite's exact Django text, else 6 digits. */
function stored(dialect: Dialect, date: Date): string {
  return dialect === "sqlite" ? djangoText(date) : utcMicros(date);
}

const verbOf = (sql: string) => /^\s*(\w+)/.exec(sql)![1].toUpperCase();

/** The client behind a Proxy that records the SQL of every raw call the adapter makes. */
function countingClient(prisma: AnyPrismaClient): { client: AnyPrismaClient; calls: string[] } {
  const calls: string[] = [];
  const client = new Proxy(prisma, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== "$queryRawUnsafe" && property !== "$executeRawUnsafe") return value;
      return (sql: string, ...values: unknown[]) => {
        calls.push(sql);
        return (value as (sql: string, ...values: unknown[]) => unknown).call(target, sql, ...values);
      };
    },
  });
  return { client, calls };
}

/**
 * Every `SessionRowAdapter` method's contract, per database. `datesOnly` keeps the tests that
 * read or write `expire_date` (for a second run in another process time zone).
 */
export function defineAdapterSuite(name: string, { datesOnly = false } = {}): void {
  const target = memo(() => prepareTarget(name));
  /** A test that does not depend on the time zone: defined only in the full run. */
  const full = (datesOnly ? () => undefined : test) as typeof test;

  describe.each(DIALECTS)("PrismaSessionAdapter on %s", (dialect) => {
    const db = useDialect(dialect, target);

    full("the dialect is detected from the client", () => {
      expect(db().adapter.dialect).toBe(dialect);
    });

    describe("load", () => {
      test("returns session_data and the exact expire_date of rows Django wrote", async () => {
        const { adapter, djangoInsert } = db();
        await djangoInsert("micro", "data-micro", "2026-12-10 13:00:00.123456");
        await djangoInsert("whole", "data-whole", "2026-12-10 13:00:00");
        await djangoInsert("nextyear", "data-ny", "2027-01-01 00:00:00.5");
        expect(await adapter.load("micro", NOW)).toEqual({ sessionData: "data-micro", expireDate: new Date("2026-12-10T13:00:00.123Z") });
        expect(await adapter.load("whole", NOW)).toEqual({ sessionData: "data-whole", expireDate: new Date("2026-12-10T13:00:00.000Z") });
        expect(await adapter.load("nextyear", NOW)).toEqual({ sessionData: "data-ny", expireDate: new Date("2027-01-01T00:00:00.500Z") });
      });

      test("ignores an expired row and one that expires exactly now (expire_date > now)", async () => {
        const { adapter, djangoInsert } = db();
        await djangoInsert("dead", "x", "2026-12-10 11:59:59.999999");
        await djangoInsert("edge", "x", "2026-12-10 12:00:00");
        await djangoInsert("live", "x", "2026-12-10 12:00:00.001");
        await djangoInsert("dayago", "x", "2026-12-09 12:00:00");
        expect(await adapter.load("dead", NOW)).toBeNull();
        expect(await adapter.load("edge", NOW)).toBeNull();
        expect(await adapter.load("dayago", NOW)).toBeNull();
        expect(await adapter.load("live", NOW)).toEqual({ sessionData: "x", expireDate: new Date("2026-12-10T12:00:00.001Z") });
        // Half a millisecond later the edge row has expired too.
        expect(await adapter.load("live", new Date("2026-12-10T12:00:00.001Z"))).toBeNull();
      });

      full("a missing key is null", async () => {
        expect(await db().adapter.load("nosuchkey", NOW)).toBeNull();
      });

      full("a database error is thrown, never turned into null", async () => {
        const broken = createPrismaAdapter(db().prisma, { table: "no_such_table" });
        await expect(broken.load("k", NOW)).rejects.toMatchObject({ code: "P2010" });
        await expect(broken.exists("k")).rejects.toMatchObject({ code: "P2010" });
      });
    });

    describe("exists", () => {
      full("is true for live and expired rows, false for a missing key", async () => {
        const { adapter, djangoInsert } = db();
        await djangoInsert("live", "x", "2030-01-01 00:00:00");
        await djangoInsert("dead", "x", "2020-01-01 00:00:00");
        expect(await adapter.exists("live")).toBe(true);
        expect(await adapter.exists("dead")).toBe(true);
        expect(await adapter.exists("missing")).toBe(false);
      });
    });

    describe("insert", () => {
      test("stores the row exactly as Django would (checked with the raw driver)", async () => {
        const { adapter, raw, row } = db();
        const withMs = new Date("2026-12-24T12:00:00.250Z");
        const whole = new Date("2026-12-24T12:00:00.000Z");
        const data = "é".repeat(10) + "x".repeat(70_000);
        expect(await adapter.insert({ sessionKey: "k-ms", sessionData: data, expireDate: withMs })).toBe(true);
        expect(await adapter.insert({ sessionKey: "k-whole", sessionData: "w", expireDate: whole })).toBe(true);
        expect(await row("k-ms")).toEqual({ data, expire: stored(dialect, withMs) });
        expect(await row("k-whole")).toEqual({ data: "w", expire: stored(dialect, whole) });
        if (dialect === "sqlite") {
          // Django's text exactly: a space, and .ffffff only when the microseconds are not zero.
          expect(await raw.storedExpire("k-ms")).toBe("2026-12-24 12:00:00.250000");
          expect(await raw.storedExpire("k-whole")).toBe("2026-12-24 12:00:00");
          expect(await raw.storedType("k-ms")).toBe("text");
        }
        if (dialect === "mysql") expect(await raw.storedExpire("k-ms")).toBe("2026-12-24 12:00:00.250000"); // naive UTC
        if (dialect === "postgres") expect(await raw.storedType("k-ms")).toBe("timestamp with time zone");
      });

      full("returns false on a duplicate key and does not overwrite the row", async () => {
        const { adapter, djangoInsert, row } = db();
        await djangoInsert("taken", "first", "2030-01-01 00:00:00.123456");
        const before = await row("taken");
        expect(await adapter.insert({ sessionKey: "taken", sessionData: "second", expireDate: new Date("2031-01-01T00:00:00Z") })).toBe(false);
        expect(await row("taken")).toEqual(before);
        expect(before!.data).toBe("first");
      });

      full("returns false on the key of an expired row too (a primary-key collision)", async () => {
        const { adapter, djangoInsert, row } = db();
        await djangoInsert("old", "first", "2020-01-01 00:00:00");
        expect(await adapter.insert({ sessionKey: "old", sessionData: "second", expireDate: new Date("2031-01-01T00:00:00Z") })).toBe(false);
        expect((await row("old"))!.data).toBe("first");
      });

      full("other database errors are thrown", async () => {
        const broken = createPrismaAdapter(db().prisma, { table: "no_such_table" });
        await expect(broken.insert({ sessionKey: "k", sessionData: "d", expireDate: NOW })).rejects.toMatchObject({ code: "P2010" });
      });
    });

    describe("update", () => {
      test("rewrites data and expire_date exactly", async () => {
        const { adapter, djangoInsert, row } = db();
        await djangoInsert("k", "old", "2026-12-11 00:00:00.123456");
        const expireDate = new Date("2026-12-31T23:59:59.999Z");
        expect(await adapter.update({ sessionKey: "k", sessionData: "new", expireDate })).toBe(true);
        expect(await row("k")).toEqual({ data: "new", expire: stored(dialect, expireDate) });
      });

      full("an update that changes nothing still reports the row (true)", async () => {
        const { adapter, djangoInsert } = db();
        await djangoInsert("same", "data", "2030-01-01 00:00:00");
        const same = { sessionKey: "same", sessionData: "data", expireDate: new Date("2030-01-01T00:00:00Z") };
        expect(await adapter.update(same)).toBe(true);
        expect(await adapter.update(same)).toBe(true);
        expect(await adapter.update(same, "data")).toBe(true);
      });

      full("updates an expired row too (Django's force_update does not look at expiry)", async () => {
        const { adapter, djangoInsert, row } = db();
        await djangoInsert("dead", "old", "2020-01-01 00:00:00");
        expect(await adapter.update({ sessionKey: "dead", sessionData: "new", expireDate: new Date("2030-01-01T00:00:00Z") })).toBe(true);
        expect((await row("dead"))!.data).toBe("new");
      });

      full("returns false for a vanished row and never inserts", async () => {
        const { adapter, raw } = db();
        expect(await adapter.update({ sessionKey: "gone", sessionData: "d", expireDate: NOW })).toBe(false);
        expect(await adapter.update({ sessionKey: "gone", sessionData: "d", expireDate: NOW }, "d")).toBe(false);
        expect(await raw.count()).toBe(0);
      });

      test("with expectedData it is a compare-and-swap", async () => {
        const { adapter, djangoInsert, row } = db();
        await djangoInsert("cas", "v1", "2030-01-01 00:00:00");
        const later = new Date("2030-02-01T00:00:00.5Z");
        expect(await adapter.update({ sessionKey: "cas", sessionData: "v2", expireDate: later }, "v1")).toBe(true);
        expect(await row("cas")).toEqual({ data: "v2", expire: stored(dialect, later) });
        // Someone else's write (v2 → v3) happened meanwhile: the swap from v1 fails and changes nothing.
        expect(await adapter.update({ sessionKey: "cas", sessionData: "v3", expireDate: NOW }, "v1")).toBe(false);
        expect(await row("cas")).toEqual({ data: "v2", expire: stored(dialect, later) });
      });
    });

    describe("delete", () => {
      full("deletes that row only; a missing key is no error", async () => {
        const { adapter, djangoInsert, raw } = db();
        await djangoInsert("a", "x", "2030-01-01 00:00:00");
        await djangoInsert("b", "x", "2030-01-01 00:00:00");
        await adapter.delete("a");
        await expect(adapter.delete("a")).resolves.toBeUndefined();
        await expect(adapter.delete("never")).resolves.toBeUndefined();
        expect(await raw.query("SELECT session_key FROM django_session")).toEqual([{ session_key: "b" }]);
      });
    });

    describe("deleteExpired", () => {
      test("deletes at most `limit` rows, only expired ones (expire_date < now)", async () => {
        const { adapter, djangoInsert, raw } = db();
        for (let i = 0; i < 5; i++) await djangoInsert(`dead${i}`, "x", `2026-12-10 11:59:5${i}.5`);
        await djangoInsert("edge", "x", "2026-12-10 12:00:00");
        await djangoInsert("live1", "x", "2026-12-10 12:00:00.000001");
        await djangoInsert("live2", "x", "2027-01-01 00:00:00");
        expect(await adapter.deleteExpired(NOW, 3)).toBe(3);
        expect(await adapter.deleteExpired(NOW, 3)).toBe(2);
        expect(await adapter.deleteExpired(NOW, 3)).toBe(0);
        const left = (await raw.query("SELECT session_key FROM django_session ORDER BY session_key")).map((r) => r.session_key);
        expect(left).toEqual(["edge", "live1", "live2"]);
      });

      full("concurrent cleaners (two clients) never error and never double count", async () => {
        const { adapter, djangoInsert, raw } = db();
        const other = clientFor(dialect, await target());
        try {
          const second = createPrismaAdapter(other);
          const dead = Array.from({ length: 60 }, (_, i) => `dead${String(i).padStart(3, "0")}`);
          await raw.query(
            `INSERT INTO django_session (session_key, session_data, expire_date) VALUES ${dead.map(() => "(?, 'x', ?)").join(", ")}`,
            dead.flatMap((key) => [key, djangoLiteral(dialect, "2026-12-01 00:00:00")]),
          );
          await djangoInsert("live", "x", "2027-01-01 00:00:00");
          const [a, b] = await Promise.all([adapter.deleteExpired(NOW, 40), second.deleteExpired(NOW, 40)]);
          expect(a).toBeLessThanOrEqual(40);
          expect(b).toBeLessThanOrEqual(40);
          const cleaner = async (x: PrismaSessionAdapter) => {
            let total = 0;
            for (let n; (n = await x.deleteExpired(NOW, 3)) > 0; ) total += n;
            return total;
          };
          const rest = await Promise.all([cleaner(adapter), cleaner(second), cleaner(adapter), cleaner(second)]);
          expect(a + b + rest.reduce((s, n) => s + n, 0)).toBe(60);
          expect(await raw.count()).toBe(1);
        } finally {
          await other.$disconnect();
        }
      });
    });

    if (!datesOnly) describe("one statement per operation", () => {
      test.each([
        ["load", "SELECT", (a: PrismaSessionAdapter) => a.load("q", NOW)],
        ["load of a missing key", "SELECT", (a: PrismaSessionAdapter) => a.load("none", NOW)],
        ["exists", "SELECT", (a: PrismaSessionAdapter) => a.exists("q")],
        ["insert", "INSERT", (a: PrismaSessionAdapter) => a.insert({ sessionKey: "new", sessionData: "d", expireDate: NOW })],
        ["insert of a taken key", "INSERT", (a: PrismaSessionAdapter) => a.insert({ sessionKey: "q", sessionData: "d", expireDate: NOW })],
        ["update", "UPDATE", (a: PrismaSessionAdapter) => a.update({ sessionKey: "q", sessionData: "d2", expireDate: NOW })],
        ["update (compare-and-swap)", "UPDATE", (a: PrismaSessionAdapter) => a.update({ sessionKey: "q", sessionData: "d2", expireDate: NOW }, "d")],
        ["delete", "DELETE", (a: PrismaSessionAdapter) => a.delete("q")],
        ["deleteExpired", "DELETE", (a: PrismaSessionAdapter) => a.deleteExpired(NOW, 100)],
      ] as const)("%s = 1 %s", async (name, verb, op) => {
        const { prisma, djangoInsert, queries } = db();
        await djangoInsert("q", "d", "2030-01-01 00:00:00");
        // Statements the adapter sends (a client wrapper) and those Prisma ran (its query events;
        // Prisma emits none for a statement that failed, like the colliding INSERT).
        const { client, calls } = countingClient(prisma);
        const adapter = createPrismaAdapter(client);
        queries.length = 0;
        await op(adapter);
        expect(calls).toHaveLength(1);
        expect(verbOf(calls[0])).toBe(verb);
        expect(queries).toHaveLength(name === "insert of a taken key" ? 0 : 1);
        for (const q of queries) expect(verbOf(q)).toBe(verb);
      });
    });
  });

  if (!datesOnly) describe("MariaDB: an UPDATE that changes nothing", () => {
    let raw: RawDb;
    beforeAll(async () => {
      raw = await openRaw("mysql", await target());
      await raw.recreate();
    });
    beforeEach(() => raw.query("DELETE FROM django_session"));
    afterAll(() => raw.close());
    const sameValues = "UPDATE django_session SET session_data = ?, expire_date = ? WHERE session_key = ?";

    test("reports 1 row through Prisma's mariadb adapter by default (the connector's foundRows)", async () => {
      const prisma = mysqlClient(await target());
      try {
        await raw.query("INSERT INTO django_session VALUES ('k', 'd', '2030-01-01 00:00:00')");
        expect(await prisma.$executeRawUnsafe(sameValues, "d", "2030-01-01 00:00:00", "k")).toBe(1);
        expect(await prisma.$executeRawUnsafe(sameValues, "d", "2030-01-01 00:00:00", "gone")).toBe(0);
      } finally {
        await prisma.$disconnect();
      }
    });

    test("with foundRows: false it reports 0, and the adapter still tells 'unchanged' from 'gone'", async () => {
      const prisma = mysqlClient(await target(), { foundRows: false });
      const queries = recordQueries(prisma);
      try {
        const adapter = createPrismaAdapter(prisma);
        await raw.query("INSERT INTO django_session VALUES ('k', 'd', '2030-01-01 00:00:00.250000')");
        const expireDate = new Date("2030-01-01T00:00:00.250Z");
        expect(await prisma.$executeRawUnsafe(sameValues, "d", "2030-01-01 00:00:00.250000", "k")).toBe(0);
        queries.length = 0;
        expect(await adapter.update({ sessionKey: "k", sessionData: "d", expireDate })).toBe(true);
        expect(queries.map(verbOf)).toEqual(["UPDATE", "SELECT"]);
        expect(await adapter.update({ sessionKey: "k", sessionData: "d", expireDate }, "d")).toBe(true);
        expect(await adapter.update({ sessionKey: "k", sessionData: "d2", expireDate }, "d")).toBe(true);
        expect(await adapter.update({ sessionKey: "k", sessionData: "d3", expireDate }, "d")).toBe(false);
        expect(await adapter.update({ sessionKey: "gone", sessionData: "d", expireDate })).toBe(false);
        expect(await raw.query("SELECT session_key, session_data FROM django_session")).toEqual([{ session_key: "k", session_data: "d2" }]);
      } finally {
        await prisma.$disconnect();
      }
    });
  });
}

/** The `DjangoSession` model of prisma/*.prisma, through each generated client. */
export function defineModelSuite(name: string): void {
  const target = memo(() => prepareTarget(name));
  const opened: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const o of opened) await o.close();
  });
  function opener<C extends AnyPrismaClient>(dialect: Dialect, make: (t: Target) => C) {
    return memo(async () => {
      const t = await target();
      const raw = await openRaw(dialect, t);
      await raw.recreate();
      const prisma = make(t);
      opened.push({ close: async () => (await prisma.$disconnect(), await raw.close()) });
      const insert = (key: string, data: string, expire: string) =>
        raw.query("INSERT INTO django_session (session_key, session_data, expire_date) VALUES (?, ?, ?)", [key, data, djangoLiteral(dialect, expire)]);
      return { raw, prisma, insert, adapter: createPrismaAdapter(prisma) };
    });
  }
  const openPg = opener("postgres", pgClient);
  const openMysql = opener("mysql", mysqlClient);
  const openSqlite = opener("sqlite", sqliteClient);

  test("postgresql: the model round-trips rows Django wrote", async () => {
    const { raw, prisma, insert, adapter } = await openPg();
    await insert("dj-micro", "data-1", "2026-12-10 06:34:07.123456");
    await insert("dj-dead", "data-2", "2026-12-10 11:00:00");
    await insert("dj-live", "data-3", "2026-12-10 13:00:00");
    expect(await prisma.djangoSession.findUnique({ where: { sessionKey: "dj-micro" } })).toEqual({
      sessionKey: "dj-micro",
      sessionData: "data-1",
      expireDate: new Date("2026-12-10T06:34:07.123Z"),
    });
    const live = await prisma.djangoSession.findMany({ where: { expireDate: { gt: NOW } }, select: { sessionKey: true } });
    expect(live.map((r) => r.sessionKey)).toEqual(["dj-live"]);
    await prisma.djangoSession.update({ where: { sessionKey: "dj-micro" }, data: { sessionData: "data-1b", expireDate: new Date("2026-12-11T00:00:00.5Z") } });
    expect(await raw.storedExpire("dj-micro")).toBe("2026-12-11 00:00:00.500000");
    await prisma.djangoSession.create({ data: { sessionKey: "p-new", sessionData: "data-4", expireDate: new Date("2026-12-12T01:02:03.004Z") } });
    expect(await raw.storedExpire("p-new")).toBe("2026-12-12 01:02:03.004000");
    expect(await adapter.load("p-new", NOW)).toEqual({ sessionData: "data-4", expireDate: new Date("2026-12-12T01:02:03.004Z") });
    await expect(prisma.djangoSession.create({ data: { sessionKey: "p-new", sessionData: "x", expireDate: NOW } })).rejects.toMatchObject({ code: "P2002" });
  });

  test("mysql: the model round-trips rows Django wrote (naive UTC datetime(6))", async () => {
    const { raw, prisma, insert, adapter } = await openMysql();
    await insert("dj-micro", "data-1", "2026-12-10 06:34:07.123456");
    await insert("dj-dead", "data-2", "2026-12-10 11:00:00");
    await insert("dj-live", "data-3", "2026-12-10 13:00:00");
    expect(await prisma.djangoSession.findUnique({ where: { sessionKey: "dj-micro" } })).toEqual({
      sessionKey: "dj-micro",
      sessionData: "data-1",
      expireDate: new Date("2026-12-10T06:34:07.123Z"),
    });
    const live = await prisma.djangoSession.findMany({ where: { expireDate: { gt: NOW } }, select: { sessionKey: true } });
    expect(live.map((r) => r.sessionKey)).toEqual(["dj-live"]);
    await prisma.djangoSession.update({ where: { sessionKey: "dj-micro" }, data: { sessionData: "data-1b", expireDate: new Date("2026-12-11T00:00:00.5Z") } });
    expect(await raw.storedExpire("dj-micro")).toBe("2026-12-11 00:00:00.500000");
    await prisma.djangoSession.create({ data: { sessionKey: "p-new", sessionData: "data-4", expireDate: new Date("2026-12-12T01:02:03.004Z") } });
    expect(await raw.storedExpire("p-new")).toBe("2026-12-12 01:02:03.004000");
    expect(await adapter.load("p-new", NOW)).toEqual({ sessionData: "data-4", expireDate: new Date("2026-12-12T01:02:03.004Z") });
    await expect(prisma.djangoSession.create({ data: { sessionKey: "p-new", sessionData: "x", expireDate: NOW } })).rejects.toMatchObject({ code: "P2002" });
  });

  test("sqlite: the model round-trips Django's text (expireDate is a String)", async () => {
    const { raw, prisma, insert, adapter } = await openSqlite();
    await insert("dj-micro", "data-1", "2026-12-10 06:34:07.123456");
    await insert("dj-dead", "data-2", "2026-12-10 11:00:00");
    await insert("dj-live", "data-3", "2026-12-10 13:00:00");
    expect(await prisma.djangoSession.findUnique({ where: { sessionKey: "dj-micro" } })).toEqual({
      sessionKey: "dj-micro",
      sessionData: "data-1",
      expireDate: "2026-12-10 06:34:07.123456",
    });
    // Filters compare Django's text, so they are right only with Django's exact format.
    const live = await prisma.djangoSession.findMany({ where: { expireDate: { gt: djangoText(NOW) } }, select: { sessionKey: true } });
    expect(live.map((r) => r.sessionKey)).toEqual(["dj-live"]);
    await prisma.djangoSession.update({ where: { sessionKey: "dj-micro" }, data: { sessionData: "data-1b", expireDate: djangoText(new Date("2026-12-11T00:00:00.5Z")) } });
    expect(await raw.storedExpire("dj-micro")).toBe("2026-12-11 00:00:00.500000");
    await prisma.djangoSession.create({ data: { sessionKey: "p-new", sessionData: "data-4", expireDate: djangoText(new Date("2026-12-12T01:02:03Z")) } });
    expect(await raw.storedExpire("p-new")).toBe("2026-12-12 01:02:03");
    expect(await raw.storedType("p-new")).toBe("text");
    expect(await adapter.load("p-new", NOW)).toEqual({ sessionData: "data-4", expireDate: new Date("2026-12-12T01:02:03Z") });
    await expect(prisma.djangoSession.create({ data: { sessionKey: "p-new", sessionData: "x", expireDate: djangoText(NOW) } })).rejects.toMatchObject({ code: "P2002" });
  });

  test("rows the adapter writes read back through the model", async () => {
    const { prisma: pg, adapter: pgAdapter } = await openPg();
    const { prisma: my, adapter: myAdapter } = await openMysql();
    const { prisma: lite, adapter: liteAdapter } = await openSqlite();
    const expireDate = new Date("2026-12-20T08:09:10.011Z");
    for (const a of [pgAdapter, myAdapter, liteAdapter]) await a.insert({ sessionKey: "from-adapter", sessionData: "d", expireDate });
    expect((await pg.djangoSession.findUnique({ where: { sessionKey: "from-adapter" } }))!.expireDate).toEqual(expireDate);
    expect((await my.djangoSession.findUnique({ where: { sessionKey: "from-adapter" } }))!.expireDate).toEqual(expireDate);
    expect((await lite.djangoSession.findUnique({ where: { sessionKey: "from-adapter" } }))!.expireDate).toBe("2026-12-20 08:09:10.011000");
  });
}
