import assert from "node:assert/strict";
import { UpdateError } from "../../../core/errors";
import { SessionCodec } from "../../../core/session-codec";
import { assertStored, caseGroup, COOKIE_AGE, collectingLogger, eng, rejects, repo, SECRET, STORED, TABLE } from "../helpers";

const { cases, test } = caseGroup();

test("test_default_expiry", async (ctx) => {
  const s = eng(ctx).get();
  assert.equal(s.getExpiryAge(), COOKIE_AGE);
  await s.setExpiry(0);
  assert.equal(s.getExpiryAge(), COOKIE_AGE);
});

test("test_custom_expiry_seconds", async (ctx) => {
  const modification = new Date(Date.UTC(2024, 0, 1, 12, 0, 0));
  const s = eng(ctx, { now: () => modification.getTime() }).get();
  await s.setExpiry(10);
  assert.equal(s.getExpiryDate({ modification }).getTime(), modification.getTime() + 10_000);
  assert.equal(s.getExpiryAge({ modification }), 10);
});

test("test_custom_expiry_timedelta", async (ctx) => {
  const modification = new Date(Date.UTC(2024, 0, 1, 12, 0, 0));
  const s = eng(ctx, { now: () => modification.getTime() }).get();
  await s.setExpiry({ seconds: 10 });
  assert.equal(s.getExpiryDate({ modification }).getTime(), modification.getTime() + 10_000);
  assert.equal(s.getExpiryAge({ modification }), 10);
});

test("test_custom_expiry_datetime", async (ctx) => {
  const modification = new Date(Date.UTC(2024, 0, 1, 12, 0, 0));
  const s = eng(ctx, { now: () => modification.getTime() }).get();
  await s.setExpiry(new Date(modification.getTime() + 10_000));
  assert.equal(s.getExpiryDate({ modification }).getTime(), modification.getTime() + 10_000);
  assert.equal(s.getExpiryAge({ modification }), 10);
});

test("test_custom_expiry_reset", async (ctx) => {
  const s = eng(ctx).get();
  await s.setExpiry(null);
  await s.setExpiry(10);
  await s.setExpiry(null);
  assert.equal(s.getExpiryAge(), COOKIE_AGE);
});

test("test_get_expire_at_browser_close", async (ctx) => {
  const off = eng(ctx, { expireAtBrowserClose: false }).get();
  await off.setExpiry(10);
  assert.equal(off.getExpireAtBrowserClose(), false);
  await off.setExpiry(0);
  assert.equal(off.getExpireAtBrowserClose(), true);
  await off.setExpiry(null);
  assert.equal(off.getExpireAtBrowserClose(), false);
  const on = eng(ctx, { expireAtBrowserClose: true }).get();
  await on.setExpiry(10);
  assert.equal(on.getExpireAtBrowserClose(), false);
  await on.setExpiry(0);
  assert.equal(on.getExpireAtBrowserClose(), true);
  await on.setExpiry(null);
  assert.equal(on.getExpireAtBrowserClose(), true);
});

test("test_decode", async (ctx) => {
  const r = repo(ctx);
  const data = { "a test key": "a test value" } as Record<string, unknown>;
  assert.deepEqual(r.codec.decode(r.codec.encode(data)), data);
}, TABLE);

test("test_decode_failure_logged_to_security", async (ctx) => {
  const logger = collectingLogger();
  const r = repo(ctx, { logger });
  for (const bad of [Buffer.from("flaskdj:alkdjf").toString("base64"), "bad:encoded:value"]) {
    assert.deepEqual(r.codec.decode(bad), {});
  }
  assert.deepEqual(logger.messages, ["Session data corrupted", "Session data corrupted"]);
}, TABLE);

test("test_decode_serializer_exception", async (ctx) => {
  const r = repo(ctx);
  // Correctly signed with the session salt, but neither base64 JSON nor an object.
  const signed = new SessionCodec({ secretKey: SECRET, logger: collectingLogger() });
  const bad = (signed as unknown as { signer: { sign(v: string): string } }).signer.sign("bad");
  assert.deepEqual(r.codec.decode(bad), {});
}, TABLE);

test("test_actual_expiry", async (ctx) => {
  const r = eng(ctx);
  const s = r.get();
  await s.set("foo", "bar");
  await s.setExpiry(-10);
  await s.save();
  const fresh = r.get(s.sessionKey);
  assert.equal(await fresh.has("foo"), false);
}, STORED);

test("test_session_load_does_not_create_record", async (ctx) => {
  const r = eng(ctx);
  const before = await ctx.table?.count();
  const s = r.get("someunknownkey");
  await s.load();
  assert.equal(s.sessionKey, null);
  assert.equal(await s.exists("someunknownkey"), false);
  if (ctx.table) assert.equal(await ctx.table.count(), before);
  await s.save();
  assert.notEqual(s.sessionKey, "someunknownkey");
  await assertStored(ctx, "someunknownkey", false, "the unknown key");
}, STORED);

test("test_session_save_does_not_resurrect_session_logged_out_in_other_context", async (ctx) => {
  const r = eng(ctx);
  const s1 = r.get();
  await s1.set("test_data", "value1");
  await s1.save({ mustCreate: true });
  const s2 = r.get(s1.sessionKey);
  await s2.deleteSession();
  await s1.set("test_data", "value2");
  await rejects(s1.save(), (e) => e instanceof UpdateError, "save of a deleted session");
  await assertStored(ctx, s1.sessionKey!, false, "not resurrected");
  const fresh = r.get(s1.sessionKey);
  assert.deepEqual(await fresh.toObject(), {});
}, STORED);

/** `SessionTestsMixin`, expiry (settings, custom, browser close, actual) and decoding, plus the load/save rules. */
export const expiryAndDecodeCases = cases;
