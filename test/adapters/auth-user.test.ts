/**
 * Django's `auth_user` through the `AuthUser` Prisma model (prisma/<provider>.prisma), the TypeORM
 * entity (`createAuthUserEntity`) and the two user loaders, on tables REAL Django created.
 *
 * For each Django version and database, test/adapters/django_auth_user.py runs `migrate` on an
 * empty database of this file's own (`ds_authuser_*`), creates users with Django's API, logs some
 * of them in through Django's SessionMiddleware (and changes carol's password afterwards), and
 * reports every field as Django reads it back. Then:
 * - the Prisma model and the TypeORM entity read every field exactly (dates, booleans, non-ASCII);
 * - the Prisma model's columns, types, nullability and index names match Django's table, read
 *   from the database's catalog (what `prisma migrate diff` would check, which needs the schema
 *   engine binary this offline setup lacks);
 * - TypeORM's schema sync plans nothing for the entity against Django's table;
 * - the loaders feed `getUser` for the sessions Django's `login()` wrote, agreeing with Django's
 *   own `get_user()`, and never query for an id that cannot be a key.
 *
 * Django 5.2 and 3.2, each on PostgreSQL, MariaDB and SQLite (3.2 differs in its `serial` id on
 * PostgreSQL, 4.1+ use an identity column). The tests fail, not skip, without Python or Django.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DataSource, type DataSourceOptions } from "typeorm";
import { createPrismaAdapter, createPrismaUserLoader } from "../../src/adapters/prisma";
import { createAuthUserEntity, createTypeOrmAdapter, createTypeOrmUserLoader, type AuthUserEntity } from "../../src/adapters/typeorm";
import { getUser, MODEL_BACKEND } from "../../src/auth";
import { parseAutoFieldId } from "../../src/auth/user-id";
import { parseDjangoDateText } from "../../src/core/django-datetime";
import { ImproperlyConfigured } from "../../src/core/errors";
import { DjangoSessionRepository } from "../../src/engines";
import { djangoPython, type DjangoVersion } from "../interop/django-bridge";
import { dropTestDatabase, ensureMysqlDatabase, ensurePostgresDatabase, MYSQL_CONFIG, POSTGRES_URL, TMP_DIR, type Dialect } from "../support/databases";
import { QueryLog } from "../support/typeorm";
import { clientFor, recordQueries, type AnyPrismaClient, type Target } from "./prisma-support";

jest.setTimeout(60_000);
/** Django's migrate plus four PBKDF2 hashes, on a loaded machine. */
const SETUP_TIMEOUT = 240_000;

const SECRET_KEY = "django-session-auth-user-secret-0123456789";
const REPO_ROOT = join(__dirname, "..", "..");

// --- what Django reports ------------------------------------------------------------------------

interface DjangoInstant {
  /** UTC ISO with microseconds, e.g. `2024-02-29T23:59:58.123456+00:00`. */
  iso: string;
  /** Django's SQLite text for it, e.g. `2024-02-29 23:59:58.123456`. */
  sqlite: string;
}
interface DjangoUser {
  id: number;
  password: string;
  last_login: DjangoInstant | null;
  is_superuser: boolean;
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  is_staff: boolean;
  is_active: boolean;
  date_joined: DjangoInstant;
}
type UserName = "alice" | "bob" | "root" | "carol";
type SessionName = "alice" | "bob" | "carol" | "carol2" | "carol3";
interface DjangoReport {
  django: string;
  users: Record<UserName, DjangoUser>;
  sessions: Record<SessionName, string>;
  /** Django's get_user() for alice's, bob's and carol3's sessions (it flushes carol3's). */
  django_get_user: Record<"alice" | "bob" | "carol3", { authenticated: boolean; username: string }>;
}

interface Config {
  version: DjangoVersion;
  dialect: Dialect;
  /** Database name (PostgreSQL, MariaDB), or the SQLite file's stem. */
  database: string;
}

const CONFIGS: Config[] = (["5.2", "3.2"] as const).flatMap((version) =>
  (["postgres", "mysql", "sqlite"] as const).map((dialect) => ({
    version,
    dialect,
    database: `ds_authuser_${dialect === "postgres" ? "pg" : dialect}_dj${version.replace(".", "")}`,
  })),
);

