/**
 * `django-session/hono`: Django's `SessionMiddleware` as Hono middleware. The rules live in
 * `SessionMiddlewareCore`; this file only moves its answers onto Hono's context and response.
 * Hono is imported as types only (an optional peer dependency).
 */
export { djangoSession, type DjangoSessionHonoOptions, type DjangoSessionVariables } from "./django-session";
export { djangoCsrf, type DjangoCsrfHonoOptions, type DjangoCsrfVariables } from "./csrf";
