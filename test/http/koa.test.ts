import Koa from "koa";
import request from "supertest";
import { DjangoSessionRepository, ImproperlyConfigured, SqlRowAdapter, silentLogger } from "../../src";
import { djangoSession } from "../../src/integrations/koa";
import { openSqlite, type RawDatabase } from "../support/raw-tables";
import { describeSessionIntegration, NOW, type HttpResult, type MountApp, type Routes } from "./session-integration-suite";

function koaApp(middleware: Koa.Middleware, routes: Routes): Koa {
  const app = new Koa();
  app.silent = true; // thrown errors are expected in these tests; no console noise
  app.use(middleware);
  app.use(async (ctx) => {
    const url = new URL(ctx.url, "http://test.local");
    const route = routes[url.pathname];
    if (!route) return;
    const answer = (await route(ctx.session, url)) ?? {};
    for (const [name, value] of answer.headers ?? []) ctx.append(name, value);
    ctx.status = answer.status ?? 200;
    ctx.type = "text/plain; charset=utf-8";
    ctx.body = answer.body ?? "ok";
  });
  return app;
}

async function get(app: Koa, path: string, cookie?: string): Promise<HttpResult> {
  const call = request(app.callback()).get(path);
  if (cookie !== undefined) call.set("Cookie", cookie);
  const res = await call;
  const setCookie = res.headers["set-cookie"] as unknown as string[] | string | undefined;
  return {
    status: res.status,
    body: res.text,
    setCookie: setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie],
    vary: res.headers.vary,
    contentType: res.headers["content-type"],
  };
}

const mount: MountApp = async (options, routes) => {
  const app = koaApp(djangoSession(options), routes);
  return { get: (path, cookie) => get(app, path, cookie), close: async () => {} };
};

describeSessionIntegration("koa", "sqlite", mount);
describeSessionIntegration("koa", "postgres", mount);

describe("koa middleware specifics", () => {
  let db: RawDatabase;
  let repository: DjangoSessionRepository;
  beforeAll(async () => {
    db = await openSqlite("http-koa-middleware");
    await db.recreate();
    repository = new DjangoSessionRepository({ secretKey: "koa-secret", adapter: new SqlRowAdapter(db.executor), logger: silentLogger, now: () => NOW });
  });
  afterAll(() => db.close());

  test("options are validated when the middleware is created, with the fix in the message", () => {
    expect(() => djangoSession({ repository: undefined } as never)).toThrow(ImproperlyConfigured);
    expect(() => djangoSession({ repository, cookieName: "bad name" })).toThrow(/cookieName/);
  });

  test("a thrown HTTP error propagates untouched and saves nothing, even below 500 (Koa clears the headers on errors)", async () => {
    const app = koaApp(djangoSession({ repository }), {
      "/forbidden": async (session) => {
        await session.set("x", 1);
        const error = Object.assign(new Error("Forbidden"), { status: 403, expose: true });
        throw error;
      },
    });
    const errors: unknown[] = [];
    app.on("error", (error) => errors.push(error));
    const before = await db.table.count();
    const result = await get(app, "/forbidden");
    expect(result.status).toBe(403);
    expect(result.setCookie).toEqual([]);
    expect(await db.table.count()).toBe(before);
    expect(errors).toHaveLength(1);
  });

  test("the 400 replaces a JSON body and its Content-Type", async () => {
    const created = await get(koaApp(djangoSession({ repository }), { "/set": async (s) => void (await s.set("x", 1)) }), "/set");
    const key = created.setCookie[0].split(";")[0].slice("sessionid=".length);
    const app = new Koa();
    app.use(djangoSession({ repository }));
    app.use(async (ctx) => {
      await ctx.session.set("x", 2);
      await db.table.delete(key);
      ctx.body = { json: true };
    });
    const result = await get(app, "/", `sessionid=${key}`);
    expect(result.status).toBe(400);
    expect(result.contentType).toBe("text/plain; charset=utf-8");
    expect(result.body).toMatch(/^The request's session was deleted before the request completed/);
  });
});
