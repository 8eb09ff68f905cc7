/**
 * Round trips with REAL Django 3.2 and 5.2 (test/interop/django-bridge.py, one process per
 * version for the whole file): what we encode, Django decodes to the same data; what Django
 * encodes from the same data, we decode to the same data — and the two strings are byte-identical.
 * Signed cookies both ways; fallback keys on 5.2; legacy formats on 3.2.
 *
 * Fails (does not skip) when Python or Django is missing: run scripts/setup-test-env.sh, or
 * point DJANGO32_PYTHON / DJANGO52_PYTHON at a Python with that Django.
 */
import fc from "fast-check";
import { deflate } from "pako";
import { SessionCodec, SignedCookieCodec, TimestampSigner, dumps, loads, type SessionData, type SessionLogger } from "../../src";
import { pyJsonDumps, signObject } from "../../src/low-level";
import { DjangoBridge, type BridgeRequest, type DjangoVersion } from "./django-bridge";

jest.setTimeout(20_000);

const NOW = 1700000000;
const SECRET = "django-session-interop-secret-\u00e9-\ud83d\udd11";
const OLD_KEY = "django-session-interop-old-key";
const NEW_KEY = "django-session-interop-new-key";
const COOKIE_AGE = 1209600;
const silent: SessionLogger = { warn: () => undefined };
/** Django's compression rule with pako (CPython zlib's bytes): needed for byte comparisons. */
const EXACT = { minSize: 0, exact: true } as const;
type Policy = "exact" | "default";
const at = (seconds: number) => () => seconds * 1000;

// --- the corpus ------------------------------------------------------------------------------

interface Item {
  name: string;
  data: SessionData;
}

/** mulberry32: a tiny seeded PRNG, so hand-made "random" items are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function nest(depth: number): SessionData {
  let value: SessionData = { leaf: true };
  for (let i = 0; i < depth; i++) value = i % 2 ? { n: value } : { l: [value] };
  return value;
}

/** Dicts whose JSON pako (= CPython zlib) compresses to len, len-1, len-2, len-3 bytes: Django's "shorter by 2" rule flips here. */
function thresholdItems(): Item[] {
  const rand = prng(99);
  const want = new Map<number, number>([
    [0, 3],
    [-1, 3],
    [-2, 3],
    [-3, 3],
  ]);
  const items: Item[] = [];
  const alphabets = ["ab", "abc", "abcdefghij", "a\u00e9\ud83d\udc0d", "xyz01"];
  for (let i = 0; i < 50000 && [...want.values()].some((n) => n > 0); i++) {
    const alphabet = [...alphabets[Math.floor(rand() * alphabets.length)]];
    const length = 10 + Math.floor(rand() * 80);
    let s = "";
    for (let j = 0; j < length; j++) s += alphabet[Math.floor(rand() * alphabet.length)];
    const data = { k: s };
    const raw = Buffer.from(pyJsonDumps(data), "latin1");
    const delta = deflate(raw).length - raw.length;
    const left = want.get(delta);
    if (left) {
      want.set(delta, left - 1);
      items.push({ name: `threshold ${delta} #${left}`, data });
    }
  }
  expect([...want.values()]).toEqual([0, 0, 0, 0]);
  return items;
}

function fastCheckItems(): Item[] {
  const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)); // lone surrogates too
  const unit = fc.oneof(fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), codeUnit, fc.constantFrom("a", "\u00e9", "\ud83d\udc0d", "\u007f"));
  const text = fc.string({ unit, maxLength: 16 });
  const leaf = fc.oneof(
    text,
    fc.integer(),
    fc.double(), // NaN, ±Infinity, -0, subnormals
    fc.bigInt({ min: 2n ** 53n, max: 2n ** 100n }),
    fc.bigInt({ min: -(2n ** 100n), max: -(2n ** 53n) }),
    fc.boolean(),
    fc.constant(null),
  );
  const { tree } = fc.letrec<{ tree: unknown; array: unknown[]; object: Record<string, unknown> }>((tie) => ({
    tree: fc.oneof({ depthSize: "small" }, leaf, tie("array"), tie("object")),
    array: fc.array(tie("tree"), { maxLength: 4 }),
    object: fc.dictionary(text, tie("tree"), { maxKeys: 4 }),
  }));
  const session = fc.dictionary(text, tree, { maxKeys: 6 }) as fc.Arbitrary<SessionData>;
  return fc.sample(session, { seed: 20231114, numRuns: 150 }).map((data, i) => ({ name: `fast-check #${i}`, data }));
}

