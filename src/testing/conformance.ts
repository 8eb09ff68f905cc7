import assert from "node:assert/strict";
import { CreateError, isDjangoSessionError, UpdateError } from "../core/errors";
import type { SessionLogger } from "../core/logger";
import { SessionCodec, SIGNED_COOKIES_SALT } from "../core/session-codec";
import { TimestampSigner } from "../core/signer";
import type { SessionEngine } from "../engines/base";
import type { DjangoSessionRepository, DjangoSessionRepositoryOptions } from "../engines/db";
import type { SessionRow } from "../engines/row-adapter";

/**
 * The table as stored, read and written with SQL that does not go through the adapter under
 * test, so the suite checks what really reached the database.
 */
export interface RawSessionTable {
  getRow(sessionKey: string): Promise<{ sessionData: string; expireDate: Date } | null>;
  count(): Promise<number>;
  /** Inserts a row the way Django's `Session.objects.save` would. */
  insert(row: SessionRow): Promise<void>;
  delete(sessionKey: string): Promise<void>;
  /** Empties the table. */
  truncate(): Promise<void>;
}

/**
 * Which of Django's engines is under test. It decides the cases that apply, as Django's own test
 * classes do: `CookieSessionTests` drops what needs a server-side store, only engines with a
 * table run `DatabaseSessionTests`.
 */
export type EngineKind = "db" | "cached_db" | "cache" | "signed_cookies";

/** The options the suite makes each engine with: spread them into your engine's constructor. */
export interface ConformanceEngineOptions {
  secretKey: string;
  logger: SessionLogger;
  now?: () => number;
  cookieAge?: number;
  expireAtBrowserClose?: boolean;
  oldestDjangoVersion?: "3.2" | "4.2" | "5.2";
  generateKey?: () => string;
}

/** A cache as stored, read around the engine under test (for `cached_db` and `cache`). */
export interface RawSessionCache {
  /** Whether the engine's cache entry for this session key exists. */
  has(sessionKey: string): Promise<boolean>;
}

export interface EngineConformanceContext {
  kind: EngineKind;
  /** An engine over the store under test, made with the suite's options. */
  engine(options: ConformanceEngineOptions): SessionEngine;
  /** `db` and `cached_db`: the table as stored. */
  table?: RawSessionTable;
  /** `cached_db` and `cache`: the cache as stored. */
  cache?: RawSessionCache;
}

/** The db engine's context (the suite's first form, kept): a repository factory and its table. */
export interface ConformanceContext {
  /** A repository over the adapter under test; the suite passes `secretKey`, clocks, loggers. */
  repository(options: Omit<DjangoSessionRepositoryOptions, "adapter">): DjangoSessionRepository;
  table: RawSessionTable;
}

/** The context a case runs with: the engine's, with `table` present for the cases that need it. */
interface CaseContext extends EngineConformanceContext {
  table: RawSessionTable;
}

export interface ConformanceCase {
  /** The Django test it ports (`tests/sessions_tests/tests.py`), or ours when prefixed `extra:`. */
  name: string;
  /** The engines it applies to. */
  kinds: readonly EngineKind[];
  run(context: EngineConformanceContext): Promise<void>;
}

const SECRET = "conformance-suite-secret-key-0123456789";
const COOKIE_AGE = 1209600;

function collectingLogger(): SessionLogger & { messages: string[] } {
  const messages: string[] = [];
  return { messages, warn: (message) => messages.push(message) };
}

async function rejects(promise: Promise<unknown>, check: (error: unknown) => boolean, message: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.ok(check(error), `${message}: got ${String(error)}`);
    return;
  }
  assert.fail(`${message}: nothing was thrown`);
}

const ALL: readonly EngineKind[] = ["db", "cached_db", "cache", "signed_cookies"];
/** Django's `CookieSessionTests` drops these: the session lives in the client, nothing to query. */
const STORED: readonly EngineKind[] = ["db", "cached_db", "cache"];
/** `DatabaseSessionTests` and ours about the row: engines with a table. */
const TABLE: readonly EngineKind[] = ["db", "cached_db"];

