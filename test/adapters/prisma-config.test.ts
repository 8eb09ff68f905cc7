import { createPrismaAdapter, isPrismaUniqueViolation, PrismaSessionAdapter, type PrismaClientLike } from "../../src/adapters/prisma";
import { ImproperlyConfigured } from "../../src/core/errors";
import type { Dialect } from "../support/databases";
import { DIALECTS, clientFor, openRaw, prepareTarget, type AnyPrismaClient, type RawDb } from "./prisma-support";

// How the adapter finds the database behind a client, what it refuses, and which Prisma errors
// it reads as a primary-key collision (the real ones and the shapes of older Prisma versions).
const target = prepareTarget("prisma_config");

/** A client wrapper that hides Prisma's internals (detection impossible). */
const opaque = (prisma: PrismaClientLike): PrismaClientLike => ({
  $queryRawUnsafe: (sql, ...values) => prisma.$queryRawUnsafe(sql, ...values),
  $executeRawUnsafe: (sql, ...values) => prisma.$executeRawUnsafe(sql, ...values),
});

describe.each(DIALECTS)("on %s", (dialect: Dialect) => {
  let prisma: AnyPrismaClient;
  let raw: RawDb;
  beforeAll(async () => {
    raw = await openRaw(dialect, await target);
    await raw.recreate();
    prisma = clientFor(dialect, await target);
  });
  beforeEach(() => raw.query("DELETE FROM django_session"));
  afterAll(async () => {
    await prisma.$disconnect();
    await raw.close();
  });

  const row = { sessionKey: "k", sessionData: "d", expireDate: new Date("2030-01-01T00:00:00Z") };

  test("the dialect comes from the client, from an $extends() client and from a transaction client", async () => {
    expect(createPrismaAdapter(prisma).dialect).toBe(dialect);
    expect(new PrismaSessionAdapter(prisma.$extends({})).dialect).toBe(dialect);
    await (prisma as { $transaction(fn: (tx: PrismaClientLike) => Promise<void>): Promise<void> }).$transaction(async (tx) => {
      expect(createPrismaAdapter(tx).dialect).toBe(dialect);
    });
  });

  test("an explicit dialect that matches is accepted (Prisma's 'postgresql' too)", () => {
    expect(createPrismaAdapter(prisma, { dialect }).dialect).toBe(dialect);
    if (dialect === "postgres") expect(createPrismaAdapter(prisma, { dialect: "postgresql" }).dialect).toBe("postgres");
  });

  test("an explicit dialect that contradicts the client is ImproperlyConfigured", () => {
    const other = dialect === "sqlite" ? "postgres" : "sqlite";
    expect(() => createPrismaAdapter(prisma, { dialect: other })).toThrow(ImproperlyConfigured);
    expect(() => createPrismaAdapter(prisma, { dialect: other })).toThrow(`the dialect option is "${other}"`);
  });

  test("a wrapped client needs the dialect option, then works", async () => {
    const wrapped = opaque(prisma);
    expect(() => createPrismaAdapter(wrapped)).toThrow(ImproperlyConfigured);
    expect(() => createPrismaAdapter(wrapped)).toThrow(/Pass the dialect: createPrismaAdapter\(prisma, \{ dialect: "postgres" \| "mysql" \| "sqlite" \}\)/);
    const adapter = createPrismaAdapter(wrapped, { dialect });
    expect(await adapter.insert(row)).toBe(true);
    expect(await adapter.insert(row)).toBe(false);
    expect(await adapter.load("k", new Date("2029-01-01T00:00:00Z"))).toEqual({ sessionData: "d", expireDate: row.expireDate });
  });

  test("inside prisma.$transaction the statements join the transaction (rolled back with it)", async () => {
    const rollback = new Error("rollback");
    await expect(
      (prisma as { $transaction(fn: (tx: PrismaClientLike) => Promise<void>): Promise<void> }).$transaction(async (tx) => {
        const adapter = createPrismaAdapter(tx);
        expect(await adapter.insert(row)).toBe(true);
        expect(await adapter.exists("k")).toBe(true);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect(await raw.count()).toBe(0);
  });

  test("the real duplicate-key error of a raw INSERT is P2010 with the driver's code", async () => {
    await raw.query("INSERT INTO django_session VALUES ('k', 'd', ?)", [dialect === "postgres" ? row.expireDate : "2030-01-01 00:00:00"]);
    const error = await prisma
      .$executeRawUnsafe(
        `INSERT INTO django_session (session_key, session_data, expire_date) VALUES (${dialect === "postgres" ? "$1, $2, $3" : "?, ?, ?"})`,
        "k",
        "d",
        dialect === "postgres" ? row.expireDate : "2030-01-01 00:00:00",
      )
      .then(
        () => null,
        (e: unknown) => e,
      );
    const originalCode = { postgres: "23505", mysql: "1062", sqlite: "SQLITE_CONSTRAINT_PRIMARYKEY" }[dialect];
    expect(error).toMatchObject({
      name: "PrismaClientKnownRequestError",
      code: "P2010",
      meta: { driverAdapterError: { cause: { kind: "UniqueConstraintViolation", originalCode } } },
    });
    expect(isPrismaUniqueViolation(dialect, error)).toBe(true);
  });
});

describe("refused configurations", () => {
  const fake = (provider: string): PrismaClientLike & { _activeProvider: string } => ({
    _activeProvider: provider,
    $queryRawUnsafe: async () => [],
    $executeRawUnsafe: async () => 0,
  });

  test.each(["sqlserver", "mongodb", "cockroachdb"])("the Prisma provider %s is ImproperlyConfigured", (provider) => {
    expect(() => createPrismaAdapter(fake(provider))).toThrow(ImproperlyConfigured);
    expect(() => createPrismaAdapter(fake(provider))).toThrow(`does not support the Prisma provider "${provider}"`);
  });

  test("the driver adapter's provider is used when the client has no _activeProvider", () => {
    const client = { ...fake("x"), _activeProvider: undefined, _engineConfig: { adapter: { provider: "postgres" } } };
    expect(createPrismaAdapter(client).dialect).toBe("postgres");
  });

  test("an unknown dialect option, a non-client and an unsafe table name are ImproperlyConfigured", () => {
    expect(() => createPrismaAdapter(fake("mysql"), { dialect: "oracle" as never })).toThrow(ImproperlyConfigured);
    expect(() => createPrismaAdapter({} as PrismaClientLike, { dialect: "mysql" })).toThrow(ImproperlyConfigured);
    expect(() => createPrismaAdapter(null as unknown as PrismaClientLike)).toThrow(ImproperlyConfigured);
    expect(() => createPrismaAdapter(fake("mysql"), { table: "django_session; DROP TABLE x" })).toThrow(ImproperlyConfigured);
  });

  test("the error carries the ImproperlyConfigured code", () => {
    expect(() => createPrismaAdapter(fake("sqlserver"))).toThrow(expect.objectContaining({ code: "ERR_IMPROPERLY_CONFIGURED" }));
  });
});

describe("isPrismaUniqueViolation", () => {
  const adapterError = (cause: object) => ({ code: "P2010", meta: { driverAdapterError: { name: "DriverAdapterError", cause } } });

  test.each([
    ["postgres", adapterError({ kind: "UniqueConstraintViolation", originalCode: "23505" })],
    ["postgres", adapterError({ kind: "postgres", originalCode: "23505" })],
    ["mysql", adapterError({ kind: "mysql", code: 1062 })],
    ["sqlite", adapterError({ kind: "sqlite", originalCode: "SQLITE_CONSTRAINT_UNIQUE" })],
    // Prisma 5/6 query engine: P2010 with the database code in meta.code.
    ["postgres", { code: "P2010", meta: { code: "23505", message: "duplicate key value" } }],
    ["mysql", { code: "P2010", meta: { code: "1062", message: "Duplicate entry" } }],
    ["sqlite", { code: "P2010", meta: { code: "1555", message: "UNIQUE constraint failed" } }],
    // A model query (create).
    ["mysql", { code: "P2002", meta: { modelName: "DjangoSession" } }],
    // An unwrapped DriverAdapterError.
    ["sqlite", { name: "DriverAdapterError", cause: { kind: "UniqueConstraintViolation" } }],
  ] as const)("%s: %j is a collision", (dialect, error) => {
    expect(isPrismaUniqueViolation(dialect, error)).toBe(true);
  });

  test.each([
    ["postgres", adapterError({ kind: "TableDoesNotExist", originalCode: "42P01" })],
    ["mysql", adapterError({ kind: "mysql", originalCode: "1213" })],
    ["sqlite", adapterError({ kind: "sqlite", originalCode: "SQLITE_BUSY" })],
    ["postgres", { code: "P2034", meta: { code: "23505" } }],
    ["postgres", new Error("duplicate key value violates unique constraint")],
    ["mysql", null],
    ["mysql", "P2002"],
  ] as const)("%s: %j is not", (dialect, error) => {
    expect(isPrismaUniqueViolation(dialect, error)).toBe(false);
  });
});
