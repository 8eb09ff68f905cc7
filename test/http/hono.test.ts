import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { DjangoSessionRepository, ImproperlyConfigured, SqlRowAdapter, silentLogger, type Session } from "../../src";
import { djangoSession, type DjangoSessionVariables } from "../../src/integrations/hono";
import { openSqlite, type RawDatabase } from "../support/raw-tables";
import { describeSessionIntegration, NOW, sessionKeyOf, type HttpResult, type MountApp } from "./session-integration-suite";

async function toResult(res: Response): Promise<HttpResult> {
  return {
    status: res.status,
    body: await res.text(),
    setCookie: res.headers.getSetCookie(),
    vary: res.headers.get("vary") ?? undefined,
    contentType: res.headers.get("content-type") ?? undefined,
  };
}

function client(app: Hono<any>) {
  return {
    get: async (path: string, cookie?: string) => toResult(await app.request(path, { headers: cookie === undefined ? {} : { cookie } })),
    close: async () => {},
  };
}

const mount: MountApp = async (options, routes) => {
  const app = new Hono<{ Variables: DjangoSessionVariables }>();
  // Hono's default handler logs thrown errors; these tests throw on purpose.
  app.onError((error, c) => (error instanceof HTTPException ? error.getResponse() : c.text("Internal Server Error", 500)));
  app.use(djangoSession(options));
  app.get("*", async (c) => {
    const url = new URL(c.req.url);
    const route = routes[url.pathname];
    if (!route) return c.notFound();
    const answer = (await route(c.get("session"), url)) ?? {};
    for (const [name, value] of answer.headers ?? []) c.header(name, value, { append: true });
    return c.text(answer.body ?? "ok", (answer.status ?? 200) as 200);
  });
  return client(app);
};

describeSessionIntegration("hono", "sqlite", mount);
describeSessionIntegration("hono", "postgres", mount);

describe("hono middleware specifics", () => {
  let db: RawDatabase;
  let repository: DjangoSessionRepository;
  beforeAll(async () => {
    db = await openSqlite("http-hono-middleware");
    await db.recreate();
    repository = new DjangoSessionRepository({ secretKey: "hono-secret", adapter: new SqlRowAdapter(db.executor), logger: silentLogger, now: () => NOW });
  });
  afterAll(() => db.close());

  test("options are validated when the middleware is created, with the fix in the message", () => {
    expect(() => djangoSession({ repository: undefined } as never)).toThrow(ImproperlyConfigured);
    expect(() => djangoSession({ repository, cookie: { path: "relative" } })).toThrow(/must start with "\/"/);
  });

  test("c.get('session') is typed through the Variables generic, also when inferred from app.use()", async () => {
    type Cart = { cart: string[] };
    const app = new Hono().use(djangoSession<Cart>({ repository }));
    app.get("/", async (c) => {
      const session: Session<Cart> = c.get("session");
      const cart = (await session.get("cart")) ?? [];
      await session.set("cart", [...cart, "book"]);
      // @ts-expect-error: the data is typed, a number is not a string[]
      void (() => session.set("cart", 1));
      return c.json(cart);
    });
    const result = await toResult(await app.request("/"));
    expect(result.body).toBe("[]");
    expect(sessionKeyOf(result)).toHaveLength(32);
  });

  test("a Response with immutable headers (as fetch() returns) still gets the cookie and Vary", async () => {
    const app = new Hono<{ Variables: DjangoSessionVariables }>();
    app.use(djangoSession({ repository }));
    app.get("/", async (c) => {
      await c.get("session").set("redirected", true);
      return Response.redirect("https://example.com/next", 302);
    });
    const result = await toResult(await app.request("/"));
    expect(result.status).toBe(302);
    expect(await db.table.getRow(sessionKeyOf(result))).not.toBeNull();
    expect(result.vary).toBe("Cookie");
  });

  test("an HTTPException below 500 still saves, as Django saves for Http404 or PermissionDenied", async () => {
    const app = new Hono<{ Variables: DjangoSessionVariables }>();
    app.use(djangoSession({ repository }));
    app.get("/", async (c) => {
      await c.get("session").set("seen", true);
      throw new HTTPException(403, { message: "Forbidden" });
    });
    const result = await toResult(await app.request("/"));
    expect(result.status).toBe(403);
    expect(await db.table.getRow(sessionKeyOf(result))).not.toBeNull();
  });

  test("the 400 drops the handler's Content-Length and Content-Type but keeps its other headers", async () => {
    const app = new Hono<{ Variables: DjangoSessionVariables }>();
    app.use(djangoSession({ repository }));
    app.get("/set", async (c) => {
      await c.get("session").set("x", 1);
      return c.text("ok");
    });
    let key = "";
    app.get("/gone", async (c) => {
      await c.get("session").set("x", 2);
      await db.table.delete(key);
      c.header("X-Request-Id", "abc");
      return c.json({ a: "long enough body" }, 200, { "Content-Length": "24" });
    });
    key = sessionKeyOf(await toResult(await app.request("/set")));
    const res = await app.request("/gone", { headers: { cookie: `sessionid=${key}` } });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-length")).toBeNull();
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("x-request-id")).toBe("abc");
    expect(await res.text()).toMatch(/^The request's session was deleted before the request completed/);
  });
});
