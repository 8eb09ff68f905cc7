import type { Middleware } from "koa";
import { SessionInterrupted } from "../../core/errors";
import type { Session } from "../../core/session";
import { addVaryCookie } from "../../core/session-cookie";
import { SessionMiddlewareCore, type SessionCommit, type SessionMiddlewareOptions } from "../../core/session-middleware";

/** Options of the Koa middleware: those of every integration (`SessionMiddlewareOptions`). */
export type DjangoSessionKoaOptions = SessionMiddlewareOptions;

declare module "koa" {
  interface DefaultContext {
    /**
     * Django's `request.session`: lazy, so a request that never touches it costs no query. Set by
     * the `djangoSession` middleware; mount it before the middleware that reads it.
     */
    session: Session;
  }
}

/**
 * Django's `SessionMiddleware` (`django.contrib.sessions.middleware`) for Koa: `ctx.session`
 * downstream, then, after `await next()`, the rules of `SessionMiddlewareCore` on `ctx.status`
 * (no save on 5xx; cookie deleted when a request that sent one ends with an empty session;
 * `Vary: Cookie`; 400 with Django's message when the session was deleted during the request).
 *
 * ```ts
 * app.use(djangoSession({ repository }));
 * app.use(async (ctx) => { ctx.body = { user: await ctx.session.get("_auth_user_id") }; });
 * ```
 *
 * An error thrown downstream propagates untouched and nothing is saved: Koa's error handling
 * replaces the response and clears its headers, so no cookie could reach the client anyway.
 * Options are validated here, when the middleware is created.
 */
export function djangoSession(options: DjangoSessionKoaOptions): Middleware {
  const core = new SessionMiddlewareCore(options);
  return async function djangoSessionMiddleware(ctx, next) {
    const requestSession = core.open(ctx.headers.cookie);
    ctx.session = requestSession.session;
    await next();
    // Nobody used the session: nothing to save or send, and no promise to wait for.
    if (core.idle(requestSession)) return;
    let commit: SessionCommit;
    try {
      commit = await core.commit(requestSession, ctx.status);
    } catch (error) {
      // Headers already sent (a handler that wrote to ctx.res itself): Koa reports the error.
      if (!(error instanceof SessionInterrupted) || ctx.headerSent) throw error;
      // Status before body, so Koa keeps the 400; the type after, so it replaces the handler's.
      // Koa destroys a replaced stream body when the response finishes.
      ctx.status = error.status;
      ctx.remove("Content-Encoding");
      ctx.body = error.message;
      ctx.type = "text/plain; charset=utf-8";
      return;
    }
    if (ctx.headerSent) return;
    // ctx.append keeps the Set-Cookie values already there.
    if (commit.setCookie !== null) ctx.append("Set-Cookie", commit.setCookie);
    if (commit.varyCookie) ctx.set("Vary", addVaryCookie(ctx.response.get("Vary")));
  };
}
