import assert from "node:assert/strict";
import { CreateError, isDjangoSessionError } from "../../../core/errors";
import { assertStored, caseGroup, COOKIE_AGE, collectingLogger, eng, rejects, repo, STORED, TABLE } from "../helpers";

const { cases, test } = caseGroup();

test("extra: expire_date is stored as now + cookie age, exactly", async (ctx) => {
  const now = Date.UTC(2030, 5, 1, 10, 20, 30, 456);
  const s = repo(ctx, { now: () => now }).get();
  await s.set("x", 1);
  await s.save();
  const row = await ctx.table.getRow(s.sessionKey!);
  assert.equal(row!.expireDate.getTime(), now + COOKIE_AGE * 1000);
}, TABLE);

test("extra: a session Django saved is read back intact, and an update slides expire_date", async (ctx) => {
  let now = Date.UTC(2030, 0, 1, 0, 0, 0);
  const r = repo(ctx, { now: () => now });
  const key = "djangowrotethis0123456789abcdefg";
  const data = { _auth_user_id: "42", _auth_user_backend: "django.contrib.auth.backends.ModelBackend", nested: { list: [1, 2.5, "é"] } };
  await ctx.table.insert({ sessionKey: key, sessionData: r.codec.encode(data), expireDate: new Date(now + 1000_000) });
  const s = r.get(key);
  assert.deepEqual(await s.toObject(), data);
  now += 60_000;
  await s.set("counter", 1);
  await s.save();
  const row = await ctx.table.getRow(key);
  assert.deepEqual(r.codec.decode(row!.sessionData), { ...data, counter: 1 });
  assert.equal(row!.expireDate.getTime(), now + COOKIE_AGE * 1000);
}, TABLE);

test("extra: nothing is read until the data is touched", async (ctx) => {
  const r = eng(ctx);
  const s = r.get("doesnotmatter0123456789abcdefghi");
  assert.equal(s.loaded, false);
  assert.equal(s.sessionKey, "doesnotmatter0123456789abcdefghi");
  assert.equal(s.isEmpty(), false);
  await s.get("x");
  assert.equal(s.loaded, true);
  assert.equal(s.sessionKey, null, "an unknown key is dropped on load");
}, STORED);

test("extra: an unmodified session is not written by the middleware's rule, and save() of a loaded one rewrites the same data", async (ctx) => {
  const r = eng(ctx);
  const s = r.get();
  await s.set("a", 1);
  await s.save();
  const fresh = r.get(s.sessionKey);
  assert.equal(await fresh.get("a"), 1);
  assert.equal(fresh.modified, false);
});

test("extra: create retries with a fresh key on a primary-key collision and never overwrites", async (ctx) => {
  const taken = "collision0123456789abcdefghijklm";
  const free = "fresh0123456789abcdefghijklmnopq";
  const r0 = repo(ctx);
  await ctx.table.insert({ sessionKey: taken, sessionData: r0.codec.encode({ owner: "first" }), expireDate: new Date(Date.now() + 60_000) });
  const keys = [taken, taken, free];
  const r = repo(ctx, { generateKey: () => keys.shift() ?? "unexpected-extra-key-000000000000" });
  const s = r.get();
  await s.set("owner", "second");
  await s.save();
  assert.equal(s.sessionKey, free);
  assert.deepEqual(r.codec.decode((await ctx.table.getRow(taken))!.sessionData), { owner: "first" });
  assert.deepEqual(r.codec.decode((await ctx.table.getRow(free))!.sessionData), { owner: "second" });
}, TABLE);

test("extra: save({ mustCreate }) on an existing key raises CreateError", async (ctx) => {
  const r = repo(ctx);
  const s = r.get();
  await s.set("a", 1);
  await s.save();
  const twin = r.get(s.sessionKey);
  await twin.set("a", 2);
  await rejects(twin.save({ mustCreate: true }), (e) => e instanceof CreateError, "insert over an existing key");
  assert.deepEqual(r.codec.decode((await ctx.table.getRow(s.sessionKey!))!.sessionData), { a: 1 });
}, TABLE);

test("extra: a corrupt row reads as an empty session (logged) and saving replaces it", async (ctx) => {
  const logger = collectingLogger();
  const r = repo(ctx, { logger });
  const key = "corruptrow0123456789abcdefghijkl";
  await ctx.table.insert({ sessionKey: key, sessionData: "this is not a session", expireDate: new Date(Date.now() + 60_000) });
  const s = r.get(key);
  assert.deepEqual(await s.toObject(), {});
  assert.equal(s.sessionKey, key, "the row exists, so the key is kept");
  assert.deepEqual(logger.messages, ["Session data corrupted"]);
  await s.set("fresh", true);
  await s.save();
  assert.deepEqual(r.codec.decode((await ctx.table.getRow(key))!.sessionData), { fresh: true });
}, TABLE);

