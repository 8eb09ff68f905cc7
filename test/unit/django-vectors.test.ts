/**
 * Vectors written by real Django 3.2.25 and 5.2.17 (scripts/gen-vectors.py; see
 * test/vectors/README.md). For every case our codecs must read what Django read, write what
 * Django wrote (byte for byte, compressed cases included), and turn every bad input into `{}`
 * with a typed reason, never throwing.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { SessionCodec, SignedCookieCodec, TimestampSigner, dumps, loads, type DecodeFailureReason, type DecodeResult, type Secret, type SessionData, type SessionLogger } from "../../src";
import { signObject, pyJsonDumps, pyJsonLoads } from "../../src/low-level";

interface VectorCase {
  name: string;
  kind: "session" | "signed_cookie" | "legacy" | "bad";
  codec: "session" | "signed_cookie";
  secretKey?: string;
  secretKeyHex?: string;
  secretKeyFallbacks?: string[];
  signedWith?: string;
  expectKeyIndex?: number;
  keySalt: string;
  storeClass?: string;
  data?: unknown;
  dataJson?: string;
  dataJsonLength?: number;
  dataJsonSha256?: string;
  encoded: string;
  encodedAt?: number;
  compressed?: boolean;
  format?: "current" | "legacy";
  djangoDecodes?: unknown;
  djangoDecodesJson?: string;
  djangoDecodesJsonSha256?: string;
  djangoLogged: string[];
  integralFloats?: boolean;
  jsKeyOrder?: boolean;
  note?: string;
}

interface VectorFile {
  django: string;
  now: number;
  cookieAge: number;
  cases: VectorCase[];
}

function load(file: string): VectorFile {
  return JSON.parse(readFileSync(path.join(__dirname, "../vectors", file), "utf8")) as VectorFile;
}

const FILES = [load("django-3.2.json"), load("django-5.2.json")];

/** Django's compression rule with pako (CPython zlib's exact bytes): what byte comparisons need. */
const EXACT = { minSize: 0, exact: true } as const;

/**
 * What our codec does with each `bad` case (a string Django did not write this way). By default
 * `{}` with the given reason; a few odd-but-valid inputs decode, as they do in Django. Every bad
 * vector must be listed here, so a new vector forces a decision.
 */
type BadExpectation = { reason: DecodeFailureReason; why?: string } | { decodesAsDjango: true; why?: string } | { decodesTo: string; why: string };

