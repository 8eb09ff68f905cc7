import { inspect } from "node:util";
import { DjangoSessionRepository, ImproperlyConfigured, SessionStorageError, silentLogger } from "../../src";
import type { SessionRowAdapter } from "../../src/engines/row-adapter";

// Database calls that fail or never answer, through a stub adapter: what the repository makes of
// them. The same failures against real databases are in faults.test.ts.

const KEY = "k3y0fth3s3ss10nth4tmustn0tl34k00";
const DATA_MARKER = "s3cr3t-s3ss10n-v4lu3";

function adapter(overrides: Partial<SessionRowAdapter>): SessionRowAdapter {
  const fail = () => Promise.reject(new Error("not used"));
  return { dialect: "postgres", load: fail, exists: fail, insert: fail, update: fail, touch: fail, delete: fail, deleteExpired: fail, ...overrides };
}

const repository = (a: SessionRowAdapter, storageTimeout?: number | null) =>
  new DjangoSessionRepository({ secretKey: "storage-failures-secret", adapter: a, logger: silentLogger, storageTimeout });

/** An error shaped like TypeORM's QueryFailedError: the statement's parameters ride along. */
function ormError(message: string, code: string): Error {
  return Object.assign(new Error(message), {
    name: "QueryFailedError",
    query: "UPDATE django_session SET session_data = $1 WHERE session_key = $2",
    parameters: [`data-${DATA_MARKER}`, KEY],
    driverError: Object.assign(new Error(message), { code, detail: `Key (session_key)=(${KEY}) is involved` }),
    detail: `Key (session_key)=(${KEY}) is involved`,
  });
}

describe("a database call that never answers", () => {
  test("fails after storageTimeout with a SessionStorageError (503) that says so, instead of hanging", async () => {
    const hung = adapter({ load: () => new Promise(() => undefined) });
    const started = Date.now();
    const error = await repository(hung, 0.2).get(KEY).get("x").catch((e: unknown) => e);
    const waited = Date.now() - started;
    expect(error).toBeInstanceOf(SessionStorageError);
    expect(error).toMatchObject({ code: "ERR_SESSION_STORAGE", status: 503, cause: { code: "ETIMEDOUT" } });
    expect((error as Error).message).toMatch(/^Could not load the session: the database did not answer within 0\.2 s \(storageTimeout\)/);
    expect(waited).toBeGreaterThanOrEqual(190);
    expect(waited).toBeLessThan(2000);
  });

  test("a save that never answers fails the same way; its late failure is swallowed (no unhandled rejection)", async () => {
    let rejectLate!: (e: unknown) => void;
    const late = adapter({ insert: () => new Promise((_, reject) => (rejectLate = reject)) });
    const session = repository(late, 0.1).get();
    await session.set("a", 1);
    await expect(session.save()).rejects.toMatchObject({ code: "ERR_SESSION_STORAGE", message: expect.stringMatching(/^Could not save the session: .*storageTimeout/) });
    const unhandled = jest.fn();
    process.on("unhandledRejection", unhandled);
    rejectLate(new Error("connection reset"));
    await new Promise((r) => setTimeout(r, 50));
    process.off("unhandledRejection", unhandled);
    expect(unhandled).not.toHaveBeenCalled();
  });

  test("delete and exists are bounded too", async () => {
    const hung = () => new Promise<never>(() => undefined);
    const r = repository(adapter({ delete: hung, exists: hung }), 0.05);
    await expect(r.delete(KEY)).rejects.toMatchObject({ message: expect.stringMatching(/^Could not delete the session/) });
    await expect(r.exists(KEY)).rejects.toMatchObject({ message: expect.stringMatching(/^Could not look up the session/) });
  });

  test("storageTimeout: null waits as long as the database takes", async () => {
    const slow = adapter({ load: () => new Promise((resolve) => setTimeout(() => resolve(null), 150)) });
    await expect(repository(slow, null).get(KEY).get("x")).resolves.toBeUndefined();
  });

  test.each([0, -1, Number.NaN, "5", Infinity])("storageTimeout %p is a configuration error that names the option", (value) => {
    expect(() => repository(adapter({}), value as number)).toThrow(ImproperlyConfigured);
    expect(() => repository(adapter({}), value as number)).toThrow(/storageTimeout must be a number of seconds/);
  });
});

describe("a failing database call", () => {
  test.each([
    ["load", (r: DjangoSessionRepository) => r.get(KEY).get("x"), { load: () => Promise.reject(ormError("Connection terminated unexpectedly", "57P01")) }],
    [
      "save",
      async (r: DjangoSessionRepository) => {
        const s = r.get(KEY);
        await s.set("secret", DATA_MARKER);
        await s.save();
      },
      { load: async (): Promise<null> => null, insert: () => Promise.reject(ormError("terminating connection due to administrator command", "57P01")) },
    ],
    ["delete", (r: DjangoSessionRepository) => r.delete(KEY), { delete: () => Promise.reject(ormError("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")) }],
  ] as const)("%s: a SessionStorageError whose cause keeps the driver's message and code but none of the parameters", async (_name, act, overrides) => {
    const error = await Promise.resolve()
      .then(() => act(repository(adapter(overrides as Partial<SessionRowAdapter>))))
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(SessionStorageError);
    expect((error as SessionStorageError).status).toBe(503);
    const cause = (error as Error).cause as Error & { code?: string };
    expect(cause.code).toMatch(/^(57P01|ECONNREFUSED)$/);
    // What a logger would print: util.inspect shows every own property of the error and its cause.
    const printed = `${inspect(error, { depth: 10 })}\n${JSON.stringify(error)}\n${JSON.stringify(cause)}\n${(error as Error).stack}`;
    expect(printed).not.toContain(KEY);
    expect(printed).not.toContain(DATA_MARKER);
    expect(printed).not.toContain("parameters");
    expect(printed).toContain(cause.message);
  });
});

describe("a driver message that names the session key", () => {
  test("MySQL's \"Duplicate entry '<key>'\" (were it not recognised as a collision) reaches no message with the key in it", async () => {
    const leaky = adapter({
      load: async (): Promise<null> => null,
      insert: (row) => Promise.reject(Object.assign(new Error(`Duplicate entry '${row.sessionKey}' for key 'PRIMARY'`), { code: "ER_SOMETHING_ELSE" })),
    });
    const r = new DjangoSessionRepository({ secretKey: "storage-failures-secret", adapter: leaky, logger: silentLogger, generateKey: () => KEY });
    const session = r.get();
    await session.set("a", 1);
    const error = await session.save().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionStorageError);
    expect((error as Error).message).toBe("Could not save the session: Duplicate entry '[session key]' for key 'PRIMARY'");
    expect(`${inspect(error, { depth: 10 })}${(error as Error).stack}`).not.toContain(KEY);
  });
});