test("extra: overlong keys and odd characters find nothing and never reach a row", async (ctx) => {
  const r = eng(ctx);
  for (const key of ["k".repeat(41), "x".repeat(1240), "bad\u0000key0123", "ключ-сессии-123", "'; DROP TABLE django_session; --"]) {
    const s = r.get(key);
    assert.deepEqual(await s.toObject(), {});
    assert.equal(s.sessionKey, null);
    assert.equal(await r.exists(key), false);
  }
  if (ctx.table) assert.ok((await ctx.table.count()) >= 0, "the table is still there");
}, STORED);

test("extra: setExpiry(Date) is stored as Django 4.1+ does (ISO, +00:00) and as int seconds for 3.2", async (ctx) => {
  const now = Date.UTC(2030, 0, 1, 0, 0, 0);
  const modern = repo(ctx, { now: () => now }).get();
  await modern.setExpiry(new Date(now + 3_600_250));
  assert.equal(await modern.get("_session_expiry"), "2030-01-01T01:00:00.250000+00:00");
  const legacy = repo(ctx, { now: () => now, oldestDjangoVersion: "3.2" }).get();
  await legacy.setExpiry(new Date(now + 3_600_000));
  assert.equal(await legacy.get("_session_expiry"), 3600);
  await legacy.save();
  const row = await ctx.table.getRow(legacy.sessionKey!);
  assert.equal(row!.expireDate.getTime(), now + 3_600_000);
}, TABLE);

test("extra: clearExpired works in bounded batches and reports progress", async (ctx) => {
  const r = repo(ctx);
  await ctx.table.truncate();
  const past = new Date(Date.now() - 60_000);
  for (let i = 0; i < 25; i++) {
    await ctx.table.insert({ sessionKey: `expired${String(i).padStart(25, "0")}`, sessionData: r.codec.encode({}), expireDate: past });
  }
  await ctx.table.insert({ sessionKey: "stillalive0123456789abcdefghijkl", sessionData: r.codec.encode({}), expireDate: new Date(Date.now() + 60_000) });
  const progress: number[] = [];
  assert.equal(await r.clearExpired({ batchSize: 10, onProgress: (n) => progress.push(n) }), 25);
  assert.deepEqual(progress, [10, 20, 25]);
  assert.equal(await ctx.table.count(), 1);
}, TABLE);

test("extra: a key set by one session is invisible to a session loaded before the save", async (ctx) => {
  const r = eng(ctx);
  const s = r.get();
  await s.set("a", 1);
  await s.save();
  const early = r.get(s.sessionKey);
  await early.load();
  await s.set("b", 2);
  await s.save();
  assert.deepEqual(await early.toObject(), { a: 1 });
});

test("extra: saveIfModified writes only a modified session, resolves whether it wrote, and a second call writes nothing", async (ctx) => {
  const r = eng(ctx);
  const untouched = r.get();
  assert.equal(await untouched.saveIfModified(), false);
  assert.equal(untouched.sessionKey, null, "nothing was created");
  const s = r.get();
  await s.set("a", 1);
  assert.equal(await s.saveIfModified(), true);
  assert.ok(s.sessionKey);
  await assertStored(ctx, s.sessionKey, true, "saved if modified");
  assert.equal(s.modified, false);
  assert.equal(await s.saveIfModified(), false, "no change since the last save");
  const fresh = r.get(s.sessionKey);
  assert.equal(await fresh.get("a"), 1);
  assert.equal(await fresh.saveIfModified(), false, "read only");
  await fresh.set("a", 2);
  assert.equal(await fresh.saveIfModified(), true);
  assert.equal(await r.get(fresh.sessionKey).get("a"), 2);
});

test("extra: the expiry getters are synchronous; a session with a key must be loaded first", async (ctx) => {
  const r = eng(ctx);
  const s = r.get();
  await s.set("a", 1);
  await s.setExpiry(300);
  await s.save();
  const unloaded = r.get(s.sessionKey);
  assert.throws(() => unloaded.getExpiryAge(), (e: unknown) => isDjangoSessionError(e, "ERR_SESSION_NOT_LOADED"));
  assert.throws(() => unloaded.getExpireAtBrowserClose(), (e: unknown) => isDjangoSessionError(e, "ERR_SESSION_NOT_LOADED"));
  await unloaded.load();
  assert.equal(unloaded.getExpiryAge(), 300);
  assert.equal(unloaded.getExpireAtBrowserClose(), false);
  assert.equal(typeof unloaded.getExpireAtBrowserClose(), "boolean", "never a promise, so `if (session.getExpireAtBrowserClose())` means what it says");
  // A new session has nothing to load: its getters answer at once.
  assert.equal(r.get().getExpiryAge(), COOKIE_AGE);
}, STORED);

/** Ours: what Django leaves implicit (exact expire_date, lazy loads, create retries, corrupt rows, batches). */
export const ourCases = cases;
