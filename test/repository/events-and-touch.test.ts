import { CachedDbSessionRepository, DjangoSessionRepository, SessionCodec, SqlRowAdapter, UpdateError, silentLogger, type SessionEventHandlers } from "../../src";
import { SessionMiddlewareCore } from "../../src/low-level";
import { openDatabase, type RawDatabase } from "../support/raw-tables";
import type { Dialect } from "../support/databases";

const SECRET = "events-secret-key-0123456789";
const OLD = "old-secret-key-9876543210";

for (const dialect of ["postgres", "sqlite"] as Dialect[]) {
  describe(`events and sliding expiry on ${dialect}`, () => {
    let db: RawDatabase;
    beforeAll(async () => {
      db = await openDatabase(dialect, "ds_events");
      await db.recreate();
    });
    afterAll(() => db.close());

    function recorder() {
      const seen: [string, unknown][] = [];
      const on = new Proxy({} as SessionEventHandlers, {
        get: (_, name: string) => (event: unknown) => seen.push([name, event]),
        has: () => true,
      });
      return { seen, names: () => seen.map(([n]) => n), on };
    }
    const repo = (options: Partial<ConstructorParameters<typeof DjangoSessionRepository>[0]> = {}) =>
      new DjangoSessionRepository({ secretKey: SECRET, adapter: new SqlRowAdapter(db.executor), logger: silentLogger, ...options });

    test("created, saved, loaded, missing, expired, invalid, interrupted, cleared", async () => {
      const r = recorder();
      const repository = repo({ on: r.on });
      const s = repository.get();
      await s.set("a", 1);
      await s.save();
      expect(r.seen).toEqual([["saved", { merged: false }], ["created", { attempts: 1 }]]);
      r.seen.length = 0;
      await repository.get(s.sessionKey).load();
      await repository.get("nosuchkey0123456789").load();
      await db.table.insert({ sessionKey: "expiredkey0123456789", sessionData: new SessionCodec({ secretKey: SECRET }).encode({}), expireDate: new Date(Date.now() - 1000) });
      await repository.get("expiredkey0123456789").load();
      await db.table.insert({ sessionKey: "corruptkey0123456789", sessionData: "garbage", expireDate: new Date(Date.now() + 60_000) });
      await repository.get("corruptkey0123456789").load();
      expect(r.seen).toEqual([["loaded", { source: "db" }], ["missing", {}], ["expired", {}], ["invalid", { reason: "bad-signature" }]]);
      r.seen.length = 0;
      const gone = repository.get(s.sessionKey);
      await gone.set("b", 2);
      await db.table.delete(s.sessionKey!);
      await expect(gone.save()).rejects.toBeInstanceOf(UpdateError);
      expect(r.names()).toContain("interrupted");
      r.seen.length = 0;
      await repository.clearExpired();
      expect(r.seen).toEqual([["cleared", { deleted: 1 }]]);
    });

    test("a session signed with a fallback secret is re-signed with the current one on load", async () => {
      const r = recorder();
      const old = new SessionCodec({ secretKey: OLD, logger: silentLogger });
      await db.table.insert({ sessionKey: "rotatedkey0123456789", sessionData: old.encode({ who: "me" }), expireDate: new Date(Date.now() + 60_000) });
      const repository = repo({ secretKeyFallbacks: [OLD], on: r.on });
      expect(await repository.get("rotatedkey0123456789").toObject()).toEqual({ who: "me" });
      expect(r.seen).toContainEqual(["fallbackSecret", { keyIndex: 1, resigned: true }]);
      const row = await db.table.getRow("rotatedkey0123456789");
      // Now readable with the current secret alone.
      expect(new SessionCodec({ secretKey: SECRET, logger: silentLogger }).decodeDetailed(row!.sessionData)).toMatchObject({ ok: true, keyIndex: 0, data: { who: "me" } });
    });

    test("no handler, no cost: a missing key costs one query", async () => {
      let queries = 0;
      const counting = { ...db.executor, query: (sql: string, params: readonly unknown[]) => (queries++, db.executor.query(sql, params)) };
      const repository = new DjangoSessionRepository({ secretKey: SECRET, adapter: new SqlRowAdapter(counting), logger: silentLogger });
      await repository.get("nosuchkey0123456789").load();
      expect(queries).toBe(1);
    });

    test("sliding expiry: only past the threshold, one UPDATE of expire_date, data untouched, cookie re-sent", async () => {
      let now = Date.UTC(2030, 0, 1);
      const repository = repo({ touchThreshold: 0.5, now: () => now, cookieAge: 1000 });
      const middleware = new SessionMiddlewareCore({ repository, now: () => now });
      const s = repository.get();
      await s.set("x", 1);
      await s.save();
      const before = (await db.table.getRow(s.sessionKey!))!;
      // 40% of the lifetime used: nothing to do.
      now += 400_000;
      let rs = middleware.open(`sessionid=${s.sessionKey}`);
      await rs.session.get("x");
      expect(await middleware.commit(rs, 200)).toEqual({ setCookie: null, varyCookie: true });
      // 60% used: expire_date moves to now + 1000 s, the data string is the same bytes.
      now += 200_000;
      rs = middleware.open(`sessionid=${s.sessionKey}`);
      await rs.session.get("x");
      const commit = await middleware.commit(rs, 200);
      expect(commit.setCookie).toContain("Max-Age=1000");
      const after = (await db.table.getRow(s.sessionKey!))!;
      expect(after.sessionData).toBe(before.sessionData);
      expect(after.expireDate.getTime()).toBe(now + 1_000_000);
      // Right after: not due again.
      rs = middleware.open(`sessionid=${s.sessionKey}`);
      await rs.session.get("x");
      expect((await middleware.commit(rs, 200)).setCookie).toBeNull();
    });

    test("touchThreshold outside (0, 1) is a configuration error", () => {
      expect(() => repo({ touchThreshold: 1.5 })).toThrow(/touchThreshold/);
    });
  });
}

