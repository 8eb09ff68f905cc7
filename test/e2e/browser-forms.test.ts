/**
 * In Chromium (Debian's /usr/bin/chromium through playwright-core, launched as test/demo does),
 * through the real Django 5.2 site's own views and templates and the Express app of
 * support/node-app.ts, on one PostgreSQL database; the browser sends its own Origin and cookies:
 *
 * - a form Django rendered ({% csrf_token %}) posts to Node and passes Node's CSRF middleware;
 *   Node adds a message and redirects to a Django page, whose messages context shows it;
 * - a form Node rendered (a Node-issued token) posts to a Django view behind CsrfViewMiddleware
 *   (the Node origin in CSRF_TRUSTED_ORIGINS) and passes; Django's message shows on Node's page;
 * - the same forms with the token forged or removed in the page are refused by both, and a Node
 *   app that does not trust the Django origin refuses Django's form on its Origin.
 */
import { randomBytes } from "node:crypto";
import type { Browser, Page, Response } from "playwright-core";
import { launchChromium } from "../demo/demo-process";
import { startDjangoSite, type DjangoSite } from "./support/django-site";
import { mountExpress } from "./support/integrations";
import { freePort, openTypeOrm, startNodeApp, type NodeApp, type NodeDatabase } from "./support/node-app";

const secretKey = `e2e-browser-${randomBytes(12).toString("hex")}`;
let site: DjangoSite;
let db: NodeDatabase;
let app: NodeApp;
let untrusting: NodeApp;
let browser: Browser;

beforeAll(async () => {
  // Django must trust the Node origin before it starts: take the port first.
  const port = await freePort();
  site = await startDjangoSite("5.2", "ds_e2e_browser_dj52", secretKey, { csrfTrustedOrigins: [`http://127.0.0.1:${port}`] });
  db = await openTypeOrm(site.databaseUrl);
  app = await startNodeApp(mountExpress, "5.2", secretKey, db, site.origin, { csrf: { trustedOrigins: [site.origin] }, port });
  untrusting = await startNodeApp(mountExpress, "5.2", secretKey, db, site.origin);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await untrusting?.close();
  await app?.close();
  await db?.close();
  await site?.stop();
});

async function submit(page: Page): Promise<Response | null> {
  const [response] = await Promise.all([page.waitForNavigation(), page.click("#send")]);
  return response;
}

const items = async (page: Page) => (await page.locator("#messages li").allTextContents()).map((text) => text.trim());

async function setToken(page: Page, value: string | null): Promise<void> {
  // A page-side expression (the test's tsconfig has no DOM types).
  const field = 'document.querySelector("input[name=csrfmiddlewaretoken]")';
  await page.evaluate(value === null ? `${field}.remove()` : `${field}.value = ${JSON.stringify(value)}`);
}

/** A well-formed token of another secret: the page's token with its halves swapped. */
async function forgedToken(page: Page): Promise<string> {
  const token = await page.locator("input[name=csrfmiddlewaretoken]").inputValue();
  return token.slice(32) + token.slice(0, 32);
}

const djangoForm = (node: string) => `${site.origin}/dj/form?action=${encodeURIComponent(`${node}/node/note`)}`;

test("the site is real Django 5.2", () => {
  expect(site.djangoVersion).toMatch(/^5\.2\./);
});

test("a Django form posts to Node with Django's token; Node's message shows on Django's page after the redirect", async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(djangoForm(app.origin));
  expect(await page.locator("h1").textContent()).toMatch(/^Django 5\.2\./);
  await page.fill("#note", "typed in Chromium");
  const response = await submit(page);
  expect(response?.status()).toBe(200);
  expect(page.url()).toBe(`${site.origin}/dj/messages`);
  expect(await items(page)).toEqual(["Saved on Node: typed in Chromium"]);
  // Shown once: Django's storage consumed it.
  await page.reload();
  expect(await items(page)).toEqual([]);
  await page.context().close();
});

test("a Node form with a Node-issued token passes Django's CsrfViewMiddleware; Django's message shows on Node's page", async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${app.origin}/node/form`);
  await page.fill("#note", "sent from the Node page");
  const response = await submit(page);
  expect(response?.status()).toBe(200);
  expect(page.url()).toBe(`${app.origin}/node/messages`);
  expect(await items(page)).toEqual(["Saved on Django: sent from the Node page"]);
  await page.reload();
  expect(await items(page)).toEqual([]);
  await page.context().close();
});

test("forged and missing tokens are refused by Node's middleware (Django's reasons) and by Django's", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const refusals: [string, number, string | null][] = [];

  for (const kind of ["forged", "missing"] as const) {
    await page.goto(djangoForm(app.origin));
    await setToken(page, kind === "forged" ? await forgedToken(page) : null);
    const response = await submit(page);
    refusals.push([`Django's form to Node, ${kind}`, response?.status() ?? 0, (await page.textContent("body"))?.trim() ?? null]);

    await page.goto(`${app.origin}/node/form`);
    await setToken(page, kind === "forged" ? await forgedToken(page) : null);
    const djangoResponse = await submit(page);
    // DEBUG = False: Django's 403 page, without the reason.
    refusals.push([`Node's form to Django, ${kind}`, djangoResponse?.status() ?? 0, null]);
  }
  expect(refusals).toEqual([
    ["Django's form to Node, forged", 403, "Forbidden (CSRF token from POST incorrect.)"],
    ["Node's form to Django, forged", 403, null],
    ["Django's form to Node, missing", 403, "Forbidden (CSRF token missing.)"],
    ["Node's form to Django, missing", 403, null],
  ]);
  // Nothing was added on either side.
  await page.goto(`${site.origin}/dj/messages`);
  expect(await items(page)).toEqual([]);
  await page.goto(`${app.origin}/node/messages`);
  expect(await items(page)).toEqual([]);
  await context.close();
});

test("Chromium sends Django's Origin: a Node app without it in trustedOrigins refuses Django's form", async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(djangoForm(untrusting.origin));
  const response = await submit(page);
  expect(response?.status()).toBe(403);
  expect((await page.textContent("body"))?.trim()).toBe(`Forbidden (Origin checking failed - ${site.origin} does not match any trusted origins.)`);
  await page.context().close();
});
