import fc from "fast-check";
import { b64Encode } from "../../src/core/base64";
import { saltedHmac } from "../../src/core/crypto";
import { BadSignature, ImproperlyConfigured, InvalidAlgorithm, SignatureExpired } from "../../src/core/errors";
import { Signer, TimestampSigner } from "../../src/core/signer";

// Django's tests/signing/tests.py, item by item (spec §14.2), then what this port adds.
// Vectors not in the spec were computed with Django 5.2 (`.venv-django52`), `Signer(key="k", ...)`.

/** Django's `base64_hmac(salt, value, key, algorithm)`. */
const base64Hmac = (salt: string, value: string | Uint8Array, key: string | Uint8Array, algorithm: string) =>
  b64Encode(saltedHmac(salt, value, key, algorithm));

/** The four ways Django's test_unsign_detects_tampering changes a signed value. */
const tamperings = (signed: string): string[] => [signed.toUpperCase(), `${signed}a`, `a${signed.slice(1)}`, signed.replace(":", "")];

describe("Signer (Django's signing tests, spec §14.2)", () => {
  test("signature(v) is base64_hmac(salt + 'signer', v, key, algorithm), for bytes and unicode", () => {
    const signer = new Signer({ key: "predictable-secret" });
    for (const value of ["hello", "jkw osanteuh ,rcuh nthu aou oauh ,ud du", "\u2019", Buffer.from("hello")]) {
      expect(signer.signature(value)).toBe(base64Hmac("django.core.signing.Signersigner", value, "predictable-secret", "sha256"));
    }
    expect(new Signer({ key: "predictable-secret2" }).signature("hello")).not.toBe(signer.signature("hello"));
  });

  test("a custom salt is used as salt + 'signer'; different salts differ", () => {
    const signer = new Signer({ key: "predictable-secret", salt: "extra-salt" });
    expect(signer.signature("hello")).toBe(base64Hmac("extra-saltsigner", "hello", "predictable-secret", "sha256"));
    expect(new Signer({ key: "predictable-secret", salt: "one" }).signature("hello")).not.toBe(
      new Signer({ key: "predictable-secret", salt: "two" }).signature("hello"),
    );
  });

  test("an empty salt or algorithm means the default, as Django's `salt or default`", () => {
    // Django 5.2: Signer(key="k", salt="").sign("v") == Signer(key="k").sign("v") == this.
    const expected = "v:k4enFurzlQROEtUd-hRryEVuIseVMeDQ1XZiY5F3juM";
    expect(new Signer({ key: "k" }).sign("v")).toBe(expected);
    expect(new Signer({ key: "k", salt: "" }).sign("v")).toBe(expected);
    expect(new Signer({ key: "k", algorithm: "" }).sign("v")).toBe(expected);
    expect(new TimestampSigner({ key: "k", salt: "" }).salt).toBe("django.core.signing.TimestampSigner");
  });

  test("signature lengths: 43 chars for sha256, 27 for sha1, 86 for sha512", () => {
    expect(new Signer({ key: "k" }).signature("v")).toHaveLength(43);
    expect(new Signer({ key: "k", algorithm: "sha1" }).signature("v")).toHaveLength(27);
    expect(new Signer({ key: "k", algorithm: "sha512" }).signature("v")).toHaveLength(86);
  });

  test("sha512 (V7)", () => {
    expect(new Signer({ key: "predictable-secret", algorithm: "sha512" }).signature("hello")).toBe(
      "Usf3uVQOZ9m6uPfVonKR-EBXjPe7bjMbp3_Fq8MfsptgkkM1ojidN0BxYaT5HAEN1VzO9_jVu7R-VkqknHYNvw",
    );
  });

  test("an unknown algorithm raises InvalidAlgorithm with hashlib's message", () => {
    const attempt = () => new Signer({ key: "predictable-secret", algorithm: "whatever" }).sign("hello");
    expect(attempt).toThrow(InvalidAlgorithm);
    expect(attempt).toThrow("'whatever' is not an algorithm accepted by the hashlib module.");
  });

  test.each([
    // Names node:crypto knows but hashlib has no attribute for; Django refuses them.
    "RSA-SHA256",
    "SHA256",
    "sha3-256",
    "sha512_256",
    "md5-sha1",
    // hashlib attributes that are not hash constructors (Django fails with TypeError).
    "new",
    "shake_128",
    "__proto__",
    "toString",
  ])("%s is not an algorithm Django accepts → InvalidAlgorithm", (algorithm) => {
    expect(() => new Signer({ key: "k", algorithm })).toThrow(InvalidAlgorithm);
  });

  test.each([
    ["md5", "hello:n1fJxPe2W9aGM6h0CVTR1A"],
    ["sha1", "hello:YLAmdDshApDNf2OrF8iMi34nfBw"],
    ["sha224", "hello:xNouMHWaP9SFuTKNhh30t9uq2O3zgi9maWuhkg"],
    ["sha384", "hello:uK9RVWOuYe-gVOkqey6u_HWqW4MvG-I7cZRagPAuBrQoCajWf6HDYEGtLS1lWKZc"],
    ["sha3_256", "hello:7Z0RDZWVYThaKLob8044fe-GeB4QpaQNy-ukfGlMErg"],
    ["blake2b", "hello:D2TpjUr3lThaczJtSHRPbj44Aa2P93McvZOkHlUNmvUhivMnRsJHcjKFkdPOwrfbbVczXeEvoa8NvBF4xV_EbA"],
    ["blake2s", "hello:PisW1Zt__0PXMcPMb7jMn9yQ3WCjH86HexIYZfmVBr8"],
  ])("hashlib's name %s signs as Django 5.2 does", (algorithm, signed) => {
    expect(new Signer({ key: "k", algorithm }).sign("hello")).toBe(signed);
  });

  test("sign/unsign round trip, including ':' and '’' in values; the output is a different string", () => {
    const signer = new Signer({ key: "predictable-secret" });
    for (const example of ["q;wjmbk;wkmb", "3098247529087", "3098247:529:087:", "jkw osanteuh ,rcuh nthu aou oauh ,ud du", "\u2019"]) {
      const signed = signer.sign(example);
      expect(typeof signed).toBe("string");
      expect(signed).not.toBe(example);
      expect(signer.unsign(signed)).toBe(example);
    }
  });

  test("values with ':' and '’' sign to Django 5.2's exact strings", () => {
    const signer = new Signer({ key: "k" });
    expect(signer.sign("a:b")).toBe("a:b:Vch54ZijlFk9-tiGbKkm4xnQ762TI-ah6QvfibS5uiE");
    expect(signer.sign("a’b")).toBe("a’b:WImV7JWMs4549IRO-FkccBtatUo8mSlR3FA4nk_RYfA");
    expect(signer.unsign("x:y:z:TXxbZBZ5Lm5UfvE0rYwJkEwJk-xGOOtrw4tiq4-yv3M")).toBe("x:y:z");
  });

  test("a non-string value is refused rather than stringified differently from Python's str()", () => {
    const signer = new Signer({ key: "k" });
    // Django would sign "True", "1.0", "2023-01-01"; JavaScript would have written "true", "1", ...
    for (const value of [true, 1.0, 42, new Date(0), null, undefined, Buffer.from("x")]) {
      expect(() => signer.sign(value as unknown as string)).toThrow(TypeError);
    }
  });

  test("tampering (upper-casing, appending, replacing the first char, deleting the ':') raises BadSignature", () => {
    const signer = new Signer({ key: "predictable-secret" });
    for (const value of ["hello", "3098247529087", "x:y"]) {
      for (const transformed of tamperings(signer.sign(value))) {
        expect(() => signer.unsign(transformed)).toThrow(BadSignature);
      }
    }
  });

  test("BadSignature messages are Django's", () => {
    const signer = new Signer({ key: "k" });
    expect(() => signer.unsign("nosep")).toThrow('No ":" found in value');
    expect(() => signer.unsign("a:bad")).toThrow('Signature "bad" does not match');
    expect(() => new Signer({ key: "k", sep: "/" }).unsign("a:b")).toThrow('No "/" found in value');
  });

  test("a value with a lone surrogate never verifies (Python cannot even encode it) and cannot be signed", () => {
    const signer = new Signer({ key: "k" });
    const signed = signer.sign("a\ufffd");
    // The U+FFFD bytes are what a lossy UTF-8 encoding of "\ud800" would produce.
    expect(signer.verify(signed.replace("\ufffd", "\ud800")).valid).toBe(false);
    expect(signer.verify(signed.replace("\ufffd", "\udc00")).valid).toBe(false);
    expect(() => signer.sign("a\ud800")).toThrow(TypeError);
  });

  test("the non-ASCII bytes key b'\\xe7' (V7)", () => {
    expect(new Signer({ key: Uint8Array.of(0xe7) }).sign("foo")).toBe("foo:EE4qGC5MEKyQG5msxYA0sBohAxLC0BJf8uRhemh0BGU");
  });

  test.each(["/", "*sep*", ","])("valid separator %s gives the jZQoX_ vector", (sep) => {
    const signer = new Signer({ key: "predictable-secret", sep });
    expect(signer.sign("foo")).toBe(`foo${sep}jZQoX_FtSO70jX9HLRGg2A_2s4kdDBxz1QoO_OpEQb0`);
    expect(signer.unsign(`foo${sep}jZQoX_FtSO70jX9HLRGg2A_2s4kdDBxz1QoO_OpEQb0`)).toBe("foo");
  });

  test.each([
    ["", "''"],
    ["-", "'-'"],
    ["abc", "'abc'"],
    // Python's [A-z] range also covers [\]^_`, and its `$` also matches before a final newline.
    ["[", "'['"],
    ["`", "'`'"],
    ["\\", "'\\\\'"],
    ["\n", "'\\n'"],
    ["a\n", "'a\\n'"],
  ])("invalid separator %j raises Django's exact message", (sep, repr) => {
    const attempt = () => new Signer({ key: "predictable-secret", sep });
    expect(attempt).toThrow(ImproperlyConfigured);
    expect(attempt).toThrow(`Unsafe Signer separator: ${repr} (cannot be empty or consist of only A-z0-9-_=)`);
  });

  test.each(["'", '"', "'\"", "é", " ", "\n\n"])("separator %j is accepted, as by Django", (sep) => {
    const signer = new Signer({ key: "k", sep });
    expect(signer.unsign(signer.sign("value"))).toBe("value");
  });

  test("a signature made with an old key verifies through fallbackKeys", () => {
    const old = new Signer({ key: "oldsecret" });
    const signer = new Signer({ key: "secret", fallbackKeys: ["oldsecret"] });
    expect(signer.unsign(old.sign("abc"))).toBe("abc");
  });

  test("the primary key still verifies when fallbacks are set, and signing uses the primary key", () => {
    const signer = new Signer({ key: "secret", fallbackKeys: ["oldsecret"] });
    expect(signer.unsign(signer.sign("abc"))).toBe("abc");
    expect(signer.sign("abc")).toBe(new Signer({ key: "secret" }).sign("abc"));
  });

  test("empty fallbacks refuse a value signed with another key", () => {
    const signed = new Signer({ key: "oldsecret" }).sign("abc");
    expect(() => new Signer({ key: "secret", fallbackKeys: [] }).unsign(signed)).toThrow(BadSignature);
    expect(() => new Signer({ key: "secret" }).unsign(signed)).toThrow(BadSignature);
  });

  test("salt, sha1, sep and a fallback key together (V7: xyz/zzdO_…)", () => {
    const signer = new Signer({ key: "secret", sep: "/", salt: "somesalt", algorithm: "sha1", fallbackKeys: ["oldsecret"] });
    expect(signer.sign("xyz")).toBe("xyz/zzdO_8rk-NGnm8jNasXRTF2P5kY");
  });
});

