/**
 * Database URLs and connection failures: usage errors exit 2, anything that keeps the CLI from
 * opening the database exits 3, with a message that names the fix and never the password.
 */
import Database from "better-sqlite3";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { djangoSessionDdl, MYSQL_CONFIG } from "../support/databases";
import { ensureCliBuilt, expectNoStack, parseJson, runCli } from "./cli-support";

jest.setTimeout(60_000);

const ROOT = path.join(__dirname, "..", "..");
let scratch: string;

beforeAll(() => {
  ensureCliBuilt();
  scratch = mkdtempSync(path.join(tmpdir(), "ds-cli-"));
}, 180_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const doctor = (url: string, options: { cwd?: string; cli?: string; json?: boolean } = {}) =>
  runCli(["doctor", "--database-url", url, ...(options.json ? ["--json"] : [])], { cwd: options.cwd, cli: options.cli });

describe("cannot connect: exit 3", () => {
  test("PostgreSQL refusing the connection; the password is masked", async () => {
    const result = await doctor("postgres://postgres:pg-password-never-shown@127.0.0.1:1/ds_cli");
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^django-session: Cannot connect to postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/ds_cli: .*ECONNREFUSED/);
    expect(result.stdout + result.stderr).not.toContain("pg-password-never-shown");
    expectNoStack(result);
  });

  test("a PostgreSQL database that does not exist", async () => {
    const result = await doctor("postgresql://postgres@127.0.0.1:5432/ds_cli_no_such_database");
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('database "ds_cli_no_such_database" does not exist');
  });

  test("MariaDB with a wrong password, which is never printed", async () => {
    const result = await doctor(`mariadb://${MYSQL_CONFIG.user}:wrong-mysql-password@${MYSQL_CONFIG.host}:${MYSQL_CONFIG.port}/ds_cli`);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("Access denied");
    expect(result.stderr).toContain(`mariadb://${MYSQL_CONFIG.user}:***@`);
    expect(result.stdout + result.stderr).not.toContain("wrong-mysql-password");
    expectNoStack(result);
  });

  test("a SQLite file that does not exist is not created", async () => {
    const file = path.join(scratch, "missing.sqlite3");
    const result = await doctor(`sqlite://${file}`);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`Cannot open sqlite://${file}: the file does not exist.`);
    expect(result.stderr).toContain("sqlite:relative/path");
    expect(readdirSync(scratch)).not.toContain("missing.sqlite3");
  });

  test("a file that is not a SQLite database", async () => {
    const file = path.join(scratch, "not-a-database.sqlite3");
    writeFileSync(file, "hello, this is text and no database at all, long enough to have a header".repeat(10));
    const result = await doctor(`sqlite://${file}`);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("file is not a database");
  });

  test("--json: the error as JSON on stdout as well", async () => {
    const result = await doctor("postgres://postgres@127.0.0.1:1/ds_cli", { json: true });
    expect(result.code).toBe(3);
    expect(parseJson(result)).toMatchObject({ error: { exitCode: 3, message: expect.stringContaining("Cannot connect") } });
  });

  test("a driver package that is not installed: exit 3 naming the package to install", async () => {
    // A copy of the built CLI whose node_modules has everything except the database drivers.
    const pkg = path.join(scratch, "pkg");
    cpSync(path.join(ROOT, "dist", "cjs"), path.join(pkg, "dist", "cjs"), { recursive: true });
    cpSync(path.join(ROOT, "package.json"), path.join(pkg, "package.json"));
    mkdirSync(path.join(pkg, "node_modules"));
    for (const entry of readdirSync(path.join(ROOT, "node_modules"))) {
      if (!["pg", "mysql2", "better-sqlite3"].includes(entry)) symlinkSync(path.join(ROOT, "node_modules", entry), path.join(pkg, "node_modules", entry));
    }
    const cli = path.join(pkg, "dist", "cjs", "cli", "main.js");
    const cases: [string, string][] = [
      ["postgres://postgres@127.0.0.1:5432/ds_cli", "npm install pg"],
      [`mysql://u:p@127.0.0.1:3306/ds_cli`, "npm install mysql2"],
      [`sqlite://${path.join(scratch, "any.sqlite3")}`, "npm install better-sqlite3"],
    ];
    for (const [url, install] of cases) {
      const result = await doctor(url, { cwd: scratch, cli });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`Install it next to django-session: ${install}`);
      expectNoStack(result);
    }
  });
});

describe("database URLs", () => {
  test("sqlite:relative/path is relative to the current directory", async () => {
    const dir = path.join(scratch, "project");
    mkdirSync(path.join(dir, "data"), { recursive: true });
    const db = new Database(path.join(dir, "data", "db.sqlite3"));
    for (const statement of djangoSessionDdl("sqlite")) db.exec(statement);
    db.close();
    const result = await runCli(["doctor", "--database-url", "sqlite:data/db.sqlite3", "--json"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(parseJson(result).database.url).toBe(`sqlite://${path.join(dir, "data", "db.sqlite3")}`);
  });

  test("the MySQL password is masked in doctor's header", async () => {
    const { user, password, host, port } = MYSQL_CONFIG;
    const result = await runCli(["doctor", "--database-url", `mysql://${user}:${password}@${host}:${port}/ds_cli`]);
    expect([0, 1]).toContain(result.code);
    expect(result.stdout).toContain(`doctor: mysql://${user}:***@${host}:${port}/ds_cli (mysql)`);
  });

  test.each([
    ["an unknown scheme", "redis://127.0.0.1:6379/0", /Unsupported database URL scheme "redis:"/],
    ["no scheme", "just-a-file.sqlite3", /The database URL has no scheme/],
    ["an ambiguous sqlite URL", "sqlite://host/db.sqlite3", /is ambiguous/],
    ["a MySQL URL without a database", "mysql://u:p@127.0.0.1:3306", /names no database/],
    ["an unknown MySQL parameter", "mysql://u:p@127.0.0.1:3306/db?sslmode=require", /Unsupported query parameter "sslmode"/],
    ["no URL at all", "", /No database: pass --database-url or set DATABASE_URL/],
  ])("%s: exit 2", async (_title, url, message) => {
    const result = await runCli(url ? ["doctor", "--database-url", url] : ["doctor"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expectNoStack(result);
  });
});
