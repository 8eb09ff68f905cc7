import assert from "node:assert/strict";
import { assertStored, caseGroup, eng, STORED } from "../helpers";

const { cases, test } = caseGroup();

test("test_save", async (ctx) => {
  const s = eng(ctx).get();
  await s.save();
  assert.ok(s.sessionKey);
  assert.equal(await s.exists(s.sessionKey), true);
  await assertStored(ctx, s.sessionKey, true, "saved");
}, STORED);

test("test_delete", async (ctx) => {
  const s = eng(ctx).get();
  await s.save();
  const key = s.sessionKey!;
  await s.deleteSession(key);
  assert.equal(await s.exists(key), false);
  await assertStored(ctx, key, false, "deleted");
});

test("test_flush", async (ctx) => {
  const s = eng(ctx).get();
  await s.set("foo", "bar");
  await s.save();
  const prevKey = s.sessionKey!;
  await s.flush();
  assert.equal(await s.exists(prevKey), false);
  assert.notEqual(s.sessionKey, prevKey);
  assert.equal(s.sessionKey, null);
  assert.equal(s.modified, true);
  assert.equal(s.accessed, true);
  await assertStored(ctx, prevKey, false, "flushed");
});

test("test_cycle", async (ctx) => {
  const s = eng(ctx).get();
  await s.set("a", "c");
  await s.set("b", "d");
  await s.save();
  const prevKey = s.sessionKey!;
  const prevData = await s.items();
  await s.cycleKey();
  assert.equal(await s.exists(prevKey), false);
  assert.notEqual(s.sessionKey, prevKey);
  assert.deepEqual(await s.items(), prevData);
  await assertStored(ctx, s.sessionKey!, true, "the new key");
  await assertStored(ctx, prevKey, false, "the old key");
}, STORED);

test("test_cycle_with_no_session_cache", async (ctx) => {
  const r = eng(ctx);
  const s = r.get();
  await s.set("a", "c");
  await s.set("b", "d");
  await s.save();
  const prevData = await s.items();
  const fresh = r.get(s.sessionKey);
  assert.equal(fresh.loaded, false);
  await fresh.cycleKey();
  assert.deepEqual(await fresh.items(), prevData);
});

test("test_save_doesnt_clear_data", async (ctx) => {
  const s = eng(ctx).get();
  await s.set("a", "b");
  await s.save();
  assert.equal(await s.get("a"), "b");
});

test("test_invalid_key", async (ctx) => {
  const r = eng(ctx);
  const s = r.get("1");
  await s.save();
  assert.notEqual(s.sessionKey, "1");
  assert.equal(await s.get("cat"), undefined);
  await s.deleteSession();
  // A valid-length key that does not exist is not adopted either.
  const t = r.get("1234567890abcdef");
  await t.set("x", 1);
  await t.save().catch(() => undefined);
  assert.notEqual(t.sessionKey, "1234567890abcdef");
  await assertStored(ctx, "1234567890abcdef", false, "a key the client made up");
});

test("test_session_key_empty_string_invalid", async (ctx) => {
  assert.equal(eng(ctx).get("").sessionKey, null);
});

test("test_session_key_too_short_invalid", async (ctx) => {
  assert.equal(eng(ctx).get("1234567").sessionKey, null);
});

test("test_session_key_valid_string_saved", async (ctx) => {
  assert.equal(eng(ctx).get("12345678").sessionKey, "12345678");
});

test("test_session_key_is_read_only", async (ctx) => {
  const s = eng(ctx).get();
  assert.throws(() => {
    (s as unknown as { sessionKey: string }).sessionKey = "a";
  }, TypeError);
});

/** `SessionTestsMixin`, the session's life: save, delete, flush, cycle, and which keys are valid. */
export const lifecycleCases = cases;