function corpus(): Item[] {
  const rand = prng(7);
  const noise = Array.from({ length: 3000 }, () => String.fromCharCode(33 + Math.floor(rand() * 94))).join("");
  const protoKey = JSON.parse('{"__proto__": {"x": 1}, "constructor": "c", "prototype": null}') as SessionData;
  return [
    { name: "empty", data: {} },
    { name: "ascii", data: { foo: "bar", n: 42, t: true, f: false, z: null } },
    { name: "escapes", data: { q: 'say "hi"\\ /path\n\t\r\b\f', ctl: "\u0000\u0001\u001f\u007f" } },
    { name: "accents", data: { name: "Zo\u00eb", city: "M\u00e1laga", word: "na\u00efve caf\u00e9" } },
    { name: "emoji", data: { name: "Zo\u00eb \ud83d\udc0d", flags: "\ud83c\uddea\ud83c\uddf8", zwj: "\ud83d\udc69\u200d\ud83d\udcbb" } },
    { name: "lone surrogates", data: { hi: "\ud800", lo: "\udc00", reversed: "\udc00\ud800", mixed: "a\udbffb\ud83d" } },
    { name: "cjk, rtl, separators", data: { ja: "\u65e5\u672c\u8a9e", ar: "\u0645\u0631\u062d\u0628\u0627", ls: "\u2028\u2029", bom: "\ufeff" } },
    { name: "non-ASCII keys", data: { "cl\u00e9": 1, "\ud83d\udd11": "v", "": "empty key" } },
    { name: "integer-like keys", data: { b: 1, "10": "ten", "2": "two", a: { "1": 1, "0": 0 } } },
    { name: "__proto__ and friends as keys", data: protoKey },
    { name: "nested", data: { user: { id: 7, roles: ["admin", "staff"], prefs: { theme: "dark", tz: null } }, cart: [[1, 2], [], {}] } },
    { name: "nested 100 deep", data: nest(100) },
    { name: "floats", data: { half: 0.5, third: 1 / 3, e16: 1e16, em7: 1e-7, max: Number.MAX_VALUE, tiny: 5e-324, neg0: -0, two53: 2 ** 53 } },
    { name: "NaN and infinities", data: { nan: NaN, inf: Infinity, ninf: -Infinity } },
    { name: "big ints", data: { two53p1: 2n ** 53n + 1n, neg: -(2n ** 70n), two64: 2n ** 64n, huge: 10n ** 40n, safe: Number.MAX_SAFE_INTEGER } },
    {
      name: "logged-in session",
      data: {
        _auth_user_id: "42",
        _auth_user_backend: "django.contrib.auth.backends.ModelBackend",
        _auth_user_hash: "9b1e3c5c2d4f7a8e0b6d1c3f5a7e9b2d4c6f8a0e1b3d5f7a9c2e4b6d8f0a1c3e",
        _session_expiry: 3600,
      },
    },
    { name: "large compressible", data: { cart: Array.from({ length: 300 }, (_, i) => ({ sku: `SKU-${String(i).padStart(5, "0")}`, qty: i % 5 })) } },
    { name: "large incompressible", data: { noise } },
    { name: "large unicode", data: { text: "Zo\u00eb \ud83d\udc0d \u043a\u043b\u044e\u0447 \u65e5\u672c ".repeat(300) } },
    { name: "many keys", data: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`key${i}`, i])) },
    ...thresholdItems(),
    ...fastCheckItems(),
  ];
}

const CORPUS = corpus();

// --- helpers ---------------------------------------------------------------------------------

