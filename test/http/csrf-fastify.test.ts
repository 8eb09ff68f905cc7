/** The Fastify CSRF plugin (`djangoCsrf`, route `config: { csrfExempt: true }`) over real HTTP: see csrf-suite.ts. */
import Fastify from "fastify";
import { ImproperlyConfigured } from "../../src";
import { djangoCsrf, djangoSession, getCsrf } from "../../src/integrations/fastify";
import { parseForm } from "../e2e/support/node-app";
import { CSRF_ROUTES, describeCsrfMiddleware, type MountCsrf } from "./csrf-suite";

const mount: MountCsrf = async (sessionOptions, csrfOptions) => {
  const app = Fastify();
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => done(null, parseForm(body as string)));
  await app.register(djangoSession, sessionOptions);
  await app.register(djangoCsrf, csrfOptions);
  for (const [key, route] of Object.entries(CSRF_ROUTES)) {
    const [method, url] = key.split(" ") as ["GET" | "POST", string];
    app.route({
      method,
      url,
      config: { csrfExempt: url === "/exempt" },
      handler: async (request, reply) => reply.type("text/plain").send(await route(request.session, getCsrf(request), (request.body ?? {}) as Record<string, string>)),
    });
  }
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("no TCP address");
  return { origin: `http://127.0.0.1:${address.port}`, close: () => app.close() };
};

describeCsrfMiddleware("fastify", mount);

describe("fastify CSRF plugin specifics", () => {
  test("options are validated at registration", async () => {
    const app = Fastify();
    await expect(app.register(djangoCsrf, { trustedOrigins: ["example.com"] }).ready()).rejects.toThrow(ImproperlyConfigured);
  });

  test("the exempt option skips the check by request", async () => {
    const app = Fastify();
    await app.register(djangoCsrf, { exempt: (request) => request.url === "/hook" });
    app.post("/hook", async () => "hooked");
    app.post("/other", async () => "other");
    const origin = await app.listen({ port: 0, host: "127.0.0.1" });
    try {
      expect(await (await fetch(`${origin}/hook`, { method: "POST" })).text()).toBe("hooked");
      expect(await (await fetch(`${origin}/other`, { method: "POST" })).text()).toBe("Forbidden (CSRF cookie not set.)");
    } finally {
      await app.close();
    }
  });
});
