/**
 * checkPassword / verifyPassword / makePassword = Django's check_password / verify_password /
 * make_password, at low work factors (the real ones are exercised by django-auth-vectors.test.ts).
 */
import * as nodeCrypto from "node:crypto";
import { ImproperlyConfigured } from "../../src";
import { DEFAULT_PASSWORD_HASHERS, PasswordHasherLibraryMissing, ScryptMemoryLimitExceeded, UNUSABLE_PASSWORD_PREFIX, checkPassword, identifyHasher, isPasswordUsable, makePassword, verifyPassword, type PasswordAlgorithm, type PasswordHasherOptions } from "../../src/auth";
import { clearOptionalModuleCache, moduleLoader } from "../../src/auth/optional-module";

const ALL: PasswordAlgorithm[] = ["pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256", "bcrypt", "scrypt", "md5"];
// Cheap work factors, and every hasher allowed.
const FAST: PasswordHasherOptions = { passwordHashers: ALL, iterations: 1000, rounds: 4, workFactor: 1024, timeCost: 1, memoryCost: 256 };
const fast = (preferred: PasswordAlgorithm, extra: PasswordHasherOptions = {}): PasswordHasherOptions => ({
  ...FAST,
  passwordHashers: [preferred, ...ALL.filter((a) => a !== preferred)],
  ...extra,
});

const PASSWORD = "correct horse battery staple ✓ 🔑";
const SALT = "vectorSaltAbcdefghij01";

