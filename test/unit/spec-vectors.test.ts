import { deflate } from "pako";
import vectors from "../vectors/spec-vectors.json";
import { SessionCodec, SignedCookieCodec, Signer, TimestampSigner, dumps, silentLogger, type SessionLogger } from "../../src";
import { saltedHmac } from "../../src/low-level";

const now = () => vectors.now * 1000;
// Django's exact compression rule with CPython-identical deflate bytes, for byte comparisons.
const exact = { minSize: 0, exact: true };
const codec = new SessionCodec({ secretKey: vectors.secretKey, now, logger: silentLogger, compression: exact });

describe("spec §13 session vectors", () => {
  test.each(vectors.sessions)("$name: encode is byte-identical and decodes back", ({ data, sessionData }) => {
    expect(codec.encode(data)).toBe(sessionData);
    expect(codec.decode(sessionData)).toEqual(data);
  });

  test.each(vectors.sessions)("$name: the default codec's output (fast compression policy) decodes to the same data", ({ data, sessionData }) => {
    const fast = new SessionCodec({ secretKey: vectors.secretKey, now, logger: silentLogger });
    const encoded = fast.encode(data);
    expect(encoded.startsWith(".")).toBe(false); // under SESSION_COMPRESS_MIN_SIZE: not compressed
    expect(fast.decode(encoded)).toEqual(data);
    expect(fast.decode(sessionData)).toEqual(data);
  });

  test("V2: pako's deflate writes CPython zlib's exact bytes", () => {
    expect(Buffer.from(deflate(Buffer.from(vectors.zlib.json, "latin1"))).toString("hex")).toBe(vectors.zlib.compressedHex);
  });

  test("V2: _auth_user_hash is salted_hmac(sha256) of the password field", () => {
    const hash = saltedHmac("django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash", vectors.authHash.password, vectors.secretKey, "sha256");
    expect(hash.toString("hex")).toBe(vectors.authHash.hash);
  });
});

describe("spec §13 signed_cookies vectors", () => {
  const cookies = new SignedCookieCodec({ secretKey: vectors.secretKey, now, logger: silentLogger, compression: exact });
  test.each(vectors.signedCookies)("$name", ({ data, cookie }) => {
    expect(cookies.encode(data)).toBe(cookie);
    expect(cookies.decode(cookie)).toEqual(data);
  });

  test("a cookie older than cookieAge reads as {} with reason signature-expired", () => {
    const later = new SignedCookieCodec({ secretKey: vectors.secretKey, now: () => (vectors.now + 1209601) * 1000, logger: silentLogger });
    expect(later.decodeDetailed(vectors.signedCookies[0].cookie)).toEqual({ ok: false, data: {}, reason: "signature-expired" });
    const justInTime = new SignedCookieCodec({ secretKey: vectors.secretKey, now: () => (vectors.now + 1209600) * 1000, logger: silentLogger });
    expect(justInTime.decode(vectors.signedCookies[0].cookie)).toEqual(vectors.signedCookies[0].data);
  });
});

describe("spec §13 legacy vectors (V4, V5)", () => {
  test.each(vectors.legacy)("$name: refused by default (Django 4.0+), logged as corrupted", ({ sessionData }) => {
    const warnings: unknown[] = [];
    const logger: SessionLogger = { warn: (message, context) => warnings.push({ message, ...context }) };
    const strict = new SessionCodec({ secretKey: vectors.secretKey, now, logger });
    const result = strict.decodeDetailed(sessionData);
    expect(result.ok).toBe(false);
    expect(result.data).toEqual({});
    expect(warnings).toEqual([expect.objectContaining({ message: "Session data corrupted" })]);
  });

  test("V4 is reported as legacy-refused, so the operator knows to set legacyFormat", () => {
    const strict = new SessionCodec({ secretKey: vectors.secretKey, now, logger: silentLogger });
    expect(strict.decodeDetailed(vectors.legacy[0].sessionData)).toMatchObject({ ok: false, reason: "legacy-refused" });
  });

  test.each(vectors.legacy)("$name: read with legacyFormat 'read' (Django 3.2), flagged for re-encoding", ({ data, sessionData }) => {
    const reader = new SessionCodec({ secretKey: vectors.secretKey, now, logger: silentLogger, legacyFormat: "read" });
    expect(reader.decodeDetailed(sessionData)).toMatchObject({ ok: true, data, renew: true });
    // Writing stays in the current format unless asked.
    expect(reader.encode(data)).toBe(vectors.sessions[0].sessionData);
  });

  test("legacyFormat 'write' writes V4 byte for byte", () => {
    const writer = new SessionCodec({ secretKey: vectors.secretKey, now, logger: silentLogger, legacyFormat: "write" });
    expect(writer.encode(vectors.legacy[0].data)).toBe(vectors.legacy[0].sessionData);
  });

  test("a legacy row with a wrong hash is legacy-bad-hash even when legacy reading is on", () => {
    const reader = new SessionCodec({ secretKey: "another-secret", now, logger: silentLogger, legacyFormat: "read" });
    expect(reader.decodeDetailed(vectors.legacy[0].sessionData)).toMatchObject({ ok: false, reason: "legacy-bad-hash" });
  });
});

describe("spec §13 V7: Django's own signing vectors", () => {
  test("non-ASCII bytes key", () => {
    expect(new Signer({ key: Buffer.from([0xe7]) }).sign("foo")).toBe("foo:EE4qGC5MEKyQG5msxYA0sBohAxLC0BJf8uRhemh0BGU");
  });
  test.each(["/", "*sep*", ","])("separator %s", (sep) => {
    expect(new Signer({ key: "predictable-secret", sep }).sign("foo")).toBe(`foo${sep}jZQoX_FtSO70jX9HLRGg2A_2s4kdDBxz1QoO_OpEQb0`);
  });
  test("sha512", () => {
    expect(new Signer({ key: "predictable-secret", algorithm: "sha512" }).signature("hello")).toBe(
      "Usf3uVQOZ9m6uPfVonKR-EBXjPe7bjMbp3_Fq8MfsptgkkM1ojidN0BxYaT5HAEN1VzO9_jVu7R-VkqknHYNvw",
    );
  });
  test("custom salt, sha1, sep / (with a fallback key that is not used to sign)", () => {
    expect(new Signer({ key: "secret", sep: "/", salt: "somesalt", algorithm: "sha1", fallbackKeys: ["oldsecret"] }).sign("xyz")).toBe(
      "xyz/zzdO_8rk-NGnm8jNasXRTF2P5kY",
    );
  });
  test("TimestampSigner at t=123456789", () => {
    expect(new TimestampSigner({ key: "predictable-key", now: () => 123456789000 }).sign("hello")).toBe(
      "hello:8M0kX:0pJB1_TN9Bno2aK29thnZKKHn76ngzcQVnIrp_DNs5M",
    );
  });
  test("dumps at t=123456789", () => {
    expect(dumps("hello", { key: "predictable-key", now: () => 123456789000 })).toBe("ImhlbGxvIg:8M0kX:5vfGI214_j9-J89Jzqav327daIby-HvdaoxtP5ilUOQ");
  });
});