const BAD: Record<string, BadExpectation> = {
  // Altered or foreign strings: the signature check fails.
  "tampered payload": { reason: "bad-signature" },
  "tampered signature": { reason: "bad-signature" },
  "tampered timestamp": { reason: "bad-signature" },
  "tampered compressed payload": { reason: "bad-signature" },
  "truncated signature": { reason: "bad-signature" },
  "truncated to payload and timestamp": { reason: "bad-signature" },
  "no separator": { reason: "bad-signature" },
  "empty string": { reason: "bad-signature" },
  "only separators": { reason: "bad-signature" },
  "trailing newline": { reason: "bad-signature" },
  "wrong salt (MyStore string read by SessionStore)": { reason: "bad-signature" },
  "wrong salt (SessionStore string read by MyStore)": { reason: "bad-signature" },
  "wrong secret": { reason: "bad-signature" },
  "signed with a key not among the fallbacks": { reason: "bad-signature" },
  "signed cookie value read as session data": { reason: "bad-signature" },
  "non-ASCII garbage": { reason: "bad-signature" },
  "malformed timestamp, signed": { reason: "bad-signature", why: "Django raises ValueError from b62_decode (5.2: {}; 3.2: raises)" },
  "empty timestamp, signed": { reason: "bad-signature" },
  "no timestamp at all, signed": { reason: "bad-signature" },
  // Validly signed, undecodable payloads: Django 4.0+ gives {} silently; 3.2 may raise.
  "non-base64 payload, signed": { reason: "bad-json", why: "b64_decode skips every character of '!!!!': empty JSON, as in Django" },
  "payload length 1 mod 4, signed": { reason: "bad-base64" },
  "non-JSON payload, signed": { reason: "bad-json" },
  "empty payload, signed": { reason: "bad-json" },
  "decompression garbage, signed": { reason: "bad-zlib" },
  "compression flag only, signed": { reason: "bad-zlib" },
  "truncated zlib stream, signed": { reason: "bad-zlib" },
  "zlib stream with a bad adler32, signed": { reason: "bad-zlib" },
  "raw deflate without zlib header, signed": { reason: "bad-zlib" },
  // Django returns the non-dict value itself (and later crashes on it); we refuse it.
  "JSON list, signed": { reason: "not-an-object", why: "Django's decode returns the list" },
  "JSON string, signed": { reason: "not-an-object", why: "Django's decode returns the string" },
  "JSON null, signed": { reason: "not-an-object", why: "Django's decode returns None" },
  "JSON number, signed": { reason: "not-an-object", why: "Django's decode returns the number" },
  "compressed JSON list, signed": { reason: "not-an-object", why: "Django's decode returns the list" },
  // Python's lenient base64: Django never writes these, and reads them; so do we.
  "base64 with = padding, signed": { decodesAsDjango: true, why: "b64_decode reads padding" },
  "standard-alphabet base64 (+ and /), signed": { decodesAsDjango: true, why: "urlsafe_b64decode reads + and / too" },
  "junk characters inside base64, signed": { reason: "bad-base64", why: "b64_decode drops the junk, then its padding is incomplete (binascii.Error), as in Django" },
  // Our caps.
  "JSON nested 600 deep, signed": { reason: "bad-json", why: "MAX_JSON_DEPTH is 512; CPython reads ~1000 deep" },
  // Odd but valid: read exactly as Django reads them.
  "zlib stream with trailing garbage, signed": { decodesAsDjango: true, why: "zlib (both) stops at the end of the stream" },
  "raw latin-1 byte in JSON, signed": { decodesAsDjango: true },
  "JSON with a duplicate key, signed": { decodesAsDjango: true },
  "JSON with whitespace, signed": { decodesAsDjango: true },
  "raw UTF-8 bytes in JSON, signed": { decodesAsDjango: true, why: "JSONSerializer.loads decodes the bytes as latin-1 (mojibake), and so do we" },
  // Legacy formats.
  "legacy with a wrong hash": { reason: "legacy-bad-hash" },
  "legacy: hash ok, payload not JSON": { reason: "legacy-malformed" },
  "legacy: no colon": { reason: "bad-signature" },
  "legacy format (pre-3.1) refused": { reason: "legacy-refused" },
  "legacy format from Outer.Inner refused": { reason: "legacy-refused" },
  "sha1-signed current framing refused": { reason: "bad-signature" },
  "sha1-signed cookie refused": { reason: "bad-signature" },
  // Signed cookies.
  "cookie: expired (SESSION_COOKIE_AGE + 1 old)": { reason: "signature-expired" },
  "cookie: timestamp in the future": { decodesAsDjango: true, why: "max_age only bounds the age from below" },
  "cookie: tampered": { reason: "bad-signature" },
  "cookie: session data (wrong salt)": { reason: "bad-signature" },
  "cookie: wrong secret": { reason: "bad-signature" },
  "cookie: shorter than 8 characters": { reason: "bad-signature" },
  "cookie: JSON list, signed": { reason: "not-an-object", why: "Django's load returns the list" },
  "cookie: decompression garbage, signed": { reason: "bad-zlib" },
};

function sha1Signer(c: VectorCase): TimestampSigner {
  return new TimestampSigner({ key: secretOf(c), salt: c.keySalt, algorithm: "sha1", now: () => c.encodedAt! * 1000 });
}

function secretOf(c: VectorCase): Secret {
  if (c.secretKeyHex !== undefined) return Buffer.from(c.secretKeyHex, "hex");
  return c.secretKey!;
}

interface Recorded {
  logger: SessionLogger;
  warnings: string[];
}

function recorder(): Recorded {
  const warnings: string[] = [];
  return { warnings, logger: { warn: (message) => warnings.push(message), debug: () => undefined } };
}

type Codec = SessionCodec | SignedCookieCodec;

function readerFor(
  file: VectorFile,
  c: VectorCase,
  options: { legacyFormat?: "refuse" | "read"; maxSize?: number; logger?: SessionLogger } = {},
): Codec {
  const common = {
    secretKey: secretOf(c),
    secretKeyFallbacks: c.secretKeyFallbacks,
    now: () => file.now * 1000,
    logger: options.logger ?? recorder().logger,
    maxSize: options.maxSize,
  };
  if (c.codec === "session") return new SessionCodec({ ...common, keySalt: c.keySalt, legacyFormat: options.legacyFormat });
  return new SignedCookieCodec({ ...common, cookieAge: file.cookieAge, salt: c.keySalt });
}

/** A codec that writes like Django (`exact`, the default) or with the library's default compression policy. */
function writerFor(c: VectorCase, options: { legacyFormat?: "write"; maxSize?: number; compression?: "exact" | "default" } = {}): Codec {
  const common = {
    secretKey: c.signedWith ?? secretOf(c),
    now: () => (c.encodedAt ?? 0) * 1000,
    logger: recorder().logger,
    maxSize: options.maxSize,
    compression: options.compression === "default" ? undefined : EXACT,
  };
  if (c.codec === "session") return new SessionCodec({ ...common, keySalt: c.keySalt, legacyFormat: options.legacyFormat });
  return new SignedCookieCodec({ ...common, salt: c.keySalt });
}

