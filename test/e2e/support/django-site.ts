/**
 * The real Django site of the end-to-end tests (test/e2e/django_site): an emptied PostgreSQL
 * database, `manage.py migrate`, and `serve.py` (wsgiref, single-threaded) on a free port of
 * 127.0.0.1 as a child process, killed by `stop()`.
 *
 * Interpreters: `$DJANGO32_PYTHON` (default: Debian's /usr/bin/python3 with python3-django 3.2)
 * and `$DJANGO52_PYTHON` (default: the repository's .venv-django52). A missing Python, Django or
 * psycopg2 is an error: the end-to-end tests fail, they never skip.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { Client } from "pg";
import { ensurePostgresDatabase } from "../../support/databases";

export type DjangoVersion = "3.2" | "5.2";

const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
const SITE_DIR = path.join(__dirname, "..", "django_site");

export function djangoPython(version: DjangoVersion): string {
  if (version === "3.2") return process.env.DJANGO32_PYTHON || "/usr/bin/python3";
  return process.env.DJANGO52_PYTHON || path.join(REPO_ROOT, ".venv-django52", "bin", "python");
}

export interface DjangoSite {
  version: DjangoVersion;
  /** `django.get_version()` as the server reported it, e.g. "5.2.17". */
  djangoVersion: string;
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** The database's URL, for the Node side. */
  databaseUrl: string;
  secretKey: string;
  stop(): Promise<void>;
}

/**
 * The database `name` (nobody else's: `ds_e2e_*`), created when missing and emptied (its public
 * schema dropped and re-created, faster than a new database), and its URL.
 */
async function freshDatabase(name: string): Promise<string> {
  if (!/^ds_e2e_[a-z0-9_]+$/.test(name)) throw new Error(`refusing to empty database ${name}`);
  const url = await ensurePostgresDatabase(name);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("DROP SCHEMA IF EXISTS public CASCADE");
    await client.query("CREATE SCHEMA public");
  } finally {
    await client.end();
  }
  return url;
}

function siteEnv(databaseUrl: string, secretKey: string, trustedOrigins: readonly string[]): NodeJS.ProcessEnv {
  const url = new URL(databaseUrl);
  return {
    ...process.env,
    DS_E2E_CSRF_TRUSTED_ORIGINS: trustedOrigins.join(" "),
    DJANGO_SETTINGS_MODULE: "e2e_site.settings",
    DS_E2E_SECRET_KEY: secretKey,
    DS_E2E_DB_NAME: decodeURIComponent(url.pathname.slice(1)),
    DS_E2E_DB_HOST: url.hostname,
    DS_E2E_DB_PORT: url.port || "5432",
    DS_E2E_DB_USER: decodeURIComponent(url.username) || "postgres",
    DS_E2E_DB_PASSWORD: decodeURIComponent(url.password),
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONUNBUFFERED: "1",
  };
}

function missingPython(python: string): Error {
  return new Error(`Python for Django not found at ${python} (run scripts/setup-test-env.sh, or set DJANGO32_PYTHON / DJANGO52_PYTHON)`);
}

/** Runs a Python command in the site folder to completion; rejects with its stderr on failure. */
function run(python: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { cwd: SITE_DIR, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    child.on("error", (error) => reject((error as NodeJS.ErrnoException).code === "ENOENT" ? missingPython(python) : error));
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(python)} ${args.join(" ")} exited with ${code}:\n${err}`))));
  });
}

/** Starts serve.py and resolves once it prints `LISTENING <port> <version>`. */
function serve(python: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number; djangoVersion: string }> {
  return new Promise((resolve, reject) => {
    // stdin stays open: serve.py exits when it closes, should this process die without stop().
    const child = spawn(python, ["serve.py", "0"], { cwd: SITE_DIR, env, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      child.kill("SIGKILL");
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`Django did not start within 30 s:\n${err}`)), 30_000);
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      const match = /^LISTENING (\d+) (\S+)$/m.exec(out);
      if (match && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]), djangoVersion: match[2] });
      }
    });
    // Kept for the error message; Django logs 5xx tracebacks here (the logger level is WARNING).
    child.stderr!.on("data", (chunk) => {
      err += chunk;
      if (settled && process.env.DS_E2E_VERBOSE) process.stderr.write(chunk);
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      fail((error as NodeJS.ErrnoException).code === "ENOENT" ? missingPython(python) : error);
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`Django exited with ${code} before listening:\n${err}`));
    });
  });
}

/**
 * A running Django `version` on its own fresh database `database`: migrated (auth, contenttypes,
 * sessions), served on 127.0.0.1. `csrfTrustedOrigins` is its CSRF_TRUSTED_ORIGINS (the Node
 * origins whose forms post to it). Call `stop()` in afterAll.
 */
export async function startDjangoSite(
  version: DjangoVersion,
  database: string,
  secretKey: string,
  options: { csrfTrustedOrigins?: readonly string[] } = {},
): Promise<DjangoSite> {
  const python = djangoPython(version);
  if (!existsSync(python)) throw missingPython(python);
  const databaseUrl = await freshDatabase(database);
  const env = siteEnv(databaseUrl, secretKey, options.csrfTrustedOrigins ?? []);
  // The server touches the database only when a request comes: start it while migrate runs.
  const serving = serve(python, env);
  const migrated = run(python, ["manage.py", "migrate", "--verbosity", "0", "--no-input"], env);
  const [server] = await Promise.allSettled([serving, migrated]).then(([s, m]) => {
    if (s.status === "fulfilled" && m.status === "rejected") s.value.child.kill("SIGKILL");
    if (m.status === "rejected") throw m.reason;
    if (s.status === "rejected") throw s.reason;
    return [s.value];
  });
  const { child, port, djangoVersion } = server;
  if (!djangoVersion.startsWith(`${version}.`)) {
    child.kill("SIGKILL");
    throw new Error(`${python} runs Django ${djangoVersion}, not ${version}.x`);
  }
  return {
    version,
    djangoVersion,
    origin: `http://127.0.0.1:${port}`,
    databaseUrl,
    secretKey,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
