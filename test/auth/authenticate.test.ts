/**
 * `authenticate()` as Django's ModelBackend, over `createSqlUserStore`, on tables and users REAL
 * Django made (test/auth/django_authenticate.py: migrate, users hashed by Django's own PBKDF2
 * hasher), with real Django checking what Node wrote: Django 5.2 and 3.2, each on PostgreSQL,
 * MariaDB and SQLite (databases `ds_authn_*`, dropped first).
 *
 * The site's PBKDF2 iteration count is a hasher subclass in Django and `iterations` on Node, kept
 * small (3,000; "outdated" 1,000; "a newer Django" 6,000) so that each step costs milliseconds.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DataSource } from "typeorm";
import { createSqlUserStore, type SqlUser } from "../../src/adapters/sql/sql-user-store";
import { endSessions, listSessions } from "../../src/adapters/sql/user-sessions";
import { createAuthUserEntity, createTypeOrmUserStore, type AuthUserEntity } from "../../src/adapters/typeorm";
import { createPrismaUserStore } from "../../src/adapters/prisma";
import { clientFor } from "../adapters/prisma-support";
import { dropTestDatabase, ensureMysqlDatabase, ensurePostgresDatabase } from "../support/databases";
import { authenticate, login, makePassword, type UserStore } from "../../src/auth";
import { ImproperlyConfigured } from "../../src/core/errors";
import { SqlRowAdapter } from "../../src/adapters/sql/sql-row-adapter";
import { DjangoSessionRepository } from "../../src/engines";
import { djangoPython, type DjangoVersion } from "../interop/django-bridge";
import { MYSQL_CONFIG, POSTGRES_URL, TMP_DIR, type Dialect } from "../support/databases";
import { openDatabase, type RawDatabase } from "../support/raw-tables";

jest.setTimeout(120_000);

const SITE = 3000;
const OUTDATED = 1000;
const NEWER = 6000;

interface Config {
  version: DjangoVersion;
  dialect: Dialect;
  database: string;
}
const CONFIGS: Config[] = (["5.2", "3.2"] as const).flatMap((version) =>
  (["postgres", "mysql", "sqlite"] as const).map((dialect) => ({ version, dialect, database: `ds_authn_${dialect === "postgres" ? "pg" : dialect}_dj${version.replace(".", "")}` })),
);

const USERS = [
  { username: "alice", password: "alice-pw ✓", is_active: true, iterations: OUTDATED },
  { username: "bob", password: "bob-pw", is_active: false, iterations: SITE },
  { username: "carol", password: "carol-pw", is_active: true, iterations: NEWER },
  { username: "dave", password: "dave-pw", is_active: true, iterations: SITE },
  { username: "erin", password: "erin-pw", is_active: true, iterations: SITE, email: "Erin@Example.com" },
  { username: "frank", password: "frank-pw", is_active: true, iterations: OUTDATED, email: "Frank@Example.com" },
  { username: "gina", password: "gina-pw", is_active: true, iterations: OUTDATED, email: "Gina@Example.com" },
  { username: "hank", password: "hank-pw", is_active: true, iterations: SITE },
];

interface DjangoState {
  authenticated: (string | null)[];
  users: Record<string, { password: string; last_login: string | null }>;
}

function runDjango(config: Config, action: "setup" | "check" | "sessions", extra: { iterations?: number; logins?: { username: string; password: string }[]; keys?: string[] } = {}): Promise<DjangoState & { users: unknown }> {
  const python = djangoPython(config.version);
  if (python.includes("/") && !existsSync(python)) return Promise.reject(new Error(`Python for Django ${config.version} not found at ${python} (run scripts/setup-test-env.sh)`));
  const pg = new URL(POSTGRES_URL);
  const connection =
    config.dialect === "sqlite"
      ? {}
      : config.dialect === "postgres"
        ? { host: pg.hostname, port: Number(pg.port || 5432), user: decodeURIComponent(pg.username), password: decodeURIComponent(pg.password) }
        : { host: MYSQL_CONFIG.host, port: MYSQL_CONFIG.port, user: MYSQL_CONFIG.user, password: MYSQL_CONFIG.password };
  const name = config.dialect === "sqlite" ? join(TMP_DIR, `${config.database}.sqlite3`) : config.database;
  const env = {
    ...process.env,
    PYTHONDONTWRITEBYTECODE: "1",
    DJANGO_AUTHENTICATE_CONFIG: JSON.stringify({ dialect: config.dialect, name, ...connection, expect: config.version, iterations: SITE, users: USERS, action, ...extra }),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(python, [join(__dirname, "django_authenticate.py")], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", (error) => reject(new Error(`Cannot run ${python}: ${error.message}`)));
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(stdout) as DjangoState) : reject(new Error(`django_authenticate.py ${action} (Django ${config.version}, ${config.dialect}) exited with ${code}:\n${stderr}`))));
  });
}


const options = <U extends SqlUser | AuthUserEntity>(users: UserStore<U>, extra: { iterations?: number; backend?: string } = {}) => ({
  users,
  passwordHashers: ["pbkdf2_sha256"] as const,
  iterations: SITE,
  ...extra,
});

describe.each(CONFIGS)("Django $version on $dialect", (config) => {
  let db: RawDatabase;
  let users: UserStore<SqlUser>;
  const passwordOf = async (username: string) => String((await db.query("SELECT password FROM auth_user WHERE username = ?", [username]))[0]?.password);

  beforeAll(async () => {
    await dropTestDatabase(config.dialect, config.database);
    // openDatabase creates the (empty) database; Django's migrate then builds its tables in it.
    db = await openDatabase(config.dialect, config.database);
    await runDjango(config, "setup");
    users = createSqlUserStore(db.executor);
  }, 240_000);
  afterAll(() => db?.close());

  test("an outdated hash is upgraded on login to exactly what Django writes: Django then accepts it and leaves it as it is", async () => {
    const before = await passwordOf("alice");
    expect(before).toMatch(new RegExp(`^pbkdf2_sha256\\$${OUTDATED}\\$`));
    const result = await authenticate({ username: "alice", password: "alice-pw ✓" }, options(users));
    expect(result.reason).toBeUndefined();
    expect(result.user).toMatchObject({ password: await passwordOf("alice"), isActive: true, backend: "django.contrib.auth.backends.ModelBackend" });
    expect(String(result.user!.id)).toBe(String(result.user!.row.id));
    expect(result.passwordUpgraded).toBe(true);
    const after = await passwordOf("alice");
    expect(after).toMatch(new RegExp(`^pbkdf2_sha256\\$${SITE}\\$[A-Za-z0-9]{22}\\$`));
    expect(after).not.toBe(before);
    const django = await runDjango(config, "check", { logins: [{ username: "alice", password: "alice-pw ✓" }] });
    expect(django.authenticated).toEqual(["alice"]);
    // Django's check_password found nothing to update: same hasher, iterations and salt entropy.
    expect(django.users.alice!.password).toBe(after);
    // A second login on Node rewrites nothing.
    expect((await authenticate({ username: "alice", password: "alice-pw ✓" }, options(users))).passwordUpgraded).toBe(false);
    expect(await passwordOf("alice")).toBe(after);
  });

  test("wrong password, unknown user, missing credentials, inactive user: no user, each with its reason; Django agrees", async () => {
    const store = options(users);
    expect(await authenticate({ username: "dave", password: "nope" }, store)).toEqual({ user: null, reason: "wrong-password", passwordUpgraded: false });
    expect(await authenticate({ username: "nobody", password: "dave-pw" }, store)).toEqual({ user: null, reason: "unknown-user", passwordUpgraded: false });
    expect(await authenticate({ username: "dave", password: null }, store)).toEqual({ user: null, reason: "missing-credentials", passwordUpgraded: false });
    expect(await authenticate({ password: "dave-pw" }, store)).toEqual({ user: null, reason: "missing-credentials", passwordUpgraded: false });
    expect(await authenticate({ username: "bob", password: "bob-pw" }, store)).toEqual({ user: null, reason: "inactive", passwordUpgraded: false });
    const allowAll = await authenticate({ username: "bob", password: "bob-pw" }, options(users, { backend: "django.contrib.auth.backends.AllowAllUsersModelBackend" }));
    expect(allowAll.user).toMatchObject({ isActive: false, backend: "django.contrib.auth.backends.AllowAllUsersModelBackend" });
    const django = await runDjango(config, "check", {
      logins: [
        { username: "dave", password: "nope" },
        { username: "nobody", password: "dave-pw" },
        { username: "bob", password: "bob-pw" },
        { username: "dave", password: "dave-pw" },
      ],
    });
    expect(django.authenticated).toEqual([null, null, null, "dave"]);
  });

  test("login() sets last_login as Django's user_logged_in receiver does, in the form Django reads back on this database", async () => {
    const { user } = await authenticate({ username: "dave", password: "dave-pw" }, options(users));
    const at = new Date(Date.UTC(2026, 11, 3, 14, 30, 15, 678));
    const secretKey = "django-session-authenticate-secret-0123456789";
    const session = new DjangoSessionRepository({ secretKey, adapter: new SqlRowAdapter(db.executor) }).get();
    await login(session, user!, { secretKey, users, now: () => at });
    await session.save();
    expect(await session.get("_auth_user_id")).toBe(String(user!.id));
    const django = await runDjango(config, "check");
    expect(django.users.dave!.last_login).toBe("2026-12-03T14:30:15.678000+00:00");
    expect(django.users.alice!.last_login === null || django.users.alice!.last_login !== django.users.dave!.last_login).toBe(true);
  });

  test("a newer Django's stronger hash is never re-hashed down: logins alternating between the stacks change the password column at most once", async () => {
    const seen = new Set<string>([await passwordOf("carol"), await passwordOf("dave")]);
    for (let round = 0; round < 3; round++) {
      // Node is configured for the older site (3,000); carol's hash has the newer Django's 6,000.
      const node = await authenticate({ username: "carol", password: "carol-pw" }, options(users));
      expect([round, node.user?.row.username, node.passwordUpgraded]).toEqual([round, "carol", false]);
      const nodeDave = await authenticate({ username: "dave", password: "dave-pw" }, options(users));
      expect(nodeDave.user).not.toBeNull();
      seen.add(await passwordOf("carol"));
      seen.add(await passwordOf("dave"));
      // Django, the newer site (6,000), logs both in: it upgrades dave's 3,000 once.
      const django = await runDjango(config, "check", { iterations: NEWER, logins: [{ username: "carol", password: "carol-pw" }, { username: "dave", password: "dave-pw" }] });
      expect(django.authenticated).toEqual(["carol", "dave"]);
      seen.add(django.users.carol!.password);
      seen.add(django.users.dave!.password);
    }
    // carol's one hash, dave's first and the one Django upgraded it to: three values, no more.
    expect(seen.size).toBe(3);
    expect(await passwordOf("dave")).toMatch(new RegExp(`^pbkdf2_sha256\\$${NEWER}\\$`));
    expect(await passwordOf("carol")).toMatch(new RegExp(`^pbkdf2_sha256\\$${NEWER}\\$`));
  });

  test("the TypeORM store (createAuthUserEntity): the same lookup, upgrade and last_login, which Django reads back", async () => {
    const pg = new URL(POSTGRES_URL);
    const connection =
      config.dialect === "postgres"
        ? { type: "postgres" as const, url: `${pg.protocol}//${pg.username}@${pg.host}/${config.database}` }
        : config.dialect === "mysql"
          ? { type: "mysql" as const, host: MYSQL_CONFIG.host, port: MYSQL_CONFIG.port, username: MYSQL_CONFIG.user, password: MYSQL_CONFIG.password, database: config.database, timezone: "Z" }
          : { type: "better-sqlite3" as const, database: join(TMP_DIR, `${config.database}.sqlite3`) };
    const dataSource = new DataSource({ ...connection, entities: [createAuthUserEntity(config.dialect)] } as ConstructorParameters<typeof DataSource>[0]);
    await dataSource.initialize();
    try {
      const store = createTypeOrmUserStore(dataSource);
      const result = await authenticate({ username: "frank", password: "frank-pw" }, options(store));
      expect([result.user?.username, result.passwordUpgraded]).toEqual(["frank", true]);
      const upgraded = await passwordOf("frank");
      expect(upgraded).toMatch(new RegExp(`^pbkdf2_sha256\\$${SITE}\\$`));
      const byEmail = createTypeOrmUserStore<AuthUserEntity>(dataSource, { usernameField: "email", caseInsensitive: true });
      expect((await authenticate({ username: "frank@EXAMPLE.com", password: "frank-pw" }, options(byEmail))).user?.username).toBe("frank");
      expect(await authenticate({ username: "frank", password: "nope" }, options(store))).toEqual({ user: null, reason: "wrong-password", passwordUpgraded: false });
      const secretKey = "django-session-authenticate-secret-0123456789";
      const session = new DjangoSessionRepository({ secretKey, adapter: new SqlRowAdapter(db.executor) }).get();
      await login(session, result.user!, { secretKey, users: store, now: () => new Date(Date.UTC(2027, 1, 28, 23, 59, 59, 999)) });
      const django = await runDjango(config, "check", { logins: [{ username: "frank", password: "frank-pw" }] });
      expect(django.authenticated).toEqual(["frank"]);
      expect(django.users.frank).toEqual({ password: upgraded, last_login: "2027-02-28T23:59:59.999000+00:00" });
      expect(() => createTypeOrmUserStore(dataSource, { usernameField: "login" as never })).toThrow(/no property "login" \(usernameField\)/);
    } finally {
      await dataSource.destroy();
    }
  });

  test("the Prisma store (raw queries through the client): the same lookup, upgrade and last_login", async () => {
    const target = {
      postgres: config.dialect === "postgres" ? await ensurePostgresDatabase(config.database) : "",
      mysql: config.dialect === "mysql" ? await ensureMysqlDatabase(config.database) : { ...MYSQL_CONFIG },
      sqlite: join(TMP_DIR, `${config.database}.sqlite3`),
    };
    const prisma = clientFor(config.dialect, target);
    try {
      const store = createPrismaUserStore(prisma);
      const result = await authenticate({ username: "gina", password: "gina-pw" }, options(store));
      expect([result.user?.row.username, result.passwordUpgraded]).toEqual(["gina", true]);
      const byEmail = createPrismaUserStore(prisma, { usernameField: "email", caseInsensitive: true });
      expect((await authenticate({ username: "GINA@example.com", password: "gina-pw" }, options(byEmail))).user?.row.username).toBe("gina");
      const secretKey = "django-session-authenticate-secret-0123456789";
      const session = new DjangoSessionRepository({ secretKey, adapter: new SqlRowAdapter(db.executor) }).get();
      await login(session, result.user!, { secretKey, users: store, now: () => new Date(Date.UTC(2028, 5, 30, 12, 0, 0, 250)) });
      const django = await runDjango(config, "check", { logins: [{ username: "gina", password: "gina-pw" }] });
      expect(django.authenticated).toEqual(["gina"]);
      expect(django.users.gina).toEqual({ password: await passwordOf("gina"), last_login: "2028-06-30T12:00:00.250000+00:00" });
      expect(django.users.gina!.password).toMatch(new RegExp(`^pbkdf2_sha256\\$${SITE}\\$`));
    } finally {
      await prisma.$disconnect();
    }
  });

  test("listSessions finds a user's live sessions in a bounded scan; endSessions logs them out everywhere: Django sees them anonymous", async () => {
    const secretKey = "django-session-authenticate-secret-0123456789";
    const repository = new DjangoSessionRepository({ secretKey, adapter: new SqlRowAdapter(db.executor) });
    const loginAs = async (username: string, password: string) => {
      const { user } = await authenticate({ username, password }, options(users));
      const session = repository.get();
      await login(session, user!, { secretKey });
      await session.save();
      return session.sessionKey!;
    };
    const hank = [await loginAs("hank", "hank-pw"), await loginAs("hank", "hank-pw"), await loginAs("hank", "hank-pw")];
    const erin = await loginAs("erin", "erin-pw");
    const hankId = (await users.findByNaturalKey("hank"))!.id;
    const scan = { repository, executor: db.executor, batchSize: 2 };
    const listed: string[] = [];
    for await (const session of listSessions(hankId, scan)) listed.push(session.sessionKey);
    expect(listed).toEqual([...hank].sort());
    const before = await runDjango(config, "sessions", { keys: [...hank, erin] });
    expect(before.users).toEqual(["hank", "hank", "hank", "erin"]);
    const progress: number[] = [];
    expect(await endSessions(hankId, { ...scan, except: [hank[0]!], onProgress: (n) => progress.push(n) })).toBe(2);
    expect(progress).toEqual([1, 2]);
    const after = await runDjango(config, "sessions", { keys: [...hank, erin] });
    expect(after.users).toEqual(["hank", null, null, "erin"]);
  });

  test("a custom USERNAME_FIELD, looked up case-insensitively (login by email) or exactly", async () => {
    const byEmail = createSqlUserStore(db.executor, { usernameField: "email", caseInsensitive: true });
    const found = await authenticate({ username: "erin@example.COM", password: "erin-pw" }, options(byEmail));
    expect(found.user?.row.username).toBe("erin");
    const exact = createSqlUserStore(db.executor, { usernameField: "email" });
    expect((await authenticate({ username: "Erin@Example.com", password: "erin-pw" }, options(exact))).user?.row.username).toBe("erin");
    // MySQL's default collation ignores case even for `=`, as Django's exact lookup does there.
    const expected = config.dialect === "mysql" ? "erin" : undefined;
    expect((await authenticate({ username: "erin@example.com", password: "erin-pw" }, options(exact))).user?.row.username).toBe(expected);
  });
});

describe("a custom user table (AUTH_USER_MODEL) with renamed columns", () => {
  test.each(["postgres", "mysql", "sqlite"] as const)("%s: table, username field and columns are options", async (dialect) => {
    const db = await openDatabase(dialect, "ds_authn_custom");
    try {
      await db.query("DROP TABLE IF EXISTS accounts_member");
      await db.query(`CREATE TABLE accounts_member (member_id integer PRIMARY KEY, login_email varchar(254) NOT NULL, secret varchar(128) NOT NULL, enabled ${dialect === "mysql" ? "tinyint(1)" : "boolean"} NOT NULL, seen_at ${dialect === "postgres" ? "timestamp with time zone" : dialect === "mysql" ? "datetime(6)" : "datetime"} NULL)`);
      const encoded = await makePassword("m-pw", { passwordHashers: ["pbkdf2_sha256"], iterations: SITE });
      await db.query("INSERT INTO accounts_member (member_id, login_email, secret, enabled) VALUES (?, ?, ?, ?)", [7, "m@example.com", encoded, dialect === "postgres" ? true : 1]);
      const store = createSqlUserStore(db.executor, { table: "accounts_member", usernameField: "login_email", columns: { id: "member_id", password: "secret", isActive: "enabled", lastLogin: "seen_at" } });
      const { user } = await authenticate({ username: "m@example.com", password: "m-pw" }, options(store));
      expect(user).toMatchObject({ id: 7, isActive: true });
      await store.setLastLogin(user!, new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)));
      const [row] = await db.query(`SELECT ${dialect === "mysql" ? "CAST(seen_at AS CHAR)" : dialect === "postgres" ? "to_char(seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')" : "seen_at"} AS seen FROM accounts_member`);
      expect(row!.seen).toBe("2026-01-02 03:04:05.006000");
    } finally {
      await db.close();
    }
  });

  test("mistakes are refused when the store is made, saying what to pass", () => {
    const executor = { dialect: "postgres" as const, query: async () => [], execute: async () => 0, isUniqueViolation: () => false };
    expect(() => createSqlUserStore(executor, { table: "auth_user; DROP TABLE x" })).toThrow(ImproperlyConfigured);
    expect(() => createSqlUserStore(executor, { usernameField: "e-mail" })).toThrow(/Unsafe createSqlUserStore usernameField: "e-mail" \(a plain SQL identifier/);
    expect(() => createSqlUserStore({} as never)).toThrow(/needs a SqlExecutor/);
    return expect(authenticate({ username: "a", password: "b" }, {} as never)).rejects.toThrow(/needs options.users/);
  });
});

describe("Django's timing defence (#20760)", () => {
  test("an unknown username costs one hash of the preferred hasher, as a wrong password does (CPU time, generous bound)", async () => {
    const db = await openDatabase("sqlite", "ds_authn_timing");
    try {
      await db.query("DROP TABLE IF EXISTS auth_user");
      await db.query("CREATE TABLE auth_user (id integer PRIMARY KEY, username varchar(150) NOT NULL UNIQUE, password varchar(128) NOT NULL, is_active bool NOT NULL, last_login datetime NULL)");
      const iterations = 200_000;
      await db.query("INSERT INTO auth_user VALUES (1, 'known', ?, 1, NULL)", [await makePassword("right", { passwordHashers: ["pbkdf2_sha256"], iterations })]);
      const store = createSqlUserStore(db.executor);
      const opts = { users: store, passwordHashers: ["pbkdf2_sha256"] as const, iterations };
      // process.cpuUsage counts the thread pool's PBKDF2 too, and not the time the process waits.
      const cpu = async (username: string) => {
        const start = process.cpuUsage();
        await authenticate({ username, password: "wrong" }, opts);
        const used = process.cpuUsage(start);
        return used.user + used.system;
      };
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
      const wrong: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 5; i++) {
        wrong.push(await cpu("known"));
        unknown.push(await cpu(`unknown-${i}`));
      }
      const ratio = median(unknown) / median(wrong);
      // Without the dummy hash an unknown user costs one query: under 5 % of a 200,000-round hash.
      expect(ratio).toBeGreaterThan(0.5);
      expect(ratio).toBeLessThan(2);
    } finally {
      await db.close();
    }
  });
});
