// Before Jest runs: is the machine prepared (scripts/setup-test-env.sh)? A fresh clone has no
// .venv-django52 (it lives in the clone, git-ignored), and without it 500 interop tests each fail
// with the same message; one clear error that says what to run is the useful answer.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const SETUP = "bash scripts/setup-test-env.sh";

/** Which Python the tests run for each Django line: the same defaults as test/. */
const PYTHONS = [
  { django: "3.2", python: process.env.DJANGO32_PYTHON || "/usr/bin/python3", variable: "DJANGO32_PYTHON" },
  { django: "5.2", python: process.env.DJANGO52_PYTHON || path.join(root, ".venv-django52", "bin", "python"), variable: "DJANGO52_PYTHON" },
];

function problems() {
  const found = [];
  for (const { django, python, variable } of PYTHONS) {
    if (python.includes("/") && !fs.existsSync(python)) {
      found.push(`Django ${django}: no Python at ${python}`);
      continue;
    }
    const run = spawnSync(python, ["-c", "import django; print(django.get_version())"], { encoding: "utf8" });
    const version = run.status === 0 ? run.stdout.trim() : null;
    if (version === null || !version.startsWith(`${django}.`)) {
      found.push(`Django ${django}: ${python} has ${version ? `Django ${version}` : "no Django"} (or set ${variable})`);
    }
  }
  return found;
}

function checkTestEnvironment() {
  const found = problems();
  if (found.length === 0) return;
  throw new Error(
    `The test environment is not prepared:\n  - ${found.join("\n  - ")}\n` +
      `Run \`${SETUP}\` once per clone (as root: it starts the databases, creates the test databases and installs ` +
      `Django 3.2 and 5.2), then \`npm test\` again.`,
  );
}

module.exports = { checkTestEnvironment };
