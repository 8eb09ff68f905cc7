import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { CsrfMiddlewareCore, csrfFailureBody, isFormContentType, type RequestCsrf } from "../../auth/csrf/csrf-middleware";
import type { CsrfOptions } from "../../auth/csrf/csrf";
import { ImproperlyConfigured } from "../../core/errors";
import { addVaryCookie } from "../../core/session-cookie";

/** Options of the `djangoCsrf` plugin: Django's `CSRF_*` settings (`CsrfOptions`), an exemption and the failure reply. */
export interface DjangoCsrfFastifyOptions extends CsrfOptions {
  /** `@csrf_exempt` by request; a route can also say `config: { csrfExempt: true }`. @default none */
  exempt?: (request: FastifyRequest) => boolean;
  /** `CSRF_FAILURE_VIEW`. @default a 403 `text/plain` body `Forbidden (<reason>)` */
  onFailure?: (request: FastifyRequest, reply: FastifyReply, reason: string) => unknown;
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** Django's `@csrf_exempt` for this route: the `djangoCsrf` plugin does not check it. */
    csrfExempt?: boolean;
  }
}

const kCsrf = Symbol("django-session.fastify.csrf");
type WithCsrf = { [kCsrf]?: RequestCsrf | null; session?: unknown };

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const plugin: FastifyPluginAsync<DjangoCsrfFastifyOptions> = async (fastify, options) => {
  const core = new CsrfMiddlewareCore(options);
  const onFailure = options.onFailure ?? ((_request, reply, reason: string) => reply.code(403).type("text/plain; charset=utf-8").send(csrfFailureBody(reason)));
  fastify.decorateRequest(kCsrf, null);

  // process_request and process_view in preHandler: the body is parsed by then (the form field),
  // and the route (with its csrfExempt) is known, as Django's view is.
  fastify.addHook("preHandler", async (request: FastifyRequest, reply: FastifyReply) => {
    const state = request as unknown as WithCsrf;
    const csrf = await core.open({
      method: request.method,
      secure: request.protocol === "https",
      host: first(request.headers.host),
      origin: first(request.headers.origin),
      referer: first(request.headers.referer),
      cookieHeader: request.headers.cookie,
      ...(core.csrf.sessionMode ? { session: state.session as never } : {}),
    });
    state[kCsrf] = csrf;
    // useSessions: the session's _csrftoken is written asynchronously, and the session plugin's
    // onSend (registered first, so run first) commits it: the reply waits for the write.
    if (core.csrf.sessionMode) {
      const send = reply.send.bind(reply);
      reply.send = (payload?: unknown) => {
        csrf.response().then(
          () => send(payload),
          (error: unknown) => send(error instanceof Error ? error : new Error(String(error))),
        );
        return reply;
      };
    }
    if (request.routeOptions.config?.csrfExempt === true || options.exempt?.(request)) return;
    const body = request.body as Record<string, unknown> | undefined;
    const field = isFormContentType(first(request.headers["content-type"])) ? body?.csrfmiddlewaretoken : undefined;
    const result = csrf.check({ formToken: typeof field === "string" ? field : undefined, headerToken: first(request.headers[core.headerName]) });
    if (!result.ok) return onFailure(request, reply, result.reason);
  });

  // process_response: the last cookie of the request (after a rotation, only the new one).
  fastify.addHook("onSend", async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const csrf = (request as unknown as WithCsrf)[kCsrf];
    if (!csrf) return payload;
    const { setCookie } = await csrf.response();
    if (setCookie !== null) {
      reply.header("set-cookie", setCookie);
      reply.header("vary", addVaryCookie(reply.getHeader("vary")));
    }
    return payload;
  });
};

// Not encapsulated, like the session plugin (see fastify/django-session.ts): every route of the instance.
const meta = { fastify: "5.x", name: "django-session-csrf" };
Object.assign(plugin, {
  [Symbol.for("skip-override")]: true,
  [Symbol.for("fastify.display-name")]: meta.name,
  [Symbol.for("plugin-meta")]: meta,
});

/**
 * Django's `CsrfViewMiddleware` as a Fastify 5 plugin: unsafe methods need the
 * `csrfmiddlewaretoken` form field or the `X-CSRFToken` header matching the secret of the
 * `csrftoken` cookie (or, with `useSessions`, the session's `_csrftoken`), and an Origin (or, on
 * HTTPS, a Referer) of the host or `trustedOrigins`; otherwise a 403 with Django's reason.
 * Register it after the session plugin (with `useSessions`) and a form body parser
 * (`@fastify/formbody`); `getCsrfToken(request)` is `get_token`.
 *
 * ```ts
 * await app.register(djangoSession, { repository });
 * await app.register(djangoCsrf, { trustedOrigins: ["https://www.example.com"] });
 * app.post("/hook", { config: { csrfExempt: true } }, handler);
 * ```
 */
export const djangoCsrf = plugin;

/** The request's CSRF state (`getToken()`, `rotateToken()`; pass it to `login(..., { csrf })`). */
export function getCsrf(request: FastifyRequest): RequestCsrf {
  const csrf = (request as unknown as WithCsrf)[kCsrf];
  if (!csrf) throw new ImproperlyConfigured("No CSRF state on this request: register the djangoCsrf plugin (app.register(djangoCsrf, {...})).");
  return csrf;
}

/** `get_token(request)`: a masked token for the `csrfmiddlewaretoken` field or the `X-CSRFToken` header. */
export function getCsrfToken(request: FastifyRequest): string {
  return getCsrf(request).getToken();
}
