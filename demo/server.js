"use strict";
// `npm run demo`: one session shared by Django and Node on an embedded SQLite file. The Node side
// is Fastify + django-session over the library's TypeORM adapter (demo/node-app.js); the Django
// side, when a Python with Django is found, is a one-file Django site on the same file and secret
// (demo/django_demo.py). Log in or count on either, see it on both.
const { spawn } = require("node:child_process");
const path = require("node:path");
const { findDjango } = require("./find-django");
const { openDemoDatabase } = require("./database");
const { createNodeApp } = require("./node-app");

const SECRET_KEY = "django-session-demo-secret-not-for-production";
const NODE_PORT = Number(process.env.DEMO_PORT ?? 8000);
const DJANGO_PORT = Number(process.env.DEMO_DJANGO_PORT ?? NODE_PORT + 1);
const DB_FILE = path.resolve(process.env.DEMO_DB ?? path.join(__dirname, ".data", "demo.sqlite3"));
const NODE_URL = `http://127.0.0.1:${NODE_PORT}`;
const DJANGO_URL = `http://127.0.0.1:${DJANGO_PORT}`;

function startDjango(python) {
  const child = spawn(python, [path.join(__dirname, "django_demo.py"), DB_FILE, String(DJANGO_PORT), NODE_URL], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  // However the demo ends (Ctrl-C, an error after this point), the Django side ends with it.
  process.once("exit", () => child.kill("SIGTERM"));
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => String(chunk).includes("django ready") && resolve(child));
    child.on("exit", (code) => reject(new Error(`the Django side exited (status ${code}) before it was ready`)));
  });
}

async function main() {
  const found = findDjango();
  console.log(found.python ? `Python:      ${found.python} (Django ${found.version})` : found.message);
  const dataSource = await openDemoDatabase(DB_FILE, found.python);

  const django = found.python
    ? { url: DJANGO_URL, version: found.version, child: await startDjango(found.python) }
    : { url: null, message: found.message };
  const app = await createNodeApp({ dataSource, secretKey: SECRET_KEY, nodeUrl: NODE_URL, django });
  await app.listen({ host: "127.0.0.1", port: NODE_PORT });
  console.log(`Node side:   ${NODE_URL}/   (log in as demo / demo-password)`);
  console.log(django.url ? `Django side: ${DJANGO_URL}/` : "Django side: not started (see above)");
  console.log(`Database:    ${DB_FILE}`);
  console.log("Ctrl-C to stop.");

  const stop = async () => {
    await app.close();
    await dataSource.destroy();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

// A demo's failures are read by someone trying the product: the message, not a stack trace.
main().catch((error) => {
  console.error(`demo: ${error.message}`);
  process.exit(1);
});
