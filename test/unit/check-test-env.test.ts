/**
 * scripts/check-test-env.js, which Jest's global setup runs first: a clone that
 * scripts/setup-test-env.sh never prepared stops with what to run, instead of hundreds of failures.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

function check(env: Record<string, string>): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, ["-e", "require('./scripts/check-test-env').checkTestEnvironment()"], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  return { status: run.status, stderr: run.stderr };
}

test("this machine is prepared: the check passes", () => {
  expect(check({}).status).toBe(0);
});

test("a missing Django 5.2 Python names the path and the setup command", () => {
  const { status, stderr } = check({ DJANGO52_PYTHON: join(ROOT, "test", ".tmp", "no-such-venv", "bin", "python") });
  expect(status).not.toBe(0);
  expect(stderr).toContain("Django 5.2: no Python at");
  expect(stderr).toContain("bash scripts/setup-test-env.sh");
});

test("a Python with another Django is refused, naming the version it has", () => {
  const { status, stderr } = check({ DJANGO52_PYTHON: process.env.DJANGO32_PYTHON || "/usr/bin/python3" });
  expect(status).not.toBe(0);
  expect(stderr).toMatch(/Django 5\.2: .* has Django 3\.2\.\d+ \(or set DJANGO52_PYTHON\)/);
});