describe("round trips for every hasher", () => {
  test.each(ALL)("%s: the password verifies, others do not", async (algorithm) => {
    const encoded = await makePassword(PASSWORD, { ...fast(algorithm), algorithm });
    expect(identifyHasher(encoded)).toBe(algorithm);
    expect(await checkPassword(PASSWORD, encoded, fast(algorithm))).toBe(true);
    expect(await checkPassword(PASSWORD + " ", encoded, fast(algorithm))).toBe(false);
    expect(await checkPassword("", encoded, fast(algorithm))).toBe(false);
    expect(await verifyPassword(PASSWORD, encoded, fast(algorithm))).toEqual({ valid: true, mustUpdate: false, workAbove: false });
  });

  test("formats, as Django writes them", async () => {
    const opts = { ...FAST, salt: SALT };
    expect(await makePassword("pw", { ...opts, algorithm: "pbkdf2_sha256" })).toMatch(/^pbkdf2_sha256\$1000\$vectorSaltAbcdefghij01\$[A-Za-z0-9+/]{43}=$/);
    expect(await makePassword("pw", { ...opts, algorithm: "pbkdf2_sha1" })).toMatch(/^pbkdf2_sha1\$1000\$vectorSaltAbcdefghij01\$[A-Za-z0-9+/]{27}=$/);
    expect(await makePassword("pw", { ...opts, algorithm: "scrypt", parallelism: 2 })).toMatch(/^scrypt\$1024\$vectorSaltAbcdefghij01\$8\$2\$[A-Za-z0-9+/]{86}==$/);
    // libargon2's order (m, t, p), unpadded base64; the salt is the salt string's bytes.
    expect(await makePassword("pw", { ...opts, algorithm: "argon2", parallelism: 2 })).toMatch(
      /^argon2\$argon2id\$v=19\$m=256,t=1,p=2\$dmVjdG9yU2FsdEFiY2RlZmdoaWowMQ\$[A-Za-z0-9+/]{43}$/,
    );
    expect(await makePassword("pw", { ...opts, algorithm: "argon2", hashLength: 16 })).toMatch(/\$[A-Za-z0-9+/]{22}$/);
    expect(await makePassword("pw", { ...FAST, algorithm: "bcrypt_sha256" })).toMatch(/^bcrypt_sha256\$\$2b\$04\$[./A-Za-z0-9]{53}$/);
    expect(await makePassword("pw", { ...FAST, algorithm: "bcrypt" })).toMatch(/^bcrypt\$\$2b\$04\$[./A-Za-z0-9]{53}$/);
    expect(await makePassword("pw", { ...opts, algorithm: "md5" })).toBe("md5$vectorSaltAbcdefghij01$" + nodeCrypto.createHash("md5").update(SALT + "pw").digest("hex"));
  });

  test("Django's default work factors per version", async () => {
    expect(await makePassword("pw", { siteDjangoVersion: "3.2" })).toMatch(/^pbkdf2_sha256\$260000\$/);
    expect(await makePassword("pw", { siteDjangoVersion: "4.2" })).toMatch(/^pbkdf2_sha256\$600000\$/);
    expect(await makePassword("pw")).toMatch(/^pbkdf2_sha256\$1000000\$/);
  });

  test("Django's default PASSWORD_HASHERS per version decide which stored hashes verify", async () => {
    // Django 3.2: PBKDF2, PBKDF2SHA1, Argon2, BCryptSHA256; 4.0+ add Scrypt. BCrypt and MD5 are
    // never defaults. (argon2 and bcrypt_sha256 need optional libraries: see the interop tests.)
    const stored = Object.fromEntries(
      await Promise.all((["pbkdf2_sha256", "pbkdf2_sha1", "scrypt", "bcrypt", "md5"] as const).map(async (algorithm) => [algorithm, await makePassword("pw", { ...FAST, algorithm })])),
    ) as Record<"pbkdf2_sha256" | "pbkdf2_sha1" | "scrypt" | "bcrypt" | "md5", string>;
    const verifies = async (siteDjangoVersion: "3.2" | "5.2") =>
      Object.fromEntries(await Promise.all(Object.entries(stored).map(async ([algorithm, encoded]) => [algorithm, await checkPassword("pw", encoded, { siteDjangoVersion })])));
    expect(await verifies("3.2")).toEqual({ pbkdf2_sha256: true, pbkdf2_sha1: true, scrypt: false, bcrypt: false, md5: false });
    expect(await verifies("5.2")).toEqual({ pbkdf2_sha256: true, pbkdf2_sha1: true, scrypt: true, bcrypt: false, md5: false });
    // What the defaults hold beyond that, in Django's order, is what verifies with no option at all.
    for (const version of ["3.2", "5.2"] as const) {
      for (const [algorithm, encoded] of Object.entries(stored)) {
        expect([algorithm, await checkPassword("pw", encoded, { siteDjangoVersion: version })]).toEqual([algorithm, DEFAULT_PASSWORD_HASHERS[version].includes(algorithm as PasswordAlgorithm)]);
      }
    }
  });

  test("fresh salts: 22 characters of a-z A-Z 0-9, different every time", async () => {
    const a = await makePassword("pw", FAST);
    const b = await makePassword("pw", FAST);
    expect(a.split("$")[2]).toMatch(/^[a-zA-Z0-9]{22}$/);
    expect(a).not.toBe(b);
  });

  test("bcrypt_sha256 counts every byte; plain bcrypt stops at 72", async () => {
    const long = "x".repeat(72);
    for (const [algorithm, distinguishes] of [["bcrypt_sha256", true], ["bcrypt", false]] as const) {
      const encoded = await makePassword(long + "a", { ...FAST, algorithm });
      expect(await checkPassword(long + "b", encoded, fast(algorithm))).toBe(!distinguishes);
    }
  });

  test("bcrypt $2y$ (PHP) and $2a$ hashes verify, as pyca/bcrypt reads them", async () => {
    const encoded = await makePassword("pw", { ...FAST, algorithm: "bcrypt" });
    for (const prefix of ["$2y$", "$2a$"]) {
      const variant = encoded.replace("$2b$", prefix);
      expect(await checkPassword("pw", variant, fast("bcrypt"))).toBe(true);
      expect(await checkPassword("pW", variant, fast("bcrypt"))).toBe(false);
    }
    expect(await checkPassword("pw", encoded.replace("$2b$", "$2x$"), fast("bcrypt"))).toBe(false);
  });
});