const sqliteFile = (config: Config) => join(TMP_DIR, `${config.database}.sqlite3`);

/** An empty database for one configuration: dropped and created again (SQLite: the file removed). */
async function freshDatabase(config: Config): Promise<Target> {
  await dropTestDatabase(config.dialect, config.database);
  return {
    postgres: config.dialect === "postgres" ? await ensurePostgresDatabase(config.database) : "",
    mysql: config.dialect === "mysql" ? await ensureMysqlDatabase(config.database) : { ...MYSQL_CONFIG, database: config.database },
    sqlite: sqliteFile(config),
  };
}

/** Runs test/adapters/django_auth_user.py for one configuration on its (empty) database. */
function runDjango(config: Config): Promise<DjangoReport> {
  const python = djangoPython(config.version);
  if (python.includes("/") && !existsSync(python)) {
    return Promise.reject(new Error(`Python for Django ${config.version} not found at ${python} (run scripts/setup-test-env.sh, or set DJANGO32_PYTHON / DJANGO52_PYTHON)`));
  }
  const pg = new URL(POSTGRES_URL);
  const connection =
    config.dialect === "sqlite"
      ? {}
      : config.dialect === "postgres"
        ? { host: pg.hostname, port: Number(pg.port || 5432), user: decodeURIComponent(pg.username), password: decodeURIComponent(pg.password) }
        : { host: MYSQL_CONFIG.host, port: MYSQL_CONFIG.port, user: MYSQL_CONFIG.user, password: MYSQL_CONFIG.password };
  const env = {
    ...process.env,
    PYTHONDONTWRITEBYTECODE: "1",
    DJANGO_AUTH_USER_CONFIG: JSON.stringify({
      dialect: config.dialect,
      name: config.dialect === "sqlite" ? sqliteFile(config) : config.database,
      ...connection,
      secret_key: SECRET_KEY,
      expect: config.version,
    }),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(python, [join(__dirname, "django_auth_user.py")], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", (error) => reject(new Error(`Cannot run ${python}: ${error.message}`)));
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`django_auth_user.py (Django ${config.version}, ${config.dialect}) exited with ${code}:\n${stderr}`));
      try {
        resolve(JSON.parse(stdout) as DjangoReport);
      } catch (error) {
        reject(new Error(`django_auth_user.py printed no JSON: ${String(error)}\n${stdout}\n${stderr}`));
      }
    });
  });
}

// All configurations are prepared up front, in parallel; each describe awaits its own.
const prepared = new Map<Config, Promise<{ target: Target; django: DjangoReport }>>();
function prepare(config: Config) {
  if (!prepared.has(config)) {
    const promise = freshDatabase(config).then(async (target) => ({ target, django: await runDjango(config) }));
    promise.catch(() => undefined); // reported by the describe that awaits it
    prepared.set(config, promise);
  }
  return prepared.get(config)!;
}
beforeAll(() => {
  for (const config of CONFIGS) prepare(config);
});

// --- the rows we expect -------------------------------------------------------------------------

/** Django's instant as a JS Date (milliseconds: a Date cannot hold Django's microseconds). */
const toDate = (instant: DjangoInstant) => parseDjangoDateText(instant.iso)!;

/** The user as an ORM row: camelCase, booleans as booleans, dates as `date(instant)`. */
function expectedRow<D>(user: DjangoUser, date: (instant: DjangoInstant) => D) {
  return {
    id: user.id,
    password: user.password,
    lastLogin: user.last_login === null ? null : date(user.last_login),
    isSuperuser: user.is_superuser,
    username: user.username,
    firstName: user.first_name,
    lastName: user.last_name,
    email: user.email,
    isStaff: user.is_staff,
    isActive: user.is_active,
    dateJoined: date(user.date_joined),
  };
}

/** Prisma's `AuthUser` row: SQLite's dates are Django's text (String fields), Dates elsewhere. */
const prismaRow = (dialect: Dialect, user: DjangoUser) => (dialect === "sqlite" ? expectedRow(user, (i) => i.sqlite) : expectedRow(user, toDate));

