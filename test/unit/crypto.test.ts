import { constantTimeEqual, deriveKey, isWellFormed, nodeHashName, saltedHmac, toBytes } from "../../src/core/crypto";
import { InvalidAlgorithm } from "../../src/core/errors";

const SECRET = "django-insecure-spec-vector-secret-0123456789";

describe("saltedHmac (Django's salted_hmac)", () => {
  test("derives the key as H(key_salt ‖ secret) (spec §13 V1 derived key)", () => {
    expect(deriveKey("django.contrib.sessions.SessionStoresigner", SECRET, "sha256").toString("hex")).toBe(
      "148478af4a26502985dc4f2695255000561d7d9cbeb2affb9ba287f40cf8d092",
    );
  });

  test("derives a 20-byte sha1 key (spec §13 V4 legacy key)", () => {
    expect(deriveKey("django.contrib.sessionsSessionStore", SECRET, "sha1").toString("hex")).toBe("66daaaa8a6b1abcdb6dba8cc72664f54e9592a32");
  });

  test("defaults to sha1, as Django's salted_hmac does", () => {
    expect(saltedHmac("salt", "value", SECRET)).toEqual(saltedHmac("salt", "value", SECRET, "sha1"));
    expect(saltedHmac("salt", "value", SECRET)).toHaveLength(20);
  });

  test("treats a string and its UTF-8 bytes alike", () => {
    expect(saltedHmac("s", "Zoë", "clé", "sha256")).toEqual(saltedHmac(Buffer.from("s"), Buffer.from("Zoë"), Buffer.from("clé"), "sha256"));
  });

  test("an unknown algorithm raises InvalidAlgorithm with hashlib's message", () => {
    expect(() => saltedHmac("s", "v", SECRET, "whatever")).toThrow(new InvalidAlgorithm("whatever"));
    expect(() => saltedHmac("s", "v", SECRET, "whatever")).toThrow("'whatever' is not an algorithm accepted by the hashlib module.");
  });

  test("knows hashlib's names, not OpenSSL's", () => {
    expect(nodeHashName("sha3_256")).toBe("sha3-256");
    expect(nodeHashName("blake2b")).toBe("blake2b512");
    for (const name of ["sha3-256", "RSA-SHA1", "SHA1", "blake2b512", "constructor", "hasOwnProperty"]) {
      expect(() => nodeHashName(name)).toThrow(InvalidAlgorithm);
    }
  });
});

describe("toBytes (Django's force_bytes)", () => {
  test("refuses a lone surrogate, as Python's UTF-8 encoder does, instead of writing U+FFFD", () => {
    expect(() => toBytes("a\ud800")).toThrow(TypeError);
    expect(() => toBytes("\udc00b")).toThrow(TypeError);
    expect(toBytes("🐍")).toEqual(Buffer.from([0xf0, 0x9f, 0x90, 0x8d]));
  });

  test("refuses what is neither a string nor bytes", () => {
    for (const value of [undefined, null, 42, {}, ["a"]]) expect(() => toBytes(value as never)).toThrow(TypeError);
  });

  test("isWellFormed tells the two apart", () => {
    expect(isWellFormed("🐍 é")).toBe(true);
    expect(isWellFormed("\ud83d")).toBe(false);
    expect(isWellFormed("\udc0d\ud83d")).toBe(false);
  });
});

describe("constantTimeEqual", () => {
  test("compares strings exactly", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
    expect(constantTimeEqual("", "")).toBe(true);
  });

  test("does not call different lone surrogates equal", () => {
    expect(constantTimeEqual("\ud800", "\udc00")).toBe(false);
    expect(constantTimeEqual("\ud800", "\ufffd")).toBe(false);
  });
});
