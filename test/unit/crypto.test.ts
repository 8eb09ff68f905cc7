import { createHmac } from "node:crypto";
import { asciiConstantTimeEqual, constantTimeEqual, deriveKey, hashName, type HashName, isWellFormed, prepareHmac, saltedHmac, toBytes } from "../../src/core/crypto";
import { InvalidAlgorithm } from "../../src/core/errors";

const SECRET = "django-insecure-spec-vector-secret-0123456789";

describe("saltedHmac (Django's salted_hmac)", () => {
  test("derives the key as H(key_salt ‖ secret) (spec §13 V1 derived key)", () => {
    expect(Buffer.from(deriveKey("django.contrib.sessions.SessionStoresigner", SECRET, "sha256")).toString("hex")).toBe(
      "148478af4a26502985dc4f2695255000561d7d9cbeb2affb9ba287f40cf8d092",
    );
  });

  test("derives a 20-byte sha1 key (spec §13 V4 legacy key)", () => {
    expect(Buffer.from(deriveKey("django.contrib.sessionsSessionStore", SECRET, "sha1")).toString("hex")).toBe("66daaaa8a6b1abcdb6dba8cc72664f54e9592a32");
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
    expect(hashName("sha3_256")).toBe("sha3_256");
    expect(hashName("blake2b")).toBe("blake2b");
    for (const name of ["sha3-256", "RSA-SHA1", "SHA1", "blake2b512", "constructor", "hasOwnProperty"]) {
      expect(() => hashName(name)).toThrow(InvalidAlgorithm);
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

describe("prepareHmac (the signers' HMAC with a key fixed once)", () => {
  // hashlib's names, and node:crypto's for the reference createHmac.
  const algorithms: [HashName, string][] = [
    ["md5", "md5"],
    ["sha1", "sha1"],
    ["sha224", "sha224"],
    ["sha256", "sha256"],
    ["sha384", "sha384"],
    ["sha512", "sha512"],
    ["sha3_256", "sha3-256"],
    ["blake2b", "blake2b512"],
  ];

  test.each(algorithms)("%s: equals createHmac for keys shorter and longer than a block, strings and bytes, short and long messages", (name, algorithm) => {
    for (const keyLength of [0, 1, 20, 32, 64, 65, 128, 129, 300]) {
      const key = Buffer.alloc(keyLength, 0xa5).map((b, i) => (b + i * 7) & 0xff);
      const hmac = prepareHmac(name, key);
      for (const message of ["", "a", "eyJh:1r31eq", "\u00e9\ud83d\udc0d", "x".repeat(5000), "y".repeat(6000), "\u00e9".repeat(9000)]) {
        const expected = createHmac(algorithm, key).update(message, "utf8").digest("base64url");
        expect(hmac(message)).toBe(expected);
        // Twice: the reused buffers carry nothing over from the call before.
        expect(hmac(message)).toBe(expected);
        expect(hmac(Buffer.from(message, "utf8"))).toBe(expected);
      }
    }
  });

  test("a long message after short ones, and short ones after it, on the same key", () => {
    const key = Buffer.from("k".repeat(32));
    const hmac = prepareHmac("sha256", key);
    const messages = ["short", "m".repeat(3000), "s", "n".repeat(20_000), "t"];
    for (const m of [...messages, ...messages.reverse()]) expect(hmac(m)).toBe(createHmac("sha256", key).update(m).digest("base64url"));
  });
});

describe("asciiConstantTimeEqual (a given string against a signature we computed)", () => {
  test.each([
    ["the same ASCII", "abc-_09", "abc-_09", true],
    ["another ASCII string", "abc-_08", "abc-_09", false],
    ["a shorter string", "abc", "abcd", false],
    ["a character whose low byte is ASCII (latin-1 would truncate U+0141 to 'A')", "\u0141bc", "Abc", false],
    ["a non-ASCII character of the same UTF-16 length", "\u00e9bc", "abc", false],
    ["a lone surrogate (UTF-8 writes it as the three bytes of U+FFFD)", "\ud800", "abc", false],
    ["the empty strings", "", "", true],
  ])("%s", (_name, given, expected, equal) => {
    expect(asciiConstantTimeEqual(given, expected)).toBe(equal);
    expect(constantTimeEqual(given, expected)).toBe(equal);
  });
});
