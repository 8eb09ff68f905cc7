/** The Express CSRF middleware (`djangoCsrf`, `getCsrf`) over real HTTP: see csrf-suite.ts. */
import express from "express";
import { createServer } from "node:http";
import { ImproperlyConfigured } from "../../src";
import { djangoCsrf, djangoSession, getCsrf } from "../../src/integrations/express";
import { RedisSessionCache } from "../../src/adapters/redis";
import { closeServer, listen } from "../e2e/support/node-app";
import { redisTestClient } from "../support/redis";
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

const PREFIX = `ds-csrfmw-${process.pid}`;
const redis = redisTestClient("redis://127.0.0.1:6379/12", PREFIX);

describeCsrfMiddleware("express", mount, [
  { dialect: "postgres" },
  { dialect: "mysql" },
  // cached_db: the session (and with useSessions its _csrftoken) also in Redis.
  { dialect: "sqlite", cache: () => new RedisSessionCache({ client: redis, keyPrefix: PREFIX, flavour: "django" }) },
]);

describe("express CSRF middleware specifics", () => {
  test("options are validated when the middleware is created", () => {
    expect(() => djangoCsrf({ trustedOrigins: ["example.com"] })).toThrow(ImproperlyConfigured);
  });

  test("getCsrf without the middleware says how to mount it", () => {
    expect(() => getCsrf({} as never)).toThrow(/mount djangoCsrf\(\)/);
  });
});
