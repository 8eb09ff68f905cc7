// A Cloudflare Worker that knows who is logged in on the Django site: Hono with django-session's
// middleware over Django's signed_cookies engine (SESSION_ENGINE =
// "django.contrib.sessions.backends.signed_cookies"), so the session is in the cookie itself
// and the Worker needs no database. DJANGO_SECRET_KEY is a secret of the Worker
// (`wrangler secret put DJANGO_SECRET_KEY`), the Django site's SECRET_KEY.
import { Hono } from "hono";
import { SignedCookieSessionStore } from "django-session";
import { djangoSession } from "django-session/hono";

const app = new Hono();

// The store is built once per isolate, from the secret the first request brings.
let store = null;
app.use(async (c, next) => {
  store ??= new SignedCookieSessionStore({ secretKey: c.env.DJANGO_SECRET_KEY });
  return djangoSession({ repository: store })(c, next);
});

// Who the Django login says this is: Django's auth keeps the user's primary key, as a string.
app.get("/", async (c) => {
  const session = c.get("session");
  const userId = (await session.get("_auth_user_id")) ?? null;
  return c.json({ loggedIn: userId !== null, userId });
});

// Sessions written here are Django's too: Django reads the cookie this sets.
app.post("/visits", async (c) => {
  const session = c.get("session");
  const visits = ((await session.get("edge_visits")) ?? 0) + 1;
  await session.set("edge_visits", visits);
  return c.json({ visits });
});

export default app;
