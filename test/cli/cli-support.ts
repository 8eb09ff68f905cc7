/**
 * Runs the BUILT command (`node dist/cjs/cli/main.js`) as a child process, as a user would, and
 * has real Django 5.2 write session rows for it to read.
 */
import { execFileSync, spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { ensurePostgresDatabase, MYSQL_CONFIG, TMP_DIR } from "../support/databases";
import { openDatabase, type RawDatabase } from "../support/raw-tables";

const ROOT = path.join(__dirname, "..", "..");
export const CLI = path.join(ROOT, "dist", "cjs", "cli", "main.js");

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "generated") newest = Math.max(newest, newestSource(full));
    } else if (entry.name.endsWith(".ts")) {
      newest = Math.max(newest, statSync(full).mtimeMs);
    }
  }
  return newest;
}

/**
 * Compiles the CLI (and what it imports) into dist/cjs when dist is missing or older than src;
 * a no-op after `npm run build`.
 */
export function ensureCliBuilt(): void {
  let built = 0;
  try {
    built = statSync(CLI).mtimeMs;
  } catch {
    // not built yet
  }
  if (built >= newestSource(path.join(ROOT, "src"))) return;
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(__dirname, "tsconfig.cli.json")], { cwd: ROOT, stdio: "inherit" });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a run: the caller's, minus anything that would configure the CLI behind the test's back. */
function cleanEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const name of ["DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY_FALLBACKS", "DATABASE_URL", "DJANGO_SESSION_CLI_NOW", "DJANGO_SESSION_DEBUG"]) delete base[name];
  return { ...base, ...env };
}

/** `node dist/cjs/cli/main.js ...args` with stdout and stderr captured (so not a TTY). */
export function runCli(args: string[], options: { env?: Record<string, string | undefined>; input?: string; cwd?: string; cli?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.cli ?? CLI, ...args], { cwd: options.cwd ?? ROOT, env: cleanEnv(options.env ?? {}) });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The same run on a pseudo-terminal (util-linux `script`): stdout and stderr are one TTY. */
export function runCliInTty(args: string[], options: { env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, CLI, ...args].map(shellQuote).join(" ");
    const child = spawn("script", ["-q", "-e", "-c", command, "/dev/null"], { cwd: ROOT, env: { ...cleanEnv(options.env ?? {}), COLUMNS: "120", TERM: "xterm" } });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr: "" }));
    child.stdin.end();
  });
}

/** Parses `--json` output, failing the test with the whole output when it is not JSON. */
export function parseJson(result: CliResult): any {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** No error output may be a stack trace. */
export function expectNoStack(result: CliResult): void {
  expect(`${result.stdout}\n${result.stderr}`).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

// --- Real Django -------------------------------------------------------------------------

export function django52Python(): string {
  return process.env.DJANGO52_PYTHON || path.join(ROOT, ".venv-django52", "bin", "python");
}

export type DjangoDb =
  | { dialect: "postgres"; name: string; host: string; port: number; user: string; password?: string }
  | { dialect: "mysql"; name: string; host: string; port: number; user: string; password: string }
  | { dialect: "sqlite"; name: string };

export interface DjangoConfig {
  db: DjangoDb;
  secretKey: string;
  useTz?: boolean;
  timeZone?: string;
}

export type DjangoOp =
  | { op: "create"; data: Record<string, unknown>; expiry?: number | null }
  | { op: "encode"; data: Record<string, unknown> }
  | { op: "cookie"; data: Record<string, unknown> }
  | { op: "user"; key: string };

/** Runs test/cli/django_rows.py under Django 5.2; one result per op (`key`/`session_data` or `value`; `user`: the `_auth_user_id` Django loads). */
export function django(config: DjangoConfig, ops: DjangoOp[]): Promise<{ key?: string; session_data?: string; value?: string }[]> {
  const request = {
    config: { ...config.db, secret_key: config.secretKey, use_tz: config.useTz ?? true, time_zone: config.timeZone ?? "UTC" },
    ops,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(django52Python(), [path.join(__dirname, "django_rows.py")], { env: { ...process.env, PYTHONIOENCODING: "utf-8" } });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", (error) => reject(new Error(`Django 5.2 (${django52Python()}) did not start: ${error.message}. Run scripts/setup-test-env.sh or set DJANGO52_PYTHON.`)));
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`django_rows.py exited ${code}:\n${stderr}`));
      resolve(JSON.parse(stdout));
    });
    child.stdin.end(JSON.stringify(request));
  });
}

/** Django's DATABASES entry for the test database a URL points at. */
export function djangoDbFor(dialect: "postgres" | "mysql" | "sqlite", url: string, sqliteFile: string, name: string): DjangoDb {
  if (dialect === "sqlite") return { dialect, name: sqliteFile };
  if (dialect === "mysql") return { dialect, name, host: MYSQL_CONFIG.host, port: MYSQL_CONFIG.port, user: MYSQL_CONFIG.user, password: MYSQL_CONFIG.password };
  const parsed = new URL(url);
  return { dialect, name, host: parsed.hostname, port: Number(parsed.port || 5432), user: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) || undefined };
}

// --- Test databases ----------------------------------------------------------------------

export type Dialect = "postgres" | "mysql" | "sqlite";
export const DIALECTS: Dialect[] = ["postgres", "mysql", "sqlite"];

export interface CliTestDatabase {
  dialect: Dialect;
  raw: RawDatabase;
  /** The --database-url of this database. */
  url: string;
  /** The same database as Django's DATABASES entry. */
  djangoDb: DjangoDb;
}

/** A database of the tests' own (`name`), with the raw driver for setting rows up and checking them. */
export async function openTestDatabase(dialect: Dialect, name: string): Promise<CliTestDatabase> {
  const raw = await openDatabase(dialect, name);
  let url: string;
  if (dialect === "postgres") url = await ensurePostgresDatabase(name);
  else if (dialect === "mysql") {
    const c = MYSQL_CONFIG;
    url = `mysql://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@${c.host}:${c.port}/${name}`;
  } else url = `sqlite://${path.join(TMP_DIR, `${name}.sqlite3`)}`;
  return { dialect, raw, url, djangoDb: djangoDbFor(dialect, url, path.join(TMP_DIR, `${name}.sqlite3`), name) };
}

/** A session key of our own for rows the tests insert (32 characters of Django's alphabet). */
export const testKey = (label: string) => `${label.toLowerCase().replace(/[^a-z0-9]/g, "")}_${"0".repeat(32)}`.slice(0, 32);
