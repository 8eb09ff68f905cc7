/**
 * `django-session/fastify`: Django's `SessionMiddleware` as a Fastify 5 plugin. The rules live in
 * `SessionMiddlewareCore`; this file only moves its answers onto Fastify's request and reply.
 * Fastify is imported as types only (an optional peer dependency).
 */
export { djangoSession, type DjangoSessionFastifyOptions } from "./django-session";
export { djangoCsrf, getCsrf, getCsrfToken, type DjangoCsrfFastifyOptions } from "./csrf";