describe("Signer.verify, the non-throwing unsign", () => {
  const signer = new Signer({ key: "secret", fallbackKeys: ["older", "oldest"] });

  test("answers keyIndex 0 and renew false for the current key", () => {
    expect(signer.verify(signer.sign("v"))).toEqual({ valid: true, value: "v", keyIndex: 0, renew: false });
  });

  test("answers the fallback's index + 1 and renew true for a fallback key", () => {
    expect(signer.verify(new Signer({ key: "older" }).sign("v"))).toEqual({ valid: true, value: "v", keyIndex: 1, renew: true });
    expect(signer.verify(new Signer({ key: "oldest" }).sign("v"))).toEqual({ valid: true, value: "v", keyIndex: 2, renew: true });
  });

  test("answers valid false with the BadSignature instead of throwing", () => {
    for (const bad of ["nosep", "v:wrong", ...tamperings(signer.sign("value")), new Signer({ key: "other" }).sign("v")]) {
      const result = signer.verify(bad);
      expect(result.valid).toBe(false);
      if (!result.valid) expect(result.error).toBeInstanceOf(BadSignature);
    }
  });

  test("never throws, whatever it is given", () => {
    for (const bad of [undefined, null, 42, {}, [], "", ":", "::", "\ud800:x"]) {
      expect(signer.verify(bad as unknown as string).valid).toBe(false);
    }
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        expect(signer.verify(text).valid).toBe(false);
      }),
      { seed: 14214, numRuns: 500 },
    );
  });
});

