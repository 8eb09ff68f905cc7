/**
 * `django-session/koa`: Django's `SessionMiddleware` as Koa middleware. The rules live in
 * `SessionMiddlewareCore`; this file only moves its answers onto Koa's context. Koa is imported
 * as types only (an optional peer dependency; TypeScript users also need `@types/koa`).
 */
export { djangoSession, type DjangoSessionKoaOptions } from "./django-session";
export { djangoCsrf, getCsrf, getCsrfToken, type DjangoCsrfKoaOptions } from "./csrf";
