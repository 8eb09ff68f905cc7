import fc from "fast-check";
import { constants as zlibConstants, deflateRawSync, deflateSync, inflateSync } from "node:zlib";
import { b64Encode } from "../../src/core/base64";
import { ImproperlyConfigured } from "../../src/core/errors";
import type { SessionLogger } from "../../src/core/logger";
import { pyJsonDumps, type PythonJsonValue } from "../../src/core/python-json";
import {
  DEFAULT_KEY_SALT,
  type DecodeFailureReason,
  SessionCodec,
  type SessionCodecOptions,
  type SessionData,
  SignedCookieCodec,
} from "../../src/core/session-codec";
import { Signer, TimestampSigner } from "../../src/core/signer";

const SECRET = "unit-test-secret-key-do-not-log-me";
const OLD_SECRET = "unit-test-old-secret-also-private";
const NOW = 1_700_000_000_000;
const now = () => NOW;
const DATA = { _auth_user_id: "42", note: "private-session-value", n: 7, nested: { list: [1, 2.5, null, true] } };

interface LogCall {
  level: string;
  message: string;
  context: Record<string, unknown>;
}

function collectingLogger(): SessionLogger & { calls: LogCall[] } {
  const calls: LogCall[] = [];
  const record = (level: string) => (message: string, context: Record<string, unknown>) => calls.push({ level, message, context });
  return { calls, warn: record("warn"), debug: record("debug"), error: record("error") };
}

function makeCodec(options: Partial<SessionCodecOptions> = {}) {
  const logger = collectingLogger();
  const codec = new SessionCodec({ secretKey: SECRET, secretKeyFallbacks: [OLD_SECRET], now, logger, ...options });
  return { codec, logger };
}

/** The signer SessionCodec uses, to build validly signed payloads with bad contents. */
const sessionSigner = (secret = SECRET) => new TimestampSigner({ key: secret, salt: DEFAULT_KEY_SALT, now });

describe("SessionCodec round trips", () => {
  test("decode(encode(x)) is x, compressed or not", () => {
    const { codec, logger } = makeCodec();
    // SessionCodec compresses from SESSION_COMPRESS_MIN_SIZE (1 KiB) of JSON up.
    const big = { ...DATA, padding: "x".repeat(2000) };
    expect(codec.encode(big).startsWith(".")).toBe(true);
    expect(codec.encode({ a: 1 }).startsWith(".")).toBe(false);
    for (const data of [DATA, big, {}, { a: 1 }]) {
      expect(codec.decodeDetailed(codec.encode(data))).toEqual({ ok: true, data, format: "current", keyIndex: 0, renew: false });
    }
    expect(logger.calls).toEqual([]);
  });

  test("data encoded with a fallback key decodes, flagged for renewal", () => {
    const { codec: old } = makeCodec({ secretKey: OLD_SECRET, secretKeyFallbacks: [] });
    const { codec } = makeCodec();
    expect(codec.decodeDetailed(old.encode(DATA))).toEqual({ ok: true, data: DATA, format: "current", keyIndex: 1, renew: true });
  });
});