describe("acceptSha1 (Django 3.1/3.2's legacy_algorithm)", () => {
  const sha1Signed = new Signer({ key: "secret", algorithm: "sha1" }).sign("v");

  test("off by default: a sha1 signature is a BadSignature, as in Django 4.0+", () => {
    expect(() => new Signer({ key: "secret" }).unsign(sha1Signed)).toThrow(BadSignature);
  });

  test("on: a sha1 signature made with the current key verifies and asks for renewal", () => {
    const signer = new Signer({ key: "secret", acceptSha1: true });
    expect(signer.verify(sha1Signed)).toEqual({ valid: true, value: "v", keyIndex: 0, renew: true });
    expect(signer.verify(signer.sign("v"))).toEqual({ valid: true, value: "v", keyIndex: 0, renew: false });
    // Signing still uses sha256.
    expect(signer.sign("v")).toBe(new Signer({ key: "secret" }).sign("v"));
  });

  test("on: a sha1 signature made with a fallback key does not verify (3.2 had no fallbacks)", () => {
    const signer = new Signer({ key: "new", fallbackKeys: ["secret"], acceptSha1: true });
    expect(signer.verify(sha1Signed).valid).toBe(false);
  });
});

describe("Signer configuration mistakes", () => {
  test.each([
    ["a missing key", {}],
    ["an empty key", { key: "" }],
    ["an empty bytes key", { key: new Uint8Array(0) }],
    ["a number key", { key: 42 }],
    ["fallbackKeys that is a string", { key: "k", fallbackKeys: "old" }],
    ["an empty fallback key", { key: "k", fallbackKeys: [""] }],
    ["a null fallback key", { key: "k", fallbackKeys: [null] }],
  ])("%s throws ImproperlyConfigured saying what to pass", (_name, options) => {
    const attempt = () => new Signer(options as never);
    expect(attempt).toThrow(ImproperlyConfigured);
    expect(attempt).toThrow(/key|fallbackKeys/);
  });
});

