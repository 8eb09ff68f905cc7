import type { Context, Middleware } from "koa";
import { CsrfMiddlewareCore, csrfFailureBody, isFormContentType, type CsrfSession, type RequestCsrf } from "../../auth/csrf/csrf-middleware";
import type { CsrfOptions } from "../../auth/csrf/csrf";
import { ImproperlyConfigured } from "../../core/errors";
import { addVaryCookie } from "../../core/session-cookie";

/** Options of the Koa CSRF middleware: Django's `CSRF_*` settings (`CsrfOptions`), an exemption and the failure response. */
export interface DjangoCsrfKoaOptions extends CsrfOptions {
  /** `@csrf_exempt`: requests for which the check is skipped (the token still works). @default none */
  exempt?: (ctx: Context) => boolean;
  /** `CSRF_FAILURE_VIEW`. @default a 403 `text/plain` body `Forbidden (<reason>)` */
  onFailure?: (ctx: Context, reason: string) => void;
}

const kCsrf = Symbol("django-session.koa.csrf");
type WithCsrf = { [kCsrf]?: RequestCsrf };

function defaultFailure(ctx: Context, reason: string): void {
  ctx.status = 403;
  ctx.type = "text/plain; charset=utf-8";
  ctx.body = csrfFailureBody(reason);
}

/**
 * Django's `CsrfViewMiddleware` for Koa: unsafe methods need the `csrfmiddlewaretoken` form field
 * or the `X-CSRFToken` header matching the secret of the `csrftoken` cookie (or, with
 * `useSessions`, `ctx.session`'s `_csrftoken`), and an Origin (or, on HTTPS, a Referer) of the
 * host or `trustedOrigins`; otherwise a 403 with Django's reason. The form field is read from
 * `ctx.request.body` (mount a body parser, e.g. `@koa/bodyparser`, before it); with `useSessions`,
 * mount `djangoSession()` before it. `getCsrfToken(ctx)` is `get_token`.
 *
 * ```ts
 * app.use(djangoSession({ repository }));
 * app.use(bodyParser());
 * app.use(djangoCsrf());
 * ```
 */
export function djangoCsrf(options: DjangoCsrfKoaOptions = {}): Middleware {
  const core = new CsrfMiddlewareCore(options);
  const onFailure = options.onFailure ?? defaultFailure;
  return async function djangoCsrfMiddleware(ctx, next) {
    const state = ctx as unknown as WithCsrf;
    if (state[kCsrf]) {
      await next();
      return;
    }
    const csrf = await core.open({
      method: ctx.method,
      secure: ctx.secure,
      host: ctx.get("host") || undefined,
      origin: ctx.headers.origin,
      referer: ctx.headers.referer,
      cookieHeader: ctx.headers.cookie,
      ...(core.csrf.sessionMode ? { session: (ctx as unknown as { session?: CsrfSession }).session } : {}),
    });
    state[kCsrf] = csrf;
    const exempt = options.exempt?.(ctx) === true;
    const body = (ctx.request as { body?: Record<string, unknown> }).body;
    const field = isFormContentType(ctx.get("content-type")) ? body?.csrfmiddlewaretoken : undefined;
    const result = exempt ? { ok: true as const } : csrf.check({ formToken: typeof field === "string" ? field : undefined, headerToken: ctx.get(core.headerName) || undefined });
    if (result.ok) await next();
    else onFailure(ctx, result.reason);
    // process_response, also for the 403.
    const { setCookie } = await csrf.response();
    if (setCookie !== null && !ctx.headerSent) {
      ctx.append("Set-Cookie", setCookie);
      ctx.set("Vary", addVaryCookie(ctx.response.get("Vary")));
    }
  };
}

/** The request's CSRF state (`getToken()`, `rotateToken()`; pass it to `login(..., { csrf })`). */
export function getCsrf(ctx: Context): RequestCsrf {
  const csrf = (ctx as unknown as WithCsrf)[kCsrf];
  if (!csrf) throw new ImproperlyConfigured("No CSRF state on this request: mount djangoCsrf() before this middleware (app.use(djangoCsrf(...))).");
  return csrf;
}

/** `get_token(request)`: a masked token for the `csrfmiddlewaretoken` field or the `X-CSRFToken` header. */
export function getCsrfToken(ctx: Context): string {
  return getCsrf(ctx).getToken();
}
