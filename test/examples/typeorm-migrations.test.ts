/**
 * A TypeORM app that runs its own migrations next to Django never touches Django's tables.
 *
 * For Django 5.2 and 3.2, each on PostgreSQL and MariaDB: real Django `migrate`s an empty database
 * (`ds_typeormmig_*`); a scratch app (fixtures/typeorm-app, copied to test/.tmp) lists the library's
 * `DjangoSession` and `AuthUser` entities plus an entity of its own (`app_note`, with a foreign key
 * to `auth_user`), as the README's TypeORM section says. Then, with TypeORM's own CLI:
 * - `typeorm migration:generate` writes a migration that creates app_note (and its foreign key to
 *   auth_user) and holds nothing else for Django's tables;
 * - `typeorm migration:run` applies it; `migration:generate --check` then finds no change at all;
 * - django_session and auth_user are exactly as Django left them (columns, indexes, constraints);
 * - even with the library's entities forced to `synchronize: true`, TypeORM plans nothing for them.
 *
 * The app loads `django-session/typeorm` from dist/ through the package's self-reference (built
 * here only when missing, like test/examples/examples.test.ts: run `npm run build` after changing src/).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { TMP_DIR } from "../support/databases";
import { expectSuccess, runCommand, type CommandResult } from "../support/run-command";
import { djangoMigratedDatabase, type MigratedDatabase, type ServerDialect } from "./fixtures/django-migrated";
import type { DjangoVersion } from "../interop/django-bridge";

const ROOT = join(__dirname, "..", "..");
const TYPEORM_CLI = require.resolve("typeorm/cli.js", { paths: [ROOT] });
const FIXTURE = join(__dirname, "fixtures", "typeorm-app");

type Run = CommandResult;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runCommand(command, args, { cwd, env });
}


interface Config {
  dialect: ServerDialect;
  version: DjangoVersion;
  database: string;
}

const CONFIGS: Config[] = (["5.2", "3.2"] as const).flatMap((version) =>
  (["postgres", "mysql"] as const).map((dialect) => ({
    dialect,
    version,
    database: `ds_typeormmig_${dialect === "postgres" ? "pg" : "mariadb"}_dj${version.replace(".", "")}`,
  })),
);

/** django_session's and auth_user's columns, indexes and constraints, from the catalog. */
async function djangoCatalog(db: MigratedDatabase): Promise<unknown> {
  const tables = ["django_session", "auth_user"];
  if (db.dialect === "postgres") {
    const { Client } = await import("pg");
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const columns = await client.query(
        `SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default, is_identity
           FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ANY($1) ORDER BY table_name, column_name`,
        [tables],
      );
      const indexes = await client.query(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY($1) ORDER BY indexname`, [tables]);
      const constraints = await client.query(
        `SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
          WHERE conrelid::regclass::text = ANY($1) ORDER BY conname`,
        [tables],
      );
      return { columns: columns.rows, indexes: indexes.rows, constraints: constraints.rows };
    } finally {
      await client.end();
    }
  }
  const mysql = await import("mysql2/promise");
  const connection = await mysql.createConnection(db.url);
  try {
    const [columns] = await connection.query(
      `SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?) ORDER BY TABLE_NAME, COLUMN_NAME`,
      [db.name, tables],
    );
    const [indexes] = await connection.query(
      `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SEQ_IN_INDEX FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?) ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
      [db.name, tables],
    );
    const [constraints] = await connection.query(
      `SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?) ORDER BY TABLE_NAME, CONSTRAINT_NAME`,
      [db.name, tables],
    );
    return { columns, indexes, constraints };
  } finally {
    await connection.end();
  }
}

/** Every DDL statement of a generated migration's `up()` (the strings passed to queryRunner.query). */
function upQueries(migration: string): string[] {
  const up = migration.slice(migration.indexOf("async up("), migration.indexOf("async down("));
  return [...up.matchAll(/queryRunner\.query\(`((?:[^`\\]|\\.)*)`\)/g)].map((m) => m[1].replace(/\\`/g, "`"));
}

