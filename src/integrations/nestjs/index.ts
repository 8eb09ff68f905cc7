/**
 * `django-session/nestjs`: Django's sessions in a NestJS application, on the Express and the
 * Fastify platform. `DjangoSessionModule.forRoot()` / `forRootAsync()` applies Django's
 * `SessionMiddleware` to every route; `@DjangoSession()` gives the request's session and
 * `@CurrentUser()` the logged-in Django user (with the `auth` option).
 *
 * NestJS 12 ships ES modules only; this CommonJS entry point loads it with `require()`, which
 * Node supports from 20.19 and 22.12.
 */
export { DjangoSessionModule } from "./django-session-module";
export { DJANGO_SESSION_OPTIONS, type DjangoSessionModuleOptions, type DjangoSessionModuleAsyncOptions } from "./django-session-module-options";
export { DjangoSession } from "./django-session-param";
export { CurrentUser, getCurrentUser } from "./current-user";
export { DjangoCsrfModule, DJANGO_CSRF_OPTIONS, getCsrf, getCsrfToken, type DjangoCsrfModuleOptions } from "./csrf-module";