describe("never a match", () => {
  const options = fast("pbkdf2_sha256");

  test("unusable passwords: make_password(None) and anything starting with '!'", async () => {
    const unusable = await makePassword(null);
    expect(unusable).toMatch(/^![a-zA-Z0-9]{40}$/);
    expect(isPasswordUsable(unusable)).toBe(false);
    expect(isPasswordUsable("pbkdf2_sha256$1$a$b")).toBe(true);
    expect(isPasswordUsable(null)).toBe(true); // Django's is_password_usable(None)
    expect(await checkPassword("", unusable, options)).toBe(false);
    // A real hash made unusable the way Django's set_unusable_password never does, still refused.
    const real = await makePassword("pw", FAST);
    expect(await checkPassword("pw", UNUSABLE_PASSWORD_PREFIX + real, options)).toBe(false);
  });

  test("a null password, a null or empty hash", async () => {
    const real = await makePassword("pw", FAST);
    expect(await checkPassword(null, real, options)).toBe(false);
    expect(await checkPassword(undefined, real, options)).toBe(false);
    expect(await checkPassword("pw", null, options)).toBe(false);
    expect(await checkPassword("pw", "", options)).toBe(false);
  });

  test("hashers not in passwordHashers (PASSWORD_HASHERS) are refused, as Django does", async () => {
    const bcrypt = await makePassword("pw", { ...FAST, algorithm: "bcrypt" });
    expect(await checkPassword("pw", bcrypt, fast("bcrypt"))).toBe(true);
    // Django's default list has no plain bcrypt (nor md5).
    expect(await checkPassword("pw", bcrypt, { iterations: 1000 })).toBe(false);
    const md5 = await makePassword("pw", { ...FAST, algorithm: "md5" });
    expect(await checkPassword("pw", md5, { iterations: 1000 })).toBe(false);
  });

  test("hashers this package does not implement, and ancient unsalted forms", async () => {
    const sha1 = nodeCrypto.createHash("sha1").update("saltpw").digest("hex");
    const md5 = nodeCrypto.createHash("md5").update("pw").digest("hex");
    expect(identifyHasher(md5)).toBe("unsalted_md5");
    expect(identifyHasher("md5$$" + md5)).toBe("unsalted_md5");
    expect(identifyHasher("sha1$$" + sha1)).toBe("unsalted_sha1");
    expect(identifyHasher("crypt$$ab1234567890")).toBe("crypt");
    for (const encoded of [`sha1$salt$${sha1}`, md5, "md5$$" + md5, "crypt$$ab1234567890", "plain text"]) {
      expect(await checkPassword("pw", encoded, options)).toBe(false);
    }
  });

  test("malformed hashes are false, never an exception (where Django would raise ValueError)", async () => {
    const good = await makePassword("pw", { ...FAST, salt: SALT });
    const [, , , hash] = good.split("$");
    const bad = [
      "pbkdf2_sha256$abc",
      `pbkdf2_sha256$0$${SALT}$${hash}`,
      `pbkdf2_sha256$01000$${SALT}$${hash}`, // int() reads 1000, but the re-encoded string differs
      `pbkdf2_sha256$+1000$${SALT}$${hash}`,
      `pbkdf2_sha256$1_000$${SALT}$${hash}`,
      `pbkdf2_sha256$1000$$${hash}`,
      `pbkdf2_sha256$99999999999$${SALT}$${hash}`,
      `pbkdf2_sha256$1000$${SALT}$${hash}x`,
      "scrypt$1000$salt$8$1$abc", // N not a power of 2
      "scrypt$1024$salt$8$1",
      "argon2$argon2id$v=19$m=256,p=1,t=1$c2FsdHNhbHQ$aGFzaA", // the npm package's parameter order
      "argon2$argon2xx$v=19$m=256,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
      "argon2$argon2id$v=19$m=256,t=1,p=1$c2E$aGFzaGhhc2g", // salt shorter than 8 bytes
      "argon2$garbage",
      "bcrypt_sha256$$2b$04$tooshort",
      "bcrypt_sha256$$2b$03$ABCDEFGHIJKLMNOPQRSTUOABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
      "md5$$",
    ];
    for (const encoded of bad) {
      await expect(checkPassword("pw", encoded, fast(identifyHasher(encoded) as PasswordAlgorithm))).resolves.toBe(false);
    }
    expect(await checkPassword("pw", good, options)).toBe(true);
  });

  test("a password with a lone surrogate (Python cannot encode it) never matches", async () => {
    const encoded = await makePassword("\ufffd", FAST);
    expect(await checkPassword("\ud800", encoded, options)).toBe(false);
    await expect(makePassword("\ud800", FAST)).rejects.toThrow(TypeError);
  });
});

