"use strict";
// `npm run bench`: every benchmark, one after the other (each prints its own table).
const { execFileSync } = require("node:child_process");
const { existsSync } = require("node:fs");
const path = require("node:path");

for (const name of ["codec.js", "store.js"]) {
  const file = path.join(__dirname, name);
  if (!existsSync(file)) continue;
  console.log(`\n== ${name}`);
  execFileSync(process.execPath, [file], { stdio: "inherit" });
}
