/** The Express CSRF middleware (`djangoCsrf`, `getCsrf`) over real HTTP: see csrf-suite.ts. */
import express from "express";
import { createServer } from "node:http";
import { ImproperlyConfigured } from "../../src";
import { djangoCsrf, djangoSession, getCsrf } from "../../src/integrations/express";
import { closeServer, listen } from "../e2e/support/node-app";
import { CSRF_ROUTES, describeCsrfMiddleware, type MountCsrf } from "./csrf-suite";

const mount: MountCsrf = async (sessionOptions, csrfOptions) => {
  const app = express();
  app.use(express.urlencoded({ extended: false }), express.json());
  app.use(djangoSession(sessionOptions));
  app.use(djangoCsrf({ ...csrfOptions, exempt: (req) => req.url === "/exempt" }));
  app.use(async (req, res, next) => {
    const route = CSRF_ROUTES[`${req.method} ${req.path}`];
    if (!route) return next();
    try {
      res.type("text/plain").send(await route(req.session, getCsrf(req), (req.body ?? {}) as Record<string, string>));
    } catch (error) {
      next(error);
    }
  });
  const server = createServer(app);
  const origin = await listen(server);
  return { origin, close: () => closeServer(server) };
};

describeCsrfMiddleware("express", mount);

describe("express CSRF middleware specifics", () => {
  test("options are validated when the middleware is created", () => {
    expect(() => djangoCsrf({ trustedOrigins: ["example.com"] })).toThrow(ImproperlyConfigured);
  });

  test("getCsrf without the middleware says how to mount it", () => {
    expect(() => getCsrf({} as never)).toThrow(/mount djangoCsrf\(\)/);
  });
});
