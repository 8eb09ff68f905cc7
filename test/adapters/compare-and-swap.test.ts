/**
 * The compare-and-swap save (`SqlRowAdapter.update(row, expectedData)`): it compares the tail of
 * Django's signed value (the last `:` and the signature after it) instead of sending the whole old
 * value back, and the whole value when the stored one has no signature shape. On the real
 * databases, through the prepared driver executors and the plain test executors.
 */
import { SessionCodec, SqlRowAdapter, silentLogger, type SqlExecutor } from "../../src";
import { casTail } from "../../src/adapters/sql/sql-row-adapter";
import type { Dialect } from "../support/databases";
import { openDatabase, type RawDatabase } from "../support/raw-tables";
import { openDriverExecutor, type DriverExecutor } from "./driver-executors";

const codec = new SessionCodec({ secretKey: "cas-secret", logger: silentLogger });
const SIGNATURE = "A".repeat(20) + "b-_9".repeat(5) + "xyz"; // 43 base64url characters, like an HMAC-SHA256

describe("casTail", () => {
  test("is the last ':' and the signature after it, for Django's values", () => {
    const value = codec.encode({ a: 1 });
    const signature = value.split(":").at(-1)!;
    expect(signature).toHaveLength(43);
    expect(casTail(value)).toBe(`:${signature}`);
    expect(casTail(`.eJwlzEEKgCAQAMC:1tXyz0:${SIGNATURE}`)).toBe(`:${SIGNATURE}`);
    // An HMAC-SHA1 signature (Django's legacy algorithm): 27 characters.
    expect(casTail(`payload:ts:${SIGNATURE.slice(0, 27)}`)).toBe(`:${SIGNATURE.slice(0, 27)}`);
  });

  test("is null where the value has no signature shape: then the whole value is compared", () => {
    expect(casTail("corrupt")).toBeNull();
    expect(casTail("")).toBeNull();
    expect(casTail("payload:1")).toBeNull(); // too short to be a signature
    expect(casTail(`payload:${SIGNATURE.slice(0, 26)}`)).toBeNull();
    expect(casTail(`payload:${SIGNATURE.slice(0, 40)}=`)).toBeNull(); // not base64url
    expect(casTail(`payload:${SIGNATURE.slice(0, 20)} ${SIGNATURE.slice(0, 20)}`)).toBeNull();
    expect(casTail(`payload:${SIGNATURE}:`)).toBeNull(); // nothing after the last ':'
  });
});

const NOW = new Date("2026-12-10T12:00:00Z");
const LATER = new Date("2026-12-24T12:00:00Z");

/** An executor that records the parameters of every statement it runs. */
function recording(executor: SqlExecutor): { executor: SqlExecutor; params: unknown[][] } {
  const params: unknown[][] = [];
  return {
    params,
    executor: {
      dialect: executor.dialect,
      query: (sql, values, name) => (params.push([...values]), executor.query(sql, values, name)),
      execute: (sql, values, name) => (params.push([...values]), executor.execute(sql, values, name)),
      isUniqueViolation: (error) => executor.isUniqueViolation(error),
    },
  };
}

for (const dialect of ["postgres", "mysql", "sqlite"] as Dialect[]) {
  describe(`compare-and-swap on ${dialect}`, () => {
    let db: RawDatabase;
    let driver: DriverExecutor;
    beforeAll(async () => {
      db = await openDatabase(dialect, "ds_cas");
      await db.recreate();
      driver = await openDriverExecutor(dialect, "ds_cas");
    });
    afterAll(async () => {
      await driver.close();
      await db.close();
    });
    beforeEach(() => db.table.truncate());

    const executors: [string, () => SqlExecutor][] = [
      ["prepared driver executor", () => driver.executor],
      ["plain executor", () => db.executor],
    ];

    describe.each(executors)("%s", (_, executor) => {
      const adapter = () => new SqlRowAdapter(executor());
      const put = (sessionKey: string, sessionData: string) => db.table.insert({ sessionKey, sessionData, expireDate: LATER });
      const data = async (key: string) => (await db.table.getRow(key))?.sessionData;

      test("swaps when the row still holds the value read, and not after another writer's save", async () => {
        const read = codec.encode({ n: 1 });
        await put("k", read);
        const theirs = codec.encode({ n: 1, other: true });
        const ours = codec.encode({ n: 2 });
        expect(await adapter().update({ sessionKey: "k", sessionData: theirs, expireDate: LATER }, read)).toBe(true);
        expect(await adapter().update({ sessionKey: "k", sessionData: ours, expireDate: LATER }, read)).toBe(false);
        expect(await data("k")).toBe(theirs);
        expect(await adapter().update({ sessionKey: "k", sessionData: ours, expireDate: LATER }, theirs)).toBe(true);
        expect(await data("k")).toBe(ours);
      });

      test("compares the whole signature: a value ending in part of it does not match", async () => {
        const stored = codec.encode({ n: 1 });
        await put("k", stored);
        const signature = stored.split(":").at(-1)!;
        // Same last 42 and 27 characters, but the ':' before them is not where the stored one has it.
        for (const expected of [`x:${signature.slice(1)}`, `x:y:${signature.slice(-27)}`]) {
          expect(casTail(expected)).not.toBeNull();
          expect(await adapter().update({ sessionKey: "k", sessionData: "new", expireDate: LATER }, expected)).toBe(false);
        }
        expect(await data("k")).toBe(stored);
      });

      test("a stored value with no signature shape is compared whole, exactly", async () => {
        await put("corrupt", "not a signed value");
        await put("short", "payload:tail");
        const next = { sessionData: codec.encode({ fresh: 1 }), expireDate: LATER };
        // Same tail after the last ':', different value: a tail comparison would match.
        expect(await adapter().update({ sessionKey: "short", ...next }, "other:tail")).toBe(false);
        expect(await adapter().update({ sessionKey: "corrupt", ...next }, "not a signed valuE")).toBe(false);
        expect(await data("short")).toBe("payload:tail");
        expect(await data("corrupt")).toBe("not a signed value");
        expect(await adapter().update({ sessionKey: "short", ...next }, "payload:tail")).toBe(true);
        expect(await adapter().update({ sessionKey: "corrupt", ...next }, "not a signed value")).toBe(true);
        expect(await data("corrupt")).toBe(next.sessionData);
      });

      test("a vanished row is no swap, and nothing is inserted", async () => {
        const read = codec.encode({ n: 1 });
        expect(await adapter().update({ sessionKey: "gone", sessionData: read, expireDate: NOW }, read)).toBe(false);
        expect(await db.table.count()).toBe(0);
      });

      test("sends the signature tail, not the old session back", async () => {
        const large = codec.encode({ blob: Array.from({ length: 200 }, (_, i) => `${i}-${"z".repeat(i % 37)}-${i * 7919}`) });
        expect(large.length).toBeGreaterThan(1000);
        await put("big", large);
        const { executor: recorder, params } = recording(executor());
        const next = codec.encode({ blob: [] });
        expect(await new SqlRowAdapter(recorder).update({ sessionKey: "big", sessionData: next, expireDate: LATER }, large)).toBe(true);
        expect(params).toHaveLength(1);
        const [sent] = params;
        expect(sent).not.toContain(large);
        const tail = large.slice(large.lastIndexOf(":"));
        expect(sent!.slice(-2)).toEqual([tail.length, tail]);
        expect(tail).toHaveLength(44);
        expect(await data("big")).toBe(next);
      });
    });
  });
}
