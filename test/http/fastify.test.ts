import "../support/fastify-inject";
import Fastify, { type FastifyInstance } from "fastify";
import { DjangoSessionRepository, ImproperlyConfigured, SqlRowAdapter, silentLogger } from "../../src";
import { type SessionMiddlewareOptions } from "../../src/low-level";
import { djangoSession } from "../../src/integrations/fastify";
import { openSqlite, type RawDatabase } from "../support/raw-tables";
import { attrs, describeSessionIntegration, NOW, sessionKeyOf, type HttpResult, type MountApp, type Routes } from "./session-integration-suite";

function toResult(res: { statusCode: number; body: string; headers: Record<string, string | string[] | number | undefined> }): HttpResult {
  const setCookie = res.headers["set-cookie"];
  return {
    status: res.statusCode,
    body: res.body,
    setCookie: setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [String(setCookie)],
    vary: res.headers.vary === undefined ? undefined : String(res.headers.vary),
    contentType: res.headers["content-type"] === undefined ? undefined : String(res.headers["content-type"]),
  };
}

function client(app: FastifyInstance) {
  return {
    get: async (path: string, cookie?: string) => toResult(await app.inject({ method: "GET", url: path, headers: cookie === undefined ? {} : { cookie } })),
    close: () => app.close(),
  };
}

const mount: MountApp = async (options, routes: Routes) => {
  const app = Fastify();
  await app.register(djangoSession, options);
  app.get("/*", async (request, reply) => {
    const url = new URL(request.url, "http://test.local");
    const route = routes[url.pathname];
    if (!route) return reply.code(404).send("not found");
    const answer = (await route(request.session, url)) ?? {};
    for (const [name, value] of answer.headers ?? []) reply.header(name, value);
    return reply.code(answer.status ?? 200).type("text/plain; charset=utf-8").send(answer.body ?? "ok");
  });
  await app.ready();
  return client(app);
};

describeSessionIntegration("fastify", "sqlite", mount);
describeSessionIntegration("fastify", "postgres", mount);

describe("fastify plugin specifics", () => {
  let db: RawDatabase;
  let options: SessionMiddlewareOptions;
  beforeAll(async () => {
    db = await openSqlite("http-fastify-plugin");
    await db.recreate();
    const repository = new DjangoSessionRepository({ secretKey: "fastify-plugin-secret", adapter: new SqlRowAdapter(db.executor), logger: silentLogger, now: () => NOW });
    options = { repository, now: () => NOW };
  });
  afterAll(() => db.close());

  test("options are validated at registration, with the fix in the message", async () => {
    const app = Fastify();
    app.register(djangoSession, { repository: undefined } as never);
    await expect(app.ready()).rejects.toThrow(ImproperlyConfigured);
    const other = Fastify();
    other.register(djangoSession, { ...options, cookie: { sameSite: "None" } });
    await expect(other.ready()).rejects.toThrow(/secure: true/);
  });

  test("registering twice fails clearly instead of decorating request.session twice", async () => {
    const app = Fastify();
    app.register(djangoSession, options);
    app.register(djangoSession, options);
    await expect(app.ready()).rejects.toThrow(/register django-session's plugin once/);
  });

  test("not encapsulated (as with fastify-plugin): registered at the root, every child context sees request.session", async () => {
    const app = Fastify();
    await app.register(djangoSession, options);
    await app.register(async (child) => {
      child.get("/child", async (request) => {
        await request.session.set("where", "child");
        return "ok";
      });
    });
    const result = await app.inject({ method: "GET", url: "/child" });
    expect(result.statusCode).toBe(200);
    expect(String(result.headers["set-cookie"])).toMatch(/^sessionid=/);
    expect(djangoSession[Symbol.for("skip-override") as never]).toBe(true);
    await app.close();
  });

  test("a web Response returned by the handler: its status counts for the 5xx rule and its Vary is merged", async () => {
    const app = Fastify();
    await app.register(djangoSession, options);
    app.get("/web/:code", async (request) => {
      await request.session.set("web", true);
      return new Response("from a Response", { status: Number((request.params as { code: string }).code), headers: { vary: "Accept-Language" } });
    });
    const ok = toResult(await app.inject({ method: "GET", url: "/web/200" }));
    expect(ok.status).toBe(200);
    expect(ok.body).toBe("from a Response");
    expect(ok.vary).toBe("Accept-Language, Cookie");
    expect(attrs(ok.setCookie[0])).toMatchObject({ path: "/", samesite: "Lax" });
    expect(await db.table.getRow(sessionKeyOf(ok))).not.toBeNull();
    const failed = toResult(await app.inject({ method: "GET", url: "/web/503" }));
    expect(failed.status).toBe(503);
    expect(failed.setCookie).toEqual([]);
    await app.close();
  });

  test("an error Fastify answers with 4xx still saves, as Django saves for Http404 or PermissionDenied", async () => {
    const app = Fastify();
    await app.register(djangoSession, options);
    app.get("/forbidden", async (request) => {
      await request.session.set("seen", true);
      throw Object.assign(new Error("nope"), { statusCode: 403 });
    });
    const result = toResult(await app.inject({ method: "GET", url: "/forbidden" }));
    expect(result.status).toBe(403);
    expect(await db.table.getRow(sessionKeyOf(result))).not.toBeNull();
    await app.close();
  });

  test("a storage failure while saving is a 503 (SessionStorageError.status) with no session cookie", async () => {
    const failing = new DjangoSessionRepository({
      secretKey: "fastify-plugin-secret",
      adapter: new SqlRowAdapter({ ...db.executor, execute: async () => Promise.reject(new Error("database down")) }),
      logger: silentLogger,
    });
    const app = Fastify();
    await app.register(djangoSession, { repository: failing });
    app.get("/", async (request) => {
      await request.session.set("x", 1);
      return "ok";
    });
    const result = toResult(await app.inject({ method: "GET", url: "/" }));
    // The database is down: retrying later may work, so 503, as the other integrations answer.
    expect(result.status).toBe(503);
    expect(result.setCookie).toEqual([]);
    await app.close();
  });
});
