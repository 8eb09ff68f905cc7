import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";

// `npm run demo` in a real browser: Debian's Chromium driven by playwright-core (the machine
// cannot download a browser of its own). One session shared by the Node page and the Django page.
const ROOT = join(__dirname, "..", "..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// Debian's python3-django (3.2) runs the Django side, as the demo does on a machine that has it.
const PYTHON = process.env.DJANGO32_PYTHON ?? "/usr/bin/python3";
const NODE_PORT = 18600 + (process.pid % 200) * 2;

let demo: ChildProcess;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist", "cjs", "index.js"))) {
    expect(spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" }).status).toBe(0);
  }
  dir = mkdtempSync(join(tmpdir(), "django-session-demo-"));
  demo = spawn(process.execPath, [join(ROOT, "demo", "server.js")], {
    env: { ...process.env, DEMO_PORT: String(NODE_PORT), DEMO_DB: join(dir, "demo.sqlite3"), DEMO_PYTHON: PYTHON },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      if (output.includes("Ctrl-C")) resolve();
    };
    demo.stdout!.on("data", onData);
    demo.stderr!.on("data", onData);
    demo.on("exit", (code) => reject(new Error(`the demo exited (${code}): ${output}`)));
  });
  expect(output).toContain(`Django side: http://127.0.0.1:${NODE_PORT + 1}/`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null) {
    const exited = new Promise((resolve) => demo.once("exit", resolve));
    demo.kill("SIGINT"); // Ctrl-C: the demo stops both servers itself
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

test("log in on Node, see the user on Django, log out on Django, see anonymous on Node", async () => {
  const page = await browser.newPage();
  const node = `http://127.0.0.1:${NODE_PORT}/`;
  await page.goto(node);
  expect(await page.textContent("#user")).toBe("anonymous");

  await page.fill("#password", "demo-password");
  await Promise.all([page.waitForURL(node), page.click("#login")]);
  expect(await page.textContent("#user")).toBe("demo");
  await Promise.all([page.waitForLoadState(), page.click("#increment")]);
  expect(await page.textContent("#counter")).toBe("1");

  await Promise.all([page.waitForURL(`http://127.0.0.1:${NODE_PORT + 1}/`), page.click("#django-link")]);
  expect(await page.textContent("h1")).toMatch(/^Django 3\.2/);
  expect(await page.textContent("#user")).toBe("demo");
  expect(await page.textContent("#counter")).toBe("1");

  await Promise.all([page.waitForLoadState(), page.click("#logout")]);
  expect(await page.textContent("#user")).toBe("anonymous");

  await page.goto(node);
  expect(await page.textContent("#user")).toBe("anonymous");
  expect(await page.textContent("#counter")).toBe("0");
}, 120_000);

test("a wrong password is refused on the page, not with a crash", async () => {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${NODE_PORT}/`);
  await page.fill("#password", "not-the-password");
  await Promise.all([page.waitForLoadState(), page.click("#login")]);
  expect(await page.textContent("#error")).toBe("Wrong username or password.");
  expect(await page.textContent("#user")).toBe("anonymous");
}, 60_000);
