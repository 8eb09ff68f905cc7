#!/usr/bin/env node
// `npm run test:reliability`: the full load and soak, fault and fuzzing runs (test/reliability/run.ts,
// compiled on the spot like the benchmarks), then the production dependency audit. Arguments go to
// the runner: --quick (small numbers), --only=load,faults,fuzz. Takes about half an hour.
"use strict";
const { execFileSync, spawnSync } = require("node:child_process");
const path = require("node:path");

const root = path.join(__dirname, "..");
execFileSync(process.execPath, [path.join(root, "scripts", "prisma-generate.js")], { stdio: "inherit" });
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(root, "tsconfig.reliability.json")], { stdio: "inherit" });

const run = spawnSync(process.execPath, ["--expose-gc", path.join(root, ".reliability-build", "test", "reliability", "run.js"), ...process.argv.slice(2)], { stdio: "inherit" });
console.log("\n== Production dependencies: npm audit --omit=dev");
const audit = spawnSync(process.execPath, [path.join(root, "scripts", "audit-prod.js")], { stdio: "inherit" });
process.exit(run.status !== 0 ? run.status ?? 1 : audit.status ?? 1);
