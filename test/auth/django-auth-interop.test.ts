/**
 * Real Django 3.2 and 5.2 (one Python process per version, one batch each; see
 * django_auth_bridge.py): Django's check_password accepts every hash makePassword writes, with
 * the same re-hash decision; we accept every hash Django writes with its random salts; and
 * Django's get_session_auth_hash (and fallback hashes) equal ours.
 */
import { DEFAULT_PASSWORD_HASHERS, checkPassword, getSessionAuthHash, makePassword, verifyPassword, type PasswordAlgorithm } from "../../src/auth";
import { runDjango } from "./support";

interface Answer {
  django: string;
  libraries: { argon2: boolean; bcrypt: boolean };
  passwordHashers: PasswordAlgorithm[];
  checks: ({ valid: boolean; mustUpdate: boolean } | { raises: string; message: string })[];
  sessionHashes: { hash: string; fallbackHashes?: string[] }[];
  make: ({ encoded: string } | { raises: string; message: string })[];
}

const PASSWORDS = ["correct horse battery staple", "", "pässwörd-ключ-🔑", "long-" + "x".repeat(95), "pa$$w0rd$", "tab\tand\nnewline"];
const WRONG = "not the password";
// Low work factors: Django checks whatever parameters the string carries.
const LOW = { iterations: 1000, rounds: 4, workFactor: 1024, parallelism: 2, timeCost: 1, memoryCost: 256 };
const SECRETS = ["django-insecure-spec-vector-secret-0123456789", "sécret-ключ-🔑", "x"];
const FALLBACKS = ["django-insecure-old-key-1", "django-insecure-old-key-2"];

interface Check {
  algorithm: PasswordAlgorithm;
  password: string;
  encoded: string;
  right: boolean;
}

for (const version of ["3.2", "5.2"] as const) {
  describe(`real Django ${version}`, () => {
    const hashersHere: PasswordAlgorithm[] = [...DEFAULT_PASSWORD_HASHERS[version], "bcrypt", "md5"];
    const settings = { siteDjangoVersion: version, passwordHashers: hashersHere };
    const checks: Check[] = [];
    const sessionCases: { password: string; secretKey: string; secretKeyFallbacks?: string[]; algorithm?: "sha1" }[] = [];
    const makes: { algorithm: PasswordAlgorithm; password: string }[] = [];
    let answer: Answer;

    beforeAll(async () => {
      for (const algorithm of hashersHere) {
        for (const password of PASSWORDS) {
          // bcrypt >= 5 (the 5.2 venv) refuses passwords over 72 bytes; see the vectors' divergences.
          if (algorithm === "bcrypt" && password.length > 72) continue;
          const encoded = await makePassword(password, { ...settings, ...LOW, algorithm });
          checks.push({ algorithm, password, encoded, right: true }, { algorithm, password: WRONG, encoded, right: false });
          makes.push({ algorithm, password });
        }
      }
      // One at Django's own iteration count: no re-hash needed.
      const real = await makePassword(PASSWORDS[0], settings);
      checks.push({ algorithm: "pbkdf2_sha256", password: PASSWORDS[0], encoded: real, right: true });
      for (const secretKey of SECRETS) {
        for (const { encoded } of checks.filter((c) => c.right).slice(0, 8)) {
          sessionCases.push({ password: encoded, secretKey });
          if (version === "3.2") sessionCases.push({ password: encoded, secretKey, algorithm: "sha1" });
        }
      }
      if (version === "5.2") sessionCases.push({ password: real, secretKey: SECRETS[0], secretKeyFallbacks: FALLBACKS });
      answer = await runDjango<Answer>(version, "django_auth_bridge.py", {
        checks: checks.map(({ password, encoded }) => ({ password, encoded })),
        sessionHashes: sessionCases,
        make: makes,
      });
    }, 120_000);

    test("it is the Django we think, with the hashers we think", () => {
      expect(answer.django).toMatch(version === "3.2" ? /^3\.2\./ : /^5\.2\./);
      expect(answer.passwordHashers).toEqual(hashersHere);
    });

    const optional = (algorithm: PasswordAlgorithm) =>
      algorithm === "argon2" ? answer.libraries.argon2 : algorithm === "bcrypt" || algorithm === "bcrypt_sha256" ? answer.libraries.bcrypt : true;

    describe.each(DEFAULT_PASSWORD_HASHERS[version].concat(["bcrypt", "md5"]))("%s", (algorithm) => {
      test("Django's check_password accepts our hashes, refuses wrong passwords, and agrees on must_update", async () => {
        const mine = checks.map((c, i) => ({ ...c, django: answer.checks[i] })).filter((c) => c.algorithm === algorithm);
        expect(mine.length).toBeGreaterThanOrEqual(PASSWORDS.length * 2 - 2);
        for (const c of mine) {
          if (!optional(algorithm)) {
            // This Python lacks argon2-cffi / bcrypt: Django cannot check at all.
            expect(c.django).toMatchObject({ raises: "ValueError" });
            continue;
          }
          const ours = await verifyPassword(c.password, c.encoded, settings);
          expect({ encoded: c.encoded, password: c.password, ...c.django }).toEqual({
            encoded: c.encoded,
            password: c.password,
            valid: c.right,
            mustUpdate: ours.mustUpdate,
          });
          expect(ours.valid).toBe(c.right);
        }
      });

      test("we accept the hashes Django writes (random salts) and refuse wrong passwords", async () => {
        const theirs = makes.map((m, i) => ({ ...m, django: answer.make[i] })).filter((m) => m.algorithm === algorithm);
        for (const m of theirs) {
          if (!optional(algorithm)) {
            expect(m.django).toMatchObject({ raises: "ValueError" });
            continue;
          }
          if (!("encoded" in m.django)) throw new Error(`Django could not hash: ${m.django.message}`);
          expect(await checkPassword(m.password, m.django.encoded, settings)).toBe(true);
          expect(await checkPassword(WRONG, m.django.encoded, { ...settings, iterations: 1000 })).toBe(false);
        }
      });
    });

    if (version === "3.2") {
      test("Django 3.2 has no scrypt: makePassword refuses to write what it cannot read", async () => {
        await expect(makePassword("pw", { siteDjangoVersion: "3.2", algorithm: "scrypt" })).rejects.toThrow(/PASSWORD_HASHERS/);
      });
    }

    test("get_session_auth_hash (and 3.2's sha1 / 5.2's fallback hashes) equal ours", () => {
      expect(answer.sessionHashes).toHaveLength(sessionCases.length);
      sessionCases.forEach((c, i) => {
        const theirs = answer.sessionHashes[i];
        expect(getSessionAuthHash(c.password, c.secretKey, { algorithm: c.algorithm ?? "sha256" })).toBe(theirs.hash);
        if (c.secretKeyFallbacks) expect(c.secretKeyFallbacks.map((secret) => getSessionAuthHash(c.password, secret))).toEqual(theirs.fallbackHashes);
      });
    });
  });
}
