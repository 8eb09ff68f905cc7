/**
 * Interop with REAL Django sharing the same `django_session` table: Django 3.2 and 5.2, each on
 * PostgreSQL, MariaDB and SQLite, both directions. Django runs as one long-lived process per
 * (version, database, USE_TZ) configuration (test/interop/django_db_bridge.py), answering JSON
 * commands; the tests fail, not skip, when Python or Django is missing.
 *
 * The row adapter is a parameter (`ADAPTERS`): the raw SqlRowAdapter baseline over the plain
 * drivers against both Django versions, and the TypeORM and Prisma adapters against Django 5.2
 * (see `AdapterKind.versions`). A new adapter is one more entry.
 *
 * Interpreters: DJANGO32_PYTHON (default: Debian's /usr/bin/python3, where
 * scripts/setup-test-env.sh installs python3-django 3.2) and DJANGO52_PYTHON (default: the
 * repository's .venv-django52).
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { DjangoSessionRepository, SqlRowAdapter, type DjangoTimeOptions, type SessionRowAdapter } from "../../src";
import { getUser, login, updateSessionAuthHash } from "../../src/auth";
import { expiryAge, expiryDate, parseDjangoDateText, pyJsonDumps, pyJsonLoads, toDjangoDateText } from "../../src/low-level";
import { DataSource } from "typeorm";
import { createPrismaAdapter } from "../../src/adapters/prisma";
import { createTypeOrmAdapter } from "../../src/adapters/typeorm";
import { clientFor } from "../adapters/prisma-support";
import { MYSQL_CONFIG, POSTGRES_URL, TMP_DIR, type Dialect } from "../support/databases";
import { openDatabase, type RawDatabase } from "../support/raw-tables";

jest.setTimeout(30_000);
/** Hooks that wait for a Django process: generous, as start-up time depends on the machine's load. */
const START_TIMEOUT = 120_000;

const REPO_ROOT = join(__dirname, "..", "..");
const SECRET_KEY = "django-session-interop-db-secret-0123456789";
const COOKIE_AGE = 1209600;
const PARIS: DjangoTimeOptions = { useTz: false, timeZone: "Europe/Paris" };

// --- the adapters under test ------------------------------------------------------------------

/** Where an adapter finds the database the Django process uses. */
interface AdapterTarget {
  dialect: Dialect;
  /** The raw driver connection (pg, mysql2, better-sqlite3) on that database. */
  db: RawDatabase;
  /** Database name (PostgreSQL, MariaDB) or SQLite file path. */
  database: string;
  /** Connection URL (PostgreSQL, MariaDB) or `file:` URL (SQLite). */
  url: string;
  /** Django's USE_TZ / TIME_ZONE for this suite. */
  time: DjangoTimeOptions;
}

interface AdapterKind {
  name: string;
  /**
   * The Django versions to run against. What differs between 3.2 and 5.2 (expiry forms, the
   * oldestDjangoVersion switch) lives in the core, so the ORM adapters run against 5.2 only
   * and the raw baseline against both, which keeps the file near a minute.
   */
  versions: DjangoVersion["version"][];
  makeAdapter(target: AdapterTarget): Promise<{ adapter: SessionRowAdapter; close?: () => Promise<void> }>;
}

const ADAPTERS: AdapterKind[] = [
  {
    name: "raw SqlRowAdapter",
    versions: ["3.2", "5.2"],
    makeAdapter: async ({ db, time }) => ({ adapter: new SqlRowAdapter(db.executor, { time }) }),
  },
  {
    // TypeORM's default DataSource options (MySQL's timezone "local" included).
    name: "TypeORM",
    versions: ["5.2"],
    makeAdapter: async ({ dialect, database, url, time }) => {
      const { host, port, user, password } = MYSQL_CONFIG;
      const dataSource = await new DataSource(
        dialect === "sqlite"
          ? { type: "better-sqlite3", database }
          : dialect === "postgres"
            ? { type: "postgres", url }
            : { type: "mysql", host, port, username: user, password, database },
      ).initialize();
      return { adapter: createTypeOrmAdapter(dataSource, { time }), close: () => dataSource.destroy() };
    },
  },
  {
    name: "Prisma",
    versions: ["5.2"],
    makeAdapter: async ({ dialect, database, url, time }) => {
      const prisma = clientFor(dialect, { postgres: url, mysql: { ...MYSQL_CONFIG, database }, sqlite: database });
      return { adapter: createPrismaAdapter(prisma, { time }), close: () => prisma.$disconnect() };
    },
  },
];

// --- Django versions and databases ----------------------------------------------------------

interface DjangoVersion {
  version: "3.2" | "5.2";
  python: string;
  /** What the repository is built with so that this version can read what we write. */
  oldest: "3.2" | undefined;
  /** Database name (PostgreSQL, MariaDB) or SQLite file stem, one per Django version. */
  database: string;
}

const VERSIONS: DjangoVersion[] = [
  { version: "3.2", python: process.env.DJANGO32_PYTHON || "/usr/bin/python3", oldest: "3.2", database: "ds_interop_dj32" },
  {
    version: "5.2",
    python: process.env.DJANGO52_PYTHON || join(REPO_ROOT, ".venv-django52", "bin", "python"),
    oldest: undefined,
    database: "ds_interop_dj52",
  },
];
const DIALECTS: Dialect[] = ["postgres", "mysql", "sqlite"];

const sqliteFile = (name: string) => join(TMP_DIR, `${name}.sqlite3`);

