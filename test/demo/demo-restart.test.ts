import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { ensureBuilt, expectNoStackTrace, launchChromium, startDemo, type RunningDemo } from "./demo-process";

// `npm run demo` started again on whatever an earlier run left in demo/.data. The bug this
// guards: a run without Django, then one with it, failed with `table "auth_user" already
// exists … Django's migrate failed` and a stack trace.
let browser: Browser;
let dir: string;
const running: RunningDemo[] = [];
// Debian's python3-django (3.2), as the interop tests use it.
const DJANGO32_PYTHON = process.env.DJANGO32_PYTHON || "/usr/bin/python3";

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "django-session-demo-restart-"));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const demo of running) await demo.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function start(db: string, env: Record<string, string> = {}): Promise<RunningDemo> {
  const demo = await startDemo(db, env);
  running.push(demo);
  expectNoStackTrace(demo.output);
  return demo;
}

const text = async (page: Page, selector: string) => (await page.textContent(selector))?.trim();

async function submit(page: Page, button: string) {
  await Promise.all([page.waitForNavigation(), page.click(button)]);
}

test("without Django, then with Django 3.2, then with 5.2, on the same file: each run works and the login survives", async () => {
  const db = join(dir, "from-node-only.sqlite3");
  // One browser across the three runs: cookies are per host, not per port, so the session
  // cookie from the first run is the one the later runs' pages see.
  const context: BrowserContext = await browser.newContext();
  const page = await context.newPage();

  const nodeOnly = await start(db, { DEMO_PYTHON: "none" });
  expect(nodeOnly.output).toContain("Django side: not started");
  await page.goto(`${nodeOnly.nodeUrl}/`);
  expect(await page.locator("#django-link").count()).toBe(0);
  expect(await text(page, "#django-view .problem")).toContain("DEMO_PYTHON=none");
  await page.fill("#password", "demo-password");
  await submit(page, "#login");
  await submit(page, "#increment");
  expect(await text(page, "#user")).toBe("demo");
  expect(await text(page, "#counter")).toBe("1");
  await nodeOnly.stop();

  const django32 = await start(db, { DEMO_PYTHON: DJANGO32_PYTHON });
  expect(django32.output).toContain(`Python:      ${DJANGO32_PYTHON} (Django 3.2.`);
  expect(django32.output).toContain("auth_user and django_session came from a run without Django; migrated them with Django, rows kept.");
  await page.goto(`${django32.djangoUrl}/`);
  expect(await text(page, "h1")).toMatch(/^Django 3\.2\.\d+$/);
  expect(await text(page, "#user")).toBe("demo");
  expect(await text(page, "#counter")).toBe("1");
  await submit(page, "#increment");
  expect(await text(page, "#counter")).toBe("2");
  await django32.stop();

  // A file Django already migrated: migrate has nothing to do, and says nothing.
  const django52 = await start(db);
  expect(django52.output).toMatch(/^Python: +\S+ \(Django 5\.2\.\d+\)$/m);
  expect(django52.output).not.toContain("demo:");
  await page.goto(`${django52.djangoUrl}/`);
  expect(await text(page, "h1")).toMatch(/^Django 5\.2\.\d+$/);
  expect(await text(page, "#user")).toBe("demo");
  expect(await text(page, "#counter")).toBe("2");
  await page.goto(`${django52.nodeUrl}/`);
  expect(await text(page, "#user")).toBe("demo");
  expect(await text(page, "#counter")).toBe("2");
  await django52.stop();

  // And back: a run without Django on the file Django migrated.
  const nodeAgain = await start(db, { DEMO_PYTHON: "none" });
  await page.goto(`${nodeAgain.nodeUrl}/`);
  expect(await text(page, "#user")).toBe("demo");
  expect(await text(page, "#counter")).toBe("2");
  await nodeAgain.stop();
  await context.close();
}, 240_000);

test.each([
  ["with Django", {}],
  ["without Django", { DEMO_PYTHON: "none" }],
])("%s, a file that is not a database is set aside with a note and the demo starts afresh", async (_name, env) => {
  const db = join(dir, `garbage-${Object.keys(env).length}.sqlite3`);
  writeFileSync(db, "not a database\n");
  const demo = await start(db, env);
  expect(demo.output).toContain(`demo: ${db} could not be used (`);
  expect(demo.output).toContain(`demo: moved it to ${db}.unusable; starting from an empty database`);
  expect(existsSync(`${db}.unusable`)).toBe(true);

  const page = await browser.newPage();
  await page.goto(`${demo.nodeUrl}/`);
  expect(await text(page, "#user")).toBe("anonymous");
  await page.fill("#password", "demo-password");
  await submit(page, "#login");
  expect(await text(page, "#user")).toBe("demo");
  await page.close();
  await demo.stop();
}, 120_000);

test("no Python with Django: it says what it tried and how to get Django, and the Node side runs alone", async () => {
  const demo = await start(join(dir, "no-django.sqlite3"), { DEMO_PYTHON: join(dir, "no-such-python") });
  expect(demo.output).toContain("No Python with Django 3.2+ found. Tried:");
  expect(demo.output).toContain(`${join(dir, "no-such-python")}: not found`);
  expect(demo.output).toContain("bash scripts/setup-test-env.sh");
  expect(demo.output).toContain("Django side: not started");

  const page = await browser.newPage();
  await page.goto(`${demo.nodeUrl}/`);
  expect(await text(page, "#django-view .problem")).toContain("bash scripts/setup-test-env.sh");
  expect(await page.locator("#django-link").count()).toBe(0);
  await page.close();
  await demo.stop();
}, 120_000);