describe("TimestampSigner", () => {
  const at = (seconds: number) => () => seconds * 1000;

  test("signs 'hello' at t=123456789 as Django does (V7), with a different salt than Signer", () => {
    const signer = new TimestampSigner({ key: "predictable-key", now: at(123456789) });
    const ts = signer.sign("hello");
    expect(ts).toBe("hello:8M0kX:0pJB1_TN9Bno2aK29thnZKKHn76ngzcQVnIrp_DNs5M");
    expect(ts).not.toBe(new Signer({ key: "predictable-key" }).sign("hello"));
    expect(signer.unsign(ts)).toBe("hello");
  });

  test("at t=123456800: maxAge 12 passes, 11 passes, 10 raises SignatureExpired", () => {
    const ts = new TimestampSigner({ key: "predictable-key", now: at(123456789) }).sign("hello");
    const later = new TimestampSigner({ key: "predictable-key", now: at(123456800) });
    expect(later.unsign(ts, 12)).toBe("hello");
    expect(later.unsign(ts, 11)).toBe("hello");
    expect(() => later.unsign(ts, 10)).toThrow(SignatureExpired);
    expect(() => later.unsign(ts, 10)).toThrow(BadSignature);
    expect(() => later.unsign(ts, 10)).toThrow("Signature age 11 > 10 seconds");
  });

  test("the age is a float compared with a strict '>' (int(time.time()) only when signing)", () => {
    const ts = new TimestampSigner({ key: "k", now: () => 1_700_000_000_900 }).sign("v");
    expect(ts.split(":")[1]).toBe("1r31eq");
    expect(new TimestampSigner({ key: "k", now: () => 1_700_000_010_000 }).unsign(ts, 10)).toBe("v");
    expect(() => new TimestampSigner({ key: "k", now: () => 1_700_000_010_001 }).unsign(ts, 10)).toThrow(SignatureExpired);
  });

  test("without maxAge any age passes; a NaN maxAge is a mistake, not 'never expires'", () => {
    const ts = new TimestampSigner({ key: "k", now: at(0) }).sign("v");
    const later = new TimestampSigner({ key: "k", now: at(1e9) });
    expect(later.unsign(ts)).toBe("v");
    expect(() => later.unsign(ts, NaN)).toThrow(TypeError);
  });

  test("verifyTimestamped answers the timestamp and the key that matched", () => {
    const ts = new TimestampSigner({ key: "old", now: at(123456789) }).sign("hello");
    const signer = new TimestampSigner({ key: "new", fallbackKeys: ["old"], now: at(123456800) });
    expect(signer.verifyTimestamped(ts)).toEqual({ valid: true, value: "hello", timestamp: 123456789, keyIndex: 1, renew: true });
    const expired = signer.verifyTimestamped(ts, 10);
    expect(expired.valid).toBe(false);
    if (!expired.valid) expect(expired.error).toBeInstanceOf(SignatureExpired);
  });

  test("a signed value without a timestamp, or with a malformed one, is a BadSignature", () => {
    const plain = new Signer({ key: "k", salt: "django.core.signing.TimestampSigner" });
    const signer = new TimestampSigner({ key: "k" });
    for (const inner of ["no-timestamp", "v:", "v:!!", "v:zzzzzzzzzzzzzzzzzzzz"]) {
      const result = signer.verifyTimestamped(plain.sign(inner));
      expect(result.valid).toBe(false);
      if (!result.valid) expect(result.error).toBeInstanceOf(BadSignature);
    }
  });

  test("tampering raises BadSignature", () => {
    const signer = new TimestampSigner({ key: "k", now: at(123456789) });
    for (const transformed of tamperings(signer.sign("hello"))) {
      expect(() => signer.unsign(transformed)).toThrow(BadSignature);
    }
  });

  test("a non-string value is refused, as by Signer", () => {
    const signer = new TimestampSigner({ key: "k" });
    for (const value of [true, 1.5, null]) expect(() => signer.sign(value as unknown as string)).toThrow(TypeError);
  });

  test("a custom separator separates the timestamp too", () => {
    const signer = new TimestampSigner({ key: "k", sep: "/", now: at(123456789) });
    const ts = signer.sign("a:b");
    expect(ts.startsWith("a:b/8M0kX/")).toBe(true);
    expect(signer.unsign(ts, 0)).toBe("a:b");
  });
});

describe("TimestampSigner.timestamp follows the clock (encoded once per second)", () => {
  test("a new second gives a new timestamp, the same second the same one, and going back works too", () => {
    let ms = 1700000000_000;
    const signer = new TimestampSigner({ key: "k", now: () => ms });
    expect(signer.timestamp()).toBe("1r31eq");
    ms += 999;
    expect(signer.timestamp()).toBe("1r31eq");
    ms += 1;
    expect(signer.timestamp()).toBe("1r31er");
    ms = 1700000000_000 - 1000;
    expect(signer.timestamp()).toBe("1r31ep");
    expect(signer.sign("v").split(":")[1]).toBe("1r31ep");
  });
});
