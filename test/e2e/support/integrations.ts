/**
 * The Node app of node-app.ts mounted on each framework integration, on a real HTTP server
 * (127.0.0.1, a free port): Express 5, Fastify 5, Koa, Hono (over node:http with a small
 * fetch bridge; @hono/node-server is not a dependency) and NestJS on Express (nestjs.ts).
 */
import { createServer, type IncomingMessage } from "node:http";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import { Hono } from "hono";
import type { SessionMiddlewareOptions } from "../../../src/low-level";
import { djangoCsrf as expressCsrf, djangoSession as expressSession, getCsrf as expressGetCsrf } from "../../../src/integrations/express";
import { djangoCsrf as fastifyCsrf, djangoSession as fastifySession, getCsrf as fastifyGetCsrf } from "../../../src/integrations/fastify";
import { djangoCsrf as honoCsrf, djangoSession as honoSession, type DjangoCsrfVariables, type DjangoSessionVariables } from "../../../src/integrations/hono";
import { djangoCsrf as koaCsrf, djangoSession as koaSession, getCsrf as koaGetCsrf } from "../../../src/integrations/koa";
import { mountNestExpress } from "./nestjs";
import { closeServer, csrfExempt, listen, parseForm, type IntegrationName, type MountIntegration, type NodeApp, type RouteTable } from "./node-app";

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export const mountExpress: MountIntegration = async (options, routes, _handlers, settings) => {
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(expressSession(options));
  app.use(expressCsrf({ ...settings.csrf, exempt: (req) => csrfExempt(req.url) }));
  app.use(async (req, res, next) => {
    const route = routes[`${req.method} ${req.path}`];
    if (!route) return next();
    const reply = await route(req.session, (req.body ?? {}) as Record<string, string>, { cookie: req.headers.cookie, host: req.headers.host, csrf: expressGetCsrf(req) });
    for (const [name, value] of reply.headers ?? []) res.append(name, value);
    if (reply.html === undefined) res.status(reply.status).json(reply.body);
    else res.status(reply.status).type("html").send(reply.html);
  });
  const server = createServer(app);
  const origin = await listen(server, settings.port);
  return { origin, close: () => closeServer(server) };
};

export const mountFastify: MountIntegration = async (options, routes, _handlers, settings) => {
  const app = Fastify();
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => done(null, parseForm(body as string)));
  await app.register(fastifySession, options);
  await app.register(fastifyCsrf, settings.csrf);
  for (const [key, route] of Object.entries(routes)) {
    const [method, url] = key.split(" ");
    app.route({
      method: method as "GET" | "POST",
      url,
      config: { csrfExempt: csrfExempt(url) },
      handler: async (request, reply) => {
        const answer = await route(request.session, (request.body ?? {}) as Record<string, string>, { cookie: request.headers.cookie, host: request.headers.host, csrf: fastifyGetCsrf(request) });
        for (const [name, value] of answer.headers ?? []) reply.header(name, value);
        if (answer.html !== undefined) return reply.code(answer.status).type("text/html; charset=utf-8").send(answer.html);
        return reply.code(answer.status).send(answer.body);
      },
    });
  }
  await app.listen({ port: settings.port, host: "127.0.0.1" });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("no TCP address");
  return { origin: `http://127.0.0.1:${address.port}`, close: () => app.close() };
};

export const mountKoa: MountIntegration = async (options, routes, _handlers, settings) => {
  const app = new Koa();
  app.use(koaSession(options));
  // The form body where a Koa app's body parser puts it, for the CSRF middleware and the routes.
  app.use(async (ctx, next) => {
    (ctx.request as { body?: unknown }).body = ctx.is("application/x-www-form-urlencoded") ? parseForm((await readBody(ctx.req)).toString("utf8")) : {};
    await next();
  });
  app.use(koaCsrf({ ...settings.csrf, exempt: (ctx) => csrfExempt(ctx.url) }));
  app.use(async (ctx) => {
    const route = routes[`${ctx.method} ${ctx.path}`];
    if (!route) return;
    const form = (ctx.request as { body?: Record<string, string> }).body ?? {};
    const reply = await route(ctx.session, form, { cookie: ctx.headers.cookie, host: ctx.headers.host, csrf: koaGetCsrf(ctx) });
    for (const [name, value] of reply.headers ?? []) ctx.append(name, value);
    ctx.status = reply.status;
    if (reply.html === undefined) ctx.body = reply.body;
    else {
      ctx.type = "html";
      ctx.body = reply.html;
    }
  });
  const server = createServer(app.callback());
  const origin = await listen(server, settings.port);
  return { origin, close: () => closeServer(server) };
};

/** Serves a fetch-style handler on node:http: the request in, every Set-Cookie out as its own header. */
function serveFetch(fetchHandler: (request: Request) => Promise<Response>) {
  return createServer(async (req, res) => {
    try {
      const headers = new Headers();
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const body = hasBody ? await readBody(req) : undefined;
      const response = await fetchHandler(new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers, body }));
      const out: Record<string, string | string[]> = {};
      response.headers.forEach((value, name) => {
        if (name !== "set-cookie") out[name] = value;
      });
      const cookies = response.headers.getSetCookie();
      if (cookies.length) out["set-cookie"] = cookies;
      res.writeHead(response.status, out);
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    }
  });
}

export const mountHono: MountIntegration = async (options, routes, _handlers, settings) => {
  const app = new Hono<{ Variables: DjangoSessionVariables & DjangoCsrfVariables }>();
  app.use(honoSession(options));
  app.use(honoCsrf({ ...settings.csrf, exempt: (c) => csrfExempt(c.req.url) }));
  for (const [key, route] of Object.entries(routes)) {
    const [method, url] = key.split(" ");
    app.on(method, url, async (c) => {
      const form = method === "POST" ? ((await c.req.parseBody()) as Record<string, string>) : {};
      const reply = await route(c.get("session"), form, { cookie: c.req.header("cookie"), host: c.req.header("host"), csrf: c.get("csrf") });
      for (const [name, value] of reply.headers ?? []) c.header(name, value, { append: true });
      if (reply.html !== undefined) return c.html(reply.html, reply.status as 200);
      return c.json(reply.body as object, reply.status as 200);
    });
  }
  const server = serveFetch(async (request) => app.fetch(request));
  const origin = await listen(server, settings.port);
  return { origin, close: () => closeServer(server) };
};

/** The mount of each integration, and the ORM its Node app uses (both adapters get exercised). */
export const INTEGRATIONS: Record<IntegrationName, { mount: MountIntegration; orm: "typeorm" | "prisma" }> = {
  express: { mount: mountExpress, orm: "typeorm" },
  fastify: { mount: mountFastify, orm: "prisma" },
  koa: { mount: mountKoa, orm: "typeorm" },
  hono: { mount: mountHono, orm: "prisma" },
  nestjs: { mount: mountNestExpress, orm: "typeorm" },
};

export type { NodeApp, RouteTable, SessionMiddlewareOptions };
