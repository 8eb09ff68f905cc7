import assert from "node:assert/strict";
import { caseGroup, eng, repo, TABLE } from "../helpers";

const { cases, test } = caseGroup();

test("test_session_str (the row is stored under the session key)", async (ctx) => {
  const s = repo(ctx).get();
  await s.set("x", 1);
  await s.save();
  assert.ok(await ctx.table.getRow(s.sessionKey!));
}, TABLE);

test("test_session_get_decoded", async (ctx) => {
  const r = repo(ctx);
  const s = r.get();
  await s.set("x", 1);
  await s.save();
  const row = await ctx.table.getRow(s.sessionKey!);
  assert.deepEqual(r.codec.decode(row!.sessionData), { x: 1 });
}, TABLE);

test("test_sessionmanager_save", async (ctx) => {
  const r = repo(ctx);
  const s = r.get();
  await s.set("y", 1);
  await s.save();
  const stored = await ctx.table.getRow(s.sessionKey!);
  // Session.objects.save(key, {"y": 2}, expire_date): rewritten behind the repository's back.
  await ctx.table.delete(s.sessionKey!);
  await ctx.table.insert({ sessionKey: s.sessionKey!, sessionData: r.codec.encode({ y: 2 }), expireDate: stored!.expireDate });
  const fresh = r.get(s.sessionKey);
  assert.equal(await fresh.get("y"), 2);
}, ["db"]);

test("test_clearsessions_command", async (ctx) => {
  const r = repo(ctx);
  await ctx.table.truncate();
  const live = r.get();
  await live.set("foo", "bar");
  await live.setExpiry(3600);
  await live.save();
  const dead = r.get();
  await dead.set("foo", "bar");
  await dead.setExpiry(-3600);
  await dead.save();
  assert.equal(await ctx.table.count(), 2);
  assert.equal(await r.clearExpired(), 1);
  assert.equal(await ctx.table.count(), 1);
  assert.ok(await ctx.table.getRow(live.sessionKey!));
}, TABLE);

test("custom get_session_cookie_age() = 86400 drives test_default_expiry", async (ctx) => {
  const s = eng(ctx, { cookieAge: 86400 }).get();
  assert.equal(s.getExpiryAge(), 86400);
  await s.setExpiry(0);
  assert.equal(s.getExpiryAge(), 86400);
});

test("custom get_session_cookie_age() = 86400 drives test_custom_expiry_reset", async (ctx) => {
  const s = eng(ctx, { cookieAge: 86400 }).get();
  await s.setExpiry(null);
  await s.setExpiry(10);
  await s.setExpiry(null);
  assert.equal(s.getExpiryAge(), 86400);
});

test("test_test_cookie", async (ctx) => {
  const s = eng(ctx).get();
  await s.setTestCookie();
  assert.equal(await s.testCookieWorked(), true);
  await s.deleteTestCookie();
  assert.equal(await s.has("testcookie"), false);
});

test("test_is_empty", async (ctx) => {
  const s = eng(ctx).get();
  assert.equal(s.isEmpty(), true);
});

/** Django's `DatabaseSessionTests`: the row, the manager, clearsessions, a custom cookie age. */
export const databaseCases = cases;
