import type { Context, MiddlewareHandler } from "hono";
import { SessionInterrupted } from "../../core/errors";
import type { Session } from "../../core/session";
import { addVaryCookie } from "../../core/session-cookie";
import { SessionMiddlewareCore, type SessionCommit, type SessionMiddlewareOptions } from "../../core/session-middleware";

/** Options of the Hono middleware: those of every integration (`SessionMiddlewareOptions`). */
export type DjangoSessionHonoOptions = SessionMiddlewareOptions;

/**
 * The variables the middleware sets: `c.get("session")` is Django's `request.session`. Use it
 * in your app's type, `new Hono<{ Variables: DjangoSessionVariables }>()`, or let `app.use()`
 * infer it.
 */
export type DjangoSessionVariables<T extends Record<string, unknown> = Record<string, unknown>> = {
  session: Session<T>;
};

function applyCommit(headers: Headers, commit: SessionCommit): void {
  // append keeps the Set-Cookie values already there.
  if (commit.setCookie !== null) headers.append("set-cookie", commit.setCookie);
  if (commit.varyCookie) headers.set("vary", addVaryCookie(headers.get("vary")));
}

function interrupted(c: Context, error: SessionInterrupted): void {
  // Nobody will read the handler's body now.
  c.res.body?.cancel().catch(() => {});
  // Hono's setter carries the handler's other headers over (except Content-Type); the old
  // body's length and encoding must not be.
  c.res = new Response(error.message, { status: error.status, headers: { "content-type": "text/plain; charset=utf-8" } });
  c.res.headers.delete("content-length");
  c.res.headers.delete("content-encoding");
}

/**
 * Django's `SessionMiddleware` (`django.contrib.sessions.middleware`) for Hono: `c.get("session")`
 * downstream, then, after `await next()`, the rules of `SessionMiddlewareCore` on `c.res.status`
 * (no save on 5xx, which includes a thrown error once Hono's error handler has answered; cookie
 * deleted when a request that sent one ends with an empty session; `Vary: Cookie`; 400 with
 * Django's message when the session was deleted during the request).
 *
 * ```ts
 * const app = new Hono<{ Variables: DjangoSessionVariables }>();
 * app.use(djangoSession({ repository }));
 * app.get("/", async (c) => c.json({ user: await c.get("session").get("_auth_user_id") }));
 * ```
 *
 * Web-standard APIs only: runs wherever Hono runs (`app.request()`, `@hono/node-server`, ...).
 * Options are validated here, when the middleware is created.
 */
export function djangoSession<T extends Record<string, unknown> = Record<string, unknown>>(
  options: DjangoSessionHonoOptions,
): MiddlewareHandler<{ Variables: DjangoSessionVariables<T> }> {
  const core = new SessionMiddlewareCore(options);
  return async function djangoSessionMiddleware(c, next) {
    const requestSession = core.open<T>(c.req.header("cookie"));
    c.set("session", requestSession.session);
    await next();
    // Nobody used the session: nothing to save or send, and no promise to wait for.
    if (core.idle(requestSession)) return;
    let commit: SessionCommit;
    try {
      commit = await core.commit(requestSession, c.res.status);
    } catch (error) {
      if (error instanceof SessionInterrupted) return interrupted(c, error);
      throw error;
    }
    try {
      applyCommit(c.res.headers, commit);
    } catch (error) {
      // A Response with immutable headers (e.g. returned by fetch()): Hono's setter copies it
      // into a mutable one. By name: the TypeError may come from another realm (undici's).
      if ((error as Error | null)?.name !== "TypeError") throw error;
      c.res = new Response(c.res.body, c.res);
      applyCommit(c.res.headers, commit);
    }
  };
}