describe("mustUpdate (Django re-hashes on login)", () => {
  test("pbkdf2: another iteration count, or a short salt; another hasher", async () => {
    const encoded = await makePassword("pw", { ...FAST, salt: SALT });
    expect(await verifyPassword("pw", encoded, fast("pbkdf2_sha256"))).toEqual({ valid: true, mustUpdate: false, workAbove: false });
    expect(await verifyPassword("pw", encoded, fast("pbkdf2_sha256", { iterations: 2000 }))).toEqual({ valid: true, mustUpdate: true, workAbove: false });
    expect(await verifyPassword("wrong", encoded, fast("pbkdf2_sha256", { iterations: 2000 }))).toEqual({ valid: false, mustUpdate: true, workAbove: false });
    expect(await verifyPassword("pw", encoded, fast("argon2"))).toEqual({ valid: true, mustUpdate: true, workAbove: false });
    const short = await makePassword("pw", { ...FAST, salt: "abc" });
    expect(await verifyPassword("pw", short, fast("pbkdf2_sha256"))).toEqual({ valid: true, mustUpdate: true, workAbove: false });
  });

  test("argon2: any parameter, the variety, or the hash length", async () => {
    const encoded = await makePassword("pw", { ...fast("argon2"), algorithm: "argon2", salt: SALT });
    expect((await verifyPassword("pw", encoded, fast("argon2"))).mustUpdate).toBe(false);
    for (const change of [{ timeCost: 2 }, { memoryCost: 512 }, { parallelism: 4 }, { hashLength: 16 }]) {
      expect(await verifyPassword("pw", encoded, fast("argon2", change))).toEqual({ valid: true, mustUpdate: true, workAbove: false });
    }
    const argon2i = encoded.replace("$argon2id$", "$argon2i$");
    expect((await verifyPassword("pw", argon2i, fast("argon2"))).mustUpdate).toBe(true);
  });

  test("workAbove: the preferred hasher's stored work above the configured one (a newer Django wrote it)", async () => {
    const pbkdf2 = await makePassword("pw", { ...FAST, iterations: 2000, salt: SALT });
    expect(await verifyPassword("pw", pbkdf2, fast("pbkdf2_sha256"))).toEqual({ valid: true, mustUpdate: true, workAbove: true });
    expect(await verifyPassword("wrong", pbkdf2, fast("pbkdf2_sha256"))).toEqual({ valid: false, mustUpdate: true, workAbove: true });
    // Another hasher is preferred: Django's switch of hasher, never "above".
    expect((await verifyPassword("pw", pbkdf2, fast("argon2"))).workAbove).toBe(false);
    const scrypt = await makePassword("pw", { ...fast("scrypt"), algorithm: "scrypt", salt: SALT, workFactor: 2048 });
    expect(await verifyPassword("pw", scrypt, fast("scrypt"))).toEqual({ valid: true, mustUpdate: true, workAbove: true });
    const bcrypt = await makePassword("pw", { ...fast("bcrypt_sha256"), algorithm: "bcrypt_sha256", rounds: 5 });
    expect(await verifyPassword("pw", bcrypt, fast("bcrypt_sha256"))).toEqual({ valid: true, mustUpdate: true, workAbove: true });
    const argon2 = await makePassword("pw", { ...fast("argon2"), algorithm: "argon2", salt: SALT, timeCost: 2 });
    expect(await verifyPassword("pw", argon2, fast("argon2"))).toEqual({ valid: true, mustUpdate: true, workAbove: true });
  });

  test("scrypt: N, r or p; bcrypt: rounds; md5: salt", async () => {
    const scrypt = await makePassword("pw", { ...fast("scrypt"), algorithm: "scrypt", salt: SALT });
    expect((await verifyPassword("pw", scrypt, fast("scrypt"))).mustUpdate).toBe(false);
    expect((await verifyPassword("pw", scrypt, fast("scrypt", { workFactor: 2048 }))).mustUpdate).toBe(true);
    expect((await verifyPassword("pw", scrypt, fast("scrypt", { blockSize: 4 }))).mustUpdate).toBe(true);
    expect((await verifyPassword("pw", scrypt, fast("scrypt", { parallelism: 1 }))).mustUpdate).toBe(true);
    const bcrypt = await makePassword("pw", { ...fast("bcrypt_sha256"), algorithm: "bcrypt_sha256" });
    expect((await verifyPassword("pw", bcrypt, fast("bcrypt_sha256"))).mustUpdate).toBe(false);
    expect((await verifyPassword("pw", bcrypt, fast("bcrypt_sha256", { rounds: 5 }))).mustUpdate).toBe(true);
    const md5 = await makePassword("pw", { ...fast("md5"), algorithm: "md5", salt: "short" });
    expect(await verifyPassword("pw", md5, fast("md5"))).toEqual({ valid: true, mustUpdate: true, workAbove: false });
  });
});

