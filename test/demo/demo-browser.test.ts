import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { ensureBuilt, expectNoStackTrace, launchChromium, startDemo, type RunningDemo } from "./demo-process";

// `npm run demo` on a fresh file, with the Python it finds by itself (DEMO_PYTHON unset): on a
// machine that scripts/setup-test-env.sh prepared, the clone's .venv-django52, although the
// python3 on PATH may have no Django. One session, two servers, in a real browser.
let demo: RunningDemo;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "django-session-demo-"));
  demo = await startDemo(join(dir, "demo.sqlite3"));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const text = async (page: Page, selector: string) => (await page.textContent(selector))?.trim();
const decoded = async (page: Page, panel: string) => JSON.parse((await page.textContent(`#${panel} .session-data`)) ?? "");

async function submit(page: Page, button: string) {
  await Promise.all([page.waitForNavigation(), page.click(button)]);
}

async function logInOnNode(page: Page) {
  await page.goto(`${demo.nodeUrl}/`);
  await page.fill("#password", "demo-password");
  await submit(page, "#login");
  expect(await text(page, "#user")).toBe("demo");
}

test("it says which Python and Django it runs: Django 5.2 first", () => {
  expect(demo.output).toMatch(/^Python: +\S+\.venv-django52\/bin\/python \(Django 5\.2\.\d+\)$/m);
  expect(demo.output).toContain(`Django side: ${demo.djangoUrl}/`);
  expectNoStackTrace(demo.output);
});

test("anonymous: a login form on both sides, no Log out, no expiry without a row", async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  for (const url of [demo.nodeUrl, demo.djangoUrl]) {
    await page.goto(`${url}/`);
    expect(await text(page, "#user")).toBe("anonymous");
    expect(await page.locator("#login").count()).toBe(1);
    expect(await page.locator("#logout").count()).toBe(0);
    expect(await page.locator("text=Log out").count()).toBe(0);
    expect(await page.locator(".expiry").count()).toBe(0);
    expect(await text(page, "#counter")).toBe("0");
  }
  expect(await text(page, "h1")).toMatch(/^Django 5\.2\.\d+$/);
  // Django's own AuthenticationForm, behind CsrfViewMiddleware.
  expect(await page.locator("form.login input[name=csrfmiddlewaretoken]").count()).toBe(1);
  expect(await page.locator("#id_username").inputValue()).toBe("demo");
  await page.screenshot({ path: join(tmpdir(), "django-session-demo-django-anonymous-390.png"), fullPage: true });
  await page.close();
}, 60_000);

test("log in on Node: Django sees the user; both counters add to one value; log out on Django, Node is anonymous", async () => {
  const page = await browser.newPage();
  await logInOnNode(page);
  expect(await text(page, "#node-view .panel-user")).toBe("demo");
  expect(await text(page, "#django-view .panel-user")).toBe("demo");
  // One row: the same expiry on both sides, shown once there is a row.
  const expiry = await text(page, "#node-view .expiry");
  expect(expiry).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  expect(await text(page, "#django-view .expiry")).toBe(expiry);

  await submit(page, "#increment");
  expect(await text(page, "#counter")).toBe("1");

  await submit(page, "#django-link");
  expect(page.url()).toBe(`${demo.djangoUrl}/`);
  expect(await text(page, "#user")).toBe("demo");
  expect(await text(page, "#counter")).toBe("1");
  await submit(page, "#increment");
  expect(await text(page, "#counter")).toBe("2");

  await submit(page, "#node-link");
  expect(await text(page, "#counter")).toBe("2");
  const node = await decoded(page, "node-view");
  expect(node).toMatchObject({ counter: 2, _auth_user_id: "1" });
  expect(await decoded(page, "django-view")).toEqual(node);

  await page.goto(`${demo.djangoUrl}/`);
  await submit(page, "#logout");
  expect(await text(page, "#user")).toBe("anonymous");
  expect(await page.locator("#logout").count()).toBe(0);
  await page.goto(`${demo.nodeUrl}/`);
  expect(await text(page, "#user")).toBe("anonymous");
  expect(await text(page, "#counter")).toBe("0");
  expect(await page.locator("#logout").count()).toBe(0);
  await page.close();
}, 120_000);

test("log in on Django through Django's own form: Node sees the user; log out on Node, Django is anonymous", async () => {
  const page = await browser.newPage();
  await page.goto(`${demo.djangoUrl}/`);
  await page.fill("#id_password", "demo-password");
  await submit(page, "#login");
  expect(page.url()).toBe(`${demo.djangoUrl}/`);
  expect(await text(page, "#user")).toBe("demo");

  await page.goto(`${demo.nodeUrl}/`);
  expect(await text(page, "#user")).toBe("demo");
  expect(await decoded(page, "node-view")).toEqual(await decoded(page, "django-view"));
  await submit(page, "#logout");
  expect(await text(page, "#user")).toBe("anonymous");

  await page.goto(`${demo.djangoUrl}/`);
  expect(await text(page, "#user")).toBe("anonymous");
  expect(await page.locator("#logout").count()).toBe(0);
  await page.close();
}, 120_000);

test("a wrong password is refused on both sides, on the page", async () => {
  const page = await browser.newPage();
  await page.goto(`${demo.nodeUrl}/`);
  await page.fill("#password", "not-the-password");
  await submit(page, "#login");
  expect(await text(page, "#error")).toBe("Wrong username or password.");
  expect(await text(page, "#user")).toBe("anonymous");

  await page.goto(`${demo.djangoUrl}/`);
  await page.fill("#id_password", "not-the-password");
  await submit(page, "#login");
  expect(await text(page, "#error")).toMatch(/^Please enter a correct username and password/);
  expect(await text(page, "#user")).toBe("anonymous");
  await page.close();
}, 60_000);

test("Django's side refuses a POST without its CSRF token", async () => {
  const response = await fetch(`${demo.djangoUrl}/counter/`, { method: "POST" });
  expect(response.status).toBe(403);
});

test("readable on a 390-px phone: no sideways scrolling on either side (screenshots in the tmp dir)", async () => {
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  await logInOnNode(phone);
  await submit(phone, "#increment");
  for (const [side, url] of [["node", demo.nodeUrl], ["django", demo.djangoUrl]] as const) {
    await phone.goto(`${url}/`);
    expect(await phone.locator('meta[name="viewport"]').getAttribute("content")).toBe("width=device-width, initial-scale=1");
    // A string, evaluated in the page: the test's own tsconfig has no DOM types.
    expect(await phone.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: join(tmpdir(), `django-session-demo-${side}-390.png`), fullPage: true });
  }
  await phone.close();

  const desktop = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await logInOnNode(desktop);
  await desktop.screenshot({ path: join(tmpdir(), "django-session-demo-node-1280.png"), fullPage: true });
  await desktop.goto(`${demo.djangoUrl}/`);
  await desktop.screenshot({ path: join(tmpdir(), "django-session-demo-django-1280.png"), fullPage: true });
  await desktop.close();
}, 120_000);
