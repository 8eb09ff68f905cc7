/**
 * examples/: type-checked against src/ (`tsc -p examples/tsconfig.json`, as CI must), built into
 * examples/dist, and each app started with `node` against PostgreSQL (database `ds_examples`,
 * Django's tables from migrations/postgres.sql and examples/auth-user.sql), as its README says.
 * Each run: a request that sets the session, one that reads it back with the cookie, a login
 * checked on the stored row, a logout; then SIGTERM and a clean exit.
 *
 * The apps load `django-session` from dist/ through the package's self-reference; dist/ is built
 * here only when missing (like test/demo), so run `npm run build` after changing src/.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Client } from "pg";
import { SessionCodec } from "../../src";
import { ensurePostgresDatabase } from "../support/databases";
import { expectSuccess, runCommand, type CommandResult } from "../support/run-command";

const ROOT = join(__dirname, "..", "..");
const EXAMPLES = join(ROOT, "examples");
const TSC = require.resolve("typescript/bin/tsc", { paths: [ROOT] });
const PRISMA = require.resolve("prisma/build/index.js", { paths: [ROOT] });
const SECRET_KEY = "examples-test-secret-key";
/** examples/auth-user.sql's user. */
const ALICE = { username: "alice", password: "alice-password" };

/** The runnable examples: their compiled entry point, and whether `GET /` says getUser's reason. */
const APPS = [
  { name: "express-prisma", main: "examples/dist/express-prisma/main.js", reason: true },
  { name: "nestjs-typeorm", main: "examples/dist/nestjs-typeorm/main.js", reason: false },
  { name: "fastify", main: "examples/dist/fastify/main.js", reason: true },
];

type Run = CommandResult;

/** Runs a command to its end, never rejecting: the exit code and everything it printed. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runCommand(command, args, { cwd: ROOT, env });
}


/** examples/express-prisma/generated, with the repository's offline trick (scripts/prisma-generate.js). */
async function generatePrismaClient(): Promise<void> {
  const dir = join(EXAMPLES, "express-prisma");
  const stampFile = join(dir, "generated", ".stamp");
  const hash = createHash("sha256");
  for (const file of [join(dir, "schema.prisma"), join(dir, "prisma.config.ts"), join(ROOT, "node_modules/prisma/package.json")]) hash.update(readFileSync(file));
  const stamp = hash.digest("hex");
  if (existsSync(join(dir, "generated", "prisma", "client.ts")) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return;
  expectSuccess(
    "prisma generate",
    await run(process.execPath, [PRISMA, "generate", "--config", "examples/express-prisma/prisma.config.ts"], {
      PRISMA_SCHEMA_ENGINE_BINARY: join(ROOT, "package.json"),
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
      CHECKPOINT_DISABLE: "1",
    }),
  );
  writeFileSync(stampFile, stamp);
}

/** A fresh ds_examples: Django's django_session (migrations/postgres.sql) and auth_user with alice. */
async function prepareDatabase(): Promise<string> {
  const url = await ensurePostgresDatabase("ds_examples");
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("DROP TABLE IF EXISTS django_session, auth_user");
    await client.query(readFileSync(join(ROOT, "migrations", "postgres.sql"), "utf8"));
    await client.query(readFileSync(join(EXAMPLES, "auth-user.sql"), "utf8"));
  } finally {
    await client.end();
  }
  return url;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface StartedApp {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts a built example with `node` and waits for its "listening on" line. */
async function startApp(main: string, databaseUrl: string): Promise<StartedApp> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, main)], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, DJANGO_SECRET_KEY: SECRET_KEY, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${main} did not start within 30 s:\n${output}`)), 30_000);
    const onData = () => {
      if (output.includes(`listening on http://127.0.0.1:${port}/`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${main} exited with ${code} before listening (is dist/ built and current? npm run build):\n${output}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}`, output: () => output };
}

/** SIGTERM, then the exit code (the examples close their server and pool and exit 0). */
function stopApp(app: StartedApp): Promise<number | null> {
  if (app.child.exitCode !== null) return Promise.resolve(app.child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => app.child.kill("SIGKILL"), 10_000);
    app.child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(signal === "SIGKILL" ? -1 : code);
    });
    app.child.kill("SIGTERM");
  });
}

/** The `sessionid` value a response sets ("" when it deletes the cookie), or undefined. */
function sessionCookie(response: Response): string | undefined {
  for (const header of response.headers.getSetCookie()) {
    const match = /^sessionid=("?)([^";]*)\1(;|$)/.exec(header);
    if (match) return match[2];
  }
  return undefined;
}

