/**
 * `end-sessions` against real PostgreSQL, MariaDB and SQLite, on sessions real Django 5.2 logged
 * in, checked by asking Django afterwards what each session key loads; with --cache-url, on the
 * cached_db entries in real Redis.
 */
import { createClient } from "redis";
import { SessionCodec } from "../../src";
import { DjangoSessionRepository } from "../../src/engines/db";
import { CachedDbSessionRepository } from "../../src/engines/cached-db";
import { SqlRowAdapter } from "../../src/adapters/sql/sql-row-adapter";
import { RedisSessionCache } from "../../src/adapters/redis/django-redis-cache";
import { DIALECTS, django, ensureCliBuilt, expectNoStack, openTestDatabase, parseJson, runCli, runCliInTty, testKey, type CliTestDatabase, type Dialect } from "./cli-support";

jest.setTimeout(120_000);

const SECRET = "cli-end-sessions-secret-0123456789abcdef";
const OTHER_SECRET = "cli-end-sessions-another-site-secret-987";
const DAY = 86400_000;
const REDIS_URL = "redis://127.0.0.1:6379/0";
const CACHE_PREFIX = "ds_cli_end";

beforeAll(() => ensureCliBuilt());

const login = (userId: string) => ({ op: "create" as const, data: { _auth_user_id: userId, _auth_user_backend: "django.contrib.auth.backends.ModelBackend", _auth_user_hash: "h" } });