/** decodeDetailed, checking on the way that it and decode() never throw and agree. */
function read(codec: Codec, encoded: string): DecodeResult {
  let result: DecodeResult | undefined;
  let plain: SessionData | undefined;
  expect(() => {
    result = codec.decodeDetailed(encoded);
    plain = codec.decode(encoded);
  }).not.toThrow();
  expect(plain).toEqual(result!.data);
  return result!;
}

function sha256(text: string): string {
  return createHash("sha256").update(Buffer.from(text, "latin1")).digest("hex");
}

/** Cases where a JS value cannot carry Python's exact text (1.0 vs 1; integer-like key order). */
function notByteExact(c: VectorCase): boolean {
  return c.integralFloats === true || c.jsKeyOrder === true;
}

test("both vector files are present and from the expected Django versions", () => {
  expect(FILES.map((f) => f.django)).toEqual(["3.2.25", "5.2.17"]);
  for (const f of FILES) expect(f.cases.length).toBeGreaterThan(80);
});

describe.each(FILES)("Django $django vectors", (file) => {
  const good = file.cases.filter((c) => c.kind === "session" || c.kind === "signed_cookie");
  const legacy = file.cases.filter((c) => c.kind === "legacy");
  const bad = file.cases.filter((c) => c.kind === "bad");
  const exact = good.filter((c) => c.dataJson !== undefined && !notByteExact(c));
  const inexact = good.filter((c) => c.dataJson !== undefined && notByteExact(c));
  const big = good.filter((c) => c.dataJson === undefined);

  test.each(exact)("$kind: $name: decodes to Django's data, exactly", (c) => {
    const { logger, warnings } = recorder();
    const result = read(readerFor(file, c, { logger }), c.encoded);
    expect(result).toMatchObject({ ok: true, format: "current", keyIndex: c.expectKeyIndex ?? 0, renew: (c.expectKeyIndex ?? 0) > 0 });
    expect(pyJsonDumps(result.data)).toBe(c.djangoDecodesJson);
    expect(c.djangoDecodesJson).toBe(c.dataJson);
    if (c.data !== undefined) expect(result.data).toEqual(c.data);
    expect(warnings).toEqual([]);
  });

  test.each(exact)("$kind: $name: encodes byte for byte as Django did (compression: exact)", (c) => {
    const encoded = writerFor(c).encode(pyJsonLoads(c.dataJson!) as SessionData);
    expect(encoded).toBe(c.encoded);
    expect(encoded.startsWith(".")).toBe(c.compressed);
  });

  test.each(exact)("$kind: $name: the default compression policy writes the same data (Django-readable: see test/interop)", (c) => {
    const value = pyJsonLoads(c.dataJson!) as SessionData;
    const encoded = writerFor(c, { compression: "default" }).encode(value);
    // Same frame, timestamp and JSON; only whether/how it is deflated may differ.
    if (!c.compressed) expect(encoded).toBe(c.encoded);
    expect(pyJsonDumps(readerFor(file, c).decode(encoded))).toBe(c.dataJson);
  });

  test.each(inexact)("$kind: $name: decodes to Django's data (values equal; bytes cannot be)", (c) => {
    const result = read(readerFor(file, c), c.encoded);
    expect(result.ok).toBe(true);
    expect(result.data).toEqual(pyJsonLoads(c.djangoDecodesJson!));
    // Documented divergence: a JS value cannot say 1.0 (vs 1) or keep "b" before "10".
    expect(pyJsonDumps(result.data)).not.toBe(c.djangoDecodesJson);
    // Our re-encoding still carries the same values.
    const again = writerFor(c, { compression: "default" }).encode(result.data);
    expect(readerFor(file, c).decode(again)).toEqual(result.data);
  });

  test.each(big)("$kind: $name: refused past maxSize, read and re-encoded exactly with a larger cap", (c) => {
    expect(read(readerFor(file, c), c.encoded)).toMatchObject({ ok: false, data: {}, reason: "too-large" });
    const result = read(readerFor(file, c, { maxSize: 4 * 1024 * 1024 }), c.encoded);
    expect(result.ok).toBe(true);
    const text = pyJsonDumps(result.data);
    expect(text.length).toBe(c.dataJsonLength);
    expect(sha256(text)).toBe(c.djangoDecodesJsonSha256);
    expect(writerFor(c, { maxSize: 4 * 1024 * 1024 }).encode(result.data)).toBe(c.encoded);
  });

  if (legacy.length > 0) {
    const sessionLegacy = legacy.filter((c) => c.codec === "session");
    test.each(sessionLegacy)("legacy: $name: read with legacyFormat 'read', flagged for renewal", (c) => {
      const result = read(readerFor(file, c, { legacyFormat: "read" }), c.encoded);
      expect(result).toMatchObject({ ok: true, format: c.format, keyIndex: 0, renew: true });
      expect(pyJsonDumps(result.data)).toBe(c.djangoDecodesJson);
    });

    test.each(sessionLegacy)("legacy: $name: refused by default (Django 4.0+ behaviour)", (c) => {
      const result = read(readerFor(file, c), c.encoded);
      expect(result.ok).toBe(false);
      expect(result.data).toEqual({});
    });

    test.each(sessionLegacy)("legacy: $name: written byte for byte", (c) => {
      const value = pyJsonLoads(c.dataJson!) as SessionData;
      if (c.format === "legacy") {
        expect(writerFor(c, { legacyFormat: "write" }).encode(value)).toBe(c.encoded);
      } else {
        // sha1-signed current framing: not a codec mode, but the core signer writes it.
        expect(signObject(sha1Signer(c), value, { compress: EXACT })).toBe(c.encoded);
      }
    });

    const cookieLegacy = legacy.filter((c) => c.codec === "signed_cookie");
    test.each(cookieLegacy)("legacy: $name: SignedCookieCodec refuses sha1 (3.2 reads it); core loads() can", (c) => {
      // Documented divergence: SignedCookieCodec has no sha1 mode.
      expect(read(readerFor(file, c), c.encoded)).toMatchObject({ ok: false, data: {}, reason: "bad-signature" });
      const value = loads(c.encoded, { key: secretOf(c), salt: c.keySalt, algorithm: "sha1", maxAge: file.cookieAge, now: () => file.now * 1000 });
      expect(pyJsonDumps(value)).toBe(c.djangoDecodesJson);
      expect(signObject(sha1Signer(c), pyJsonLoads(c.dataJson!), { compress: EXACT })).toBe(c.encoded);
      // dumps() (node:zlib when compressing) signs the same way; Django reads either stream.
      const viaDumps = dumps(pyJsonLoads(c.dataJson!), { key: secretOf(c), salt: c.keySalt, compress: true, algorithm: "sha1", now: () => c.encodedAt! * 1000 });
      expect(pyJsonDumps(loads(viaDumps, { key: secretOf(c), salt: c.keySalt, algorithm: "sha1", now: () => file.now * 1000 }))).toBe(c.dataJson);
    });
  }

  test("every bad vector has an expectation", () => {
    expect(bad.map((c) => c.name).filter((name) => !(name in BAD))).toEqual([]);
  });

  const modes: Array<"refuse" | "read"> = legacy.length > 0 ? ["refuse", "read"] : ["refuse"];
  describe.each(modes)("legacyFormat %s", (legacyFormat) => {
    test.each(bad)("bad: $name", (c) => {
      const expected = BAD[c.name];
      expect(expected).toBeDefined();
      const { logger, warnings } = recorder();
      const result = read(readerFor(file, c, { legacyFormat, logger }), c.encoded);
      if ("reason" in expected) {
        expect(result).toEqual({ ok: false, data: {}, reason: expected.reason });
        // What Django logs as corrupted, we report as corrupted too (we may log more).
        if (c.djangoLogged.some((m) => m.endsWith("Session data corrupted"))) expect(warnings).toContain("Session data corrupted");
      } else if ("decodesAsDjango" in expected) {
        expect(result.ok).toBe(true);
        expect(pyJsonDumps(result.data)).toBe(c.djangoDecodesJson);
      } else {
        expect(result.ok).toBe(true);
        expect(pyJsonDumps(result.data)).toBe(expected.decodesTo);
        expect(expected.decodesTo).not.toBe(c.djangoDecodesJson);
      }
    });
  });
});

describe("what the vectors record about Django itself", () => {
  const [v32, v52] = FILES;
  const byName = (f: VectorFile, name: string) => f.cases.find((c) => c.name === name)!;

  test("3.2 raises for a validly signed, undecodable payload; 5.2 returns {}", () => {
    expect(byName(v32, "decompression garbage, signed").djangoDecodes).toEqual({ raises: "Error" });
    expect(byName(v52, "decompression garbage, signed").djangoDecodes).toEqual({});
  });

  test("Django returns a signed non-dict JSON value as is", () => {
    expect(byName(v52, "JSON list, signed").djangoDecodes).toEqual([1, 2, 3]);
  });

  test("Django's lenient base64 reads padded payloads", () => {
    expect(byName(v52, "base64 with = padding, signed").djangoDecodes).toEqual({ a: 1 });
  });

  test("both versions write identical strings for identical inputs", () => {
    const same = v32.cases.filter((c) => c.kind === "session" || c.kind === "signed_cookie");
    expect(same.length).toBeGreaterThan(30);
    for (const c of same) expect(byName(v52, c.name).encoded).toBe(c.encoded);
  });
});
