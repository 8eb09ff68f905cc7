/**
 * getSessionAuthHash = AbstractBaseUser.get_session_auth_hash(): the spec's §9/§13 V2 vector and
 * the hash's shape. Vectors from real Django are checked in django-auth-vectors.test.ts.
 */
import { createHash, createHmac } from "node:crypto";
import { ImproperlyConfigured } from "../../src";
import { SESSION_AUTH_HASH_KEY_SALT, getSessionAuthHash } from "../../src/auth";

const SPEC_SECRET = "django-insecure-spec-vector-secret-0123456789";

test("the spec vector (§9, §13 V2)", () => {
  expect(getSessionAuthHash("pbkdf2_sha256$600000$salt$hash", SPEC_SECRET)).toBe(
    "42f6ed040a61b12a1916bb39d6830a34f77b46e9e8dc182a1d3a930b178d1845",
  );
});

test("salted_hmac: HMAC keyed with H(key salt ‖ secret), lowercase hex; sha1 is 40 digits", () => {
  for (const algorithm of ["sha256", "sha1"] as const) {
    const key = createHash(algorithm).update(SESSION_AUTH_HASH_KEY_SALT + SPEC_SECRET).digest();
    const expected = createHmac(algorithm, key).update("pässwörd").digest("hex");
    expect(getSessionAuthHash("pässwörd", SPEC_SECRET, { algorithm })).toBe(expected);
  }
  expect(getSessionAuthHash("x", SPEC_SECRET, { algorithm: "sha1" })).toMatch(/^[0-9a-f]{40}$/);
  expect(getSessionAuthHash("x", SPEC_SECRET)).toMatch(/^[0-9a-f]{64}$/);
});

test("the password and the secret both change it; bytes secrets work", () => {
  const base = getSessionAuthHash("a", "s");
  expect(getSessionAuthHash("b", "s")).not.toBe(base);
  expect(getSessionAuthHash("a", "t")).not.toBe(base);
  expect(getSessionAuthHash("a", new Uint8Array([0x73]))).toBe(base);
  expect(getSessionAuthHash("", "s")).toMatch(/^[0-9a-f]{64}$/);
});

test("bad arguments are TypeErrors", () => {
  expect(() => getSessionAuthHash(null as unknown as string, "s")).toThrow(TypeError);
  expect(() => getSessionAuthHash("a", "s", { algorithm: "md5" as "sha1" })).toThrow(ImproperlyConfigured);
  // Python cannot UTF-8 encode a lone surrogate either.
  expect(() => getSessionAuthHash("\ud800", "s")).toThrow(TypeError);
});
