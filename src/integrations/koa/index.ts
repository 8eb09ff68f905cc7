/**
 * `django-session/koa`: announced entry point. The koa integration (Django's SessionMiddleware
 * behaviour) is built by the integrations issue; until then this module exports nothing.
 */
export {};
