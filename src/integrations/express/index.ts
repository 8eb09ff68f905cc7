/**
 * `django-session/express`: Django's `SessionMiddleware` for Express 4 and 5 (and any
 * Connect-style `(req, res, next)` server). Express is not imported, not even its types:
 * `req.session` is added to Express's `Request` by declaration merging.
 *
 * ```ts
 * import { djangoSession } from "django-session/express";
 * app.use(djangoSession({ repository }));
 * ```
 */
export { djangoSession, getSession, type DjangoSessionData, type DjangoSessionMiddleware, type DjangoSessionOptions } from "./django-session";
export { djangoCsrf, getCsrf, getCsrfToken, type DjangoCsrfOptions } from "./csrf";