/** Ids that are not Django's integer pk: each must give `null` without a query. */
const NOT_A_PK = ["", "abc", "1.5", "1e3", " 1", "1 ", "+1", "0x1", "١", "2147483648", "99999999999", "-2147483649", "1; DROP TABLE auth_user"];

const USERS: UserName[] = ["alice", "bob", "root", "carol"];

// --- the Prisma model against Django's table, from the database catalog ----------------------

interface ModelField {
  name: string;
  column: string;
  type: string;
  optional: boolean;
  /** `@db.X(args)`, e.g. `VarChar(150)`. */
  native?: string;
  id: boolean;
  autoincrement: boolean;
  uniqueMap?: string;
}

const SCHEMA_FILE: Record<Dialect, string> = { postgres: "postgresql", mysql: "mysql", sqlite: "sqlite" };

/** The `AuthUser` model of prisma/<provider>.prisma: fields, table and index names. */
function readAuthUserModel(dialect: Dialect): { table: string; fields: ModelField[]; indexes: string[] } {
  const schema = readFileSync(join(REPO_ROOT, "prisma", `${SCHEMA_FILE[dialect]}.prisma`), "utf8");
  const body = /^model AuthUser \{\n([\s\S]*?)^\}/m.exec(schema)?.[1];
  if (!body) throw new Error(`no AuthUser model in prisma/${SCHEMA_FILE[dialect]}.prisma`);
  const lines = body
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("//"));
  const fields = lines
    .filter((line) => !line.startsWith("@@"))
    .map((line): ModelField => {
      const [, name, type, optional, attributes] = /^(\w+)\s+(\w+)(\?)?\s*(.*)$/.exec(line)!;
      return {
        name,
        type,
        optional: optional === "?",
        column: /@map\("([^"]+)"\)/.exec(attributes)?.[1] ?? name,
        native: /@db\.(\w+(?:\([^)]*\))?)/.exec(attributes)?.[1],
        id: /@id\b/.test(attributes),
        autoincrement: attributes.includes("@default(autoincrement())"),
        uniqueMap: /@unique\(map: "([^"]+)"\)/.exec(attributes)?.[1],
      };
    });
  const table = /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? "AuthUser";
  const indexes = [...body.matchAll(/@@index\(.*map: "([^"]+)"\)/g)].map((m) => m[1]);
  return { table, fields, indexes };
}

/** The column type Django's table must have for a model field, in the catalog's spelling. */
function expectedColumnType(dialect: Dialect, field: ModelField): string {
  const size = /\((\d+)\)/.exec(field.native ?? "")?.[1];
  if (dialect === "postgres") {
    if (field.type === "Int") return "integer";
    if (field.type === "Boolean") return "boolean";
    if (field.type === "String" && field.native?.startsWith("VarChar(")) return `character varying(${size})`;
    if (field.type === "DateTime" && field.native?.startsWith("Timestamptz(")) return `timestamp with time zone(${size})`;
  } else if (dialect === "mysql") {
    if (field.type === "Int") return "int";
    if (field.type === "Boolean") return "tinyint(1)";
    if (field.type === "String" && field.native?.startsWith("VarChar(")) return `varchar(${size})`;
    if (field.type === "DateTime" && field.native?.startsWith("DateTime(")) return `datetime(${size})`;
  } else {
    // SQLite keeps Django's declared types; Prisma's introspection reads integer as Int, varchar
    // as String, bool as Boolean and datetime as DateTime (a String here, on purpose).
    if (field.type === "Int") return "integer";
    if (field.type === "Boolean") return "bool";
    if (field.type === "String") return field.column === "last_login" || field.column === "date_joined" ? "datetime" : "varchar(*)";
  }
  throw new Error(`no ${dialect} column type for ${field.name} ${field.type} ${field.native ?? ""}`);
}

interface CatalogColumn {
  type: string;
  nullable: boolean;
  primary: boolean;
  autoincrement: boolean;
}

