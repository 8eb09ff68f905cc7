import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Where the tests find the databases `scripts/setup-test-env.sh` prepares. Override with the
 * environment variables for another setup.
 */
export const POSTGRES_URL = process.env.DJANGO_SESSION_TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/django_session_test";
export const MYSQL_CONFIG = {
  host: process.env.DJANGO_SESSION_TEST_MYSQL_HOST ?? "127.0.0.1",
  port: Number(process.env.DJANGO_SESSION_TEST_MYSQL_PORT ?? 3306),
  user: process.env.DJANGO_SESSION_TEST_MYSQL_USER ?? "django_session",
  password: process.env.DJANGO_SESSION_TEST_MYSQL_PASSWORD ?? "django_session",
  database: process.env.DJANGO_SESSION_TEST_MYSQL_DATABASE ?? "django_session_test",
};
export const MYSQL_URL = `mysql://${MYSQL_CONFIG.user}:${MYSQL_CONFIG.password}@${MYSQL_CONFIG.host}:${MYSQL_CONFIG.port}/${MYSQL_CONFIG.database}`;

/** Scratch folder for SQLite files (git-ignored). */
export const TMP_DIR = join(__dirname, "..", ".tmp");

export type Dialect = "postgres" | "mysql" | "sqlite";

/** The repository's root (this file also runs compiled from .bench-build/). */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, "migrations", "postgres.sql"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("migrations/ not found above " + __dirname);
    dir = parent;
  }
  return dir;
}

/** Django's DDL for `django_session` on a dialect, split into statements. */
export function djangoSessionDdl(dialect: Dialect): string[] {
  const sql = readFileSync(join(repoRoot(), "migrations", `${dialect}.sql`), "utf8");
  return sql
    .split("\n")
    .filter((line) => !line.startsWith("--"))
    .join("\n")
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s && s !== "BEGIN" && s !== "COMMIT");
}

/**
 * A database of its own for one test file (created when missing), so files and developers
 * running suites side by side never drop each other's `django_session` table.
 * Returns the PostgreSQL URL or MySQL config pointing at it.
 *
 * Each name is created once per process (the promise is kept), and creations from other
 * processes are serialised by an advisory lock: two `CREATE DATABASE` of one name racing on a
 * server that never saw the suite made PostgreSQL answer the loser with 23505 on
 * pg_database_datname_index (not 42P04), failing every test of the file on a first run.
 */
const creations = new Map<string, Promise<unknown>>();

/** `create()` once per `id` in this process; a failed creation may be tried again by a later call. */
function once<T>(id: string, create: () => Promise<T>): Promise<T> {
  let creation = creations.get(id) as Promise<T> | undefined;
  if (!creation) {
    creation = create();
    creation.catch(() => creations.delete(id));
    creations.set(id, creation);
  }
  return creation;
}

/** Any "it exists already" answer: 42P04 duplicate_database, or 23505 from the catalog's index. */
function isPostgresAlreadyExists(error: { code?: string }): boolean {
  return error.code === "42P04" || error.code === "23505";
}

export function ensurePostgresDatabase(name: string): Promise<string> {
  return once(`postgres:${name}`, () => createPostgresDatabase(name));
}

/** Our own key for pg_advisory_lock, so test runs never wait on a lock of anybody else's. */
const CREATE_DATABASE_LOCK = 0x6473_0001; // "ds" 1

async function createPostgresDatabase(name: string): Promise<string> {
  const { Client } = await import("pg");
  const admin = new Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query("SELECT pg_advisory_lock($1)", [CREATE_DATABASE_LOCK]);
    const found = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount === 0) {
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, "")}"`).catch((error: { code?: string }) => {
        if (!isPostgresAlreadyExists(error)) throw error; // created meanwhile by a process without the lock
      });
    }
  } finally {
    await admin.end(); // ends the session, and with it the advisory lock
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export function ensureMysqlDatabase(name: string): Promise<typeof MYSQL_CONFIG> {
  return once(`mysql:${name}`, () => createMysqlDatabase(name));
}

async function createMysqlDatabase(name: string): Promise<typeof MYSQL_CONFIG> {
  const mysql = await import("mysql2/promise");
  const admin = await mysql.createConnection({ ...MYSQL_CONFIG });
  try {
    // IF NOT EXISTS already tolerates a creation racing ours (a note, not an error, on MariaDB).
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${name.replace(/`/g, "")}\` CHARACTER SET utf8mb4`);
  } finally {
    await admin.end();
  }
  return { ...MYSQL_CONFIG, database: name };
}

/**
 * Drops one test database so that the next use starts empty: `name` on PostgreSQL or MariaDB,
 * `test/.tmp/<name>.sqlite3` (and its journal files) for SQLite.
 */
export async function dropTestDatabase(dialect: Dialect, name: string): Promise<void> {
  if (dialect === "postgres") {
    const { Client } = await import("pg");
    const admin = new Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  } else if (dialect === "mysql") {
    const mysql = await import("mysql2/promise");
    const admin = await mysql.createConnection({ ...MYSQL_CONFIG });
    try {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    } finally {
      await admin.end();
    }
  } else {
    for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(join(TMP_DIR, `${name}.sqlite3`) + suffix, { force: true });
  }
}
