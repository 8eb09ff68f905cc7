/**
 * `django-session doctor` against real PostgreSQL, MariaDB and SQLite: Django's own table and
 * rows real Django 5.2 wrote, then each thing doctor must catch (a wrong or rotated secret,
 * legacy and corrupt rows, an empty or missing table, wrong column types, USE_TZ = False rows,
 * ISO text on SQLite, clock skew).
 */
import { SessionCodec, TimestampSigner } from "../../src";
import { b64Encode, DEFAULT_KEY_SALT } from "../../src/low-level";
import { toDjangoDateText } from "../../src/core/django-datetime";
import { DIALECTS, django, ensureCliBuilt, expectNoStack, openTestDatabase, parseJson, runCli, testKey, type CliTestDatabase, type Dialect } from "./cli-support";

jest.setTimeout(180_000);

const SECRET = "cli-doctor-secret-key-0123456789abcdefghij";
const OLD_SECRET = "cli-doctor-old-secret-key-9876543210zyxwvu";
const WRONG = "cli-doctor-wrong-secret-key-aaaaaaaaaaaaaaaa";
const DAY = 86400_000;

beforeAll(() => ensureCliBuilt());

/** The checks of a `doctor --json` run, by id. */
function checksOf(out: { checks: { id: string }[] }): Record<string, any> {
  return Object.fromEntries(out.checks.map((c) => [c.id, c]));
}

