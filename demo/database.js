"use strict";
// The demo's SQLite file, ready from whatever an earlier run left in demo/.data, and opened
// through TypeORM with the library's entities, as an app would. Django owns the schema: with
// Django present, its own migrate makes the tables (demo/migrate.py). Without Django, the two
// tables the Node side needs are made here with Django's DDL, so that a later run with Django
// adopts them (migrate.py keeps their rows). A file neither can use (not a database, a broken
// schema) is only the demo's scratch file: it is set aside and made afresh, with a note.
const { spawnSync } = require("node:child_process");
const { existsSync, mkdirSync, readFileSync, renameSync, rmSync } = require("node:fs");
const path = require("node:path");
const { DataSource } = require("typeorm");
const { SqliteAuthUser, SqliteDjangoSession } = require("django-session/typeorm");
const { makePassword } = require("django-session/auth");

// migrations/sqlite.sql is what the README gives users for django_session.
const SESSION_DDL = readFileSync(path.join(__dirname, "..", "migrations", "sqlite.sql"), "utf8")
  .split(";")
  .map((statement) => statement.replace(/^--.*$/gm, "").trim())
  .filter((statement) => statement.startsWith("CREATE"));
// auth_user as Django's migrations (3.2 and 5.2 alike) leave it on SQLite.
const AUTH_USER_DDL =
  'CREATE TABLE "auth_user" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "password" varchar(128) NOT NULL, "last_login" datetime NULL, "is_superuser" bool NOT NULL, "username" varchar(150) NOT NULL UNIQUE, "last_name" varchar(150) NOT NULL, "email" varchar(254) NOT NULL, "is_staff" bool NOT NULL, "is_active" bool NOT NULL, "date_joined" datetime NOT NULL, "first_name" varchar(150) NOT NULL)';

async function openDatabase(file) {
  const dataSource = new DataSource({
    type: "better-sqlite3",
    database: file,
    entities: [SqliteDjangoSession, SqliteAuthUser],
    // Django writes the same file from another process: WAL lets readers and one writer overlap.
    enableWAL: true,
  });
  await dataSource.initialize();
  return dataSource;
}

async function createTablesWithoutDjango(dataSource) {
  const exists = async (table) =>
    (await dataSource.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table])).length > 0;
  if (!(await exists("django_session"))) for (const statement of SESSION_DDL) await dataSource.query(statement);
  if (!(await exists("auth_user"))) await dataSource.query(AUTH_USER_DDL);
}

/** The demo user, `demo` / `demo-password`, hashed with Django's default hasher so both sides accept it. */
async function seedUser(dataSource) {
  const users = dataSource.getRepository(SqliteAuthUser);
  if (await users.existsBy({ username: "demo" })) return;
  await users.insert({
    username: "demo",
    password: await makePassword("demo-password", { algorithm: "pbkdf2_sha256" }),
    lastLogin: null,
    isSuperuser: false,
    isStaff: false,
    isActive: true,
    firstName: "Demo",
    lastName: "",
    email: "demo@example.com",
    dateJoined: new Date(),
  });
}

function migrateWithDjango(python, file) {
  const result = spawnSync(python, [path.join(__dirname, "migrate.py"), file], { encoding: "utf8" });
  if (result.stdout) process.stdout.write(result.stdout);
  if (result.status !== 0) throw new Error((result.stderr || result.error?.message || `exit status ${result.status}`).trim());
}

async function prepare(file, python) {
  if (python) migrateWithDjango(python, file);
  const dataSource = await openDatabase(file);
  try {
    if (!python) await createTablesWithoutDjango(dataSource);
    await seedUser(dataSource);
    return dataSource;
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
}

function setAside(file) {
  const aside = `${file}.unusable`;
  rmSync(aside, { force: true });
  if (existsSync(file)) renameSync(file, aside);
  // SQLite's WAL files belong to the old file; left behind, they would be replayed into the new one.
  for (const suffix of ["-wal", "-shm"]) rmSync(file + suffix, { force: true });
  return aside;
}

/**
 * The initialized DataSource on `file`, with Django's tables and the demo user. `python`: the
 * Python whose Django migrates the file, or null. Errors carry their whole story in the message.
 */
async function openDemoDatabase(file, python) {
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    return await prepare(file, python);
  } catch (error) {
    console.log(`demo: ${file} could not be used (${String(error.message).split("\n")[0]}).`);
    console.log(`demo: moved it to ${setAside(file)}; starting from an empty database (the demo user is seeded again).`);
  }
  try {
    return await prepare(file, python);
  } catch (error) {
    throw new Error(`${file}: even a new, empty database failed: ${error.message}`);
  }
}

module.exports = { openDemoDatabase };
