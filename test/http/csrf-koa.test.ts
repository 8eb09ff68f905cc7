/** The Koa CSRF middleware (`djangoCsrf`, `getCsrf`) over real HTTP: see csrf-suite.ts. */
import Koa from "koa";
import { createServer, type IncomingMessage } from "node:http";
import { ImproperlyConfigured } from "../../src";
import { djangoCsrf, djangoSession, getCsrf } from "../../src/integrations/koa";
import { closeServer, listen, parseForm } from "../e2e/support/node-app";
import { CSRF_ROUTES, describeCsrfMiddleware, type MountCsrf } from "./csrf-suite";

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const mount: MountCsrf = async (sessionOptions, csrfOptions) => {
  const app = new Koa();
  app.silent = true;
  app.use(djangoSession(sessionOptions));
  // A minimal form body parser, where an app would mount @koa/bodyparser.
  app.use(async (ctx, next) => {
    const text = ctx.method === "POST" ? await readBody(ctx.req) : "";
    (ctx.request as { body?: unknown }).body = ctx.is("application/x-www-form-urlencoded") ? parseForm(text) : ctx.is("application/json") && text ? JSON.parse(text) : {};
    await next();
  });
  app.use(djangoCsrf({ ...csrfOptions, exempt: (ctx) => ctx.path === "/exempt" }));
  app.use(async (ctx) => {
    const route = CSRF_ROUTES[`${ctx.method} ${ctx.path}`];
    if (!route) return;
    ctx.type = "text/plain";
    ctx.body = await route(ctx.session, getCsrf(ctx), (ctx.request as { body?: Record<string, string> }).body ?? {});
  });
  const server = createServer(app.callback());
  const origin = await listen(server);
  return { origin, close: () => closeServer(server) };
};

describeCsrfMiddleware("koa", mount);

describe("koa CSRF middleware specifics", () => {
  test("options are validated when the middleware is created", () => {
    expect(() => djangoCsrf({ trustedOrigins: ["example.com"] })).toThrow(ImproperlyConfigured);
  });
});
