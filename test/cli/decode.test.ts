/**
 * `django-session decode`, `--help` and usage errors, on values real Django 5.2 wrote (and the
 * legacy and broken ones our codec and signer write with known content).
 */
import { SessionCodec, SignedCookieCodec, TimestampSigner } from "../../src";
import { b64Encode, DEFAULT_KEY_SALT } from "../../src/low-level";
import { CLI, django, ensureCliBuilt, expectNoStack, parseJson, runCli } from "./cli-support";

jest.setTimeout(60_000);

const SECRET = "cli-decode-secret-key-0123456789abcdef";
const OLD_SECRET = "cli-decode-old-secret-key-fedcba9876543210";
const WRONG = "cli-decode-wrong-secret-key-aaaaaaaaaa";
const DATA = { _auth_user_id: "42", _auth_user_backend: "django.contrib.auth.backends.ModelBackend", cart: [1, 2], name: "Zoë", big: 2n ** 70n };
const DATA_PY = { ...DATA, big: undefined };

let current: string;
let compressed: string;
let signedWithOld: string;
let cookie: string;
let bigInt: string;

beforeAll(async () => {
  ensureCliBuilt();
  const config = { db: { dialect: "sqlite" as const, name: "unused.sqlite3" }, secretKey: SECRET };
  const ops = [
    { op: "encode" as const, data: { ...DATA_PY } },
    { op: "encode" as const, data: { text: "spam ".repeat(400) } },
    { op: "cookie" as const, data: { _auth_user_id: "7" } },
  ];
  [{ value: current }, { value: compressed }, { value: cookie }] = (await django(config, ops)) as { value: string }[];
  [{ value: signedWithOld }] = (await django({ ...config, secretKey: OLD_SECRET }, [{ op: "encode", data: { _auth_user_id: "9" } }])) as { value: string }[];
  // Python's json writes 2**70 as its digits; JSON cannot carry it from Python to the test, so our codec writes it.
  bigInt = new SessionCodec({ secretKey: SECRET }).encode({ big: 2n ** 70n });
}, 180_000);

const decode = (args: string[], env: Record<string, string> = {}) => runCli(["decode", ...args], { env: { DJANGO_SECRET_KEY: SECRET, ...env } });