const cases: ConformanceCase[] = [];
const test = (name: string, run: (ctx: CaseContext) => Promise<void>, kinds: readonly EngineKind[] = ALL) =>
  cases.push({ name, kinds, run });
const eng = (ctx: EngineConformanceContext, options: Partial<ConformanceEngineOptions> = {}) =>
  ctx.engine({ secretKey: SECRET, logger: collectingLogger(), ...options });
/** The db engine (or cached_db, built on it), for the cases about the row. */
const repo = (ctx: EngineConformanceContext, options: Partial<ConformanceEngineOptions> = {}) => eng(ctx, options) as DjangoSessionRepository;

/** What reached the store(s) behind the engine: the row and/or the cache entry. */
async function assertStored(ctx: EngineConformanceContext, sessionKey: string, expected: boolean, what: string): Promise<void> {
  if (ctx.table) assert.equal((await ctx.table.getRow(sessionKey)) !== null, expected, `${what}: the row ${expected ? "is" : "is not"} in the table`);
  if (ctx.cache) assert.equal(await ctx.cache.has(sessionKey), expected, `${what}: the entry ${expected ? "is" : "is not"} in the cache`);
}

// --- SessionTestsMixin (spec §14.1) --------------------------------------------------------

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

// DatabaseSessionTests

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

// --- ours: what Django leaves implicit ----------------------------------------------------

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

// --- Engine-specific tests (CacheDBSessionTests, CacheSessionTests, CookieSessionTests) ----

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

/**
 * Every case, in order: Django's `SessionTestsMixin`, its database tests, ours, then the
 * engine-specific ones. `kinds` says which engines each applies to.
 */
export const conformanceCases: readonly ConformanceCase[] = cases;

/** The minimal runner surface the suite needs (Jest, Vitest, Mocha and node:test all fit). */
export interface ConformanceRunner {
  describe(name: string, body: () => void): void;
  test(name: string, body: () => Promise<void>): void;
}

/**
 * Registers the suite for one engine with your runner, every case that applies to it:
 * `defineConformanceSuite("cache/redis", { describe, test }, "cache", () => context)`. `context`
 * is called before each case (truncate there if you like; cases do not depend on an empty store
 * unless they empty it themselves). The first form, `defineConformanceSuite(name, runner,
 * () => ({ repository, table }))`, runs the db engine's cases.
 */
export function defineConformanceSuite(name: string, runner: ConformanceRunner, context: () => ConformanceContext | Promise<ConformanceContext>): void;
export function defineConformanceSuite(
  name: string,
  runner: ConformanceRunner,
  kind: EngineKind,
  context: () => Omit<EngineConformanceContext, "kind"> | Promise<Omit<EngineConformanceContext, "kind">>,
): void;
export function defineConformanceSuite(
  name: string,
  runner: ConformanceRunner,
  kindOrContext: EngineKind | (() => ConformanceContext | Promise<ConformanceContext>),
  engineContext?: () => Omit<EngineConformanceContext, "kind"> | Promise<Omit<EngineConformanceContext, "kind">>,
): void {
  const kind: EngineKind = typeof kindOrContext === "string" ? kindOrContext : "db";
  if (!ALL.includes(kind)) throw new TypeError(`defineConformanceSuite: kind must be one of ${ALL.join(", ")} (got ${JSON.stringify(kind)}).`);
  const context = async (): Promise<EngineConformanceContext> => {
    if (typeof kindOrContext === "string") return { ...(await engineContext!()), kind };
    const legacy = await kindOrContext();
    return { kind, table: legacy.table, engine: (options) => legacy.repository(options) };
  };
  runner.describe(name, () => {
    for (const c of conformanceCases) {
      if (c.kinds.includes(kind)) runner.test(c.name, async () => c.run(await context()));
    }
  });
}