describe.each(DIALECTS)("%s", (dialect: Dialect) => {
  let db: CliTestDatabase;
  const doctor = async (args: string[] = [], env: Record<string, string> = {}) => {
    const result = await runCli(["doctor", "--json", ...args], { env: { DATABASE_URL: db.url, DJANGO_SECRET_KEY: SECRET, ...env } });
    expectNoStack(result);
    return { result, out: parseJson(result), checks: checksOf(parseJson(result)) };
  };
  const djangoRows = (count: number, options: { secretKey?: string; useTz?: boolean; timeZone?: string } = {}) =>
    django(
      { db: db.djangoDb, secretKey: options.secretKey ?? SECRET, useTz: options.useTz, timeZone: options.timeZone },
      Array.from({ length: count }, (_, i) => ({ op: "create" as const, data: { _auth_user_id: String(i + 1) } })),
    );

  beforeAll(async () => {
    db = await openTestDatabase(dialect, "ds_cli_doctor");
  });
  afterAll(() => db?.raw.close());

  describe("Django's table with rows Django wrote", () => {
    beforeAll(async () => {
      await db.raw.recreate();
      await djangoRows(3);
    });

    test("every check passes: exit 0", async () => {
      const { result, out, checks } = await doctor();
      expect(result.code).toBe(0);
      expect(out).toMatchObject({ ok: true, problems: 0, database: { dialect, table: "django_session" } });
      expect(checks.table).toMatchObject({ status: "ok", details: { total: 3, expired: 0 } });
      expect(checks.columns.status).toBe("ok");
      expect(checks.indexes.status).toBe("ok");
      expect(checks.secret).toMatchObject({ status: "ok", details: { sampled: 3, current: 3, wrongSecret: 0, legacy: 0, corrupt: 0 } });
      expect(checks["use-tz"].status).toBe("ok");
      expect(checks.clock.status).toBe("ok");
      expect(checks["legacy-rows"]).toBeUndefined();
      expect(checks["corrupt-rows"]).toBeUndefined();
    });

    test("human output: one line per check, then the verdict", async () => {
      const result = await runCli(["doctor"], { env: { DATABASE_URL: db.url, DJANGO_SECRET_KEY: SECRET } });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^django-session doctor: \S+ \(\w+\), table django_session\n\n/);
      expect(result.stdout).toMatch(/\n\[ok\] {3}table +django_session exists: 3 rows \(3 live, 0 expired\)\n/);
      expect(result.stdout).toMatch(/\n\[ok\] {3}secret +checked 3 of 3 rows: every signed row verifies \(3 with SECRET_KEY\)\n/);
      expect(result.stdout).toMatch(/\nNo problems found\.\n$/);
    });

    test("a wrong secret: secret fails, exit 1, and no secret is printed", async () => {
      const { result, checks } = await doctor([], { DJANGO_SECRET_KEY: WRONG, DJANGO_SECRET_KEY_FALLBACKS: OLD_SECRET });
      expect(result.code).toBe(1);
      expect(checks.secret).toMatchObject({ status: "fail", details: { wrongSecret: 3, current: 0 } });
      expect(checks.secret.message).toContain("none of the 3 signed rows verify with SECRET_KEY or its fallbacks, so the secret key is wrong");
      const human = await runCli(["doctor", "--secret-key", WRONG], { env: { DATABASE_URL: db.url } });
      expect(human.stdout).toMatch(/\[fail\] secret/);
      expect(human.stdout).toContain("fix: Pass the Django site's settings.SECRET_KEY");
      expect(human.stdout).toMatch(/\n1 problem to fix \(1 failed, 0 warnings\)\.\n$/);
      for (const r of [result, human]) for (const secret of [WRONG, OLD_SECRET, SECRET]) expect(r.stdout + r.stderr).not.toContain(secret);
    });

    test("no secret: the row checks are skipped, the rest still runs", async () => {
      const result = await runCli(["doctor", "--json"], { env: { DATABASE_URL: db.url } });
      expect(result.code).toBe(0);
      expect(checksOf(parseJson(result)).secret).toMatchObject({ status: "skip" });
    });

    test("clock skew against the database (this machine's clock pinned an hour ahead)", async () => {
      const { result, checks } = await doctor([], { DJANGO_SESSION_CLI_NOW: new Date(Date.now() + 3600_000).toISOString() });
      expect(result.code).toBe(1);
      expect(checks.clock.status).toBe("warn");
      expect(checks.clock.message).toMatch(/^the database clock is (59 minutes \d+ seconds|1 hour) behind this machine's$/);
      expect(Math.abs(checks.clock.details.skewMs + 3600_000)).toBeLessThan(5000);
    });
  });

  test("a rotated secret, legacy, corrupt and foreign rows: counted, explained, exit 1", async () => {
    await db.raw.recreate();
    await djangoRows(2);
    await djangoRows(2, { secretKey: OLD_SECRET });
    const live = new Date(Date.now() + 7 * DAY);
    const insert = (label: string, sessionData: string) => db.raw.table.insert({ sessionKey: testKey(label), sessionData, expireDate: live });
    await insert("legacy", new SessionCodec({ secretKey: SECRET, legacyFormat: "write" }).encode({ _auth_user_id: "3" }));
    await insert("garbage", "this is not a session");
    await insert("badjson", new TimestampSigner({ key: SECRET, salt: DEFAULT_KEY_SALT }).sign(b64Encode(Buffer.from("not json"))));
    await insert("foreign", new SessionCodec({ secretKey: "some-other-site-secret-key-123" }).encode({ a: 1 }));

    const { result, out, checks } = await doctor([], { DJANGO_SECRET_KEY_FALLBACKS: OLD_SECRET });
    expect(result.code).toBe(1);
    expect(out.ok).toBe(false);
    expect(checks.secret).toMatchObject({ status: "warn", details: { sampled: 8, current: 2, fallbacks: [2], wrongSecret: 1, legacy: 1, corrupt: 2 } });
    expect(checks.secret.lines.join("\n")).toMatch(/2 rows need SECRET_KEY_FALLBACKS\[0\]: keep it until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(checks["legacy-rows"]).toMatchObject({ status: "warn", details: { verified: 1, live: 1 } });
    expect(checks["corrupt-rows"]).toMatchObject({ status: "warn", details: { "not-signed-data": 1, "bad-json": 1 } });
    expect(checks["corrupt-rows"].lines.join("\n")).toMatch(/e\.g\. session keys \w{4}…, \w{4}…/);
    // Session keys are never printed in full.
    for (const label of ["legacy", "garbage", "badjson", "foreign"]) expect(result.stdout).not.toContain(testKey(label));

    // --legacy: Django 3.2 still shares the table, so legacy rows are expected.
    const legacyRead = await doctor(["--legacy"], { DJANGO_SECRET_KEY_FALLBACKS: OLD_SECRET });
    expect(legacyRead.checks["legacy-rows"].status).toBe("info");

    // Only the rotated key's rows: not a problem, but doctor says how long to keep the fallback.
    await db.raw.query("DELETE FROM django_session WHERE session_key IN (?, ?, ?, ?)", ["legacy", "garbage", "badjson", "foreign"].map(testKey));
    const rotated = await doctor([], { DJANGO_SECRET_KEY_FALLBACKS: `${OLD_SECRET},another-old-key-0000000000` });
    expect(rotated.result.code).toBe(0);
    expect(rotated.checks.secret).toMatchObject({ status: "info", details: { current: 2, fallbacks: [2, 0] } });
    expect(rotated.checks.secret.lines.join("\n")).toContain("no row needs SECRET_KEY_FALLBACKS[1] any more: it can be removed");
  });

  test("a table of mostly expired rows: --sample rows are checked (the default 1000), not half of them", async () => {
    await db.raw.recreate();
    // 1100 expired rows and 2 live ones: the live rows are among the newest, so the "closest to
    // expiring" half finds nothing new and only the top-up from the next newest reaches the figure.
    const data = new SessionCodec({ secretKey: SECRET }).encode({ _auth_user_id: "1" });
    const bind = (date: Date) => (dialect === "postgres" ? date : toDjangoDateText(date));
    const rows = Array.from({ length: 1102 }, (_, i) => [
      `sample${String(i).padStart(6, "0")}`.padEnd(32, "x"),
      data,
      bind(new Date(Date.now() + (i < 2 ? 7 * DAY : -DAY - i * 1000))),
    ]);
    for (let i = 0; i < rows.length; i += 200) {
      const chunk = rows.slice(i, i + 200);
      await db.raw.query(`INSERT INTO django_session (session_key, session_data, expire_date) VALUES ${chunk.map(() => "(?, ?, ?)").join(", ")}`, chunk.flat());
    }
    const { checks } = await doctor();
    expect(checks.table.details).toEqual({ total: 1102, expired: 1100 });
    expect(checks.secret).toMatchObject({ status: "ok", details: { sampled: 1000, current: 1000 } });
    expect(checks.secret.message).toMatch(/^checked 1000 of 1102 rows: /);
    for (const sample of [7, 1101, 1102, 5000]) {
      const sampled = await doctor(["--sample", String(sample)]);
      expect(sampled.checks.secret.details.sampled).toBe(Math.min(sample, 1102));
    }
  });

  test("an empty table: nothing to verify, exit 0", async () => {
    await db.raw.recreate();
    const { result, checks } = await doctor();
    expect(result.code).toBe(0);
    expect(checks.table.details).toEqual({ total: 0, expired: 0 });
    expect(checks.secret).toMatchObject({ status: "skip", message: "the table is empty: no rows to verify" });
  });

  test("a missing table: doctor says so and how to create it", async () => {
    await db.raw.query("DROP TABLE IF EXISTS django_session");
    const { result, checks } = await doctor();
    expect(result.code).toBe(1);
    expect(checks.table).toMatchObject({ status: "fail", message: "there is no table django_session in this database" });
    expect(checks.table.fix.join("\n")).toContain("python manage.py migrate sessions");
    expect(checks.table.fix.join("\n")).toContain(`migrations/${dialect}.sql`);
    expect(checks.clock.status).toBe("ok");
    const human = await runCli(["doctor"], { env: { DATABASE_URL: db.url } });
    expect(human.stdout).toMatch(/\[fail\] table +there is no table django_session in this database/);
  });

  const WRONG_DDL: Record<Dialect, string> = {
    postgres: 'CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" varchar(200) NOT NULL, "expire_date" timestamp NOT NULL)',
    mysql: "CREATE TABLE `django_session` (`session_key` varchar(40) NOT NULL PRIMARY KEY, `session_data` text NOT NULL, `expire_date` datetime NOT NULL)",
    sqlite: 'CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" integer NOT NULL)',
  };
  const WRONG_LINES: Record<Dialect, RegExp[]> = {
    postgres: [/^session_data: character varying\(200\), Django creates text \(too small/, /^expire_date: timestamp without time zone, Django creates timestamp with time zone \(a naive timestamp/],
    mysql: [/^session_data: text, Django creates longtext \(too small/, /^expire_date: datetime, Django creates datetime\(6\) \(drops the microseconds/],
    sqlite: [/^expire_date: integer, Django creates datetime \(an INTEGER\/REAL affinity/],
  };

  test("wrong column types and a missing index are flagged with the fix", async () => {
    await db.raw.query("DROP TABLE IF EXISTS django_session");
    await db.raw.query(WRONG_DDL[dialect]);
    const { result, checks } = await doctor();
    expect(result.code).toBe(1);
    expect(checks.columns.status).toBe("fail");
    for (const line of WRONG_LINES[dialect]) expect(checks.columns.lines).toContainEqual(expect.stringMatching(line));
    if (dialect === "postgres") expect(checks.columns.fix).toContain('ALTER TABLE "django_session" ALTER COLUMN "expire_date" TYPE timestamp with time zone USING "expire_date" AT TIME ZONE \'UTC\';');
    if (dialect === "mysql") expect(checks.columns.fix).toContain("ALTER TABLE `django_session` MODIFY `session_data` longtext NOT NULL;");
    if (dialect === "sqlite") expect(checks.columns.fix[0]).toMatch(/^SQLite cannot change a column type/);
    expect(checks.indexes.status).toBe("warn");
    expect(checks.indexes.lines).toContainEqual(expect.stringContaining("no index django_session_expire_date_a5c62663 on expire_date"));
    expect(checks.indexes.fix[0]).toMatch(/^CREATE INDEX .django_session_expire_date_a5c62663. ON .django_session. \(.expire_date.\);$/);
  });

  test("Django's DDL with the index under another name: only a note", async () => {
    await db.raw.recreate();
    const q = dialect === "mysql" ? "`" : '"';
    await db.raw.query(dialect === "mysql" ? "DROP INDEX `django_session_expire_date_a5c62663` ON `django_session`" : 'DROP INDEX "django_session_expire_date_a5c62663"');
    await db.raw.query(`CREATE INDEX ${q}sessions_by_expiry${q} ON ${q}django_session${q} (${q}expire_date${q})`);
    const { result, checks } = await doctor();
    expect(result.code).toBe(0);
    expect(checks.indexes).toMatchObject({ status: "info" });
    expect(checks.indexes.lines[0]).toBe("the index on expire_date is named sessions_by_expiry; Django names it django_session_expire_date_a5c62663 (harmless)");
  });

  describe("USE_TZ = False rows (Django with TIME_ZONE = Asia/Tokyo, UTC+09:00)", () => {
    beforeAll(async () => {
      await db.raw.recreate();
      await djangoRows(2, { useTz: false, timeZone: "Asia/Tokyo" });
    });

    if (dialect === "postgres") {
      test("PostgreSQL stores instants (timestamptz): nothing to detect", async () => {
        const { result, checks } = await doctor();
        expect(result.code).toBe(0);
        expect(checks["use-tz"].status).toBe("ok");
      });
      return;
    }

    test("read as UTC, they look like local time 9 hours ahead: warn, exit 1", async () => {
      const { result, checks } = await doctor();
      expect(result.code).toBe(1);
      expect(checks["use-tz"]).toMatchObject({ status: "warn", details: { estimatedOffsetSeconds: 9 * 3600 } });
      expect(checks["use-tz"].message).toContain("the values look like local time at UTC+09:00");
      expect(checks["use-tz"].fix[0]).toContain("--no-use-tz --time-zone");
    });

    test("with --no-use-tz --time-zone Asia/Tokyo they fit", async () => {
      const { result, checks } = await doctor(["--no-use-tz", "--time-zone", "Asia/Tokyo"]);
      expect(result.code).toBe(0);
      expect(checks["use-tz"]).toMatchObject({ status: "ok" });
      expect(checks["use-tz"].message).toContain("USE_TZ = False, TIME_ZONE = Asia/Tokyo");
    });

    test("local time behind UTC (America/New_York) is only a hint: no session saved lately looks the same", async () => {
      await db.raw.recreate();
      await djangoRows(1, { useTz: false, timeZone: "America/New_York" });
      const { result, checks } = await doctor();
      expect(result.code).toBe(0);
      expect(checks["use-tz"].status).toBe("info");
      expect([-5 * 3600, -4 * 3600]).toContain(checks["use-tz"].details.estimatedOffsetSeconds);
    });
  });

  if (dialect === "sqlite") {
    test("SQLite rows whose expire_date is ISO text or a number: Django's text comparison breaks", async () => {
      await db.raw.recreate();
      await djangoRows(1);
      const codec = new SessionCodec({ secretKey: SECRET });
      await db.raw.query("INSERT INTO django_session VALUES (?, ?, ?)", [testKey("iso"), codec.encode({ a: 1 }), "2099-01-01T00:00:00+00:00"]);
      await db.raw.query("INSERT INTO django_session VALUES (?, ?, ?)", [testKey("epoch"), codec.encode({ a: 2 }), Math.floor(Date.now() / 1000) + 3600]);
      const { result, checks } = await doctor();
      expect(result.code).toBe(1);
      expect(checks["expire-date-format"]).toMatchObject({ status: "fail", details: { iso: 1, notText: 1 } });
      expect(checks["expire-date-format"].fix.join("\n")).toContain("SET expire_date = datetime(expire_date)");
    });
  }
});