describe("SessionCodec bad input: {} and a typed reason, reported without secrets or data, never thrown", () => {
  const good = new SessionCodec({ secretKey: SECRET, now, logger: collectingLogger() }).encode(DATA);
  const compressedGood = new SessionCodec({ secretKey: SECRET, now, logger: collectingLogger() }).encode({ ...DATA, padding: "y".repeat(2000) });
  const signed = (payload: string) => sessionSigner().sign(payload);
  const b64 = (text: string) => b64Encode(Buffer.from(text, "latin1"));

  const cases: ReadonlyArray<[name: string, reason: DecodeFailureReason, input: () => unknown]> = [
    ["tampered payload", "bad-signature", () => `${good[0] === "e" ? "f" : "e"}${good.slice(1)}`],
    ["tampered signature", "bad-signature", () => `${good.slice(0, -1)}${good.endsWith("A") ? "B" : "A"}`],
    ["upper-cased", "bad-signature", () => good.toUpperCase()],
    ["truncated", "bad-signature", () => good.slice(0, -5)],
    ["truncated to the payload", "bad-signature", () => good.split(":")[0]],
    ["truncated compressed", "bad-signature", () => compressedGood.slice(0, 40)],
    ["the wrong salt (signed_cookies')", "bad-signature", () => new TimestampSigner({ key: SECRET, salt: "django.contrib.sessions.backends.signed_cookies", now }).sign(b64(pyJsonDumps(DATA)))],
    ["the wrong secret", "bad-signature", () => new SessionCodec({ secretKey: "another-secret", now, logger: collectingLogger() }).encode(DATA)],
    ["a sha1 signature (Django 3.2 with DEFAULT_HASHING_ALGORITHM='sha1')", "bad-signature", () => new TimestampSigner({ key: SECRET, salt: DEFAULT_KEY_SALT, algorithm: "sha1", now }).sign(b64(pyJsonDumps(DATA)))],
    ["a signature without a timestamp", "bad-signature", () => new Signer({ key: SECRET, salt: DEFAULT_KEY_SALT }).sign(b64(pyJsonDumps(DATA)))],
    ["the empty string", "bad-signature", () => ""],
    ["random text", "bad-signature", () => "not a session at all"],
    ["signed non-base64", "bad-base64", () => signed("!!!not*base64!!!")],
    ["signed base64 of length 4n+1", "bad-base64", () => signed("e30e3")],
    ["signed compressed non-base64 (Python skips every character: an empty zlib stream)", "bad-zlib", () => signed(".!!!")],
    ["signed compressed base64 with a dangling character", "bad-base64", () => signed(".eJyr5")],
    ["signed base64 with incomplete padding", "bad-base64", () => signed("e3=0")],
    ["signed non-zlib", "bad-zlib", () => signed(`.${b64("definitely not zlib")}`)],
    ["signed truncated zlib", "bad-zlib", () => signed(`.${b64Encode(deflateSync(Buffer.from(pyJsonDumps({ ...DATA, p: "z".repeat(300) }))).subarray(0, 20))}`)],
    ["signed empty zlib", "bad-zlib", () => signed(".")],
    ["signed non-JSON", "bad-json", () => signed(b64("{not json"))],
    ["signed Python repr instead of JSON", "bad-json", () => signed(b64("{'a': 1}"))],
    ["signed empty payload", "bad-json", () => signed("")],
    ["signed JSON nested too deeply", "bad-json", () => signed(`.${b64Encode(deflateSync(Buffer.from("[".repeat(10_000) + "]".repeat(10_000))))}`)],
    ["a signed JSON list", "not-an-object", () => signed(b64("[1,2]"))],
    ["a signed JSON string", "not-an-object", () => signed(b64('"str"'))],
    ["a signed JSON number", "not-an-object", () => signed(b64("1"))],
    ["a signed JSON null", "not-an-object", () => signed(b64("null"))],
    ["a non-string (number)", "not-a-string", () => 42],
    ["a non-string (null)", "not-a-string", () => null],
    ["a non-string (object)", "not-a-string", () => ({ toString: () => good })],
    ["a string longer than maxSize allows", "too-large", () => `${"a".repeat(2 * 1024 * 1024)}:1r31eq:sig`],
  ];

  test.each(cases)("%s → {} with reason %s", (_name, reason, input) => {
    const { codec, logger } = makeCodec();
    const text = input() as string;
    let result: ReturnType<SessionCodec["decodeDetailed"]> | undefined;
    expect(() => {
      result = codec.decodeDetailed(text);
    }).not.toThrow();
    expect(result).toEqual({ ok: false, data: {}, reason });
    expect(codec.decode(text)).toEqual({});
    expect(logger.calls.length).toBeGreaterThanOrEqual(1);
    expect(logger.calls[0].context).toMatchObject({ reason });
    if (reason === "bad-signature") expect(logger.calls[0]).toMatchObject({ level: "warn", message: "Session data corrupted" });
    const logged = JSON.stringify(logger.calls);
    for (const secret of [SECRET, OLD_SECRET, "private-session-value", "_auth_user_id"]) expect(logged).not.toContain(secret);
    if (typeof text === "string" && text.length > 8) {
      expect(logged).not.toContain(text.slice(0, 40));
      expect(logged).not.toContain(text.split(":").pop());
    }
  });

  test("the session of another salt is not readable even with the right secret", () => {
    const { codec } = makeCodec({ keySalt: "django.contrib.sessions.MyStore" });
    expect(codec.decodeDetailed(good)).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("a sha1-signed session reads only with legacyFormat 'read' (Django 3.2), flagged for renewal", () => {
    const sha1 = new TimestampSigner({ key: SECRET, salt: DEFAULT_KEY_SALT, algorithm: "sha1", now }).sign(b64(pyJsonDumps(DATA)));
    const { codec } = makeCodec({ legacyFormat: "read" });
    expect(codec.decodeDetailed(sha1)).toMatchObject({ ok: true, data: DATA, renew: true });
  });
});

/**
 * A valid zlib stream of `mebibytes` MiB of spaces, built without compressing them: one
 * full-flushed deflate block of 1 MiB (self-contained, byte-aligned, not final) repeated, an
 * empty final block, and the Adler-32 of the whole, computed in closed form.
 */
function zlibBomb(mebibytes: number): Buffer {
  const block = deflateRawSync(Buffer.alloc(1 << 20, 0x20), { level: 9, finishFlush: zlibConstants.Z_FULL_FLUSH });
  const n = BigInt(mebibytes) << 20n;
  const a = (1n + 0x20n * n) % 65521n;
  const b = (n + (0x20n * n * (n + 1n)) / 2n) % 65521n;
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(Number((b << 16n) | a));
  return Buffer.concat([Buffer.from([0x78, 0xda]), ...Array<Buffer>(mebibytes).fill(block), Buffer.from([0x03, 0x00]), adler]);
}

describe("SessionCodec against a decompression bomb", () => {
  test("the bomb is a valid zlib stream (checked on a small one)", () => {
    expect(inflateSync(zlibBomb(3)).equals(Buffer.alloc(3 << 20, 0x20))).toBe(true);
  });

  test("512 MiB of inflation, validly signed, is refused as too-large without inflating past the cap", () => {
    const bomb = sessionSigner().sign(`.${b64Encode(zlibBomb(512))}`);
    const { codec, logger } = makeCodec();
    expect(bomb.length).toBeLessThan(1_000_000);
    const before = process.memoryUsage().arrayBuffers;
    const result = codec.decodeDetailed(bomb);
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(result).toEqual({ ok: false, data: {}, reason: "too-large" });
    // A full inflate takes seconds and holds 512 MiB; the cap is 1 MiB (bench/hostile-inputs.js times it).
    expect(grown).toBeLessThan(16 * 1024 * 1024);
    expect(logger.calls).toEqual([expect.objectContaining({ context: expect.objectContaining({ reason: "too-large" }) })]);
  });

  test("the cap is maxSize decoded bytes: exactly maxSize reads, one byte more does not", () => {
    const maxSize = 4096;
    const { codec } = makeCodec({ maxSize });
    const exactly = (size: number) => {
      const data = { p: "" };
      data.p = "q".repeat(size - pyJsonDumps(data).length);
      return data;
    };
    for (const compress of [true, false]) {
      const at = (size: number) => {
        const json = Buffer.from(pyJsonDumps(exactly(size)));
        expect(json.length).toBe(size);
        return sessionSigner().sign(compress ? `.${b64Encode(deflateSync(json))}` : b64Encode(json));
      };
      expect(codec.decodeDetailed(at(maxSize))).toMatchObject({ ok: true, data: exactly(maxSize) });
      expect(codec.decodeDetailed(at(maxSize + 1))).toMatchObject({ ok: false, reason: "too-large" });
    }
  });
});

describe("SessionCodec configuration mistakes throw ImproperlyConfigured saying how to fix them", () => {
  test.each([
    ["a missing secretKey", {}, /secretKey.*SECRET_KEY/],
    ["an empty secretKey", { secretKey: "" }, /secretKey.*non-empty/],
    ["an empty bytes secretKey", { secretKey: new Uint8Array(0) }, /secretKey/],
    ["a number secretKey", { secretKey: 42 }, /secretKey/],
    ["secretKeyFallbacks as a string", { secretKey: SECRET, secretKeyFallbacks: OLD_SECRET }, /secretKeyFallbacks must be an array/],
    ["an empty fallback", { secretKey: SECRET, secretKeyFallbacks: [""] }, /secretKeyFallbacks\[0\]/],
    ["a null fallback", { secretKey: SECRET, secretKeyFallbacks: [OLD_SECRET, null] }, /secretKeyFallbacks\[1\]/],
    ["maxSize 0", { secretKey: SECRET, maxSize: 0 }, /maxSize must be a whole number of bytes, at least 1024/],
    ["maxSize -1", { secretKey: SECRET, maxSize: -1 }, /maxSize/],
    ["maxSize 1.5 KiB", { secretKey: SECRET, maxSize: 1536.5 }, /maxSize/],
    ["maxSize NaN", { secretKey: SECRET, maxSize: NaN }, /maxSize/],
    ["maxSize Infinity", { secretKey: SECRET, maxSize: Infinity }, /maxSize/],
    ["maxSize as a string", { secretKey: SECRET, maxSize: "1048576" }, /maxSize/],
    ["legacyFormat 'yes'", { secretKey: SECRET, legacyFormat: "yes" }, /legacyFormat must be "refuse", "read" or "write"/],
    ["legacyFormat true", { secretKey: SECRET, legacyFormat: true }, /legacyFormat/],
    ["an empty keySalt", { secretKey: SECRET, keySalt: "" }, /keySalt/],
  ])("%s", (_name, options, message) => {
    const attempt = () => new SessionCodec(options as never);
    expect(attempt).toThrow(ImproperlyConfigured);
    expect(attempt).toThrow(message);
  });

  test("a secret in the options is never echoed in the message", () => {
    try {
      new SessionCodec({ secretKey: SECRET, maxSize: -1 });
      throw new Error("expected a throw");
    } catch (error) {
      expect((error as Error).message).not.toContain(SECRET);
    }
  });
});

describe("SignedCookieCodec bad input", () => {
  const cookieCodec = (at: number, logger = collectingLogger()) =>
    new SignedCookieCodec({ secretKey: SECRET, now: () => at, logger, cookieAge: 3600 });

  test("a db-engine session_data is not a signed_cookies cookie (another salt)", () => {
    const { codec } = makeCodec();
    const logger = collectingLogger();
    expect(cookieCodec(NOW, logger).decodeDetailed(codec.encode(DATA))).toEqual({ ok: false, data: {}, reason: "bad-signature" });
    expect(logger.calls).toEqual([{ level: "warn", message: "Session data corrupted", context: { reason: "bad-signature", engine: "signed_cookies" } }]);
  });

  test("a cookie older than cookieAge is {} with reason signature-expired, logged at debug level only", () => {
    const cookie = cookieCodec(NOW).encode(DATA);
    const logger = collectingLogger();
    expect(cookieCodec(NOW + 3600_000, logger).decode(cookie)).toEqual(DATA);
    expect(cookieCodec(NOW + 3600_001, logger).decodeDetailed(cookie)).toEqual({ ok: false, data: {}, reason: "signature-expired" });
    expect(logger.calls.map((c) => c.level)).toEqual(["debug"]);
    expect(JSON.stringify(logger.calls)).not.toContain(SECRET);
  });

  test.each([NaN, Infinity, "3600"])("cookieAge %p throws ImproperlyConfigured", (cookieAge) => {
    expect(() => new SignedCookieCodec({ secretKey: SECRET, cookieAge: cookieAge as never })).toThrow(/cookieAge must be a number of seconds/);
  });
});

// JSON-like session data: what Python's json module can write and read back exactly.
const jsonNumber = fc.oneof(
  fc.maxSafeInteger(),
  fc.double().filter((x) => !Number.isInteger(x) || Object.is(x, -0) || !Number.isSafeInteger(x)),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).filter((n) => n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER)),
);
const jsonValue: fc.Arbitrary<PythonJsonValue> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom(null, true, false),
    jsonNumber,
    fc.string({ unit: "binary" }),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.string(), tie("value"), { maxKeys: 4 }),
  ),
})).value as fc.Arbitrary<PythonJsonValue>;
const sessionData = fc.dictionary(fc.string({ unit: "binary" }), jsonValue, { maxKeys: 8 }) as fc.Arbitrary<SessionData>;

