// Express 5 + Prisma 7 (PostgreSQL) + django-session: the Django site's logins and sessions,
// read and written in Node. See README.md next to this file.
import { PrismaPg } from "@prisma/adapter-pg";
import express, { type ErrorRequestHandler } from "express";
import { DjangoSessionRepository } from "django-session";
import { checkPassword, getUser, login, logout } from "django-session/auth";
import { djangoSession } from "django-session/express";
import { createPrismaAdapter, createPrismaUserLoader } from "django-session/prisma";
import { PrismaClient } from "./generated/prisma/client";

// The keys this app keeps in the session, typed on every `req.session` (other keys read as unknown).
declare module "django-session/express" {
  interface DjangoSessionData {
    counter?: number;
  }
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`Set ${name} (see README.md).`);
    process.exit(1);
  }
  return value;
}

const secretKey = requireEnv("DJANGO_SECRET_KEY"); // the Django site's SECRET_KEY
const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: requireEnv("DATABASE_URL") }) });

// Django's db session engine over the Prisma client: the same django_session rows Django uses.
const repository = new DjangoSessionRepository({ secretKey, adapter: createPrismaAdapter(prisma) });

// Django's auth_user through the AuthUser model: the backend's get_user() for getUser.
const loadUser = createPrismaUserLoader(prisma);

const app = express();
app.use(express.json());
// Django's SessionMiddleware: req.session, saved and the sessionid cookie set before the response goes out.
app.use(djangoSession({ repository }));

// Who is logged in (Django's request.user) and what the session holds.
app.get("/", async (req, res) => {
  const { user, reason } = await getUser(req.session, { secretKey, loadUser });
  res.json({
    user: user && { id: user.id, username: user.username },
    reason, // why the user is anonymous, or how the login was verified
    counter: (await req.session.get("counter")) ?? 0,
  });
});

app.post("/counter", async (req, res) => {
  const counter = ((await req.session.get("counter")) ?? 0) + 1;
  await req.session.set("counter", counter);
  res.json({ counter });
});

// Django's login(): the session then says "logged in" to Django as well.
app.post("/login", async (req, res) => {
  const { username, password } = (req.body ?? {}) as { username?: unknown; password?: unknown };
  const user = typeof username === "string" ? await prisma.authUser.findUnique({ where: { username } }) : null;
  if (!user || !user.isActive || typeof password !== "string" || !(await checkPassword(password, user.password))) {
    res.status(401).json({ error: "Wrong username or password." });
    return;
  }
  await login(req.session, user, { secretKey }); // a new session key; saved by the middleware
  res.json({ user: { id: user.id, username: user.username } });
});

// Django's logout(): the row is deleted, so the user is logged out on Django too.
app.post("/logout", async (req, res) => {
  await logout(req.session);
  res.status(204).end();
});

// Errors as JSON, never Express's default HTML page (with the stack trace outside production): a
// client error such as a malformed JSON body (express.json()'s 400) says what was wrong; anything
// else is a 500 whose details stay in this process's log.
app.use(((error, _req, res, next) => {
  if (res.headersSent) return next(error);
  const status: unknown = error?.status ?? error?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    res.status(status).json({ error: error.type === "entity.parse.failed" ? "The request body is not valid JSON." : String(error.message) });
    return;
  }
  console.error(error);
  res.status(500).json({ error: "Internal server error." });
}) satisfies ErrorRequestHandler);

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
const server = app.listen(port, host, (error?: Error) => {
  if (error) throw error;
  console.log(`express-prisma example listening on http://${host}:${port}/`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close(() => void prisma.$disconnect().then(() => process.exit(0)));
  });
}
