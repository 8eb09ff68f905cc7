/** The Hono CSRF middleware (`djangoCsrf`, `c.get("csrf")`) over real HTTP: see csrf-suite.ts. */
import { Hono } from "hono";
import { createServer, type IncomingMessage } from "node:http";
import { ImproperlyConfigured } from "../../src";
import { djangoCsrf, djangoSession, type DjangoCsrfVariables, type DjangoSessionVariables } from "../../src/integrations/hono";
import { closeServer, listen } from "../e2e/support/node-app";
import { CSRF_ROUTES, describeCsrfMiddleware, type MountCsrf } from "./csrf-suite";

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const mount: MountCsrf = async (sessionOptions, csrfOptions) => {
  const app = new Hono<{ Variables: DjangoSessionVariables & DjangoCsrfVariables }>();
  app.use(djangoSession(sessionOptions));
  app.use(djangoCsrf({ ...csrfOptions, exempt: (c) => c.req.path === "/exempt" }));
  for (const [key, route] of Object.entries(CSRF_ROUTES)) {
    const [method, url] = key.split(" ") as [string, string];
    app.on(method, url, async (c) => {
      const form = c.req.header("content-type")?.startsWith("application/x-www-form-urlencoded") ? ((await c.req.parseBody()) as Record<string, string>) : {};
      return c.text(await route(c.get("session"), c.get("csrf"), form));
    });
  }
  // node:http in front of app.fetch, every Set-Cookie as its own header.
  const server = createServer(async (req, res) => {
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : await readBody(req);
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    const response = await app.fetch(new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers, body }));
    const out: Record<string, string | string[]> = {};
    response.headers.forEach((value, name) => {
      if (name !== "set-cookie") out[name] = value;
    });
    if (response.headers.getSetCookie().length) out["set-cookie"] = response.headers.getSetCookie();
    res.writeHead(response.status, out).end(Buffer.from(await response.arrayBuffer()));
  });
  const origin = await listen(server);
  return { origin, close: () => closeServer(server) };
};

describeCsrfMiddleware("hono", mount);

describe("hono CSRF middleware specifics", () => {
  test("options are validated when the middleware is created", () => {
    expect(() => djangoCsrf({ trustedOrigins: ["example.com"] })).toThrow(ImproperlyConfigured);
  });

  test("with useSessions but no session middleware the request fails with how to fix it", async () => {
    const app = new Hono();
    app.use(djangoCsrf({ useSessions: true }));
    app.onError((error, c) => c.text(error.message, 500));
    app.get("/", (c) => c.text("never"));
    expect(await (await app.request("/")).text()).toMatch(/mount the session middleware before it/);
  });
});