describe.each(DIALECTS)("%s", (dialect: Dialect) => {
  let db: CliTestDatabase;
  const env = () => ({ DJANGO_SECRET_KEY: SECRET, DATABASE_URL: db.url });
  /** What Django 5.2 loads for each key: its _auth_user_id, or null for an anonymous session. */
  const djangoUsers = async (keys: string[]) => (await django({ db: db.djangoDb, secretKey: SECRET }, keys.map((key) => ({ op: "user" as const, key })))).map((r) => r.value ?? null);
  const createLogins = async (ids: string[]) => (await django({ db: db.djangoDb, secretKey: SECRET }, ids.map(login))).map((r) => r.key!);

  beforeAll(async () => {
    db = await openTestDatabase(dialect, "ds_cli_end");
  });
  beforeEach(() => db.raw.recreate());
  afterAll(() => db?.raw.close());

  test("ends every live session of the user but --except; others' sessions, another secret's rows and expired rows stay", async () => {
    const [a1, a2, a3, b1] = await createLogins(["42", "42", "42", "7"]);
    const [foreign] = (await django({ db: db.djangoDb, secretKey: OTHER_SECRET }, [login("42")])).map((r) => r.key!);
    const expired = testKey("expired of 42");
    await db.raw.table.insert({ sessionKey: expired, sessionData: new SessionCodec({ secretKey: SECRET }).encode({ _auth_user_id: "42" }), expireDate: new Date(Date.now() - DAY) });

    const dry = await runCli(["end-sessions", "42", "--dry-run", "--json", "--batch-size", "2"], { env: env() });
    expect(dry.code).toBe(0);
    expect(parseJson(dry)).toEqual({ dryRun: true, userId: "42", sessionKeys: [a1, a2, a3].sort(), scanned: 5, table: "django_session" });
    expect(await djangoUsers([a1!, a2!, a3!])).toEqual(["42", "42", "42"]);

    const result = await runCli(["end-sessions", "42", "--except", a2!, "--batch-size", "2"], { env: env() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Ended 2 sessions of user 42; read 5 live rows of django_session in [\d.]+ s\.\n$/);
    expect(await djangoUsers([a1!, a2!, a3!, b1!])).toEqual([null, "42", null, "7"]);
    const left = (await db.raw.query("SELECT session_key FROM django_session")).map((row) => String(row.session_key)).sort();
    expect(left).toEqual([a2, b1, foreign, expired].sort());
  });

  test("human dry run lists the keys; --json gives the count; a user with none ends 0", async () => {
    const [k] = await createLogins(["5"]);
    const dry = await runCli(["end-sessions", "5", "--dry-run"], { env: env() });
    expect(dry.stdout).toMatch(new RegExp(`^1 session of user 5 would end \\(read 1 live row of django_session, [\\d.]+ s\\)\\.\\n${k}\\n$`));
    const none = parseJson(await runCli(["end-sessions", "6", "--json"], { env: env() }));
    expect(none).toMatchObject({ userId: "6", ended: 0, scanned: 1, cache: false });
    expect(parseJson(await runCli(["end-sessions", "5", "--json"], { env: env() }))).toMatchObject({ ended: 1 });
    expect(await djangoUsers([k!])).toEqual([null]);
  });

  test("on a terminal: a progress bar over the live rows, then the summary", async () => {
    await createLogins(Array.from({ length: 12 }, (_, i) => String(i % 3)));
    const result = await runCliInTty(["end-sessions", "1", "--batch-size", "5", "--database-url", db.url, "--secret-key", SECRET]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("reading sessions [");
    expect(result.stdout).toContain("100% | 12/12 rows");
    expect(result.stdout).toMatch(/Ended 4 sessions of user 1; read 12 live rows/);
  });

  test("mistakes: no secret, a missing table, a cache URL that is not Redis; exit codes and no stack", async () => {
    const noSecret = await runCli(["end-sessions", "1"], { env: { DATABASE_URL: db.url } });
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain("No secret key");
    const missing = await runCli(["end-sessions", "1", "--table", "no_such_table"], { env: env() });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("There is no table no_such_table");
    const badCache = await runCli(["end-sessions", "1", "--cache-url", "memcached://127.0.0.1:11211"], { env: env() });
    expect(badCache.code).toBe(2);
    expect(badCache.stderr).toContain("--cache-url must be a redis:// or rediss:// URL");
    const downCache = await runCli(["end-sessions", "1", "--cache-url", "redis://:pw-not-printed@127.0.0.1:1/0"], { env: env() });
    expect(downCache.code).toBe(3);
    expect(downCache.stderr).toMatch(/Cannot connect to the cache at 127\.0\.0\.1:1/);
    expect(downCache.stderr).not.toContain("pw-not-printed");
    for (const r of [noSecret, missing, badCache, downCache]) expectNoStack(r);
  });
});

describe("cached_db (--cache-url): the cache entries go with the rows", () => {
  test("postgres + Redis: entries of the ended sessions are deleted, others stay", async () => {
    const db = await openTestDatabase("postgres", "ds_cli_end_cache");
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    try {
      await db.raw.recreate();
      const [a1, a2, b1] = (await django({ db: db.djangoDb, secretKey: SECRET }, [login("42"), login("42"), login("7")])).map((r) => r.key!);
      // Loading through cached_db puts each session in the cache, as a request on either stack would.
      const cache = new RedisSessionCache({ client, keyPrefix: CACHE_PREFIX });
      const engine = new CachedDbSessionRepository({ secretKey: SECRET, adapter: new SqlRowAdapter(db.raw.executor), cache });
      for (const key of [a1!, a2!, b1!]) expect((await engine.load(engine.get(key)))?._auth_user_id).toBeDefined();
      for (const key of [a1!, a2!, b1!]) expect(await client.exists(cache.key(key))).toBe(1);

      const result = await runCli(["end-sessions", "42", "--json", "--cache-url", REDIS_URL, "--cache-key-prefix", CACHE_PREFIX], { env: { DJANGO_SECRET_KEY: SECRET, DATABASE_URL: db.url } });
      expect(result.code).toBe(0);
      expect(parseJson(result)).toMatchObject({ ended: 2, scanned: 3, cache: true });
      expect([await client.exists(cache.key(a1!)), await client.exists(cache.key(a2!)), await client.exists(cache.key(b1!))]).toEqual([0, 0, 1]);
      // Without the cache option the rows would go but a cached_db reader would still be served the entry.
      const plain = new DjangoSessionRepository({ secretKey: SECRET, adapter: new SqlRowAdapter(db.raw.executor) });
      expect(await plain.exists(a1!)).toBe(false);
      expect((await engine.load(engine.get(a1!))) ?? null).toBeNull();
    } finally {
      await client.quit();
      await db.raw.close();
    }
  });
});