const prepared = new Map<Config, Promise<MigratedDatabase>>();
function prepare(config: Config): Promise<MigratedDatabase> {
  if (!prepared.has(config)) {
    const promise = djangoMigratedDatabase(config.dialect, config.database, config.version);
    promise.catch(() => undefined); // reported by the test that awaits it
    prepared.set(config, promise);
  }
  return prepared.get(config)!;
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist", "cjs", "index.js"))) expectSuccess("npm run build", await run("npm", ["run", "build"], ROOT));
  for (const config of CONFIGS) prepare(config);
}, 180_000);

describe.each(CONFIGS)("Django $version on $dialect", (config) => {
  const app = join(TMP_DIR, `typeormmig-${config.dialect}-dj${config.version.replace(".", "")}`);
  let db: MigratedDatabase;
  let env: NodeJS.ProcessEnv;
  const typeorm = (...args: string[]) => run(process.execPath, [TYPEORM_CLI, ...args, "-d", "data-source.js"], app, env);

  beforeAll(async () => {
    db = await prepare(config);
    env = { DATABASE_URL: db.url, APP_DB_TYPE: config.dialect === "postgres" ? "postgres" : "mariadb" };
    rmSync(app, { recursive: true, force: true });
    mkdirSync(join(app, "migrations"), { recursive: true });
    cpSync(FIXTURE, app, { recursive: true });
  }, 180_000);

  test("Django created its tables", () => {
    expect(db.django.django.startsWith(`${config.version}.`)).toBe(true);
    expect(db.django.tables).toEqual(expect.arrayContaining(["django_session", "auth_user"]));
  });

  test("migration:generate plans app_note only; migration:run applies it; nothing is left to plan; Django's tables are untouched", async () => {
    const before = await djangoCatalog(db);

    const generated = expectSuccess("typeorm migration:generate", await typeorm("migration:generate", "migrations/AppInit", "--outputJs", "--timestamp", "1700000000000"));
    expect(generated).toMatch(/Migration .*AppInit\.js has been generated successfully/);
    const files = readdirSync(join(app, "migrations"));
    expect(files).toEqual(["1700000000000-AppInit.js"]);
    const queries = upQueries(readFileSync(join(app, "migrations", files[0]), "utf8"));
    // app_note, and its foreign key to auth_user(id): on app_note, nothing on Django's tables.
    expect(queries.length).toBeGreaterThanOrEqual(1);
    expect(queries[0]).toMatch(/^CREATE TABLE [`"]app_note[`"]/);
    for (const query of queries) expect({ query, onAppNote: /^(CREATE TABLE|ALTER TABLE) [`"]app_note[`"]/.test(query) }).toEqual({ query, onAppNote: true });
    expect(queries.filter((q) => /django_session/.test(q))).toEqual([]);
    expect(queries.filter((q) => /auth_user/.test(q))).toEqual([expect.stringMatching(/FOREIGN KEY \([`"]user_id[`"]\) REFERENCES [`"]auth_user[`"]\([`"]id[`"]\)/)]);

    expectSuccess("typeorm migration:run", await typeorm("migration:run"));
    const check = await typeorm("migration:generate", "migrations/Again", "--check");
    expect(check.output).toMatch(/No changes in database schema were found/);
    expect(check.code).toBe(0);
    expect(readdirSync(join(app, "migrations"))).toEqual(["1700000000000-AppInit.js"]);

    expect(await djangoCatalog(db)).toEqual(before);
  }, 60_000);

  test("the library's entities are synchronize: false, and even a forced sync plans nothing for them", async () => {
    const report = JSON.parse(expectSuccess("forced-sync.js", await run(process.execPath, ["forced-sync.js"], app, env)));
    expect(report).toEqual({
      DjangoSession: { synchronize: false, forced: [] },
      AuthUser: { synchronize: false, forced: [] },
    });
  }, 60_000);
});