async function request(app: StartedApp, method: string, path: string, sessionKey?: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (sessionKey) headers.cookie = `sessionid=${sessionKey}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(app.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, cookie: sessionCookie(response), json: text ? JSON.parse(text) : undefined, text };
}

let databaseUrl: string;
let typecheck: Run;

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist", "cjs", "index.js"))) expectSuccess("npm run build", await run("npm", ["run", "build"]));
  const [url] = await Promise.all([prepareDatabase(), generatePrismaClient()]);
  databaseUrl = url;
  // The type check (against src/) and the build run side by side. The build only emits
  // (--noCheck): the check is the other run, and dist/'s declarations may lag src/ between builds.
  const [checked, built] = await Promise.all([
    run(process.execPath, [TSC, "-p", "examples/tsconfig.json"]),
    run(process.execPath, [TSC, "-p", "examples/tsconfig.build.json", "--noCheck"]),
  ]);
  typecheck = checked;
  expectSuccess("tsc -p examples/tsconfig.build.json", built);
}, 180_000);

test("tsc -p examples/tsconfig.json: the examples type-check against src/", () => {
  expect(typecheck.output).toBe("");
  expect(typecheck.code).toBe(0);
});

test("every example folder has a README and is run below", () => {
  const folders = readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== "dist")
    .map((entry) => entry.name);
  // examples/worker is a Cloudflare Worker: scripts/test-runtimes.js serves it in workerd.
  expect(folders.sort()).toEqual([...APPS.map(({ name }) => name), "worker"].sort());
  expect(existsSync(join(EXAMPLES, "worker", "README.md"))).toBe(true);
  for (const { name, main } of APPS) {
    expect(existsSync(join(EXAMPLES, name, "README.md"))).toBe(true);
    expect(statSync(join(ROOT, main)).isFile()).toBe(true);
  }
});

test("express-prisma/schema.prisma pastes the package's DjangoSession and AuthUser models verbatim", () => {
  // Everything from the DjangoSession model's doc comment to the end of the file.
  const models = (file: string) => {
    const text = readFileSync(file, "utf8");
    return text.slice(text.indexOf("/// django.contrib.sessions.models.Session")).trim();
  };
  const pasted = models(join(EXAMPLES, "express-prisma", "schema.prisma"));
  expect(pasted).toContain("model AuthUser {");
  expect(pasted).toBe(models(join(ROOT, "prisma", "postgresql.prisma")));
});

describe.each(APPS)("$name", ({ main, reason }) => {
  const withReason = <T extends object>(json: T, why: string) => (reason ? { ...json, reason: why } : json);

  test("runs with node: the session is set, read back with its cookie, logged in and out", async () => {
    const app = await startApp(main, databaseUrl);
    try {
      // Sets the session: a new row, and its key in the cookie.
      const counted = await request(app, "POST", "/counter");
      expect(counted).toMatchObject({ status: 200, json: { counter: 1 } });
      const key = counted.cookie;
      expect(key).toMatch(/^[a-z0-9]{32}$/);

      // Reads it back with the cookie.
      expect(await request(app, "GET", "/", key)).toMatchObject({ status: 200, json: withReason({ user: null, counter: 1 }, "no-user") });
      expect(await request(app, "POST", "/login", key, { username: ALICE.username, password: "wrong" })).toMatchObject({ status: 401 });

      // Django's login(): a new key (the old row is gone), the counter kept, the user in the row as Django writes it.
      const loggedIn = await request(app, "POST", "/login", key, ALICE);
      expect(loggedIn).toMatchObject({ status: 200, json: { user: { id: 1, username: "alice" } } });
      const userKey = loggedIn.cookie!;
      expect(userKey).toMatch(/^[a-z0-9]{32}$/);
      expect(userKey).not.toBe(key);
      const db = new Client({ connectionString: databaseUrl });
      await db.connect();
      try {
        const rows = await db.query("SELECT session_key, session_data FROM django_session WHERE session_key IN ($1, $2)", [key, userKey]);
        expect(rows.rows.map((row) => row.session_key)).toEqual([userKey]);
        expect(new SessionCodec({ secretKey: SECRET_KEY }).decode(rows.rows[0].session_data)).toMatchObject({
          counter: 1,
          _auth_user_id: "1",
          _auth_user_backend: "django.contrib.auth.backends.ModelBackend",
        });
      } finally {
        await db.end();
      }
      expect(await request(app, "GET", "/", userKey)).toMatchObject({
        status: 200,
        json: withReason({ user: { id: 1, username: "alice" }, counter: 1 }, "verified"),
      });

      // Django's logout(): the cookie is deleted and the key no longer logs anyone in.
      const loggedOut = await request(app, "POST", "/logout", userKey);
      expect(loggedOut.status).toBeLessThan(300);
      expect(loggedOut.cookie).toBe("");
      expect(await request(app, "GET", "/", userKey)).toMatchObject({ status: 200, json: { user: null, counter: 0 } });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- ${main} printed:\n${app.output()}`);
    } finally {
      expect(await stopApp(app)).toBe(0);
    }
  }, 60_000);

  test("malformed JSON: a 400 with a JSON body, no HTML page and no stack trace", async () => {
    const app = await startApp(main, databaseUrl);
    try {
      const response = await fetch(`${app.url}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"username": "alice",' });
      const text = await response.text();
      expect({ status: response.status, type: response.headers.get("content-type") }).toMatchObject({ status: 400, type: expect.stringMatching(/^application\/json\b/) });
      expect(JSON.parse(text)).toEqual(expect.any(Object));
      expect(text).not.toMatch(/<html|<pre|\bat .+:\d+:\d+/i);
      // The app keeps serving.
      expect(await request(app, "POST", "/counter")).toMatchObject({ status: 200, json: { counter: 1 } });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- ${main} printed:\n${app.output()}`);
    } finally {
      expect(await stopApp(app)).toBe(0);
    }
  }, 60_000);
});

test.each(["README.md", ...APPS.map(({ name }) => `${name}/README.md`)])(
  "examples/%s runs `prisma generate` before every tsc of the examples (express-prisma imports the generated client)",
  (readme) => {
    const lines = readFileSync(join(EXAMPLES, readme), "utf8").split("\n");
    const generate = lines.findIndex((line) => /^[^#]*\bprisma generate --config examples\//.test(line));
    const tsc = lines.map((line, index) => (/^[^#]*\btsc -p examples\//.test(line) ? index : -1)).filter((index) => index >= 0);
    expect(tsc.length).toBeGreaterThanOrEqual(1);
    expect(generate).toBeGreaterThanOrEqual(0);
    for (const index of tsc) expect({ line: lines[index], after: index > generate }).toEqual({ line: lines[index], after: true });
  },
);