/** Django's table as the database describes it: columns, unique constraints/indexes, other indexes. */
async function readCatalog(config: Config, target: Target, table: string) {
  const columns = new Map<string, CatalogColumn>();
  const uniques: Record<string, string[]> = {};
  const indexes: string[] = [];
  if (config.dialect === "postgres") {
    const { Client } = await import("pg");
    const client = new Client({ connectionString: target.postgres });
    await client.connect();
    try {
      const cols = await client.query(
        `SELECT c.column_name, c.data_type, c.character_maximum_length, c.datetime_precision, c.is_nullable, c.is_identity, c.column_default,
                EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                        WHERE i.indrelid = $1::text::regclass AND i.indisprimary AND a.attname = c.column_name) AS primary
           FROM information_schema.columns c WHERE c.table_name = $1::text AND c.table_schema = current_schema()`,
        [table],
      );
      for (const c of cols.rows) {
        const type =
          c.data_type === "character varying"
            ? `character varying(${c.character_maximum_length})`
            : c.data_type === "timestamp with time zone"
              ? `timestamp with time zone(${c.datetime_precision})`
              : c.data_type;
        const autoincrement = c.is_identity === "YES" || /^nextval\(/.test(c.column_default ?? "");
        columns.set(c.column_name, { type, nullable: c.is_nullable === "YES", primary: c.primary, autoincrement });
      }
      const cons = await client.query(
        `SELECT con.conname, array_agg(a.attname::text) AS cols FROM pg_constraint con
           JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = ANY(con.conkey)
          WHERE con.conrelid = $1::text::regclass AND con.contype = 'u' GROUP BY con.conname`,
        [table],
      );
      for (const c of cons.rows) uniques[c.conname] = c.cols;
      const idx = await client.query(
        `SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
          WHERE x.indrelid = $1::text::regclass AND NOT x.indisprimary AND NOT x.indisunique`,
        [table],
      );
      indexes.push(...idx.rows.map((r) => r.relname as string));
    } finally {
      await client.end();
    }
  } else if (config.dialect === "mysql") {
    const mysql = await import("mysql2/promise");
    const conn = await mysql.createConnection(target.mysql);
    try {
      const [cols] = await conn.query(
        "SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_KEY AS k, EXTRA AS extra FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?",
        [table],
      );
      for (const c of cols as Record<string, string>[]) {
        // MariaDB and MySQL 5.7 show int's display width, int(11); MySQL 8 does not.
        const type = c.type.replace(/^int\(\d+\)$/, "int");
        columns.set(c.name, { type, nullable: c.nullable === "YES", primary: c.k === "PRI", autoincrement: c.extra.includes("auto_increment") });
      }
      const [stats] = await conn.query(
        "SELECT INDEX_NAME AS name, NON_UNIQUE AS nonUnique, COLUMN_NAME AS col FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND INDEX_NAME <> 'PRIMARY' ORDER BY SEQ_IN_INDEX",
        [table],
      );
      for (const s of stats as Record<string, string | number>[]) {
        if (Number(s.nonUnique) === 0) (uniques[String(s.name)] ??= []).push(String(s.col));
        else if (!indexes.includes(String(s.name))) indexes.push(String(s.name));
      }
    } finally {
      await conn.end();
    }
  } else {
    const Database = (await import("better-sqlite3")).default;
    const db = new Database(target.sqlite, { readonly: true });
    try {
      const sql = String((db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) as { sql: string }).sql);
      const autoincrementColumn = /"(\w+)" integer NOT NULL PRIMARY KEY AUTOINCREMENT/.exec(sql)?.[1];
      for (const c of db.prepare(`SELECT name, type, "notnull" AS nn, pk FROM pragma_table_info(?)`).all(table) as Record<string, string | number>[]) {
        const type = String(c.type).toLowerCase().replace(/^varchar\(\d+\)$/, "varchar(*)");
        columns.set(String(c.name), { type, nullable: c.nn === 0, primary: Number(c.pk) > 0, autoincrement: c.name === autoincrementColumn });
      }
      for (const i of db.prepare(`SELECT name, "unique" AS u, origin FROM pragma_index_list(?)`).all(table) as Record<string, string | number>[]) {
        const cols = (db.prepare("SELECT name FROM pragma_index_info(?)").all(String(i.name)) as { name: string }[]).map((r) => r.name);
        if (Number(i.u) === 1 && i.origin !== "pk") uniques[String(i.name)] = cols;
        else if (Number(i.u) === 0) indexes.push(String(i.name));
      }
    } finally {
      db.close();
    }
  }
  return { columns, uniques, indexes: indexes.sort() };
}

