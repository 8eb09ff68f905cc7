#!/usr/bin/env node
// Generates the three Prisma clients the tests use (src/generated/prisma-{pg,mysql,sqlite},
// git-ignored) from prisma/{postgresql,mysql,sqlite}.prisma. The library itself never imports them.
//
// Idempotent and fast: a client is regenerated only when its schema, config or the Prisma version
// changed (a stamp file in the output folder records what it was built from); `--force` rebuilds.
// Runs before `npm run typecheck` (pretypecheck) and before Jest (jest.global-setup.js).
//
// `prisma generate` (7.x) tries to download the schema-engine binary although generating does not
// use it, and fails offline; pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file skips the
// download (see the project notes on Prisma 7 offline generation, orm-notes §2.1).
"use strict";
const { spawn } = require("node:child_process");
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const CLIENTS = [
  { schema: "postgresql", output: "prisma-pg" },
  { schema: "mysql", output: "prisma-mysql" },
  { schema: "sqlite", output: "prisma-sqlite" },
];
const STAMP = ".django-session-stamp";

function fingerprint({ schema }) {
  const hash = createHash("sha256");
  for (const file of [`prisma/${schema}.prisma`, `prisma/${schema}.config.ts`, "node_modules/prisma/package.json", "node_modules/@prisma/client/package.json"]) {
    hash.update(file).update("\0").update(fs.readFileSync(path.join(root, file))).update("\0");
  }
  return hash.digest("hex");
}

function upToDate(client, stamp) {
  const dir = path.join(root, "src", "generated", client.output);
  try {
    return fs.readFileSync(path.join(dir, STAMP), "utf8") === stamp && fs.existsSync(path.join(dir, "client.ts"));
  } catch {
    return false;
  }
}

function generate(client, stamp) {
  return new Promise((resolve, reject) => {
    const cli = require.resolve("prisma/build/index.js", { paths: [root] });
    const child = spawn(process.execPath, [cli, "generate", "--config", `prisma/${client.schema}.config.ts`], {
      cwd: root,
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || path.join(root, "package.json"),
        PRISMA_HIDE_UPDATE_MESSAGE: "1",
        CHECKPOINT_DISABLE: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`prisma generate (${client.schema}) exited with ${code}:\n${output}`));
      fs.writeFileSync(path.join(root, "src", "generated", client.output, STAMP), stamp);
      resolve();
    });
  });
}

/** Generates the clients that are missing or stale; resolves the names it (re)generated. */
async function generateClients({ force = false } = {}) {
  const pending = CLIENTS.map((client) => ({ client, stamp: fingerprint(client) })).filter(
    ({ client, stamp }) => force || !upToDate(client, stamp),
  );
  await Promise.all(pending.map(({ client, stamp }) => generate(client, stamp)));
  return pending.map(({ client }) => client.output);
}

module.exports = { generateClients };

if (require.main === module) {
  const started = Date.now();
  generateClients({ force: process.argv.includes("--force") }).then(
    (done) => {
      const what = done.length ? `generated ${done.join(", ")}` : "clients up to date";
      console.log(`[prisma:generate] ${what} (${Date.now() - started} ms)`);
    },
    (error) => {
      console.error(`[prisma:generate] ${error.message}`);
      process.exitCode = 1;
    },
  );
}
