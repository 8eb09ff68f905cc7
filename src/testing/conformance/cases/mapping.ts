import assert from "node:assert/strict";
import { caseGroup, eng, rejects } from "../helpers";

const { cases, test } = caseGroup();

test("test_new_session", async (ctx) => {
  const s = eng(ctx).get();
  assert.equal(s.modified, false);
  assert.equal(s.accessed, false);
});

test("test_get_empty", async (ctx) => {
  assert.equal(await eng(ctx).get().get("cat"), undefined);
});

test("test_store", async (ctx) => {
  const s = eng(ctx).get();
  await s.set("cat", "dog");
  assert.equal(s.modified, true);
  assert.equal(await s.pop("cat"), "dog");
});

test("test_pop", async (ctx) => {
  const s = eng(ctx).get();
  await s.set("some key", "exists");
  s.accessed = false;
  s.modified = false;
  assert.equal(await s.pop("some key"), "exists");
  assert.equal(s.accessed, true);
  assert.equal(s.modified, true);
  assert.equal(await s.get("some key"), undefined);
});

test("test_pop_default", async (ctx) => {
  const s = eng(ctx).get();
  assert.equal(await s.pop("some key", "does not exist"), "does not exist");
  assert.equal(s.accessed, true);
  assert.equal(s.modified, false);
});

test("test_pop_default_named_argument", async (ctx) => {
  const s = eng(ctx).get();
  assert.equal(await s.pop("some key", null), null);
  assert.equal(s.accessed, true);
  assert.equal(s.modified, false);
});

test("test_pop_no_default_keyerror_raised", async (ctx) => {
  const s = eng(ctx).get();
  await rejects(s.pop("some key"), (e) => e instanceof RangeError && /KeyError/.test(String(e)), "pop of a missing key");
});

test("test_setdefault", async (ctx) => {
  const s = eng(ctx).get();
  assert.equal(await s.setdefault("foo", "bar"), "bar");
  assert.equal(await s.setdefault("foo", "baz"), "bar");
  assert.equal(s.accessed, true);
  assert.equal(s.modified, true);
});

test("test_update", async (ctx) => {
  const s = eng(ctx).get();
  await s.update({ "update key": 1 });
  assert.equal(s.accessed, true);
  assert.equal(s.modified, true);
  assert.equal(await s.get("update key"), 1);
});

test("test_has_key", async (ctx) => {
  const s = eng(ctx).get();
  await s.set("some key", 1);
  s.modified = false;
  s.accessed = false;
  assert.equal(await s.has("some key"), true);
  assert.equal(s.accessed, true);
  assert.equal(s.modified, false);
});

test("test_values", async (ctx) => {
  const s = eng(ctx).get();
  assert.deepEqual(await s.values(), []);
  assert.equal(s.accessed, true);
  await s.set("some key", 1);
  s.modified = false;
  s.accessed = false;
  assert.deepEqual(await s.values(), [1]);
  assert.equal(s.accessed, true);
  assert.equal(s.modified, false);
});

test("test_keys", async (ctx) => {
  const s = eng(ctx).get();
  await s.set("x", 1);
  s.modified = false;
  s.accessed = false;
  assert.deepEqual(await s.keys(), ["x"]);
  assert.equal(s.accessed, true);
  assert.equal(s.modified, false);
});

test("test_items", async (ctx) => {
  const s = eng(ctx).get();
  await s.set("x", 1);
  s.modified = false;
  s.accessed = false;
  assert.deepEqual(await s.items(), [["x", 1]]);
  assert.equal(s.accessed, true);
  assert.equal(s.modified, false);
});

test("test_clear", async (ctx) => {
  const s = eng(ctx).get();
  await s.set("x", 1);
  s.modified = false;
  s.accessed = false;
  assert.deepEqual(await s.items(), [["x", 1]]);
  s.clear();
  assert.deepEqual(await s.items(), []);
  assert.equal(s.accessed, true);
  assert.equal(s.modified, true);
});

/** Django's `SessionTestsMixin`, the dict it behaves as: get, set, pop, setdefault, update, keys, values, items, clear. */
export const mappingCases = cases;