// --- the suites ---------------------------------------------------------------------------------

describe.each(CONFIGS)("auth_user made by Django $version on $dialect", (config) => {
  const { dialect, version } = config;
  let target: Target;
  let django: DjangoReport;
  const auth = () => ({ secretKey: SECRET_KEY, siteDjangoVersion: version });

  beforeAll(async () => {
    ({ target, django } = await prepare(config));
    expect(django.django.startsWith(`${version}.`)).toBe(true);
    // What Django itself says of the sessions its login() wrote.
    expect(django.django_get_user).toEqual({
      alice: { authenticated: true, username: "alice" },
      bob: { authenticated: false, username: "" }, // inactive: ModelBackend refuses him
      carol3: { authenticated: false, username: "" }, // her password changed after the login
    });
  }, SETUP_TIMEOUT);

  describe("the Prisma AuthUser model", () => {
    let prisma: AnyPrismaClient;
    let queries: string[];
    beforeAll(() => {
      prisma = clientFor(dialect, target);
      queries = recordQueries(prisma);
    });
    afterAll(() => prisma.$disconnect());

    test("fits Django's table: the same columns, types, nullability, keys and index names", async () => {
      const model = readAuthUserModel(dialect);
      expect(model.table).toBe("auth_user");
      const catalog = await readCatalog(config, target, model.table);
      expect(model.fields.map((f) => f.column).sort()).toEqual([...catalog.columns.keys()].sort());
      for (const field of model.fields) {
        const column = catalog.columns.get(field.column)!;
        expect({ field: field.name, type: column.type, nullable: column.nullable, primary: column.primary, autoincrement: column.autoincrement }).toEqual({
          field: field.name,
          type: expectedColumnType(dialect, field),
          nullable: field.optional,
          primary: field.id,
          autoincrement: field.autoincrement,
        });
      }
      // The unique constraint (PostgreSQL) / unique index (MySQL, SQLite) on username, by name.
      const uniqueFields = model.fields.filter((f) => f.uniqueMap);
      expect(Object.fromEntries(uniqueFields.map((f) => [f.uniqueMap!, [f.column]]))).toEqual(catalog.uniques);
      expect(model.indexes.sort()).toEqual(catalog.indexes);
    });

    test("reads every field as Django wrote it", async () => {
      const delegate = prisma.authUser as unknown as { findUnique(args: object): Promise<unknown>; findMany(args: object): Promise<unknown[]> };
      for (const name of USERS) {
        const user = django.users[name];
        expect(await delegate.findUnique({ where: { id: user.id } })).toEqual(prismaRow(dialect, user));
        // The unique field is a unique input too.
        expect(await delegate.findUnique({ where: { username: name } })).toEqual(prismaRow(dialect, user));
      }
      expect(await delegate.findMany({ where: { isStaff: true }, orderBy: { id: "asc" }, select: { username: true } })).toEqual([
        { username: "alice" },
        { username: "root" },
      ]);
      expect(await delegate.findMany({ where: { lastLogin: null }, select: { username: true } })).toEqual([{ username: "root" }]);
    });

    test("createPrismaUserLoader feeds getUser for the sessions Django's login() wrote", async () => {
      const loadUser = createPrismaUserLoader(prisma);
      const repository = new DjangoSessionRepository({ secretKey: SECRET_KEY, adapter: createPrismaAdapter(prisma) });
      const alice = await getUser(repository.get(django.sessions.alice), { ...auth(), loadUser });
      expect(alice).toEqual({ user: prismaRow(dialect, django.users.alice), backend: MODEL_BACKEND, reason: "verified" });
      // The row's type is the model's: its fields are typed (compile-time check).
      if (alice.user) expect([alice.user.username, alice.user.isStaff, alice.user.email]).toEqual(["alice", true, "alice@example.com"]);

      expect(await getUser(repository.get(django.sessions.bob), { ...auth(), loadUser })).toEqual({ user: null, reason: "inactive" });
      // Django changed carol's password after her login: the session is flushed, as Django does.
      expect(await getUser(repository.get(django.sessions.carol), { ...auth(), loadUser })).toEqual({ user: null, reason: "hash-mismatch" });
      expect(await repository.exists(django.sessions.carol)).toBe(false);
    });

    test("the loader returns the row for a string id, null for an unknown one", async () => {
      // @ts-expect-error: the client has no such model (a compile-time error, and a runtime one)
      expect(() => createPrismaUserLoader(prisma, { model: "authUsers" })).toThrow(ImproperlyConfigured);
      const loadUser = createPrismaUserLoader(prisma);
      expect(await loadUser(String(django.users.root.id))).toEqual(prismaRow(dialect, django.users.root));
      expect(await loadUser("999999")).toBeNull();
    });

    test("an id that cannot be Django's pk gives null without any query", async () => {
      const loadUser = createPrismaUserLoader(prisma);
      await loadUser("1"); // a first query, so that the client is connected
      const before = queries.length;
      for (const id of NOT_A_PK) expect(await loadUser(id)).toBeNull();
      expect(queries.slice(before)).toEqual([]);
    });

    test("a session whose _auth_user_id is not a pk is anonymous, and auth_user is not queried", async () => {
      const repository = new DjangoSessionRepository({ secretKey: SECRET_KEY, adapter: createPrismaAdapter(prisma) });
      const session = repository.get();
      await session.update({ _auth_user_id: "1 OR 1=1", _auth_user_backend: MODEL_BACKEND, _auth_user_hash: "x" });
      await session.save();
      const before = queries.length;
      const loaded = repository.get(session.sessionKey);
      expect(await getUser(loaded, { ...auth(), loadUser: createPrismaUserLoader(prisma) })).toEqual({ user: null, reason: "user-not-found" });
      expect(queries.slice(before).filter((sql) => sql.includes("auth_user"))).toEqual([]);
    });
  });

  describe("the TypeORM entity", () => {
    const entity = createAuthUserEntity(dialect);
    const log = new QueryLog();
    let dataSource: DataSource;

    /** DataSource options for Django's database; MariaDB is TypeORM's "mariadb", in UTC. */
    const options = (extra: Partial<DataSourceOptions> = {}): DataSourceOptions =>
      ({
        ...(dialect === "postgres"
          ? { type: "postgres", url: target.postgres }
          : dialect === "mysql"
            ? { type: "mariadb", host: target.mysql.host, port: target.mysql.port, username: target.mysql.user, password: target.mysql.password, database: target.mysql.database, timezone: "Z" }
            : { type: "better-sqlite3", database: target.sqlite }),
        entities: [entity],
        ...extra,
      }) as DataSourceOptions;

    beforeAll(async () => {
      dataSource = await new DataSource(options({ logger: log })).initialize();
    });
    afterAll(() => dataSource.destroy());

    test("reads every field as Django wrote it, dates to the millisecond on every database", async () => {
      const repository = dataSource.getRepository(entity);
      for (const name of USERS) {
        const user = django.users[name];
        expect(await repository.findOneBy({ id: user.id })).toEqual(expectedRow(user, toDate));
        expect(await repository.findOneBy({ username: name })).toEqual(expectedRow(user, toDate));
      }
      expect((await repository.find({ where: { isSuperuser: true } })).map((u) => u.username)).toEqual(["root"]);
    });

    test("schema sync plans nothing for Django's table, with synchronize: true too", async () => {
      expect((await dataSource.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
      const synced = await new DataSource(options({ synchronize: true })).initialize();
      await synced.destroy();
      expect(await dataSource.getRepository(entity).count()).toBe(4);
    });

    test("carries Django's table, constraint and index names", () => {
      const metadata = dataSource.getMetadata(entity);
      expect(metadata.tableName).toBe("auth_user");
      if (dialect === "postgres") {
        expect(metadata.uniques.map((u) => u.name)).toEqual(["auth_user_username_key"]);
        expect(metadata.indices.map((i) => i.name)).toEqual(["auth_user_username_6821ab7c_like"]);
      } else if (dialect === "mysql") {
        expect(metadata.indices.map((i) => [i.name, i.isUnique])).toEqual([["username", true]]);
      }
    });

    if (dialect !== "sqlite") {
      test("its columns match Django's DDL: even a forced sync plans nothing", async () => {
        const metadata = dataSource.getMetadata(entity);
        metadata.synchronize = true;
        try {
          expect((await dataSource.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
        } finally {
          metadata.synchronize = false;
        }
      });
    } else {
      test("on SQLite, a forced sync would differ only in the types TypeORM cannot name (bool, datetime as text)", async () => {
        const runner = dataSource.createQueryRunner();
        try {
          const table = (await runner.getTable("auth_user"))!;
          const changed = dataSource.driver.findChangedColumns(table.columns, dataSource.getMetadata(entity).columns);
          expect(changed.map((c) => [c.databaseName, table.findColumnByName(c.databaseName)!.type, c.type]).sort()).toEqual([
            ["date_joined", "datetime", "text"],
            ["is_active", "bool", "boolean"],
            ["is_staff", "bool", "boolean"],
            ["is_superuser", "bool", "boolean"],
            ["last_login", "datetime", "text"],
          ]);
        } finally {
          await runner.release();
        }
      });
    }

    test("createTypeOrmUserLoader feeds getUser for the sessions Django's login() wrote", async () => {
      const loadUser = createTypeOrmUserLoader(dataSource);
      const repository = new DjangoSessionRepository({ secretKey: SECRET_KEY, adapter: createTypeOrmAdapter(dataSource) });
      const alice = await getUser(repository.get(django.sessions.alice), { ...auth(), loadUser });
      expect(alice).toEqual({ user: expectedRow(django.users.alice, toDate), backend: MODEL_BACKEND, reason: "verified" });
      const typed: AuthUserEntity | null = alice.user;
      expect(typed?.dateJoined).toEqual(toDate(django.users.alice.date_joined));

      expect(await getUser(repository.get(django.sessions.bob), { ...auth(), loadUser })).toEqual({ user: null, reason: "inactive" });
      expect(await getUser(repository.get(django.sessions.carol2), { ...auth(), loadUser })).toEqual({ user: null, reason: "hash-mismatch" });
      expect(await repository.exists(django.sessions.carol2)).toBe(false);
    });

    test("the loader returns the row for a string id, null for an unknown one", async () => {
      const loadUser = createTypeOrmUserLoader(dataSource, { entity });
      expect(await loadUser(String(django.users.root.id))).toEqual(expectedRow(django.users.root, toDate));
      expect(await loadUser("999999")).toBeNull();
    });

    test("an id that cannot be Django's pk gives null without any query", async () => {
      const loadUser = createTypeOrmUserLoader(dataSource);
      for (const id of NOT_A_PK) expect(await log.during(async () => expect(await loadUser(id)).toBeNull())).toEqual([]);
      expect(await log.during(() => loadUser("7"))).toHaveLength(1);
    });

    test("a DataSource initialized after the loader was made is looked up on the first call", async () => {
      const later = new DataSource(options());
      const loadUser = createTypeOrmUserLoader(later);
      await later.initialize();
      try {
        expect(await loadUser(String(django.users.alice.id))).toEqual(expectedRow(django.users.alice, toDate));
      } finally {
        await later.destroy();
      }
    });

    if (dialect === "mysql") {
      test("with type mysql too; but a non-UTC timezone is refused (it would shift the dates)", async () => {
        const asMysql = await new DataSource(options({ type: "mysql" } as Partial<DataSourceOptions>)).initialize();
        const local = await new DataSource(options({ timezone: "local" } as Partial<DataSourceOptions>)).initialize();
        try {
          expect((await asMysql.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
          expect(await createTypeOrmUserLoader(asMysql)(String(django.users.alice.id))).toEqual(expectedRow(django.users.alice, toDate));
          expect(() => createTypeOrmUserLoader(local)).toThrow(ImproperlyConfigured);
          expect(() => createTypeOrmUserLoader(local)).toThrow(/set timezone: "Z"/);
          expect(createTypeOrmUserLoader(local, { time: { useTz: false } })).toEqual(expect.any(Function));
        } finally {
          await asMysql.destroy();
          await local.destroy();
        }
      });
    }
  });
});

// --- configuration errors and the id rule, without Django ----------------------------------------

describe("user loaders: configuration", () => {
  test("createPrismaUserLoader refuses a client without the model, saying how to add it", () => {
    const client = { $queryRawUnsafe: async () => [], $executeRawUnsafe: async () => 0 };
    expect(() => createPrismaUserLoader(client as never)).toThrow(ImproperlyConfigured);
    expect(() => createPrismaUserLoader(client as never)).toThrow(/Paste the AuthUser model .*prisma generate/);
    expect(() => createPrismaUserLoader(client, { model: "$queryRawUnsafe" as never })).toThrow(/no model "\$queryRawUnsafe"/);
  });

  test("createPrismaUserLoader takes another model and id field", async () => {
    const calls: unknown[] = [];
    const client = {
      member: {
        findUnique: async (args: { where: Record<string, unknown> }) => {
          calls.push(args);
          return { id: 5, password: "!", isActive: true };
        },
      },
    };
    const loadUser = createPrismaUserLoader(client, { model: "member", idField: "pk", parseId: (id) => (/^[0-9a-f-]{36}$/.test(id) ? id : null) });
    expect(await loadUser("not-a-uuid")).toBeNull();
    expect(await loadUser("0f0e0d0c-0b0a-0908-0706-050403020100")).toEqual({ id: 5, password: "!", isActive: true });
    expect(calls).toEqual([{ where: { pk: "0f0e0d0c-0b0a-0908-0706-050403020100" } }]);
  });

  test("createTypeOrmUserLoader refuses a DataSource without an auth_user entity", async () => {
    const dataSource = await new DataSource({ type: "better-sqlite3", database: ":memory:", entities: [] }).initialize();
    try {
      expect(() => createTypeOrmUserLoader(dataSource)).toThrow(ImproperlyConfigured);
      expect(() => createTypeOrmUserLoader(dataSource)).toThrow(/createAuthUserEntity/);
      expect(() => createTypeOrmUserLoader(dataSource, { entity: createAuthUserEntity("sqlite") })).toThrow(/not in the DataSource's entities/);
    } finally {
      await dataSource.destroy();
    }
  });

  test("createAuthUserEntity: an unknown dialect is a configuration error; a custom table gets Django's names for it", async () => {
    expect(() => createAuthUserEntity("mariadb" as "mysql")).toThrow(ImproperlyConfigured);
    const entity = createAuthUserEntity("postgres", { table: "accounts_user" });
    const dataSource = await new DataSource({ type: "postgres", url: POSTGRES_URL, entities: [entity] }).initialize();
    try {
      const metadata = dataSource.getMetadata(entity);
      expect(metadata.tableName).toBe("accounts_user");
      expect(metadata.uniques.map((u) => u.name)).toEqual(["accounts_user_username_key"]);
      // Django's _create_index_name("accounts_user", ["username"], "_like").
      expect(metadata.indices.map((i) => i.name)).toEqual(["accounts_user_username_6088629e_like"]);
    } finally {
      await dataSource.destroy();
    }
  });

  test("parseAutoFieldId takes Django's str(pk) of a 32-bit integer and nothing else", () => {
    expect(["1", "42", "007", "2147483647", "-2147483648", "0"].map(parseAutoFieldId)).toEqual([1, 42, 7, 2147483647, -2147483648, 0]);
    for (const id of NOT_A_PK) expect(parseAutoFieldId(id)).toBeNull();
    expect(parseAutoFieldId(1 as unknown as string)).toBeNull();
  });
});
