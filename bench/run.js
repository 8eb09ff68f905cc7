"use strict";
// `npm run bench`: every benchmark, one after the other (each prints its own table).
const { execFileSync } = require("node:child_process");
const { existsSync } = require("node:fs");
const path = require("node:path");

// TypeScript benchmarks import the generated Prisma client, so they are compiled on the spot.
const root = path.join(__dirname, "..");
execFileSync(process.execPath, [path.join(root, "scripts", "prisma-generate.js")], { stdio: "inherit" });
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(root, "tsconfig.bench.json")], { stdio: "inherit" });

const built = (name) => path.join(root, ".bench-build", "bench", name);
for (const file of [path.join(__dirname, "codec.js"), path.join(__dirname, "hostile-inputs.js"), built("store.js"), built("concurrency.js"), built("http.js"), built("user-sessions.js")]) {
  if (!existsSync(file)) throw new Error(`missing benchmark ${file}`);
  console.log(`\n== ${path.basename(file)}`);
  execFileSync(process.execPath, [file], { stdio: "inherit" });
}
