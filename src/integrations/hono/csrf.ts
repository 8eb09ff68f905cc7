import type { Context, MiddlewareHandler } from "hono";
import { CsrfMiddlewareCore, csrfFailureBody, isFormContentType, type CsrfSession, type RequestCsrf } from "../../auth/csrf/csrf-middleware";
import type { CsrfOptions } from "../../auth/csrf/csrf";
import { addVaryCookie } from "../../core/session-cookie";

/** Options of the Hono CSRF middleware: Django's `CSRF_*` settings (`CsrfOptions`), an exemption and the failure response. */
export interface DjangoCsrfHonoOptions extends CsrfOptions {
  /** `@csrf_exempt`: requests for which the check is skipped (the token still works). @default none */
  exempt?: (c: Context) => boolean;
  /** `CSRF_FAILURE_VIEW`. @default a 403 `text/plain` body `Forbidden (<reason>)` */
  onFailure?: (c: Context, reason: string) => Response | Promise<Response>;
}

/** The variable the middleware sets: `c.get("csrf")`, with `getToken()` (Django's `get_token`) and `rotateToken()`. */
export type DjangoCsrfVariables = { csrf: RequestCsrf };

function applyCookie(c: Context, setCookie: string): void {
  const apply = (headers: Headers) => {
    headers.append("set-cookie", setCookie);
    headers.set("vary", addVaryCookie(headers.get("vary")));
  };
  try {
    apply(c.res.headers);
  } catch (error) {
    // Immutable headers (a Response from fetch()): copy it, as the session middleware does.
    if ((error as Error | null)?.name !== "TypeError") throw error;
    c.res = new Response(c.res.body, c.res);
    apply(c.res.headers);
  }
}

/**
 * Django's `CsrfViewMiddleware` for Hono: unsafe methods need the `csrfmiddlewaretoken` form field
 * or the `X-CSRFToken` header matching the secret of the `csrftoken` cookie (or, with
 * `useSessions`, the session's `_csrftoken`: mount `djangoSession()` first), and an Origin (or, on
 * HTTPS, a Referer) of the host or `trustedOrigins`; otherwise a 403 with Django's reason. A form
 * body is parsed with `c.req.parseBody()`, which Hono caches for the handler.
 *
 * ```ts
 * const app = new Hono<{ Variables: DjangoSessionVariables & DjangoCsrfVariables }>();
 * app.use(djangoSession({ repository }), djangoCsrf());
 * app.get("/form", (c) => c.html(`<input type="hidden" name="csrfmiddlewaretoken" value="${c.get("csrf").getToken()}">`));
 * ```
 */
export function djangoCsrf(options: DjangoCsrfHonoOptions = {}): MiddlewareHandler<{ Variables: DjangoCsrfVariables }> {
  const core = new CsrfMiddlewareCore(options);
  const onFailure = options.onFailure ?? ((c: Context, reason: string) => c.text(csrfFailureBody(reason), 403));
  return async function djangoCsrfMiddleware(c, next) {
    const csrf = await core.open({
      method: c.req.method,
      secure: new URL(c.req.url).protocol === "https:",
      host: c.req.header("host"),
      origin: c.req.header("origin"),
      referer: c.req.header("referer"),
      cookieHeader: c.req.header("cookie"),
      ...(core.csrf.sessionMode ? { session: (c as unknown as { get(key: string): CsrfSession | undefined }).get("session") } : {}),
    });
    c.set("csrf", csrf);
    let result: { ok: true } | { ok: false; reason: string } = { ok: true };
    if (!options.exempt?.(c)) {
      let formToken: string | undefined;
      if (c.req.method === "POST" && isFormContentType(c.req.header("content-type"))) {
        const field = (await c.req.parseBody())["csrfmiddlewaretoken"];
        formToken = typeof field === "string" ? field : undefined;
      }
      result = csrf.check({ formToken, headerToken: c.req.header(core.headerName) });
    }
    if (result.ok) await next();
    else c.res = await onFailure(c, result.reason);
    const { setCookie } = await csrf.response();
    if (setCookie !== null) applyCookie(c, setCookie);
  };
}
