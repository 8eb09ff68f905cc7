import assert from "node:assert/strict";
import { isDjangoSessionError } from "../../../core/errors";
import { SIGNED_COOKIES_SALT } from "../../../core/session-codec";
import { TimestampSigner } from "../../../core/signer";
import { caseGroup, eng, rejects, SECRET } from "../helpers";

const { cases, test } = caseGroup();

const OVERLONG_KEY = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".repeat(20);

test("test_load_overlong_key", async (ctx) => {
  const s = eng(ctx).get(OVERLONG_KEY);
  assert.deepEqual(await s.toObject(), {});
  assert.equal(s.sessionKey, null);
}, ["cached_db", "cache"]);

test("test_exists_searches_cache_first", async (ctx) => {
  const s = eng(ctx).get();
  await s.save();
  // The row goes behind the engine's back: only a cache hit can still answer true.
  await ctx.table.delete(s.sessionKey!);
  assert.equal(await s.exists(s.sessionKey!), true);
}, ["cached_db"]);

test("test_default_cache (the session is in the cache after a save)", async (ctx) => {
  const s = eng(ctx).get();
  await s.set("x", 1);
  await s.save();
  assert.ok(ctx.cache, "the context gives the cache as stored");
  assert.equal(await ctx.cache.has(s.sessionKey!), true);
}, ["cached_db", "cache"]);

test("test_create_and_save", async (ctx) => {
  const s = eng(ctx).get();
  await s.create();
  await s.save();
  assert.ok(ctx.cache, "the context gives the cache as stored");
  assert.equal(await ctx.cache.has(s.sessionKey!), true);
}, ["cache"]);

test("test_actual_expiry (ticket #19201: a custom expiry is not enforced on read)", async (ctx) => {
  // Django marks this test an expected failure for signed_cookies: the cookie is checked
  // against SESSION_COOKIE_AGE only, so a session saved with an expiry in the past still reads.
  const r = eng(ctx);
  const s = r.get();
  await s.set("foo", "bar");
  await s.setExpiry(-10);
  await s.save();
  assert.equal(await r.get(s.sessionKey).has("foo"), true);
}, ["signed_cookies"]);

test("test_unpickling_exception (a signed value that is not a session dict reads as a new session)", async (ctx) => {
  // Correctly signed with the engine's salt and secret, but the payload is not JSON (Django: the
  // serializer raises, and load() answers with a new session).
  const signer = new TimestampSigner({ key: SECRET, salt: SIGNED_COOKIES_SALT });
  for (const payload of [Buffer.from("not json").toString("base64url"), Buffer.from("[1, 2]").toString("base64url")]) {
    const s = eng(ctx).get(signer.sign(payload));
    assert.deepEqual(await s.toObject(), {});
    assert.equal(s.modified, true, "a fresh signed {} replaces it");
  }
}, ["signed_cookies"]);

test("extra: the cookie value is the whole session, and a cookie over 4 KB is refused", async (ctx) => {
  const r = eng(ctx);
  const s = r.get();
  await s.set("a", "b");
  await s.save();
  assert.deepEqual(await r.get(s.sessionKey).toObject(), { a: "b" });
  const big = r.get();
  // Incompressible text (a linear congruential sequence), so compression cannot bring it under 4 KB.
  let state = 12345;
  const noise = Array.from({ length: 6000 }, () => String.fromCharCode(33 + ((state = (state * 1103515245 + 12345) % 2147483648) >>> 16) % 90)).join("");
  await big.set("blob", noise);
  await rejects(big.save(), (e) => isDjangoSessionError(e, "ERR_COOKIE_TOO_LARGE"), "a cookie browsers would drop");
}, ["signed_cookies"]);

/** Each engine's own: `CacheDBSessionTests`, `CacheSessionTests`, `CookieSessionTests`. */
export const engineSpecificCases = cases;