describe("decode", () => {
  test("a session_data value Django wrote: exit 0, the session as JSON, which key verified it", async () => {
    const result = await decode([current, "--json"]);
    expect(result.code).toBe(0);
    const out = parseJson(result);
    expect(out).toMatchObject({ kind: "session-data", verified: true, format: "current", key: "SECRET_KEY", keyIndex: 0, renew: false });
    expect(out.data).toEqual({ _auth_user_id: "42", _auth_user_backend: DATA._auth_user_backend, cart: [1, 2], name: "Zoë" });
    expect(Date.parse(out.signedAt)).toBeGreaterThan(Date.now() - 600_000);
    expect(result.stderr).toBe("");
  });

  test("human output: the verification line, then the data", async () => {
    const result = await decode([current]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^verified with SECRET_KEY\nsigned at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n\{\n {2}"_auth_user_id": "42",/);
  });

  test("a compressed value (Django's leading dot)", async () => {
    expect(compressed.startsWith(".")).toBe(true);
    const out = parseJson(await decode([compressed, "--json"]));
    expect(out.data.text).toBe("spam ".repeat(400));
  });

  test("a Python big int keeps its exact digits in the JSON output", async () => {
    const result = await decode([bigInt, "--json"]);
    expect(result.stdout).toContain('"big":1180591620717411303424');
  });

  test("a value signed with the old key verifies through DJANGO_SECRET_KEY_FALLBACKS and says so", async () => {
    const result = await decode([signedWithOld, "--json"], { DJANGO_SECRET_KEY_FALLBACKS: `unrelated-old-key-123,${OLD_SECRET}` });
    expect(result.code).toBe(0);
    expect(parseJson(result)).toMatchObject({ verified: true, key: "SECRET_KEY_FALLBACKS[1]", keyIndex: 2, renew: true, data: { _auth_user_id: "9" } });
    const human = await decode([signedWithOld, "--secret-key-fallbacks", OLD_SECRET]);
    expect(human.stdout).toContain("verified with SECRET_KEY_FALLBACKS[0]; Django re-signs it with SECRET_KEY on the next save");
  });

  test("a wrong secret: exit 1 and the typed reason; no secret in the output", async () => {
    const result = await decode([current, "--json"], { DJANGO_SECRET_KEY: WRONG });
    expect(result.code).toBe(1);
    const out = parseJson(result);
    expect(out).toMatchObject({ verified: false, reason: "bad-signature" });
    expect(out.explanation).toMatch(/neither SECRET_KEY nor any SECRET_KEY_FALLBACKS/);
    expect(out.data).toBeUndefined();
    const human = await runCli(["decode", current, "--secret-key", WRONG]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^did not verify \(bad-signature\)/);
    for (const r of [result, human]) expect(r.stdout + r.stderr).not.toContain(WRONG);
  });

  test("--secret-key on the command line wins over DJANGO_SECRET_KEY", async () => {
    const result = await decode([current, "--secret-key", SECRET, "--json"], { DJANGO_SECRET_KEY: WRONG });
    expect(result.code).toBe(0);
  });

  test("a signed-cookie session: --signed-cookie, with its expiry from SESSION_COOKIE_AGE", async () => {
    const result = await decode([cookie, "--signed-cookie", "--json"]);
    expect(result.code).toBe(0);
    const out = parseJson(result);
    expect(out).toMatchObject({ kind: "signed-cookie", verified: true, data: { _auth_user_id: "7" } });
    expect(Date.parse(out.expiresAt) - Date.parse(out.signedAt)).toBe(1209600 * 1000);
  });

  test("the wrong kind of value gets a hint naming the right flag", async () => {
    const asData = await decode([cookie]);
    expect(asData.code).toBe(1);
    expect(asData.stdout).toContain("hint: It verifies as a signed_cookies session cookie: add --signed-cookie.");
    const asCookie = await decode([current, "--signed-cookie"]);
    expect(asCookie.code).toBe(1);
    expect(asCookie.stdout).toContain("hint: It verifies as a session_data value: run decode without --signed-cookie.");
  });

  test("an expired signed cookie: reason signature-expired; a longer --cookie-age accepts it", async () => {
    const threeWeeksAgo = Date.now() - 21 * 86400 * 1000;
    const old = new SignedCookieCodec({ secretKey: SECRET, now: () => threeWeeksAgo }).encode({ a: 1 });
    const expired = await decode([old, "--signed-cookie", "--json"]);
    expect(expired.code).toBe(1);
    expect(parseJson(expired)).toMatchObject({ verified: false, reason: "signature-expired" });
    const accepted = await decode([old, "--signed-cookie", "--cookie-age", String(30 * 86400), "--json"]);
    expect(accepted.code).toBe(0);
  });

  test("the pre-3.1 legacy format: legacy-refused (as Django 4.0+), read with --legacy (as Django 3.2)", async () => {
    const legacy = new SessionCodec({ secretKey: SECRET, legacyFormat: "write" }).encode({ _auth_user_id: "5" });
    const refused = await decode([legacy, "--json"]);
    expect(refused.code).toBe(1);
    expect(parseJson(refused)).toMatchObject({ verified: false, reason: "legacy-refused" });
    const read = await decode([legacy, "--legacy", "--json"]);
    expect(read.code).toBe(0);
    expect(parseJson(read)).toMatchObject({ verified: true, format: "legacy", data: { _auth_user_id: "5" } });
  });

  test("corrupt values: a valid signature over non-JSON, and text that is no signed value at all", async () => {
    const signer = new TimestampSigner({ key: SECRET, salt: DEFAULT_KEY_SALT });
    const notJson = signer.sign(b64Encode(Buffer.from("not json")));
    const badJson = await decode([notJson, "--json"]);
    expect(badJson.code).toBe(1);
    expect(parseJson(badJson)).toMatchObject({ verified: false, reason: "bad-json" });
    const garbage = await decode(["definitely not a session", "--json"]);
    expect(garbage.code).toBe(1);
    expect(parseJson(garbage)).toMatchObject({ reason: "bad-signature", explanation: "not a value Django signed (expected payload:timestamp:signature)" });
    expectNoStack(garbage);
  });

  test("a session key instead of a value: exit 1 as for any bad value, with a hint to use inspect", async () => {
    const key = "abcdefghijklmnopqrstuvwxyz012345";
    const human = await decode([key]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^did not verify \(/);
    expect(human.stdout).toContain("hint: This looks like a session key (the sessionid cookie), not a session value: look its row up with django-session inspect <key>.");
    expectNoStack(human);
    const json = await decode([key, "--json"]);
    expect(json.code).toBe(1);
    expect(parseJson(json)).toMatchObject({ verified: false, hint: expect.stringContaining("django-session inspect <key>") });
    // Not for what cannot be a key (Django's keys are 32 lowercase letters and digits), nor with --signed-cookie's own hint.
    for (const other of ["ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", "abcdefghijklmnopqrstuvwxyz01234", "definitely not a session"]) {
      const result = await decode([other, "--json"]);
      expect(result.code).toBe(1);
      expect(parseJson(result).hint).toBeUndefined();
    }
  });

  test('"-" reads the value from stdin', async () => {
    const result = await runCli(["decode", "-", "--json"], { env: { DJANGO_SECRET_KEY: SECRET }, input: `${current}\n` });
    expect(result.code).toBe(0);
    expect(parseJson(result).data._auth_user_id).toBe("42");
  });
});

describe("usage errors exit 2 with a message, never a stack trace", () => {
  test.each([
    ["no secret key", ["decode", "x"], /No secret key: pass --secret-key or set DJANGO_SECRET_KEY/],
    ["fallbacks without a key", ["decode", "x", "--secret-key-fallbacks", "old-key-1234"], /needs --secret-key/],
    ["an unknown option", ["decode", "x", "--secret-key", SECRET, "--bogus"], /unknown option '--bogus'/],
    ["a missing argument", ["decode", "--secret-key", SECRET], /missing required argument 'value'/],
    ["an unknown command", ["decrypt", "x"], /unknown command 'decrypt'/],
    ["no command", [], /Usage: django-session/],
    ["a bad number", ["doctor", "--database-url", "sqlite:x.sqlite3", "--sample", "many"], /--sample must be a whole number/],
    ["a too small --max-size", ["decode", "x", "--secret-key", SECRET, "--max-size", "10"], /--max-size must be a whole number, at least 1024/],
    ["an empty value", ["decode", "  ", "--secret-key", SECRET], /VALUE is empty/],
    ["--time-zone without --no-use-tz", ["inspect", "k", "--database-url", "sqlite:x", "--secret-key", SECRET, "--time-zone", "Europe/Paris"], /--time-zone only matters with --no-use-tz/],
    ["an unknown time zone", ["inspect", "k", "--database-url", "sqlite:x", "--secret-key", SECRET, "--no-use-tz", "--time-zone", "Mars/Olympus"], /not an IANA time zone/],
  ])("%s", async (_title, args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe("");
    expectNoStack(result);
  });
});

describe("--help", () => {
  test.each([[[]], [["decode"]], [["inspect"]], [["clear-expired"]], [["doctor"]]])("%j --help: exit 0, the exit codes documented", async (command) => {
    const result = await runCli([...command, "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: django-session ${command.length ? command[0] : ""}`.trim());
    expect(result.stdout).toMatch(/Exit codes:\n {2}0 {2}ok\n {2}1 {2}problem found.*\n {2}2 {2}usage error.*\n {2}3 {2}cannot connect/);
  });

  test("every default is printed once, commander's `(default: …)`", async () => {
    for (const command of ["decode", "inspect", "clear-expired", "doctor"]) {
      const result = await runCli([command, "--help"]);
      expect(result.stdout).not.toMatch(/\(default [^:)][^)]*\)\s*\(default: /);
      // No option states a default both by hand and through commander.
      const options = result.stdout.replace(/\n\s{20,}/g, " ").split("\n").filter((line) => /^\s+-/.test(line));
      for (const line of options) expect((line.match(/\(default:? /g) ?? []).length).toBeLessThanOrEqual(1);
    }
    const clear = await runCli(["clear-expired", "--help"]);
    expect(clear.stdout).toMatch(/--batch-size <rows> +rows deleted per statement \(default: 1000\)/);
  });

  test("doctor --help says how --sample chooses its rows, and its default once", async () => {
    const result = await runCli(["doctor", "--help"]);
    const help = result.stdout.replace(/\s+/g, " ");
    expect(help).toContain(
      "--sample <rows> how many rows to verify: every row when the table has no more; otherwise half the newest by expire_date (the latest writes), " +
        "half the live rows closest to expiring (the oldest sessions, the likeliest to need a rotated-out key), topped up with the next newest (default: 1000)",
    );
  });

  test("the commands that take a database document the URL forms", async () => {
    for (const command of ["inspect", "clear-expired", "doctor"]) {
      const result = await runCli([command, "--help"]);
      expect(result.stdout).toContain("sqlite:///absolute/path/db.sqlite3");
      expect(result.stdout).toContain("sqlite:relative/path/db.sqlite3");
      expect(result.stdout).toContain("(env: DATABASE_URL)");
    }
  });

  test("--version prints the package version", async () => {
    const result = await runCli(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(require("../../package.json").version);
  });

  test("the built file starts with a node shebang", () => {
    expect(require("node:fs").readFileSync(CLI, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
  });
});