function sessionCodec(
  options: { secretKey?: string; secretKeyFallbacks?: string[]; keySalt?: string; legacyFormat?: "refuse" | "read" | "write"; now?: number; compression?: Policy } = {},
) {
  return new SessionCodec({
    compression: options.compression === "default" ? undefined : EXACT,
    secretKey: options.secretKey ?? SECRET,
    secretKeyFallbacks: options.secretKeyFallbacks,
    keySalt: options.keySalt,
    legacyFormat: options.legacyFormat,
    now: at(options.now ?? NOW),
    logger: silent,
    maxSize: 4 * 1024 * 1024,
  });
}

function cookieCodec(options: { secretKey?: string; secretKeyFallbacks?: string[]; now?: number; compression?: Policy } = {}) {
  return new SignedCookieCodec({
    compression: options.compression === "default" ? undefined : EXACT,
    secretKey: options.secretKey ?? SECRET,
    secretKeyFallbacks: options.secretKeyFallbacks,
    now: at(options.now ?? NOW),
    logger: silent,
  });
}

/** Names of corpus items whose check failed, with a short why, so one assertion shows them all. */
function mismatches<T>(items: readonly T[], check: (item: T, i: number) => string | null, name: (item: T) => string): string[] {
  const out: string[] = [];
  items.forEach((item, i) => {
    const why = check(item, i);
    if (why !== null) out.push(`${name(item)}: ${why}`);
  });
  return out;
}

function same(actualJson: string | undefined, expectedJson: string): string | null {
  if (actualJson === expectedJson) return null;
  return `got ${String(actualJson).slice(0, 120)} want ${expectedJson.slice(0, 120)}`;
}

// --- the tests -------------------------------------------------------------------------------