/** One random edit of a string. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 6 }) }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), char: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), char: fc.constantFrom(":", ".", "-", "_", "=", "A", "a", "0", " ", "é", "\ud800") }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("swap" as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : m.at % text.length;
  switch (m.kind) {
    case "flip":
      return text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ (1 << m.bit)) + text.slice(at + 1);
    case "replace":
      return text.slice(0, at) + m.char + text.slice(at + 1);
    case "insert":
      return text.slice(0, at) + m.char + text.slice(at);
    case "delete":
      return text.slice(0, at) + text.slice(at + 1);
    case "truncate":
      return text.slice(0, at);
    case "swap":
      return text.slice(0, at) + text.slice(at + 1, at + 2) + text.slice(at, at + 1) + text.slice(at + 2);
  }
}

describe("SessionCodec properties", () => {
  const logger = collectingLogger();
  const codec = new SessionCodec({ secretKey: SECRET, secretKeyFallbacks: [OLD_SECRET], now, logger });

  test("decode(encode(x)) equals x for arbitrary JSON-like session data", () => {
    fc.assert(
      fc.property(sessionData, (data) => {
        expect(codec.decodeDetailed(codec.encode(data))).toEqual({ ok: true, data, format: "current", keyIndex: 0, renew: false });
      }),
      { seed: 314159, numRuns: 500 },
    );
  });

  test("20,000 random mutations of valid sessions: never throws; {} unless the mutation changed nothing", () => {
    const pool = [
      DATA,
      {},
      { a: 1 },
      { ...DATA, padding: "z".repeat(1500), more: Array.from({ length: 50 }, (_, i) => i) },
      { text: "Zoë 🐍", big: 2n ** 70n, nan: NaN, inf: -Infinity },
    ].map((data) => ({ data, encoded: codec.encode(data) }));
    expect(pool.some(({ encoded }) => encoded.startsWith("."))).toBe(true);
    fc.assert(
      fc.property(fc.nat({ max: pool.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), (index, mutations) => {
        const { data, encoded } = pool[index];
        const mutated = mutations.reduce(mutate, encoded);
        const result = codec.decode(mutated);
        expect(result).toEqual(mutated === encoded ? data : {});
      }),
      { seed: 271828, numRuns: 20_000 },
    );
  });

  test("random strings: never throws, always {}", () => {
    const framed = fc
      .tuple(fc.string({ unit: "binary" }), fc.string(), fc.string({ unit: "binary" }))
      .map(([payload, ts, sig]) => `${payload}:${ts}:${sig}`);
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), framed, fc.base64String()), (text) => {
        expect(codec.decode(text)).toEqual({});
      }),
      { seed: 161803, numRuns: 3000 },
    );
  });
});

describe("robustness of reporting and options", () => {
  test("a logger that throws does not make decode throw", () => {
    const codec = new SessionCodec({ secretKey: "k".repeat(20), logger: { warn: () => { throw new Error("logger down"); } } });
    expect(codec.decode("tampered:value:here")).toEqual({});
  });
  test("missing options is a configuration error that names the fix", () => {
    expect(() => new SessionCodec(undefined as never)).toThrow(/secretKey/);
    expect(() => new SessionCodec(undefined as never)).toThrow(ImproperlyConfigured);
  });
  test("compression: { minSize: undefined } keeps the default", () => {
    expect(() => new SessionCodec({ secretKey: "k".repeat(20), compression: { minSize: undefined } })).not.toThrow();
  });
});