function targetUrl(dialect: Dialect, database: string): string {
  if (dialect === "sqlite") return `file:${sqliteFile(database)}`;
  if (dialect === "postgres") {
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${database}`;
    return url.toString();
  }
  const { user, password, host, port } = MYSQL_CONFIG;
  return `mysql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${database}`;
}

// --- the Django process ---------------------------------------------------------------------

type Expiry = number | { seconds: number } | { datetime: string } | null;
type Guarded<T> = { value: T; error?: undefined } | { value?: undefined; error: { type: string; message: unknown } };
interface Instant {
  iso: string;
  ts: number;
  aware: boolean;
}
/** What Django's SessionStore(key) shows after loading (see `describe` in the bridge). */
interface DjangoView {
  key: string | null;
  data: Record<string, unknown>;
  types: Record<string, string>;
  repr: string;
  expiry: { type: string; repr: string };
  expiry_age: Guarded<number>;
  expiry_date: Guarded<Instant>;
  browser_close: Guarded<boolean>;
}
interface MiddlewareResult {
  status: number;
  cookie: { value: string; "max-age": number | ""; expires: string } | null;
  key: string | null;
}

class DjangoError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(`${type}: ${message}`);
  }
}

/** One Django process: JSON commands in, JSON answers out, one line each. */
class DjangoBridge {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  private stderr = "";
  private exited: Error | null = null;
  ready!: { django: string; python: string; vendor: string; use_tz: boolean; time_zone: string };

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {}

  static start(python: string, config: Record<string, unknown>): Promise<DjangoBridge> {
    if (python.includes("/") && !existsSync(python)) {
      return Promise.reject(new Error(`Python for Django not found at ${python} (run scripts/setup-test-env.sh, or set DJANGO32_PYTHON / DJANGO52_PYTHON)`));
    }
    const child = spawn(python, [join(__dirname, "django_db_bridge.py")], {
      env: { ...process.env, DJANGO_DB_BRIDGE_CONFIG: JSON.stringify(config), PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const bridge = new DjangoBridge(child);
    return new Promise((resolve, reject) => {
      child.stderr.on("data", (chunk: Buffer) => (bridge.stderr = (bridge.stderr + chunk.toString()).slice(-8000)));
      const fail = (error: Error) => {
        bridge.exited = error;
        reject(error);
        for (const { reject: rejectCall } of bridge.pending.values()) rejectCall(error);
        bridge.pending.clear();
      };
      child.on("error", (error) => fail(new Error(`Cannot run ${python}: ${error.message}`)));
      child.on("exit", (code, signal) => fail(new Error(`Django bridge (${python}) exited with ${code ?? signal}:\n${bridge.stderr}`)));
      createInterface({ input: child.stdout }).on("line", (line) => {
        const message = pyJsonLoads(line) as any;
        if (message.ready) {
          bridge.ready = message.ready;
          resolve(bridge);
          return;
        }
        const call = bridge.pending.get(message.id);
        if (!call) return;
        bridge.pending.delete(message.id);
        if (message.error) call.reject(new DjangoError(message.error.type, `${message.error.message}\n${message.error.traceback ?? ""}`));
        else call.resolve(message.result);
      });
    });
  }

  call<T = any>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(pyJsonDumps({ id, op, ...args }) + "\n");
    });
  }

  // Typed shortcuts for the commands the cases use.
  create(data: Record<string, unknown>, expiry?: Expiry): Promise<string> {
    return this.call("create", expiry === undefined ? { data } : { data, expiry }).then((r) => r.key);
  }
  load(key: string): Promise<DjangoView> {
    return this.call("load", { key });
  }
  async exists(key: string): Promise<boolean> {
    return (await this.call("exists", { keys: [key] }))[key];
  }
  row(key: string): Promise<{ expire_date: Instant; decoded: Record<string, unknown> } | null> {
    return this.call("row", { key });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill(), 5000);
    await done;
    clearTimeout(timer);
  }
}

// One database connection per (version, dialect) and one Django process per configuration,
// shared by every adapter's suite; all are started up front, in parallel.
const databases = new Map<string, Promise<RawDatabase>>();
const bridges = new Map<string, Promise<DjangoBridge>>();

// Django's start-up is CPU-bound (~0.6 s of imports, plus `migrate auth`): start two at a time,
// in suite order, so the first suites do not wait for all twelve on a small machine.
const STARTS_AT_ONCE = 2;
let starting = 0;
const waiting: (() => void)[] = [];
async function limited<T>(run: () => Promise<T>): Promise<T> {
  if (starting >= STARTS_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
  starting++;
  try {
    return await run();
  } finally {
    starting--;
    waiting.shift()?.();
  }
}

function databaseFor(v: DjangoVersion, dialect: Dialect): Promise<RawDatabase> {
  const id = `${v.version}/${dialect}`;
  if (!databases.has(id)) databases.set(id, openDatabase(dialect, v.database));
  return databases.get(id)!;
}

function bridgeFor(v: DjangoVersion, dialect: Dialect, time: DjangoTimeOptions): Promise<DjangoBridge> {
  const useTz = time.useTz !== false;
  const id = `${v.version}/${dialect}/${useTz ? "tz" : time.timeZone}`;
  if (!bridges.has(id)) {
    bridges.set(
      id,
      limited(async () => {
        await databaseFor(v, dialect); // creates the database when missing
        const url = dialect === "postgres" ? new URL(POSTGRES_URL) : null;
        const connection =
          dialect === "sqlite"
            ? {}
            : dialect === "postgres"
              ? { host: url!.hostname, port: Number(url!.port || 5432), user: decodeURIComponent(url!.username), password: decodeURIComponent(url!.password) }
              : { host: MYSQL_CONFIG.host, port: MYSQL_CONFIG.port, user: MYSQL_CONFIG.user, password: MYSQL_CONFIG.password };
        const bridge = await DjangoBridge.start(v.python, {
          dialect,
          name: dialect === "sqlite" ? sqliteFile(v.database) : v.database,
          ...connection,
          secret_key: SECRET_KEY,
          use_tz: useTz,
          time_zone: useTz ? "UTC" : time.timeZone,
          expect: v.version,
        });
        // auth_user & co. for login(); only the USE_TZ=True process migrates (never two at once).
        if (useTz) await bridge.call("migrate_auth");
        return bridge;
      }),
    );
  }
  return bridges.get(id)!;
}

beforeAll(() => {
  for (const v of VERSIONS.filter((version) => ADAPTERS.some((kind) => kind.versions.includes(version.version)))) {
    for (const dialect of DIALECTS) {
      // Failures surface in the suites that await these; here they only start early.
      bridgeFor(v, dialect, {}).catch(() => undefined);
      bridgeFor(v, dialect, PARIS).catch(() => undefined);
    }
  }
});

afterAll(async () => {
  await Promise.allSettled([...bridges.values()].map(async (b) => (await b).close()));
  await Promise.allSettled([...databases.values()].map(async (d) => (await d).close()));
});

// --- helpers ---------------------------------------------------------------------------------

const ISO_MICROS = (date: Date, micros: number) => date.toISOString().replace("Z", `${String(micros).padStart(3, "0")}+00:00`);
/** Python's naive isoformat of an instant in a zone, e.g. Django's TIME_ZONE with USE_TZ=False. */
function naiveIso(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  const ms = date.getUTCMilliseconds();
  return `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}:${get("second")}${ms ? `.${String(ms).padStart(3, "0")}000` : ""}`;
}
const msOf = (instant: Instant) => Math.floor(Math.round(instant.ts * 1e6) / 1000);
const value = <T>(guarded: Guarded<T>): T => {
  if (guarded.error) throw new Error(`Django raised ${guarded.error.type}: ${JSON.stringify(guarded.error.message)}`);
  return guarded.value as T;
};

/** Data of every JSON kind Django's serializer writes. */
const RICH_DATA = {
  unicode: "héllo wörld ✓ 日本語 😀 \u0000\u001f\u007f\u2028 \"quoted\" \\ / end",
  "clé ünïcode 🔑": "key too",
  nested: { a: [1, { b: null, c: true, d: false }], deep: { deeper: { deepest: [[], {}, [[1.5]]] } } },
  int: 42,
  negative: -7,
  zero: 0,
  maxSafe: Number.MAX_SAFE_INTEGER,
  big: 18446744073709551616n, // 2**64: a Python int JS numbers cannot hold
  negBig: -340282366920938463463374607431768211456n,
  float: 0.1,
  negFloat: -2.5,
  huge: 1e300,
  tiny: 5e-324,
  pi: 3.141592653589793,
  list: [1, "two", 3.5, null, false, { x: [] }],
  empty: {},
  emptyList: [],
  emptyString: "",
  loneSurrogate: "a\ud800b", // a Python str can hold it too; JSON escapes it
};

const LARGE_DATA = {
  blob: "The quick brown fox jumps over the lazy dog. ".repeat(400),
  items: Array.from({ length: 500 }, (_, i) => ({ id: i, name: `item ${i}`, price: i * 1.25, tags: ["a", "b"] })),
};

// --- the cases ------------------------------------------------------------------------------

for (const kind of ADAPTERS) {
  for (const v of VERSIONS.filter((version) => kind.versions.includes(version.version))) {
    for (const dialect of DIALECTS) {
      describe(`${kind.name} · Django ${v.version} · ${dialect} · USE_TZ=True`, () => {
        let db: RawDatabase;
        let django: DjangoBridge;
        let adapter: SessionRowAdapter;
        let closeAdapter: (() => Promise<void>) | undefined;
        /** Our repository as configured for this Django version. */
        let repo: DjangoSessionRepository;

        beforeAll(async () => {
          db = await databaseFor(v, dialect);
          await db.recreate();
          django = await bridgeFor(v, dialect, {});
          const made = await kind.makeAdapter({
            dialect,
            db,
            database: dialect === "sqlite" ? sqliteFile(v.database) : v.database,
            url: targetUrl(dialect, v.database),
            time: {},
          });
          adapter = made.adapter;
          closeAdapter = made.close;
          repo = new DjangoSessionRepository({ secretKey: SECRET_KEY, adapter, oldestDjangoVersion: v.oldest });
        }, START_TIMEOUT);
        afterAll(async () => closeAdapter?.());

        test("the bridge runs the expected Django on the expected database", () => {
          expect(django.ready.django.startsWith(`${v.version}.`)).toBe(true);
          expect(django.ready.vendor).toBe(dialect === "postgres" ? "postgresql" : dialect);
          expect(django.ready.use_tz).toBe(true);
        });

        test("Django creates a session, we read it: unicode, nested, ints, big ints, floats", async () => {
          const key = await django.create(RICH_DATA);
          const session = repo.get(key);
          expect(await session.toObject()).toEqual(RICH_DATA);
          expect(session.sessionKey).toBe(key);
          expect(Object.keys(await session.toObject())).toEqual(Object.keys(RICH_DATA));
        });

        test("Django's special floats (1.0, inf, nan, -0.0) read as JS numbers", async () => {
          const key = await django.call("create", { json: '{"one": 1.0, "inf": Infinity, "ninf": -Infinity, "nan": NaN, "negzero": -0.0, "int": 1}' }).then((r) => r.key);
          const data = await repo.get(key).toObject();
          expect(data).toEqual({ one: 1, inf: Infinity, ninf: -Infinity, nan: NaN, negzero: -0, int: 1 });
          expect(Object.is(data.negzero, -0)).toBe(true);
          // Written back by us (another key changed), Python's float 1.0 comes back as int 1:
          // a JS number cannot tell them apart. Non-integral floats, inf, nan and -0.0 stay floats.
          const session = repo.get(key);
          await session.set("touched", true);
          await session.save();
          const seen = await django.load(key);
          expect(seen.types).toMatchObject({ one: "int", inf: "float", ninf: "float", nan: "float", negzero: "float", int: "int" });
          expect(seen.repr).toContain("'negzero': -0.0");
        });

        test("we create a session, Django reads it with the same values and Python types", async () => {
          const session = repo.get();
          await session.update(RICH_DATA);
          await session.save();
          const key = session.sessionKey!;
          expect(key).toMatch(/^[a-z0-9]{32}$/);
          const seen = await django.load(key);
          expect(seen.key).toBe(key);
          expect(seen.data).toEqual(RICH_DATA);
          expect(seen.types).toMatchObject({ int: "int", maxSafe: "int", big: "int", negBig: "int", float: "float", huge: "float", tiny: "float", nested: "dict", list: "list" });
          expect(seen.repr).toContain("'big': 18446744073709551616");
          // Django's own model and decode() agree with the store.
          const row = (await django.row(key))!;
          expect(row.decoded).toEqual(RICH_DATA);
          const raw = (await db.table.getRow(key))!;
          expect(await django.call("decode", { session_data: raw.sessionData })).toEqual(RICH_DATA);
        });

        test("a large session is compressed both ways and read intact", async () => {
          const djangoKey = await django.create(LARGE_DATA);
          expect((await db.table.getRow(djangoKey))!.sessionData.startsWith(".")).toBe(true);
          expect(await repo.get(djangoKey).toObject()).toEqual(LARGE_DATA);

          const ours = repo.get();
          await ours.update(LARGE_DATA);
          await ours.save();
          const raw = (await db.table.getRow(ours.sessionKey!))!;
          expect(raw.sessionData.startsWith(".")).toBe(true);
          expect(raw.sessionData.length).toBeLessThan(JSON.stringify(LARGE_DATA).length / 4);
          expect((await django.load(ours.sessionKey!)).data).toEqual(LARGE_DATA);
        });

        test("a Django session over our maxSize is an error, never an empty session that our save would overwrite", async () => {
          // 1.1 MiB of JSON (a few KB stored, compressed): Django has no size limit.
          const size = 1_150_000;
          const key = await django.call("create", { data: { keep: 1 }, fill: { key: "blob", size } }).then((r) => r.key);
          const quiet = { warn: () => undefined };
          const session = new DjangoSessionRepository({ secretKey: SECRET_KEY, adapter, oldestDjangoVersion: v.oldest, logger: quiet }).get(key);
          await expect(session.get("keep")).rejects.toMatchObject({ name: "SessionStorageError", message: expect.stringMatching(/maxSize/) });
          await expect(session.save()).rejects.toMatchObject({ name: "SessionStorageError" });
          expect(await django.call("peek", { key, names: ["keep", "blob"] })).toEqual({ keep: 1, blob: { len: size } });
          // With a larger maxSize it reads (and writes back) like any other.
          const roomy = new DjangoSessionRepository({ secretKey: SECRET_KEY, adapter, oldestDjangoVersion: v.oldest, maxSize: 4 * 1024 * 1024 }).get(key);
          expect(((await roomy.get("blob")) as string).length).toBe(size);
          await roomy.set("keep", 2);
          await roomy.save();
          expect(await django.call("peek", { key, names: ["keep", "blob"] })).toEqual({ keep: 2, blob: { len: size } });
        });

        test("we update a session Django made; Django sees the change (and the reverse)", async () => {
          const key = await django.create({ a: 1, b: "x", keep: [1, 2] });
          const session = repo.get(key);
          await session.set("b", "y");
          await session.set("c", { n: 1.5 });
          await session.delete("a");
          await session.save();
          expect(session.sessionKey).toBe(key);
          expect((await django.load(key)).data).toEqual({ b: "y", keep: [1, 2], c: { n: 1.5 } });

          await django.call("update", { key, set: { d: "from django" }, delete: ["b"] });
          expect(await repo.get(key).toObject()).toEqual({ keep: [1, 2], c: { n: 1.5 }, d: "from django" });
        });

        test("keys JS objects treat specially (__proto__, constructor, integer-like) cross over as plain keys", async () => {
          const text = '{"b": 1, "__proto__": {"polluted": true}, "constructor": "c", "toString": 2, "hasOwnProperty": 3, "10": "ten", "a": 4}';
          const key = await django.call("create", { json: text }).then((r) => r.key);
          const session = repo.get(key);
          const data = await session.toObject();
          expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
          expect(Object.getOwnPropertyDescriptor(data, "__proto__")?.value).toEqual({ polluted: true });
          expect(await session.get("constructor")).toBe("c");
          expect(await session.get("10")).toBe("ten");
          await session.set("z", 5);
          await session.save();
          const seen = await django.load(key);
          expect(seen.repr).toContain("'__proto__': {'polluted': True}");
          expect(seen.types).toEqual({ b: "int", ["__proto__"]: "dict", constructor: "str", toString: "int", hasOwnProperty: "int", "10": "str", a: "int", z: "int" });
          // Key order is not kept for integer-like keys (JS objects list them first); Python
          // dicts compare equal regardless, so only a byte-level comparison could notice.
          expect(seen.repr.startsWith("{'10': 'ten', 'b': 1")).toBe(true);
        });

        test("a key Django already uses is never overwritten by our create (INSERT collision → new key)", async () => {
          const djangoKey = await django.create({ owner: "django" });
          const fresh = "ourfreshkey0000000000000000000001".slice(0, 32);
          const keys = [djangoKey, fresh];
          const colliding = new DjangoSessionRepository({ secretKey: SECRET_KEY, adapter, oldestDjangoVersion: v.oldest, generateKey: () => keys.shift()! });
          const session = colliding.get();
          await session.set("owner", "us");
          await session.save();
          expect(session.sessionKey).toBe(fresh);
          expect((await django.load(djangoKey)).data).toEqual({ owner: "django" });
          expect((await django.load(fresh)).data).toEqual({ owner: "us" });
        });

        test("a session Django flushes (or cycles) while we hold it is not resurrected by our save: UpdateError", async () => {
          for (const op of ["flush", "cycle_key"]) {
            const key = await django.create({ n: 1 });
            const session = repo.get(key);
            expect(await session.get("n")).toBe(1);
            const { key: djangoNewKey } = await django.call(op, { key });
            await session.set("n", 2);
            await expect(session.save()).rejects.toMatchObject({ name: "UpdateError" });
            expect(await django.exists(key)).toBe(false);
            if (op === "cycle_key") expect((await django.load(djangoNewKey)).data).toEqual({ n: 1 });
          }
        });

        test("Django writes a session while we hold it: our save keeps Django's change (merge), or loses it as Django would", async () => {
          const key = await django.create({ a: 1, b: 1 });
          const session = repo.get(key);
          expect(await session.get("a")).toBe(1);
          await django.call("update", { key, set: { fromDjango: "kept", b: 2 } });
          await session.set("a", 2);
          await session.save();
          expect((await django.load(key)).data).toEqual({ a: 2, b: 2, fromDjango: "kept" });

          const lastWriterWins = new DjangoSessionRepository({ secretKey: SECRET_KEY, adapter, oldestDjangoVersion: v.oldest, concurrency: "django" });
          const held = lastWriterWins.get(key);
          expect(await held.get("a")).toBe(2);
          await django.call("update", { key, set: { lost: true } });
          await held.set("a", 3);
          await held.save();
          expect((await django.load(key)).data).toEqual({ a: 3, b: 2, fromDjango: "kept" });
        });

        test("Django and Node saving one session at the same time: Node never erases a key Django wrote (Django's blind saves can erase Node's: counted)", async () => {
          const key = await django.create({ seed: 1 });
          const count = 25;
          const djangoWrites = django.call("blind_writes", { key, prefix: "dj", count });
          for (let i = 0; i < count; i++) {
            const session = repo.get(key);
            await session.set(`node${i}`, i);
            await session.save();
          }
          await djangoWrites;
          const data = (await django.load(key)).data;
          const lost = (prefix: string) => Array.from({ length: count }, (_, i) => `${prefix}${i}`).filter((k) => !(k in data)).length;
          // Only Django can fix its own blind saves; report how many of ours they erased.
          console.log(`Django ${v.version} on ${dialect}: Django's blind saves erased ${lost("node")} of ${count} Node keys; Node erased ${lost("dj")} Django keys`);
          expect(lost("dj")).toBe(0);
          expect(data.seed).toBe(1);
        });

        test("Django's set_expiry(0) and set_expiry(seconds) are honoured by us", async () => {
          const atClose = await django.create({ k: 1 }, 0);
          const s0 = await repo.get(atClose).load();
          expect(s0.getExpireAtBrowserClose()).toBe(true);
          expect(s0.getExpiryAge()).toBe(COOKIE_AGE);
          const row0 = (await django.row(atClose))!;
          expect(Math.abs(msOf(row0.expire_date) - (Date.now() + COOKIE_AGE * 1000))).toBeLessThan(5000);
          expect((await db.table.getRow(atClose))!.expireDate.getTime()).toBe(msOf(row0.expire_date));

          const fiveMinutes = await django.create({ k: 2 }, 300);
          const s300 = await repo.get(fiveMinutes).load();
          expect(s300.getExpireAtBrowserClose()).toBe(false);
          expect(s300.getExpiryAge()).toBe(300);
          const row300 = (await django.row(fiveMinutes))!;
          expect(Math.abs(msOf(row300.expire_date) - (Date.now() + 300_000))).toBeLessThan(5000);
          expect((await db.table.getRow(fiveMinutes))!.expireDate.getTime()).toBe(msOf(row300.expire_date));
          // Our get_expiry_date() for an int expiry is now + seconds, as Django's.
          expect(Math.abs(s300.getExpiryDate().getTime() - msOf(row300.expire_date))).toBeLessThan(5000);
        });

        if (v.version === "5.2") {
          test("Django 5.2's set_expiry(datetime | timedelta) (ISO string) is honoured by us", async () => {
            const at = new Date(Date.now() + 3600_000);
            const iso = ISO_MICROS(at, 123); // microseconds JS cannot hold: we floor to ms
            const key = await django.create({ k: 1 }, { datetime: iso });
            const seen = await django.load(key);
            expect(seen.expiry).toEqual({ type: "str", repr: `'${iso}'` });
            const session = repo.get(key);
            expect(await session.get("_session_expiry")).toBe(iso);
            expect(session.getExpiryDate().getTime()).toBe(at.getTime());
            expect(Math.abs(session.getExpiryAge() - value(seen.expiry_age))).toBeLessThanOrEqual(1);
            expect(session.getExpireAtBrowserClose()).toBe(false);
            expect((await db.table.getRow(key))!.expireDate.getTime()).toBe(at.getTime());
            expect(msOf((await django.row(key))!.expire_date)).toBe(at.getTime());

            // An aware datetime in another zone keeps its offset in the ISO string.
            const offsetIso = `${new Date(at.getTime() + 5.5 * 3600_000).toISOString().slice(0, 19)}.250000+05:30`;
            const offsetKey = await django.create({ k: 3 }, { datetime: offsetIso });
            expect((await django.load(offsetKey)).expiry.repr).toBe(`'${offsetIso}'`);
            expect((await repo.get(offsetKey).load()).getExpiryDate().getTime()).toBe(Math.floor(at.getTime() / 1000) * 1000 + 250);
            expect(msOf((await django.row(offsetKey))!.expire_date)).toBe(Math.floor(at.getTime() / 1000) * 1000 + 250);

            const delta = await django.create({ k: 2 }, { seconds: 600 });
            const age = (await repo.get(delta).load()).getExpiryAge();
            expect(age).toBeGreaterThanOrEqual(597);
            expect(age).toBeLessThanOrEqual(600);
          });
        } else {
          test("Django 3.2's set_expiry(datetime | timedelta) cannot be saved with the JSON serializer", async () => {
            // 3.2 stores the datetime object itself in the session; JSONSerializer cannot write it.
            // So a 3.2 site only ever stores int expiries, which is what we write for it.
            await expect(django.create({ k: 1 }, { datetime: new Date(Date.now() + 3600_000).toISOString() })).rejects.toThrow(/TypeError.*not JSON serializable/);
            await expect(django.create({ k: 1 }, { seconds: 600 })).rejects.toThrow(/TypeError.*not JSON serializable/);
          });
        }

        test("our setExpiry(0 | seconds | Date) is honoured by Django (get_expiry_age, get_expire_at_browser_close, cookie)", async () => {
          const make = async (expiry: number | Date | { seconds: number }) => {
            const session = repo.get();
            await session.set("k", 1);
            await session.setExpiry(expiry);
            await session.save();
            return session;
          };
          const atClose = await make(0);
          const seen0 = await django.load(atClose.sessionKey!);
          expect(value(seen0.browser_close)).toBe(true);
          expect(value(seen0.expiry_age)).toBe(COOKIE_AGE);
          expect(msOf((await django.row(atClose.sessionKey!))!.expire_date)).toBe((await db.table.getRow(atClose.sessionKey!))!.expireDate.getTime());

          const fiveMinutes = await make(300);
          const seen300 = await django.load(fiveMinutes.sessionKey!);
          expect(value(seen300.browser_close)).toBe(false);
          expect(value(seen300.expiry_age)).toBe(300);
          const ourRow = (await db.table.getRow(fiveMinutes.sessionKey!))!;
          expect(msOf((await django.row(fiveMinutes.sessionKey!))!.expire_date)).toBe(ourRow.expireDate.getTime());
          expect(Math.abs(msOf(value(seen300.expiry_date)) - (Date.now() + 300_000))).toBeLessThan(5000);

          const at = new Date(Date.now() + 3600_000 + 250);
          const dated = await make(at);
          const seenDate = await django.load(dated.sessionKey!);
          expect(seenDate.expiry.type).toBe(v.version === "3.2" ? "int" : "str");
          expect(value(seenDate.browser_close)).toBe(false);
          const djangoAge = value(seenDate.expiry_age);
          expect(djangoAge).toBeGreaterThanOrEqual(3598);
          expect(djangoAge).toBeLessThanOrEqual(3601);
          // The row holds the date we asked for: exactly, or for 3.2 (int seconds, counted from the
          // save) rounded up to the next whole second after it.
          expectExpireDate(msOf((await django.row(dated.sessionKey!))!.expire_date), at, v);
          if (v.version === "5.2") expect(msOf(value(seenDate.expiry_date))).toBe(at.getTime());

          const relative = await make({ seconds: 600 });
          const seenRelative = await django.load(relative.sessionKey!);
          expect(seenRelative.expiry.type).toBe(v.version === "3.2" ? "int" : "str");
          expect(value(seenRelative.expiry_age)).toBeGreaterThanOrEqual(598);
          expect(value(seenRelative.expiry_age)).toBeLessThanOrEqual(600);

          // Through Django's SessionMiddleware, as a real request: the cookie's Max-Age follows.
          const mw0 = value(await django.call<Guarded<MiddlewareResult>>("middleware", { key: atClose.sessionKey, set: { seen: 1 } }));
          expect(mw0.cookie).toMatchObject({ value: atClose.sessionKey, "max-age": "" });
          const mw300 = value(await django.call<Guarded<MiddlewareResult>>("middleware", { key: fiveMinutes.sessionKey, set: { seen: 1 } }));
          expect(mw300.cookie).toMatchObject({ value: fiveMinutes.sessionKey, "max-age": 300 });
          const mwDate = value(await django.call<Guarded<MiddlewareResult>>("middleware", { key: dated.sessionKey, set: { seen: 1 } }));
          expect(mwDate.status).toBe(200);
          expect(Number(mwDate.cookie!["max-age"])).toBeGreaterThanOrEqual(3598);
        });

        if (v.version === "3.2") {
          test('Django 3.2 needs oldestDjangoVersion: "3.2": without it, our Date expiry breaks Django', async () => {
            const defaultRepo = new DjangoSessionRepository({ secretKey: SECRET_KEY, adapter });
            const session = defaultRepo.get();
            await session.set("k", 1);
            await session.setExpiry(new Date(Date.now() + 3600_000));
            await session.save();
            const key = session.sessionKey!;
            expect(typeof (await session.get("_session_expiry"))).toBe("string");
            // Django 3.2 reads the data, but its expiry arithmetic returns/chokes on the string ...
            const seen = await django.load(key);
            expect(seen.data.k).toBe(1);
            expect(seen.expiry.type).toBe("str");
            expect(seen.expiry_age.error?.type).toBe("NotAnInt");
            expect(seen.expiry_date.error?.type).toBe("TypeError");
            // ... so a request that modifies the session crashes in SessionMiddleware,
            const broken = await django.call<Guarded<MiddlewareResult>>("middleware", { key, set: { seen: 1 } });
            expect(broken.error?.type).toBe("TypeError");
            // and Django cannot save it at all.
            await expect(django.call("update", { key, set: { seen: 1 } })).rejects.toThrow(/TypeError/);

            // The same Date through the repository built for 3.2 is an int, and all of it works.
            const fixed = repo.get();
            await fixed.set("k", 1);
            await fixed.setExpiry(new Date(Date.now() + 3600_000));
            await fixed.save();
            expect(typeof (await fixed.get("_session_expiry"))).toBe("number");
            const ok = await django.call<Guarded<MiddlewareResult>>("middleware", { key: fixed.sessionKey, set: { seen: 1 } });
            expect(value(ok).status).toBe(200);
            await django.call("update", { key: fixed.sessionKey, set: { seen: 2 } });
            expect((await django.load(fixed.sessionKey!)).data).toEqual({ k: 1, _session_expiry: expect.any(Number), seen: 2 });
          });
        } else {
          test("Django 5.2 reads the ISO expiry our default repository writes", async () => {
            const defaultRepo = new DjangoSessionRepository({ secretKey: SECRET_KEY, adapter });
            const session = defaultRepo.get();
            await session.setExpiry(new Date(Date.now() + 3600_000));
            await session.save();
            const mw = value(await django.call<Guarded<MiddlewareResult>>("middleware", { key: session.sessionKey, set: { seen: 1 } }));
            expect(Number(mw.cookie!["max-age"])).toBeGreaterThanOrEqual(3598);
          });
        }

        test("a key we cycle or flush is gone for Django; Django sees the data under the new key", async () => {
          const key = await django.create({ cart: [1, 2], user: "ü" });
          const session = repo.get(key);
          await session.cycleKey();
          const newKey = session.sessionKey!;
          expect(newKey).not.toBe(key);
          expect(await django.exists(key)).toBe(false);
          const gone = await django.load(key);
          expect(gone).toMatchObject({ key: null, data: {} });
          expect((await django.load(newKey)).data).toEqual({ cart: [1, 2], user: "ü" });

          await session.flush();
          expect(session.sessionKey).toBeNull();
          expect(await django.exists(newKey)).toBe(false);
          expect(await django.load(newKey)).toMatchObject({ key: null, data: {} });
        });

        test("a key Django cycles or flushes is gone for us", async () => {
          const session = repo.get();
          await session.update({ cart: [3], n: 2.5 });
          await session.save();
          const key = session.sessionKey!;
          const { key: newKey } = await django.call("cycle_key", { key });
          expect(newKey).not.toBe(key);
          expect(await repo.exists(key)).toBe(false);
          const old = repo.get(key);
          expect(await old.toObject()).toEqual({});
          expect(old.sessionKey).toBeNull();
          expect(await repo.get(newKey).toObject()).toEqual({ cart: [3], n: 2.5 });

          await django.call("flush", { key: newKey });
          expect(await repo.exists(newKey)).toBe(false);
          expect(await repo.get(newKey).toObject()).toEqual({});
          // Saving our stale copy of a session Django flushed must not resurrect it.
          const stale = repo.get(key);
          await stale.set("x", 1);
          await stale.save(); // the dropped key makes this a fresh session
          expect(stale.sessionKey).not.toBe(key);
          expect(await django.exists(key)).toBe(false);
        });

        test("expire_date we write compares correctly in Django's own queries (expiry -10 s is expired, +10 s live)", async () => {
          const make = async (expiry: number) => {
            const session = repo.get();
            await session.set("e", expiry);
            await session.setExpiry(expiry);
            await session.save();
            return session.sessionKey!;
          };
          const expired = await make(-10);
          const live = await make(10);
          expect(await django.call("classify", { keys: [expired, live] })).toEqual({ expired: [expired], live: [live] });
          expect(await django.load(expired)).toMatchObject({ key: null, data: {} });
          expect((await django.load(live)).data).toEqual({ e: 10, _session_expiry: 10 });
          expect(await django.exists(expired)).toBe(true); // exists() ignores expiry, as ours
          expect(await repo.exists(expired)).toBe(true);
        });

        test("Django's clearsessions and our clearExpired() agree on what is expired", async () => {
          const makeSet = async () => {
            const byDjango = {
              expiredDay: await django.create({ s: 1 }, -86400),
              expired: await django.create({ s: 2 }, -5),
              live: await django.create({ s: 3 }, 20),
              liveDay: await django.create({ s: 4 }, 86400),
            };
            const ours = async (expiry: number | Date) => {
              const session = repo.get();
              await session.set("s", 5);
              await session.setExpiry(expiry);
              await session.save();
              return session.sessionKey!;
            };
            const second = Math.floor(Date.now() / 1000) * 1000; // whole seconds: no ".ffffff" in the text
            const byUs = {
              expiredDay: await ours(-86400),
              expired: await ours(-5),
              expiredWholeSecond: await ours(new Date(second - 3000)),
              live: await ours(20),
              liveWholeSecond: await ours(new Date(second + 21000)),
              liveDay: await ours(86400),
            };
            const all = { ...prefix("django.", byDjango), ...prefix("ours.", byUs) };
            const expired = Object.entries(all)
              .filter(([name]) => name.includes("expired"))
              .map(([, key]) => key);
            const live = Object.values(all).filter((key) => !expired.includes(key));
            return { expired: expired.sort(), live: live.sort() };
          };

          await db.table.truncate();
          const first = await makeSet();
          // Django's queries and our load() see the same rows as expired.
          expect(await django.call("classify", { keys: [...first.expired, ...first.live] })).toEqual(first);
          for (const key of first.expired) expect(await adapter.load(key, new Date())).toBeNull();
          for (const key of first.live) expect(await adapter.load(key, new Date())).not.toBeNull();
          // Django's clearsessions deletes exactly the expired rows.
          expect(await django.call("clearsessions")).toEqual({ rows: first.live.length });
          for (const key of first.expired) expect(await repo.exists(key)).toBe(false);
          for (const key of first.live) expect(await repo.exists(key)).toBe(true);

          const second = await makeSet();
          // Our clearExpired() deletes exactly the expired rows (and none of the first set's live ones).
          expect(await repo.clearExpired()).toBe(second.expired.length);
          const existence = await django.call("exists", { keys: [...second.expired, ...second.live, ...first.live] });
          for (const key of second.expired) expect(existence[key]).toBe(false);
          for (const key of [...second.live, ...first.live]) expect(existence[key]).toBe(true);
          expect(await db.table.count()).toBe(first.live.length + second.live.length);
        });

        test("a login made by Django reads back intact, _auth_user_id a string; Django still knows the user after we save", async () => {
          // An anonymous session of ours; Django's login() cycles its key and keeps the data.
          const anonymous = repo.get();
          await anonymous.set("cart", [1, 2]);
          await anonymous.save();
          const login = await django.call("login", { key: anonymous.sessionKey, username: "alice", password: "secret-pw" });
          expect(login.status).toBe(200);
          expect(login.cookie.value).toBe(login.key);
          expect(login.key).not.toBe(anonymous.sessionKey);
          expect(await repo.exists(anonymous.sessionKey!)).toBe(false);

          const session = repo.get(login.key);
          const data = await session.toObject();
          expect(data).toEqual({
            cart: [1, 2],
            _auth_user_id: String(login.user_id),
            _auth_user_backend: "django.contrib.auth.backends.ModelBackend",
            _auth_user_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
          });
          expect(typeof data._auth_user_id).toBe("string");

          // We write to the logged-in session; Django still authenticates it (hash intact).
          await session.set("theme", "dark");
          await session.save();
          expect(await django.call("get_user", { key: login.key })).toEqual({ authenticated: true, username: "alice", key: login.key });
          expect((await django.load(login.key)).data).toMatchObject({ theme: "dark", _auth_user_id: String(login.user_id) });

          // Our flush is a logout for Django.
          await session.flush();
          expect(await django.call("get_user", { key: login.key })).toMatchObject({ authenticated: false });

          // A login without any previous session: a new row we read back.
          const fresh = await django.call("login", { username: "bob", password: "pw" });
          expect(await repo.get(fresh.key).toObject()).toMatchObject({ _auth_user_id: String(fresh.user_id) });
        });

        test("our auth login/getUser/updateSessionAuthHash and Django's login/get_user/password change agree", async () => {
          const auth = { secretKey: SECRET_KEY, siteDjangoVersion: v.version } as const;
          const row = async (password?: string) => {
            const found = await django.call("user", { username: "carol", password });
            return { id: found.id as number, password: found.password as string, isActive: found.is_active as boolean };
          };
          await row("first-password");

          // Django logs in; our getUser verifies the session hash against the real auth_user row.
          const byDjango = await django.call("login", { username: "carol", password: "first-password" });
          const carolNow = await row();
          const theirs = repo.get(byDjango.key);
          expect(await getUser(theirs, { ...auth, loadUser: async (id) => (id === String(carolNow.id) ? carolNow : null) })).toMatchObject({ reason: "verified", user: { id: carolNow.id } });

          // We log in; Django's get_user() accepts our session.
          const ours = repo.get();
          await ours.set("cart", [1]);
          expect(await login(ours, carolNow, auth)).toEqual({ session: "cycled" });
          await ours.save();
          expect(await django.call("get_user", { key: ours.sessionKey })).toEqual({ authenticated: true, username: "carol", key: ours.sessionKey });

          // Django changes the password: both sessions are logged out, by Django and by us alike.
          const changed = await row("second-password");
          expect(await django.call("get_user", { key: byDjango.key })).toMatchObject({ authenticated: false });
          const stale = repo.get(ours.sessionKey);
          expect(await getUser(stale, { ...auth, loadUser: async () => changed })).toEqual({ user: null, reason: "hash-mismatch" });
          expect(await django.exists(ours.sessionKey!)).toBe(false); // our flush deleted the row

          // updateSessionAuthHash after a password change keeps a session of ours logged in for Django.
          const again = repo.get();
          await login(again, changed, auth);
          await again.save();
          const third = await row("third-password");
          await updateSessionAuthHash(again, third, auth);
          await again.save();
          expect(await django.call("get_user", { key: again.sessionKey })).toEqual({ authenticated: true, username: "carol", key: again.sessionKey });
        });
      });

      describe(`${kind.name} · Django ${v.version} · ${dialect} · USE_TZ=False, TIME_ZONE=Europe/Paris`, () => {
        let db: RawDatabase;
        let django: DjangoBridge;
        let adapter: SessionRowAdapter;
        let closeAdapter: (() => Promise<void>) | undefined;
        let repo: DjangoSessionRepository;

        beforeAll(async () => {
          db = await databaseFor(v, dialect);
          await db.recreate();
          django = await bridgeFor(v, dialect, PARIS);
          const made = await kind.makeAdapter({
            dialect,
            db,
            database: dialect === "sqlite" ? sqliteFile(v.database) : v.database,
            url: targetUrl(dialect, v.database),
            time: PARIS,
          });
          adapter = made.adapter;
          closeAdapter = made.close;
          repo = new DjangoSessionRepository({ secretKey: SECRET_KEY, adapter, oldestDjangoVersion: v.oldest, time: PARIS });
        }, START_TIMEOUT);
        afterAll(async () => closeAdapter?.());

        test("the bridge runs Django with USE_TZ=False in Europe/Paris", async () => {
          expect(django.ready).toMatchObject({ use_tz: false, time_zone: "Europe/Paris" });
          const now = await django.call<Instant>("now");
          expect(now.aware).toBe(false);
          expect(Math.abs(now.ts * 1000 - Date.now())).toBeLessThan(5000);
        });

        test("expire_date: Django's naive Paris time and ours are the same instant, both ways", async () => {
          const djangoKey = await django.create({ by: "django" }, 300);
          const session = repo.get(djangoKey);
          expect(await session.toObject()).toEqual({ by: "django", _session_expiry: 300 });
          const djangoRow = (await django.row(djangoKey))!;
          expect(djangoRow.expire_date.aware).toBe(false);
          const ourRead = (await adapter.load(djangoKey, new Date()))!;
          expect(ourRead.expireDate.getTime()).toBe(msOf(djangoRow.expire_date));
          expect(Math.abs(ourRead.expireDate.getTime() - (Date.now() + 300_000))).toBeLessThan(5000);

          const ours = repo.get();
          await ours.set("by", "us");
          await ours.setExpiry(300);
          await ours.save();
          const written = (await adapter.load(ours.sessionKey!, new Date()))!.expireDate;
          const seen = await django.load(ours.sessionKey!);
          expect(seen.data).toEqual({ by: "us", _session_expiry: 300 });
          expect(value(seen.expiry_age)).toBe(300);
          const row = (await django.row(ours.sessionKey!))!;
          expect(row.expire_date.aware).toBe(false);
          expect(msOf(row.expire_date)).toBe(written.getTime());
          expect(row.expire_date.iso).toBe(naiveIso(written, "Europe/Paris"));
        });

        test("date expiries cross over in Paris wall-clock time", async () => {
          const at = new Date(Date.now() + 3600_000 + 500);
          const ours = repo.get();
          await ours.setExpiry(at);
          await ours.save();
          const seen = await django.load(ours.sessionKey!);
          expect(seen.expiry.type).toBe(v.version === "3.2" ? "int" : "str");
          if (v.version === "5.2") {
            // A naive ISO string in TIME_ZONE, as Django 5.2 writes with USE_TZ=False.
            expect(seen.expiry.repr).toBe(`'${naiveIso(at, "Europe/Paris")}'`);
            expect(msOf(value(seen.expiry_date))).toBe(at.getTime());
          }
          const age = value(seen.expiry_age);
          expect(age).toBeGreaterThanOrEqual(3598);
          expect(age).toBeLessThanOrEqual(3601);
          expectExpireDate(msOf((await django.row(ours.sessionKey!))!.expire_date), at, v);

          if (v.version === "5.2") {
            const djangoKey = await django.create({ k: 1 }, { datetime: naiveIso(at, "Europe/Paris") });
            const session = await repo.get(djangoKey).load();
            expect(session.getExpiryDate().getTime()).toBe(at.getTime());
            const ourAge = session.getExpiryAge();
            expect(ourAge).toBeGreaterThanOrEqual(3598);
            expect(ourAge).toBeLessThanOrEqual(3601);
          }
        });

        test("expiry arithmetic across DST changes is Django's naive wall-clock arithmetic", async () => {
          // [modification (naive Paris), stored expiry]; 2026-03-29 02:00 → 03:00, 2026-10-25 03:00 → 02:00.
          const cases: [string, number | string][] = [
            ["2026-10-25T02:30:00", 3600], // in the repeated hour (first pass): Django says 03:30
            ["2026-10-25T02:55:00", 600], // 10 min after: 03:05, not 02:05 (which would be already expired)
            ["2026-10-25T01:30:00", COOKIE_AGE],
            ["2026-10-20T12:00:00", COOKIE_AGE], // two weeks crossing the change: same wall-clock time
            ["2026-03-29T01:15:00", 7200],
            ["2026-03-20T12:00:00", COOKIE_AGE],
            ["2026-10-25T01:30:00", "2026-10-25T03:30:00"], // 2 h of wall clock (3 h really elapse)
            ["2026-03-29T01:30:00", "2026-03-29T03:30:00"], // 2 h of wall clock (1 h really elapses)
            ["2026-10-25T02:30:00", "2026-10-25T02:10:00.250000"],
          ];
          for (const [modification, expiry] of cases) {
            const theirs = await django.call("expiry_math", { modification, expiry });
            const context = { cookieAge: COOKIE_AGE, modification: parseDjangoDateText(modification, PARIS)!, time: PARIS };
            const label = `${modification} + ${expiry}`;
            if (v.version === "3.2" && typeof expiry === "string") {
              expect([label, theirs.age.error?.type]).toEqual([label, "NotAnInt"]); // 3.2 has no ISO expiries
              continue;
            }
            expect([label, expiryAge(expiry, context)]).toEqual([label, value(theirs.age)]);
            expect([label, toDjangoDateText(expiryDate(expiry, context), PARIS).replace(" ", "T")]).toEqual([label, value<string>(theirs.date)]);
          }
        });

        test("a session we save in the repeated DST hour gets Django's expire_date", async () => {
          // 02:55 CEST on 2026-10-25, ten minutes before clocks go back from 03:00 to 02:00.
          const at = parseDjangoDateText("2026-10-25 02:55:00", PARIS)!;
          expect(at.toISOString()).toBe("2026-10-25T00:55:00.000Z");
          const frozen = new DjangoSessionRepository({ secretKey: SECRET_KEY, adapter, oldestDjangoVersion: v.oldest, time: PARIS, now: () => at.getTime() });
          const bySeconds = frozen.get();
          await bySeconds.setExpiry(600);
          await bySeconds.save();
          const theirs = await django.call("expiry_math", { modification: "2026-10-25T02:55:00", expiry: 600 });
          expect(value(theirs.date)).toBe("2026-10-25T03:05:00");
          expect((await django.row(bySeconds.sessionKey!))!.expire_date.iso).toBe("2026-10-25T03:05:00");

          // A Date expiry lands on its own wall-clock time (for 3.2 through int seconds Django adds naively).
          const byDate = frozen.get();
          await byDate.setExpiry(parseDjangoDateText("2026-10-25 03:05:00", PARIS)!);
          await byDate.save();
          expect((await django.row(byDate.sessionKey!))!.expire_date.iso).toBe("2026-10-25T03:05:00");
          if (v.version === "3.2") expect(await byDate.get("_session_expiry")).toBe(600);
          await django.call("flush", { key: bySeconds.sessionKey });
          await django.call("flush", { key: byDate.sessionKey });
        });

        test("clearsessions and clearExpired() agree around now (-5 s, +20 s, ±30 min: an hour's zone slip would show)", async () => {
          const makeSet = async () => {
            const ours = async (expiry: number) => {
              const session = repo.get();
              await session.setExpiry(expiry);
              await session.save();
              return session.sessionKey!;
            };
            const expired = [await django.create({}, -5), await django.create({}, -1800), await ours(-5), await ours(-1800)].sort();
            const live = [await django.create({}, 20), await django.create({}, 1800), await ours(20), await ours(1800)].sort();
            return { expired, live };
          };
          await db.table.truncate();
          const first = await makeSet();
          expect(await django.call("classify", { keys: [...first.expired, ...first.live] })).toEqual(first);
          for (const key of first.expired) expect(await adapter.load(key, new Date())).toBeNull();
          for (const key of first.live) expect(await adapter.load(key, new Date())).not.toBeNull();
          expect(await django.call("clearsessions")).toEqual({ rows: first.live.length });

          const second = await makeSet();
          expect(await repo.clearExpired()).toBe(second.expired.length);
          const existence = await django.call("exists", { keys: [...second.expired, ...second.live] });
          for (const key of second.expired) expect(existence[key]).toBe(false);
          for (const key of second.live) expect(existence[key]).toBe(true);
        });
      });
    }
  }
}

/** A row's expire_date for an expiry set to the Date `at`: exact, or for Django 3.2 int seconds rounded up (a second at most, plus the time to the save). */
function expectExpireDate(rowMs: number, at: Date, v: DjangoVersion): void {
  if (v.version === "5.2") {
    expect(rowMs).toBe(at.getTime());
  } else {
    expect(rowMs).toBeGreaterThanOrEqual(at.getTime());
    expect(rowMs).toBeLessThan(at.getTime() + 1500);
  }
}

function prefix<T extends Record<string, string>>(p: string, o: T): Record<string, string> {
  return Object.fromEntries(Object.entries(o).map(([k, val]) => [p + k, val]));
}
