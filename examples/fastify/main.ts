// Fastify 5 + node-postgres (no ORM) + django-session: the Django site's logins and sessions,
// read and written in Node. See README.md next to this file.
import Fastify from "fastify";
import { Pool } from "pg";
import { DjangoSessionRepository, SqlRowAdapter, type SqlExecutor } from "django-session";
import { checkPassword, getUser, login, logout } from "django-session/auth";
import { djangoSession } from "django-session/fastify";

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`Set ${name} (see README.md).`);
    process.exit(1);
  }
  return value;
}

const secretKey = requireEnv("DJANGO_SECRET_KEY"); // the Django site's SECRET_KEY
const pool = new Pool({ connectionString: requireEnv("DATABASE_URL") });

// A SqlRowAdapter runs Django's own statements on any driver: this is all it needs from pg.
const executor: SqlExecutor = {
  dialect: "postgres",
  query: async (sql, params) => (await pool.query(sql, [...params])).rows,
  execute: async (sql, params) => (await pool.query(sql, [...params])).rowCount ?? 0,
  isUniqueViolation: (error) => (error as { code?: string } | null)?.code === "23505",
};
const repository = new DjangoSessionRepository({ secretKey, adapter: new SqlRowAdapter(executor) });

// Django's auth_user.
interface AuthUserRow {
  id: number;
  username: string;
  password: string;
  is_active: boolean;
}
const toUser = (row: AuthUserRow | undefined) => row && { id: row.id, username: row.username, password: row.password, isActive: row.is_active };

/** The backend's get_user(): `_auth_user_id` (a string) → the user row, or null. */
async function loadUser(id: string) {
  if (!/^\d+$/.test(id)) return null;
  const { rows } = await pool.query<AuthUserRow>("SELECT id, username, password, is_active FROM auth_user WHERE id = $1", [Number(id)]);
  return toUser(rows[0]) ?? null;
}

async function findByUsername(username: string) {
  const { rows } = await pool.query<AuthUserRow>("SELECT id, username, password, is_active FROM auth_user WHERE username = $1", [username]);
  return toUser(rows[0]);
}

async function main() {
  const app = Fastify({ logger: false });
  // Django's SessionMiddleware: request.session in every route, saved and the sessionid cookie
  // set before the reply is sent.
  await app.register(djangoSession, { repository });

  // Who is logged in (Django's request.user) and what the session holds.
  app.get("/", async (request) => {
    const { user, reason } = await getUser(request.session, { secretKey, loadUser });
    return {
      user: user && { id: user.id, username: user.username },
      reason, // why the user is anonymous, or how the login was verified
      counter: Number((await request.session.get("counter")) ?? 0),
    };
  });

  app.post("/counter", async (request) => {
    const counter = Number((await request.session.get("counter")) ?? 0) + 1;
    await request.session.set("counter", counter);
    return { counter };
  });

  // Django's login(): the session then says "logged in" to Django as well.
  app.post<{ Body: { username?: unknown; password?: unknown } }>("/login", async (request, reply) => {
    const { username, password } = request.body ?? {};
    const user = typeof username === "string" ? await findByUsername(username) : undefined;
    if (!user || !user.isActive || typeof password !== "string" || !(await checkPassword(password, user.password))) {
      return reply.code(401).send({ error: "Wrong username or password." });
    }
    await login(request.session, user, { secretKey }); // a new session key; saved by the plugin
    return { user: { id: user.id, username: user.username } };
  });

  // Django's logout(): the row is deleted, so the user is logged out on Django too.
  app.post("/logout", async (request, reply) => {
    await logout(request.session);
    return reply.code(204).send();
  });

  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? "127.0.0.1";
  await app.listen({ port, host });
  console.log(`fastify example listening on http://${host}:${port}/`);

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void app.close().then(() => pool.end()).then(() => process.exit(0));
    });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
