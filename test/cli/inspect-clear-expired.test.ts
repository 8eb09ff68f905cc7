/**
 * `inspect` and `clear-expired` against real PostgreSQL, MariaDB and SQLite, on rows real
 * Django 5.2 wrote (and expired rows our codec wrote with known content).
 */
import { SessionCodec } from "../../src";
import { DIALECTS, django, ensureCliBuilt, expectNoStack, openTestDatabase, parseJson, runCli, runCliInTty, testKey, type CliTestDatabase, type Dialect } from "./cli-support";

jest.setTimeout(120_000);

const SECRET = "cli-rows-secret-key-0123456789abcdefghij";
const OLD_SECRET = "cli-rows-old-secret-key-9876543210zyxwv";
const codec = new SessionCodec({ secretKey: SECRET });
const DAY = 86400_000;

beforeAll(() => ensureCliBuilt());

describe.each(DIALECTS)("%s", (dialect: Dialect) => {
  let db: CliTestDatabase;
  let userKey: string;
  let customExpiryKey: string;
  let oldSecretKey: string;
  const expiredKey = testKey("expired one");
  const env = () => ({ DJANGO_SECRET_KEY: SECRET, DATABASE_URL: db.url });

  const insertExpired = async (count: number, label: string) => {
    for (let i = 0; i < count; i++) {
      await db.raw.table.insert({ sessionKey: testKey(`${label}${i}`), sessionData: codec.encode({ i }), expireDate: new Date(Date.now() - DAY - i * 1000) });
    }
  };

  beforeAll(async () => {
    db = await openTestDatabase(dialect, "ds_cli");
    await db.raw.recreate();
    const created = await django({ db: db.djangoDb, secretKey: SECRET }, [
      { op: "create", data: { _auth_user_id: "42", _auth_user_backend: "django.contrib.auth.backends.ModelBackend", cart: [1, 2] } },
      { op: "create", data: { n: 1 }, expiry: 3600 },
    ]);
    [userKey, customExpiryKey] = created.map((r) => r.key!);
    [{ key: oldSecretKey }] = (await django({ db: db.djangoDb, secretKey: OLD_SECRET }, [{ op: "create", data: { _auth_user_id: "9" } }])) as { key: string }[];
    await db.raw.table.insert({ sessionKey: expiredKey, sessionData: codec.encode({ _auth_user_id: "1" }), expireDate: new Date(Date.now() - DAY) });
  });
  afterAll(() => db?.raw.close());

  describe("inspect", () => {
    test("a live row Django wrote: decoded, its expiry, the auth user id", async () => {
      const result = await runCli(["inspect", userKey, "--json"], { env: env() });
      expect(result.code).toBe(0);
      const out = parseJson(result);
      expect(out).toMatchObject({
        found: true,
        sessionKey: userKey,
        expired: false,
        verified: true,
        key: "SECRET_KEY",
        userId: "42",
        userBackend: "django.contrib.auth.backends.ModelBackend",
        customExpiry: null,
        data: { _auth_user_id: "42", cart: [1, 2] },
      });
      expect(out.expiresInSeconds).toBeGreaterThan(1209600 - 600);
      expect(out.expiresInSeconds).toBeLessThanOrEqual(1209600);
      expect(Math.abs(Date.parse(out.expireDate) - Date.now() - 1209600_000)).toBeLessThan(600_000);
    });

    test("human output", async () => {
      const result = await runCli(["inspect", userKey], { env: env() });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`session_key  ${userKey}\n`);
      expect(result.stdout).toMatch(/\nstatus {7}live, expires in 1[34] days/);
      expect(result.stdout).toContain('\nuser         _auth_user_id "42" (django.contrib.auth.backends.ModelBackend)\n');
      expect(result.stdout).toContain('\ndata\n{\n  "_auth_user_id": "42",');
    });

    test("a custom set_expiry(3600) shows as _session_expiry and in the expiry", async () => {
      const out = parseJson(await runCli(["inspect", customExpiryKey, "--json"], { env: env() }));
      expect(out.customExpiry).toBe(3600);
      expect(out.userId).toBeNull();
      expect(out.expiresInSeconds).toBeGreaterThan(3000);
      expect(out.expiresInSeconds).toBeLessThanOrEqual(3600);
    });

    test("a row signed with the old key verifies with the fallback; without it, exit 1 with the reason", async () => {
      const withFallback = await runCli(["inspect", oldSecretKey, "--json"], { env: { ...env(), DJANGO_SECRET_KEY_FALLBACKS: OLD_SECRET } });
      expect(withFallback.code).toBe(0);
      expect(parseJson(withFallback)).toMatchObject({ verified: true, key: "SECRET_KEY_FALLBACKS[0]", renew: true, userId: "9" });
      const without = await runCli(["inspect", oldSecretKey, "--json"], { env: env() });
      expect(without.code).toBe(1);
      expect(parseJson(without)).toMatchObject({ found: true, verified: false, reason: "bad-signature", userId: null });
      expect(without.stdout + without.stderr).not.toContain(SECRET);
    });

    test("an expired row: shown, but exit 1 (Django would load an empty session)", async () => {
      const result = await runCli(["inspect", expiredKey, "--json"], { env: env() });
      expect(result.code).toBe(1);
      expect(parseJson(result)).toMatchObject({ found: true, expired: true, verified: true, userId: "1" });
      expect((await runCli(["inspect", expiredKey], { env: env() })).stdout).toMatch(/status {7}expired 1 day/);
    });

    test("a key with no row: exit 1", async () => {
      const missing = testKey("no such session");
      const result = await runCli(["inspect", missing, "--json"], { env: env() });
      expect(result.code).toBe(1);
      expect(parseJson(result)).toEqual({ found: false, sessionKey: missing });
      const human = await runCli(["inspect", missing], { env: env() });
      expect(human.stdout).toBe(`No session ${missing} in django_session.\n`);
      const tooLong = await runCli(["inspect", "k".repeat(60)], { env: env() });
      expect(tooLong.code).toBe(1);
    });

    test("a missing table: exit 1 with a message, no stack trace", async () => {
      const result = await runCli(["inspect", userKey, "--table", "no_such_table"], { env: env() });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("There is no table no_such_table in");
      expect(result.stderr).toContain("Run django-session doctor");
      expectNoStack(result);
    });

    test("no secret key is a usage error", async () => {
      const result = await runCli(["inspect", userKey], { env: { DATABASE_URL: db.url } });
      expect(result.code).toBe(2);
    });
  });

  describe("clear-expired", () => {
    const liveKeys = () => [userKey, customExpiryKey, oldSecretKey];
    const remaining = async () => (await db.raw.query("SELECT session_key FROM django_session")).map((r) => String(r.session_key)).sort();

    test("--dry-run counts and deletes nothing", async () => {
      await insertExpired(24, "dry");
      const result = await runCli(["clear-expired", "--dry-run"], { env: { DATABASE_URL: db.url } });
      expect(result.code).toBe(0);
      expect(result.stdout).toBe("25 expired sessions in django_session would be deleted.\n");
      expect(await db.raw.table.count()).toBe(28);
    });

    test("not on a terminal: batches of --batch-size, one summary line, no progress output; live rows stay", async () => {
      const result = await runCli(["clear-expired", "--database-url", db.url, "--batch-size", "10"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Deleted 25 expired sessions from django_session in 3 batches of up to 10 \(\d+(\.\d+)? s\)\.\n$/);
      expect(result.stderr).toBe("");
      expect(await remaining()).toEqual(liveKeys().sort());
    });

    test("--json", async () => {
      await insertExpired(7, "json");
      const result = await runCli(["clear-expired", "--json"], { env: { DATABASE_URL: db.url } });
      expect(result.code).toBe(0);
      expect(parseJson(result)).toMatchObject({ deleted: 7, batches: 1, batchSize: 1000, table: "django_session" });
      expect(await remaining()).toEqual(liveKeys().sort());
    });

    test("on a terminal: a progress bar, then the summary", async () => {
      await insertExpired(30, "tty");
      const result = await runCliInTty(["clear-expired", "--database-url", db.url, "--batch-size", "10"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("clearing expired sessions [");
      expect(result.stdout).toContain("100% | 30/30 rows");
      expect(result.stdout).toContain("\x1b["); // the bar redraws in place
      expect(result.stdout).toMatch(/Deleted 30 expired sessions from django_session in 4 batches of up to 10/);
      expect(await remaining()).toEqual(liveKeys().sort());
    });

    test("nothing to delete", async () => {
      const result = await runCli(["clear-expired", "--database-url", db.url]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Deleted 0 expired sessions from django_session in 1 batch of up to 1000/);
    });

    test("a missing table: exit 1", async () => {
      const result = await runCli(["clear-expired", "--database-url", db.url, "--table", "no_such_table"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("There is no table no_such_table");
      expectNoStack(result);
    });
  });
});
