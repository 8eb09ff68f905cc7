"use strict";
// `npm run demo`: one session shared by Django and Node on an embedded SQLite file.
// The Node side is Fastify + django-session; the Django side (when Django is installed) is a
// one-file Django site on the same file and secret. Log in on either, see it on both.
const { spawn, spawnSync } = require("node:child_process");
const { mkdirSync } = require("node:fs");
const path = require("node:path");
const Database = require("better-sqlite3");
const Fastify = require("fastify");
const { DjangoSessionRepository, SqlRowAdapter, checkPassword, getUser, login, logout, makePassword } = require("../dist/cjs");
const { djangoSession } = require("../dist/cjs/integrations/fastify");

const SECRET_KEY = "django-session-demo-secret-not-for-production";
const NODE_PORT = Number(process.env.DEMO_PORT ?? 8000);
const DJANGO_PORT = Number(process.env.DEMO_DJANGO_PORT ?? NODE_PORT + 1);
const DB_FILE = process.env.DEMO_DB ?? path.join(__dirname, ".data", "demo.sqlite3");
const PYTHON = process.env.DEMO_PYTHON ?? "python3";
const NODE_URL = `http://127.0.0.1:${NODE_PORT}`;
const DJANGO_URL = `http://127.0.0.1:${DJANGO_PORT}`;

function hasDjango() {
  return spawnSync(PYTHON, ["-c", "import django"], { stdio: "ignore" }).status === 0;
}

/** Django's own tables: through Django's migrate when it is installed, else Django's DDL. */
function prepareDatabase(withDjango) {
  mkdirSync(path.dirname(DB_FILE), { recursive: true });
  if (withDjango) {
    const result = spawnSync(PYTHON, [path.join(__dirname, "migrate.py"), DB_FILE], { stdio: "inherit" });
    if (result.status !== 0) throw new Error("Django's migrate failed");
  }
  const db = new Database(DB_FILE);
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 5000");
  const exists = (table) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
  if (!exists("django_session")) {
    // migrations/sqlite.sql: what Django's sessions.0001 creates.
    db.exec('CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" datetime NOT NULL)');
    db.exec('CREATE INDEX "django_session_expire_date_a5c62663" ON "django_session" ("expire_date")');
  }
  if (!exists("auth_user")) {
    // The auth_user table as Django 5.2's migrations leave it on SQLite.
    db.exec(
      'CREATE TABLE "auth_user" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "password" varchar(128) NOT NULL, "last_login" datetime NULL, "is_superuser" bool NOT NULL, "username" varchar(150) NOT NULL UNIQUE, "last_name" varchar(150) NOT NULL, "email" varchar(254) NOT NULL, "is_staff" bool NOT NULL, "is_active" bool NOT NULL, "date_joined" datetime NOT NULL, "first_name" varchar(150) NOT NULL)',
    );
  }
  return db;
}

async function seedUser(db) {
  if (db.prepare("SELECT 1 FROM auth_user WHERE username = 'demo'").get()) return;
  // Django's default hasher, so Django checks this password too.
  const password = await makePassword("demo-password", { algorithm: "pbkdf2_sha256" });
  db.prepare(
    "INSERT INTO auth_user (password, last_login, is_superuser, username, last_name, email, is_staff, is_active, date_joined, first_name) VALUES (?, NULL, 0, 'demo', '', 'demo@example.com', 0, 1, datetime('now'), 'Demo')",
  ).run(password);
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page({ user, data, expiry, withDjango, error }) {
  return `<!doctype html><title>Node side</title>
<h1>Node (Fastify + django-session)</h1>
<p>User: <strong id="user">${escape(user ?? "anonymous")}</strong></p>
<p>Counter: <strong id="counter">${escape(data.counter ?? 0)}</strong>
<form method="post" action="/counter" style="display:inline"><button id="increment">+1</button></form></p>
<p>Expires: <span id="expiry">${escape(expiry)}</span></p>
<pre id="session">${escape(JSON.stringify(data, null, 2))}</pre>
${
  user
    ? '<form method="post" action="/logout"><button id="logout">Log out (on Node)</button></form>'
    : `<form method="post" action="/login">
<input name="username" id="username" value="demo"> <input name="password" id="password" type="password" placeholder="demo-password">
<button id="login">Log in (on Node)</button></form>${error ? `<p id="error">${escape(error)}</p>` : ""}`
}
<p>${withDjango ? `<a id="django-link" href="${DJANGO_URL}/">The Django side</a>` : "Install python3-django to run the Django side too."}</p>`;
}

async function main() {
  const withDjango = hasDjango();
  const db = prepareDatabase(withDjango);
  await seedUser(db);
  const executor = {
    dialect: "sqlite",
    query: async (sql, params) => db.prepare(sql).all(...params),
    execute: async (sql, params) => db.prepare(sql).run(...params).changes,
    isUniqueViolation: (error) => String(error && error.code).startsWith("SQLITE_CONSTRAINT"),
  };
  const repository = new DjangoSessionRepository({ secretKey: SECRET_KEY, adapter: new SqlRowAdapter(executor) });
  const loadUser = async (id) => {
    const row = db.prepare("SELECT id, username, password, is_active FROM auth_user WHERE id = ?").get(Number(id));
    return row ? { id: row.id, username: row.username, password: row.password, isActive: row.is_active === 1 } : null;
  };

  const app = Fastify();
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body))),
  );
  await app.register(djangoSession, { repository });

  const render = async (request, reply, error) => {
    const { user } = await getUser(request.session, { loadUser, secretKey: SECRET_KEY });
    const data = await request.session.toObject();
    const expiry = (await request.session.getExpiryDate()).toISOString();
    return reply.type("text/html").send(page({ user: user?.username, data, expiry, withDjango, error }));
  };
  app.get("/", (request, reply) => render(request, reply));
  app.post("/login", async (request, reply) => {
    const { username = "", password = "" } = request.body ?? {};
    const row = db.prepare("SELECT id, username, password, is_active FROM auth_user WHERE username = ?").get(username);
    if (!row || !row.is_active || !(await checkPassword(password, row.password))) {
      return render(request, reply.code(401), "Wrong username or password.");
    }
    await login(request.session, { id: row.id, password: row.password }, { secretKey: SECRET_KEY });
    return reply.redirect("/", 303);
  });
  app.post("/logout", async (request, reply) => {
    await logout(request.session);
    return reply.redirect("/", 303);
  });
  app.post("/counter", async (request, reply) => {
    await request.session.set("counter", Number((await request.session.get("counter")) ?? 0) + 1);
    return reply.redirect("/", 303);
  });

  let django = null;
  if (withDjango) {
    django = spawn(PYTHON, [path.join(__dirname, "django_demo.py"), DB_FILE, String(DJANGO_PORT), NODE_URL], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise((resolve, reject) => {
      django.stdout.on("data", (chunk) => String(chunk).includes("django ready") && resolve());
      django.on("exit", (code) => reject(new Error(`the Django side exited (${code})`)));
    });
  }
  await app.listen({ host: "127.0.0.1", port: NODE_PORT });
  console.log(`Node side:   ${NODE_URL}/   (log in as demo / demo-password)`);
  console.log(withDjango ? `Django side: ${DJANGO_URL}/` : "Django side: not started (python3 -c 'import django' failed)");
  console.log("Ctrl-C to stop.");

  const stop = async () => {
    await app.close();
    django?.kill("SIGTERM");
    db.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