describe("timing, as Django equalises it", () => {
  let spy: jest.SpyInstance;
  beforeEach(() => {
    // The module object itself (the `import * as` namespace has read-only bindings).
    spy = jest.spyOn(require("node:crypto") as typeof nodeCrypto, "pbkdf2");
  });
  afterEach(() => spy.mockRestore());
  const iterationsUsed = () => spy.mock.calls.map((call) => call[2]);

  test("an unusable password or unknown hasher still runs the preferred hasher once (fake_runtime)", async () => {
    await checkPassword("pw", "!unusable", { iterations: 1234 });
    await checkPassword("pw", "nosuchhasher$1$2", { iterations: 1234 });
    await checkPassword(null, "pbkdf2_sha256$1000$salt$hash", { iterations: 1234 });
    expect(iterationsUsed()).toEqual([1234, 1234, 1234]);
  });

  test("a wrong password on an older iteration count is hashed up to the current one (harden_runtime)", async () => {
    const encoded = await makePassword("pw", { iterations: 1000 });
    spy.mockClear();
    expect(await checkPassword("wrong", encoded, { iterations: 3000 })).toBe(false);
    expect(iterationsUsed()).toEqual([1000, 2000]);
    spy.mockClear();
    // Not for a right password, nor when the hasher changed.
    expect(await checkPassword("pw", encoded, { iterations: 3000 })).toBe(true);
    expect(await checkPassword("wrong", encoded, { iterations: 3000, passwordHashers: ["argon2", "pbkdf2_sha256"], timeCost: 1, memoryCost: 64 })).toBe(false);
    expect(iterationsUsed()).toEqual([1000, 1000]);
  });

  test("hashing never blocks the event loop", async () => {
    const encoded = await makePassword("pw", { iterations: 300_000 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await checkPassword("pw", encoded, { iterations: 300_000 });
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });
});

describe("scrypt memory", () => {
  test("maxmem 0 takes what the stored hash needs; an explicit maxmem is a limit", async () => {
    const big = await makePassword("pw", { ...fast("scrypt"), algorithm: "scrypt", workFactor: 2 ** 15, blockSize: 8, parallelism: 1 });
    expect(await checkPassword("pw", big, fast("scrypt"))).toBe(true);
    await expect(checkPassword("pw", big, fast("scrypt", { maxmem: 16 * 1024 * 1024 }))).rejects.toBeInstanceOf(ScryptMemoryLimitExceeded);
    await expect(checkPassword("pw", big, fast("scrypt", { maxmem: 16 * 1024 * 1024 }))).rejects.toThrow(/maxmem/);
  });
});

describe("makePassword arguments", () => {
  test("the algorithm must be in passwordHashers (Django's message)", async () => {
    await expect(makePassword("pw", { algorithm: "bcrypt" })).rejects.toThrow(
      "Unknown password hashing algorithm 'bcrypt'. Did you specify it in the PASSWORD_HASHERS setting?",
    );
    await expect(makePassword("pw", { algorithm: "scrypt", siteDjangoVersion: "3.2" })).rejects.toBeInstanceOf(ImproperlyConfigured);
  });

  test("bad salts, passwords and settings", async () => {
    await expect(makePassword("pw", { ...FAST, salt: "a$b" })).rejects.toThrow("salt must be provided and cannot contain $.");
    await expect(makePassword("pw", { ...FAST, algorithm: "bcrypt", salt: "nonsense" })).rejects.toThrow(/bcrypt salt/);
    await expect(makePassword(42 as unknown as string)).rejects.toThrow("Password must be a string, got number.");
    await expect(makePassword("pw", { passwordHashers: ["sha1" as PasswordAlgorithm] })).rejects.toThrow(/"sha1" is not a hasher/);
    await expect(makePassword("pw", { passwordHashers: [] })).rejects.toThrow(/passwordHashers/);
    await expect(makePassword("pw", { siteDjangoVersion: "4.1" as "4.2" })).rejects.toThrow(/siteDjangoVersion/);
    await expect(makePassword("pw", { iterations: 0 })).rejects.toThrow(/iterations/);
    await expect(makePassword("pw", { ...fast("scrypt"), workFactor: 1000 })).rejects.toThrow(/power of 2/);
    await expect(makePassword("pw", { rounds: 3 })).rejects.toThrow(/rounds/);
    await expect(makePassword("pw", { maxmem: -1 })).rejects.toThrow(/maxmem/);
  });
});

describe("argon2 and bcrypt come from optional npm packages", () => {
  const realLoad = moduleLoader.load;
  const without = (...missing: string[]) => {
    clearOptionalModuleCache();
    moduleLoader.load = (name: string) => {
      if (missing.includes(name)) throw Object.assign(new Error(`Cannot find module '${name}'`), { code: "MODULE_NOT_FOUND" });
      return realLoad(name);
    };
  };
  afterEach(() => {
    moduleLoader.load = realLoad;
    clearOptionalModuleCache();
  });

  test("argon2 missing: an error that says what to install, for making and for checking", async () => {
    const encoded = await makePassword("pw", { ...fast("argon2"), algorithm: "argon2" });
    without("argon2");
    const error = await makePassword("pw", { ...fast("argon2"), algorithm: "argon2" }).catch((e) => e);
    expect(error).toBeInstanceOf(PasswordHasherLibraryMissing);
    expect(error.code).toBe("ERR_PASSWORD_HASHER_LIBRARY_MISSING");
    expect(error.message).toBe('The "argon2" password hasher needs the npm package "argon2", which is not installed: run `npm install argon2`.');
    await expect(checkPassword("pw", encoded, fast("argon2"))).rejects.toBeInstanceOf(PasswordHasherLibraryMissing);
    // Other hashers are unaffected.
    expect(await checkPassword("pw", await makePassword("pw", FAST), FAST)).toBe(true);
  });

  test("bcrypt missing: bcryptjs is used instead, with the same results", async () => {
    const encoded = await makePassword("pw", { ...FAST, algorithm: "bcrypt_sha256", salt: "$2b$04$ABCDEFGHIJKLMNOPQRSTUO" });
    without("bcrypt");
    expect(await makePassword("pw", { ...FAST, algorithm: "bcrypt_sha256", salt: "$2b$04$ABCDEFGHIJKLMNOPQRSTUO" })).toBe(encoded);
    expect(await checkPassword("pw", encoded, FAST)).toBe(true);
    expect(await checkPassword("pW", encoded, FAST)).toBe(false);
  });

  test("neither bcrypt nor bcryptjs: the error names both", async () => {
    without("bcrypt", "bcryptjs");
    await expect(checkPassword("pw", "bcrypt_sha256$$2b$04$ABCDEFGHIJKLMNOPQRSTUOv63xyuRDWJ1kqfHl6VrtGgi6B4U", FAST)).rejects.toThrow(
      'The "bcrypt_sha256" password hasher needs the npm package "bcrypt" or "bcryptjs", which is not installed: run `npm install bcrypt`.',
    );
  });

  test("a package that is there but fails to load is not reported as missing", async () => {
    clearOptionalModuleCache();
    moduleLoader.load = () => {
      throw new Error("libargon2.so: cannot open shared object file");
    };
    await expect(makePassword("pw", { ...fast("argon2"), algorithm: "argon2" })).rejects.toThrow("libargon2.so");
  });
});
