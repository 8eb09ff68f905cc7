import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { CsrfMiddlewareCore, csrfFailureBody, isFormContentType, type RequestCsrf } from "../../auth/csrf/csrf-middleware";
import type { CsrfOptions } from "../../auth/csrf/csrf";
import { ImproperlyConfigured } from "../../core/errors";
import { addVaryCookie } from "../../core/session-cookie";
import { holdHeaders } from "./hold-headers";

/** Options of `djangoCsrf()`: Django's `CSRF_*` settings (`CsrfOptions`), an exemption and the failure view. */
export interface DjangoCsrfOptions extends CsrfOptions {
  /** `@csrf_exempt`: requests for which the check is skipped (the token still works). @default none */
  exempt?: (req: IncomingMessage) => boolean;
  /**
   * `CSRF_FAILURE_VIEW`: answers a refused request. @default a 403 `text/plain` body `Forbidden (<reason>)`
   */
  onFailure?: (req: IncomingMessage, res: ServerResponse, reason: string) => void;
}

const kCsrf = Symbol("django-session.express.csrf");
type CsrfRequest = IncomingMessage & { [kCsrf]?: RequestCsrf; body?: unknown; session?: unknown; secure?: boolean };

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

// Ours replaces the CSRF cookie set earlier in the same request (a rotation after get_token), so
// the response carries one csrftoken cookie, as Django's does; other cookies stay.
function sendCookie(res: ServerResponse, previous: string | null, setCookie: string): void {
  if (res.headersSent) return;
  const existing = res.getHeader("Set-Cookie");
  const cookies = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader("Set-Cookie", [...cookies.filter((cookie) => cookie !== previous), setCookie]);
  res.setHeader("Vary", addVaryCookie(res.getHeader("Vary")));
}

function defaultFailure(_req: IncomingMessage, res: ServerResponse, reason: string): void {
  res.statusCode = 403;
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.end(csrfFailureBody(reason));
}

/**
 * Django's `CsrfViewMiddleware` for Express (and any Connect-style server): unsafe methods need
 * the `csrfmiddlewaretoken` form field or the `X-CSRFToken` header, masked or not, matching the
 * secret of the `csrftoken` cookie (or, with `useSessions`, the session's `_csrftoken`), and an
 * Origin (or, on HTTPS, a Referer) of the host or `trustedOrigins`; otherwise a 403 with Django's
 * reason. `getCsrfToken(req)` is `get_token`: it sets or refreshes the cookie, as Django does.
 *
 * Mount it after a form body parser (`express.urlencoded()`, for the form field) and, with
 * `useSessions`, after `djangoSession()`:
 *
 * ```ts
 * app.use(express.urlencoded({ extended: false }), djangoSession({ repository }), djangoCsrf());
 * app.get("/form", (req, res) => res.send(`<input type="hidden" name="csrfmiddlewaretoken" value="${getCsrfToken(req)}">`));
 * ```
 */
export function djangoCsrf(options: DjangoCsrfOptions = {}): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void {
  const core = new CsrfMiddlewareCore(options);
  const exempt = options.exempt;
  const onFailure = options.onFailure ?? defaultFailure;
  return function djangoCsrfMiddleware(req, res, next) {
    const request = req as CsrfRequest;
    // Mounted twice: the first one did the work (Django's csrf_processing_done).
    if (request[kCsrf]) return next();
    let previous: string | null = null;
    core
      .open(
        {
          method: req.method ?? "GET",
          // Express's req.secure honours "trust proxy" (SECURE_PROXY_SSL_HEADER); plain Node: TLS.
          secure: request.secure ?? Boolean((req.socket as TLSSocket | undefined)?.encrypted),
          host: header(req, "host"),
          origin: header(req, "origin"),
          referer: header(req, "referer"),
          cookieHeader: req.headers.cookie,
          ...(core.csrf.sessionMode ? { session: request.session as never } : {}),
        },
        (setCookie) => {
          sendCookie(res, previous, setCookie);
          previous = setCookie;
        },
      )
      .then((csrf) => {
        request[kCsrf] = csrf;
        // useSessions: the session's _csrftoken is written asynchronously; hold the response
        // (inside the session middleware's own hold, installed when open() read req.session)
        // until it has landed, so the session middleware commits it.
        if (core.csrf.sessionMode) holdHeaders(res, () => csrf.response().then(() => ({ action: "send", applyHeaders: () => {} })));
        if (exempt?.(req)) return next();
        const body = request.body as Record<string, unknown> | undefined;
        const field = isFormContentType(header(req, "content-type")) ? body?.csrfmiddlewaretoken : undefined;
        const result = csrf.check({ formToken: typeof field === "string" ? field : undefined, headerToken: header(req, core.headerName) });
        if (result.ok) return next();
        // The session write of useSessions lands before the 403 goes out.
        return csrf.response().then(() => onFailure(req, res, result.reason));
      })
      .catch(next);
  };
}

/** The request's CSRF state (`getToken()`, `rotateToken()`; pass it to `login(..., { csrf })`). */
export function getCsrf(req: IncomingMessage): RequestCsrf {
  const csrf = (req as CsrfRequest)[kCsrf];
  if (!csrf) throw new ImproperlyConfigured("No CSRF state on this request: mount djangoCsrf() before this route (app.use(djangoCsrf(...))).");
  return csrf;
}

/** `get_token(request)`: a masked token for the `csrfmiddlewaretoken` field or the `X-CSRFToken` header. */
export function getCsrfToken(req: IncomingMessage): string {
  return getCsrf(req).getToken();
}
