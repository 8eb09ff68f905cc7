"use strict";
// Which Python runs the demo's Django side. A pyenv or venv `python3` on PATH often has no
// Django while the system one has, so the first `python3` is not enough: every candidate is
// asked for its Django version, and Django 5.2 (what the tests pin) is preferred.
const { spawnSync } = require("node:child_process");
const { existsSync } = require("node:fs");
const path = require("node:path");

const ROOT = path.join(__dirname, "..");
const PREFERRED = /^5\.2(\.|$)/;
const OLDEST = [3, 2]; // LogoutView by POST and the auth migrations the demo relies on

const HOW_TO_GET_DJANGO = [
  "To run the Django side too, either",
  "  bash scripts/setup-test-env.sh            (as root: installs Django 5.2 into .venv-django52)",
  "  python3 -m pip install 'Django>=5.2,<5.3'  (into the python3 on your PATH)",
  "or point DEMO_PYTHON at a Python that has Django 3.2 or later.",
].join("\n");

/** The Django version a Python has, or why it has none. */
function probe(python) {
  const result = spawnSync(python, ["-c", "import django; print(django.get_version())"], { encoding: "utf8" });
  if (result.error) return { python, problem: result.error.code === "ENOENT" ? "not found" : result.error.message };
  if (result.status !== 0) return { python, problem: "no Django" };
  const version = result.stdout.trim();
  const [major, minor] = version.split(".").map(Number);
  if (major < OLDEST[0] || (major === OLDEST[0] && minor < OLDEST[1])) return { python, problem: `Django ${version}, older than 3.2` };
  return { python, version };
}

/**
 * `{ python, version }` for the Django side, or `{ python: null, message }` saying what was
 * tried and how to get Django. `DEMO_PYTHON` is a choice, not a hint: it is the only candidate
 * (`none` runs the Node side alone).
 */
function findDjango(env = process.env) {
  if (env.DEMO_PYTHON === "none") return { python: null, message: "DEMO_PYTHON=none: the Node side runs alone." };
  const candidates = env.DEMO_PYTHON
    ? [env.DEMO_PYTHON]
    : [path.join(ROOT, ".venv-django52", "bin", "python"), "python3", "/usr/bin/python3"].filter(
        (python) => !path.isAbsolute(python) || existsSync(python),
      );
  const probes = candidates.map(probe);
  const found = probes.find((p) => p.version && PREFERRED.test(p.version)) ?? probes.find((p) => p.version);
  if (found) return found;
  const tried = probes.map((p) => `  ${p.python}: ${p.problem}`).join("\n");
  return { python: null, message: `No Python with Django 3.2+ found. Tried:\n${tried}\n${HOW_TO_GET_DJANGO}` };
}

module.exports = { findDjango };