describe.each<DjangoVersion>(["3.2", "5.2"])("real Django %s", (version) => {
  let django: DjangoBridge;
  const base = { secretKey: SECRET, now: NOW } as const;

  beforeAll(async () => {
    django = await DjangoBridge.start(version);
  });

  afterAll(async () => {
    await django?.close();
  });

  test("the bridge runs the expected Django", () => {
    expect(django.info.django.startsWith(`${version}.`)).toBe(true);
    expect(django.info.ops).toEqual(expect.arrayContaining(["encode", "decode", "cookie_encode", "cookie_decode", "dumps", "loads"]));
  });

  test.each<Policy>(["default", "exact"])(`the corpus (${CORPUS.length} sessions): Django decodes what we encode (compression: %s), to the same data`, async (compression) => {
    const ours = sessionCodec({ compression });
    const encoded = CORPUS.map((item) => ours.encode(item.data));
    const responses = await django.batchOk(encoded.map((e) => ({ ...base, op: "decode", encoded: e })));
    const bad = mismatches(CORPUS, (item, i) => same(responses[i].resultJson, pyJsonDumps(item.data)) ?? (responses[i].logged!.length ? `logged ${responses[i].logged}` : null), (item) => item.name);
    expect(bad).toEqual([]);
  });

  test("the corpus: Django encodes the same bytes we do, and we decode its strings to the same data", async () => {
    const ours = sessionCodec();
    const responses = await django.batchOk(CORPUS.map((item) => ({ ...base, op: "encode", data: item.data })));
    const bad = mismatches(
      CORPUS,
      (item, i) => {
        const theirs = responses[i].encoded!;
        const decoded = ours.decodeDetailed(theirs);
        if (!decoded.ok) return `we could not decode Django's string: ${decoded.reason}`;
        return same(pyJsonDumps(decoded.data), pyJsonDumps(item.data)) ?? (theirs === ours.encode(item.data) ? null : "not byte-identical");
      },
      (item) => item.name,
    );
    expect(bad).toEqual([]);
    // The corpus does exercise both sides of the compression rule.
    expect(responses.filter((r) => r.encoded!.startsWith(".")).length).toBeGreaterThan(20);
    expect(responses.filter((r) => !r.encoded!.startsWith(".")).length).toBeGreaterThan(20);
  });

  test("signed cookies both ways, byte-identical with exact compression", async () => {
    const ours = cookieCodec();
    const fast = cookieCodec({ compression: "default" });
    const items = CORPUS.filter((item) => pyJsonDumps(item.data).length < 4000);
    const responses = await django.batchOk([
      ...items.map((item): BridgeRequest => ({ ...base, op: "cookie_decode", encoded: ours.encode(item.data) })),
      ...items.map((item): BridgeRequest => ({ ...base, op: "cookie_decode", encoded: fast.encode(item.data) })),
      ...items.map((item): BridgeRequest => ({ ...base, op: "cookie_encode", data: item.data })),
    ]);
    const decodedByDjango = responses.slice(0, items.length);
    const fastDecodedByDjango = responses.slice(items.length, 2 * items.length);
    const encodedByDjango = responses.slice(2 * items.length);
    expect(mismatches(items, (item, i) => same(decodedByDjango[i].resultJson, pyJsonDumps(item.data)), (item) => item.name)).toEqual([]);
    expect(mismatches(items, (item, i) => same(fastDecodedByDjango[i].resultJson, pyJsonDumps(item.data)), (item) => item.name)).toEqual([]);
    const bad = mismatches(
      items,
      (item, i) => {
        const theirs = encodedByDjango[i].encoded!;
        const decoded = ours.decodeDetailed(theirs);
        if (!decoded.ok) return `we could not decode Django's cookie: ${decoded.reason}`;
        return same(pyJsonDumps(decoded.data), pyJsonDumps(item.data)) ?? (theirs === ours.encode(item.data) ? null : "not byte-identical");
      },
      (item) => item.name,
    );
    expect(bad).toEqual([]);
  });

  test("signed cookie age: SESSION_COOKIE_AGE old is accepted, one second more is not, both ways", async () => {
    const data = { foo: "bar" };
    const oldest = cookieCodec({ now: NOW - COOKIE_AGE }).encode(data);
    const expired = cookieCodec({ now: NOW - COOKIE_AGE - 1 }).encode(data);
    const [a, b, c, d] = await django.batchOk([
      { ...base, op: "cookie_decode", encoded: oldest },
      { ...base, op: "cookie_decode", encoded: expired },
      { ...base, now: NOW - COOKIE_AGE, op: "cookie_encode", data },
      { ...base, now: NOW - COOKIE_AGE - 1, op: "cookie_encode", data },
    ]);
    expect(a).toMatchObject({ resultJson: pyJsonDumps(data), modified: false });
    expect(b).toMatchObject({ resultJson: "{}", modified: true });
    expect(c.encoded).toBe(oldest);
    expect(d.encoded).toBe(expired);
    expect(cookieCodec().decodeDetailed(c.encoded!)).toMatchObject({ ok: true, data });
    expect(cookieCodec().decodeDetailed(d.encoded!)).toMatchObject({ ok: false, reason: "signature-expired" });
  });

  test("a custom store class (another key salt) both ways; the default store refuses it", async () => {
    const ours = sessionCodec({ keySalt: "django.contrib.sessions.Outer.CustomStore" });
    const data = { foo: "bar", "\u00e9": [1, 2] };
    const [theirs, read, readByDefault] = await django.batchOk([
      { ...base, storeClass: "Outer.CustomStore", op: "encode", data },
      { ...base, storeClass: "Outer.CustomStore", op: "decode", encoded: ours.encode(data) },
      { ...base, op: "decode", encoded: ours.encode(data) },
    ]);
    expect(theirs.encoded).toBe(ours.encode(data));
    expect(read.resultJson).toBe(pyJsonDumps(data));
    expect(readByDefault.resultJson).toBe("{}");
    expect(sessionCodec().decodeDetailed(theirs.encoded!)).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("signing.dumps/loads with arbitrary values (not only dicts) both ways", async () => {
    const values: unknown[] = ["hello", [1, "\ud83d\udc0d", null], 2n ** 64n, 0.1, { a: { b: [] } }, "x".repeat(500)];
    const salt = "interop.salt";
    const ours = values.map((v) => dumps(v, { key: SECRET, salt, compress: true, now: at(NOW) }));
    const responses = await django.batchOk([
      ...ours.map((signed): BridgeRequest => ({ ...base, op: "loads", signed, salt, maxAge: 60 })),
      ...values.map((obj): BridgeRequest => ({ ...base, op: "dumps", obj, salt, compress: true })),
    ]);
    const exactSigner = new TimestampSigner({ key: SECRET, salt, now: at(NOW) });
    values.forEach((v, i) => {
      expect(responses[i].resultJson).toBe(pyJsonDumps(v));
      const theirs = responses[values.length + i].signed!;
      expect(theirs).toBe(signObject(exactSigner, v, { compress: EXACT }));
      expect(pyJsonDumps(loads(theirs, { key: SECRET, salt, maxAge: 60, now: at(NOW) }))).toBe(pyJsonDumps(v));
    });
  });

  if (version === "5.2") {
    test("fallback keys: Django reads what we sign with a key it has only as a fallback, sessions and cookies", async () => {
      const data = { foo: "bar", n: 2n ** 60n };
      const ourSession = sessionCodec({ secretKey: OLD_KEY }).encode(data);
      const ourCookie = cookieCodec({ secretKey: OLD_KEY }).encode(data);
      const django52 = { now: NOW, secretKey: NEW_KEY, secretKeyFallbacks: ["unrelated", OLD_KEY] };
      const [session, cookie, sessionNoFallback] = await django.batchOk([
        { ...django52, op: "decode", encoded: ourSession },
        { ...django52, op: "cookie_decode", encoded: ourCookie },
        { now: NOW, secretKey: NEW_KEY, op: "decode", encoded: ourSession },
      ]);
      expect(session.resultJson).toBe(pyJsonDumps(data));
      expect(cookie).toMatchObject({ resultJson: pyJsonDumps(data), modified: false });
      expect(sessionNoFallback).toMatchObject({ resultJson: "{}", logged: ["django.security.SuspiciousSession: Session data corrupted"] });
    });

    test("fallback keys: we read what Django signs with a key we have as a fallback (keyIndex 1, renew), and the renewed string reads in Django without fallbacks", async () => {
      const data = { foo: "bar", "\u00e9": "\ud83d\udc0d" };
      const [session, cookie] = await django.batchOk([
        { now: NOW, secretKey: OLD_KEY, op: "encode", data },
        { now: NOW, secretKey: OLD_KEY, op: "cookie_encode", data },
      ]);
      const ours = sessionCodec({ secretKey: NEW_KEY, secretKeyFallbacks: [OLD_KEY] });
      const result = ours.decodeDetailed(session.encoded!);
      expect(result).toMatchObject({ ok: true, keyIndex: 1, renew: true, data });
      expect(cookieCodec({ secretKey: NEW_KEY, secretKeyFallbacks: [OLD_KEY] }).decodeDetailed(cookie.encoded!)).toMatchObject({
        ok: true,
        keyIndex: 1,
        renew: true,
        data,
      });
      const renewed = ours.encode(result.data);
      const [check] = await django.batchOk([{ now: NOW, secretKey: NEW_KEY, op: "decode", encoded: renewed }]);
      expect(check.resultJson).toBe(pyJsonDumps(data));
    });

    test("legacy formats we can write are refused by 5.2, with the warning", async () => {
      const data = { foo: "bar" };
      const legacy = sessionCodec({ legacyFormat: "write" }).encode(data);
      const [r] = await django.batchOk([{ ...base, op: "decode", encoded: legacy }]);
      expect(r).toMatchObject({ resultJson: "{}", logged: ["django.security.SuspiciousSession: Session data corrupted"] });
    });
  } else {
    test("3.2 has no fallback keys: a string we sign with the old key reads only with that key", async () => {
      const data = { foo: "bar" };
      const ourSession = sessionCodec({ secretKey: OLD_KEY }).encode(data);
      const [withNew, withOld] = await django.batchOk([
        { now: NOW, secretKey: NEW_KEY, op: "decode", encoded: ourSession },
        { now: NOW, secretKey: OLD_KEY, op: "decode", encoded: ourSession },
      ]);
      expect(withNew.resultJson).toBe("{}");
      expect(withOld.resultJson).toBe(pyJsonDumps(data));
    });

    test("legacy: 3.2 reads our pre-3.1 format; we write 3.2's _legacy_encode byte for byte and read its sha1 mode", async () => {
      const items = CORPUS.filter((item) => pyJsonDumps(item.data).length < 4000);
      const writer = sessionCodec({ legacyFormat: "write" });
      const reader = sessionCodec({ legacyFormat: "read" });
      const responses = await django.batchOk([
        ...items.map((item): BridgeRequest => ({ ...base, op: "decode", encoded: writer.encode(item.data) })),
        ...items.map((item): BridgeRequest => ({ ...base, op: "legacy_encode", data: item.data })),
        ...items.map((item): BridgeRequest => ({ ...base, hashingAlgorithm: "sha1", op: "encode", data: item.data })),
        ...items.map((item): BridgeRequest => ({ ...base, hashingAlgorithm: "sha1", op: "cookie_encode", data: item.data })),
      ]);
      const part = (k: number) => responses.slice(k * items.length, (k + 1) * items.length);
      const [readByDjango, legacyByDjango, sha1Sessions, sha1Cookies] = [part(0), part(1), part(2), part(3)];
      const name = (item: Item) => item.name;
      expect(mismatches(items, (item, i) => same(readByDjango[i].resultJson, pyJsonDumps(item.data)), name)).toEqual([]);
      expect(mismatches(items, (item, i) => (legacyByDjango[i].encoded === writer.encode(item.data) ? null : "legacy bytes differ"), name)).toEqual([]);
      // Under DEFAULT_HASHING_ALGORITHM = "sha1", 3.2's SessionStore.encode writes the legacy format.
      expect(mismatches(items, (item, i) => (sha1Sessions[i].encoded === writer.encode(item.data) ? null : "sha1-mode encode differs"), name)).toEqual([]);
      expect(
        mismatches(
          items,
          (item, i) => {
            const r = reader.decodeDetailed(sha1Sessions[i].encoded!);
            return r.ok && r.format === "legacy" && r.renew ? same(pyJsonDumps(r.data), pyJsonDumps(item.data)) : `not read: ${JSON.stringify(r).slice(0, 80)}`;
          },
          name,
        ),
      ).toEqual([]);
      // sha1-signed cookies: core loads() reads them (SignedCookieCodec has no sha1 mode).
      expect(
        mismatches(
          items,
          (item, i) => same(pyJsonDumps(loads(sha1Cookies[i].encoded!, { key: SECRET, salt: "django.contrib.sessions.backends.signed_cookies", algorithm: "sha1", maxAge: COOKIE_AGE, now: at(NOW) })), pyJsonDumps(item.data)),
          name,
        ),
      ).toEqual([]);
    });

    test("3.2 raises where we return {}: a validly signed, undecodable payload", async () => {
      const garbage = `.${Buffer.from("not zlib").toString("base64url")}`;
      const signed = new TimestampSigner({ key: SECRET, salt: "django.contrib.sessions.SessionStore", now: at(NOW) }).sign(garbage);
      const [r] = await django.batchOk([{ ...base, op: "decode", encoded: signed }]);
      expect(r.raises).toBe("Error");
      expect(sessionCodec().decodeDetailed(signed)).toMatchObject({ ok: false, data: {}, reason: "bad-zlib" });
    });
  }

  describe("values only another program holding the secret could write: one row reads the same on both stacks", () => {
    // Django never writes these, but reads them (b64_decode is lenient; JSONSerializer.loads
    // decodes latin-1), after checking the signature; so do we. Where Django fails, we fail with
    // a typed reason.
    const SESSION_SALT = "django.contrib.sessions.SessionStore";
    const COOKIE_SALT = "django.contrib.sessions.backends.signed_cookies";
    const sign = (salt: string, payload: string) => new TimestampSigner({ key: SECRET, salt, now: at(NOW) }).sign(payload);
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
    const std = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

    const named: Array<[name: string, payload: string]> = [
      ["base64 with one = of padding", std(Buffer.from('{"a":1}'))],
      ["base64 with two = of padding", std(Buffer.from('{"ab":1}'))],
      ["standard alphabet (+ and /)", std(Buffer.from('{"a":"\u00fb\u00ff?>"}', "latin1")).replace(/=+$/, "")],
      ["standard alphabet, padded", std(Buffer.from('{"a":"\u00fb\u00ff?"}', "latin1"))],
      ["both alphabets mixed", `${b64(Buffer.from('{"a":"\u00fb\u00ff?>"}', "latin1")).slice(0, 8)}${std(Buffer.from('{"a":"\u00fb\u00ff?>"}', "latin1")).slice(8)}`],
      ["raw UTF-8 bytes in the JSON", b64(Buffer.from('{"a":"\u00e9","emoji":"\ud83d\udc0d"}', "utf8"))],
      ["raw UTF-8 bytes in the JSON, compressed", `.${b64(deflate(Buffer.from(`{"a":"${"\u00e9".repeat(200)}"}`, "utf8")))}`],
      ["raw UTF-8 bytes in the JSON, compressed, standard alphabet and padded", `.${std(deflate(Buffer.from(`{"k":"${"\u00e9\u00fc".repeat(300)}"}`, "utf8")))}`],
      ["a raw latin-1 byte in the JSON", b64(Buffer.from('{"a":"Zo\u00eb"}', "latin1"))],
      ["a padding sequence, then more characters (Python stops at the padding)", `${std(Buffer.from('{"ab":1}'))}e30`],
      ["junk inside, padding complete", `${b64(Buffer.from('{"a":1}')).slice(0, 4)}!${b64(Buffer.from('{"a":1}')).slice(4)}==`],
      ["junk inside, padding incomplete", `${b64(Buffer.from('{"a":1}')).slice(0, 4)}!${b64(Buffer.from('{"a":1}')).slice(4)}`],
      ["only junk", "!!!!"],
      ["a newline and spaces", `${b64(Buffer.from('{"abc":1}')).slice(0, 4)}\n  ${b64(Buffer.from('{"abc":1}')).slice(4)}`],
      ["non-ASCII characters in the base64", `${b64(Buffer.from('{"abc":1}')).slice(0, 4)}\u00e9${b64(Buffer.from('{"abc":1}')).slice(4)}`],
    ];

    /** Payloads mutated the ways Python's decoder tolerates or refuses: alphabets, padding, junk, dropped characters. */
    function mutated(count: number): Array<[name: string, payload: string]> {
      const rand = prng(1234);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
      const junk = ["!", " ", "\n", "=", "==", ".", "\u00e9", "*", "\t", "+", "/", "-", "_"];
      const out: Array<[string, string]> = [];
      for (let i = 0; i < count; i++) {
        const value: Record<string, unknown> = { k: Array.from({ length: 1 + Math.floor(rand() * 12) }, () => String.fromCharCode(32 + Math.floor(rand() * 224))).join(""), n: i };
        const json = rand() < 0.5 ? Buffer.from(pyJsonDumps(value), "latin1") : Buffer.from(JSON.stringify(value), "utf8");
        const compressed = rand() < 0.3;
        let text = rand() < 0.5 ? b64(compressed ? deflate(json) : json) : std(compressed ? deflate(json) : json);
        const edits = Math.floor(rand() * 4);
        for (let e = 0; e < edits; e++) {
          const at = Math.floor(rand() * (text.length + 1));
          const kind = rand();
          if (kind < 0.5) text = text.slice(0, at) + pick(junk) + text.slice(at);
          else if (kind < 0.7) text = text.slice(0, at) + text.slice(at + 1);
          else if (kind < 0.85) text = text.replace(/[-_]/g, (c) => (c === "-" ? "+" : "/"));
          else text += pick(["=", "==", "==="]);
        }
        out.push([`mutation #${i}`, compressed ? `.${text}` : text]);
      }
      return out;
    }

    const cases = [...named, ...mutated(400)];

    /** What Django answered, in our terms: the data's Python JSON, or {} (a failure). */
    function django2ours(r: { resultJson?: string; raises?: string }): string {
      return r.raises !== undefined ? "{}" : r.resultJson!;
    }

    test(`SessionStore.decode and SessionCodec (${cases.length} payloads): the same data, or both {}`, async () => {
      const ours = sessionCodec({ compression: "default" });
      const signed = cases.map(([, payload]) => sign(SESSION_SALT, payload));
      const responses = await django.batchOk(signed.map((encoded) => ({ ...base, op: "decode", encoded })));
      const bad = mismatches(
        cases,
        ([, payload], i) => {
          const theirs = django2ours(responses[i]!);
          const result = ours.decodeDetailed(signed[i]!);
          // Django's decode returns a non-dict as it is; we refuse it (a documented divergence).
          if (!theirs.startsWith("{")) return result.ok ? `we read ${JSON.stringify(payload)}; Django gave a non-dict ${theirs}` : null;
          if (theirs === "{}" && !result.ok) return null;
          return same(result.ok ? pyJsonDumps(result.data) : `{} (${result.reason})`, theirs);
        },
        ([name, payload]) => `${name} ${JSON.stringify(payload).slice(0, 60)}`,
      );
      expect(bad).toEqual([]);
      // The corpus does exercise both outcomes, and every named case Django reads, we read.
      const read = responses.filter((r) => r.resultJson !== undefined && r.resultJson !== "{}").length;
      expect(read).toBeGreaterThan(100);
      expect(cases.length - read).toBeGreaterThan(100);
      expect(ours.decodeDetailed(sign(SESSION_SALT, named[5]![1]))).toMatchObject({ ok: true, data: { a: "\u00c3\u00a9", emoji: "\u00f0\u009f\u0090\u008d" } });
    });

    test(`signed_cookies' load and SignedCookieCodec, and signing.loads and loads(): the same`, async () => {
      const ours = cookieCodec({ compression: "default" });
      const subset = cases.filter((_, i) => i < named.length || i % 3 === 0);
      const signed = subset.map(([, payload]) => sign(COOKIE_SALT, payload));
      const responses = await django.batchOk([
        ...signed.map((encoded): BridgeRequest => ({ ...base, op: "cookie_decode", encoded })),
        ...signed.map((s): BridgeRequest => ({ ...base, op: "loads", signed: s, salt: COOKIE_SALT })),
      ]);
      const cookies = responses.slice(0, subset.length);
      const loaded = responses.slice(subset.length);
      const bad = mismatches(
        subset,
        (_, i) => {
          const result = ours.decodeDetailed(signed[i]!);
          const theirs = django2ours(cookies[i]!);
          const ourLoads = (() => {
            try {
              return pyJsonDumps(loads(signed[i]!, { key: SECRET, salt: COOKIE_SALT, now: at(NOW) }));
            } catch {
              return "raises";
            }
          })();
          const theirLoads = loaded[i]!.raises !== undefined ? "raises" : loaded[i]!.resultJson!;
          if (ourLoads !== theirLoads) return `loads: ours ${ourLoads.slice(0, 60)}, Django's ${theirLoads.slice(0, 60)}`;
          if (!theirs.startsWith("{")) return result.ok ? `cookie: we read a non-dict` : null;
          if (theirs === "{}" && !result.ok) return null;
          return same(result.ok ? pyJsonDumps(result.data) : `{} (${result.reason})`, theirs);
        },
        ([name, payload]) => `${name} ${JSON.stringify(payload).slice(0, 60)}`,
      );
      expect(bad).toEqual([]);
    });
  });

  test("a response reports ops that fail in the bridge instead of hanging", async () => {
    const [r] = await django.batch([{ op: "no-such-op" }]);
    expect(r.ok).toBe(false);
    expect(r.error).toEqual({ type: "ValueError", message: "unknown op 'no-such-op'" });
  });
});