describe("time is set once, on the engine, which hands it to its adapter", () => {
  const paris = { useTz: false, timeZone: "Europe/Paris" };
  let db: RawDatabase;
  beforeAll(async () => {
    db = await openDatabase("sqlite", "ds_time_once");
    await db.recreate();
  });
  afterAll(() => db.close());

  test("a USE_TZ=False repository over an adapter given no time writes Paris wall-clock expire_date", async () => {
    const now = Date.UTC(2030, 6, 1, 12, 0, 0); // 14:00 in Paris (summer time)
    const repo = new DjangoSessionRepository({ secretKey: SECRET, adapter: new SqlRowAdapter(db.executor), time: paris, now: () => now, logger: silentLogger });
    const s = repo.get();
    await s.set("a", 1);
    await s.save();
    const [row] = await db.executor.query("SELECT expire_date FROM django_session WHERE session_key = ?", [s.sessionKey]);
    // now + two weeks, as Django with USE_TZ=False writes it: naive local time.
    expect(String(row?.expire_date)).toBe("2030-07-15 14:00:00");
    expect(await repo.get(s.sessionKey).get("a")).toBe(1);
  });

  test("an adapter given a different time of its own is refused with the fix", () => {
    expect(() => new DjangoSessionRepository({ secretKey: SECRET, adapter: new SqlRowAdapter(db.executor, { time: { useTz: true } }), time: paris })).toThrow(/pass the same time/);
  });

  test("the old combined class's cache option is refused, naming cached_db's engine", () => {
    const cache = { get: async () => undefined, set: async () => undefined, delete: async () => undefined };
    expect(() => new DjangoSessionRepository({ secretKey: SECRET, adapter: new SqlRowAdapter(db.executor), cache } as never)).toThrow(/CachedDbSessionRepository/);
    expect(() => new CachedDbSessionRepository({ secretKey: SECRET, adapter: new SqlRowAdapter(db.executor), cache })).not.toThrow();
  });

  test("the same time on both is accepted", () => {
    expect(() => new DjangoSessionRepository({ secretKey: SECRET, adapter: new SqlRowAdapter(db.executor, { time: paris }), time: paris })).not.toThrow();
  });
});

describe("oldestDjangoVersion, checked once for every store", () => {
  test("3.2 stores integer expiry; 4.2 and 5.2 do not; anything else is a configuration error", async () => {
    const { SignedCookieSessionStore } = await import("../../src");
    const { integerExpiryOnly } = await import("../../src/low-level");
    expect([integerExpiryOnly("3.2"), integerExpiryOnly("4.2"), integerExpiryOnly("5.2"), integerExpiryOnly()]).toEqual([true, false, false, false]);
    expect(() => integerExpiryOnly("4.0")).toThrow(/oldestDjangoVersion must be "3.2", "4.2" or "5.2"/);
    expect(() => new SignedCookieSessionStore({ secretKey: SECRET, oldestDjangoVersion: "3.1" as never })).toThrow(/oldestDjangoVersion/);
  });
});
