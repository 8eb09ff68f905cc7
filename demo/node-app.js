"use strict";
// The Node side: a Fastify app on the library's TypeORM adapter and user loader, the way the
// README sets one up. Routes: the page, login, logout, the counter, and /session.json (this
// side's decode of the session, which the Django page shows next to its own).
const { readFileSync } = require("node:fs");
const path = require("node:path");
const Fastify = require("fastify");
const { DjangoSessionRepository } = require("django-session");
const { createTypeOrmAdapter, createTypeOrmUserLoader, SqliteAuthUser, SqliteDjangoSession } = require("django-session/typeorm");
const { djangoSession } = require("django-session/fastify");
// The auth functions from their own module: the root entry point may stop re-exporting them.
const { checkPassword, getUser, login, logout } = require("django-session/auth");
const { nodePage } = require("./node-page");

const STYLESHEET = readFileSync(path.join(__dirname, "public", "demo.css"));

/**
 * `dataSource`: an initialized TypeORM DataSource on the demo's file; `django`: `{ url, version }`
 * of the running Django side, or `{ url: null, message }` saying why there is none.
 */
async function createNodeApp({ dataSource, secretKey, nodeUrl, django }) {
  const repository = new DjangoSessionRepository({ secretKey, adapter: createTypeOrmAdapter(dataSource) });
  const auth = { secretKey, loadUser: createTypeOrmUserLoader(dataSource) };
  const users = dataSource.getRepository(SqliteAuthUser);
  const rows = dataSource.getRepository(SqliteDjangoSession);

  async function decode(session) {
    const { user } = await getUser(session, auth);
    const data = await session.toObject();
    // After a load, a key that has no live row is dropped (sessionKey null), as in Django.
    const row = session.sessionKey ? await rows.findOneBy({ sessionKey: session.sessionKey }) : null;
    return { user: user?.username ?? null, data, expireDate: row ? row.expireDate.toISOString() : null };
  }

  // The Django side's decode of the same cookie, asked server to server with the browser's cookie.
  async function djangoView(request) {
    const title = django.version ? `Django ${django.version}` : "Django";
    if (!django.url) return { title, problem: django.message };
    try {
      // A bound, so that a stuck Django side costs this page one panel, not the page.
      const response = await fetch(`${django.url}/session.json`, {
        headers: { cookie: request.headers.cookie ?? "" },
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) return { title, problem: `The Django side answered ${response.status}.` };
      return { title, view: await response.json() };
    } catch (error) {
      return { title, problem: `The Django side did not answer (${error.cause?.code ?? error.name}).` };
    }
  }

  const app = Fastify();
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_request, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body))),
  );
  await app.register(djangoSession, { repository });

  const render = async (request, reply, error) => {
    const node = await decode(request.session);
    const page = nodePage({
      user: node.user,
      counter: node.data.counter ?? 0,
      error,
      node: { title: "Node · django-session", view: node },
      django: await djangoView(request),
      nodeUrl,
      djangoUrl: django.url,
    });
    return reply.type("text/html; charset=utf-8").send(page);
  };

  app.get("/", (request, reply) => render(request, reply));
  app.get("/demo.css", (_request, reply) => reply.type("text/css; charset=utf-8").send(STYLESHEET));
  app.get("/session.json", async (request) => decode(request.session));

  app.post("/login", async (request, reply) => {
    const { username = "", password = "" } = request.body ?? {};
    const user = await users.findOneBy({ username: String(username) });
    if (!user || !user.isActive || !(await checkPassword(String(password), user.password))) {
      return render(request, reply.code(401), "Wrong username or password.");
    }
    await login(request.session, user, { secretKey });
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
  return app;
}

module.exports = { createNodeApp };
