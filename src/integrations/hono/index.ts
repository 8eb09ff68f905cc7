/**
 * `django-session/hono`: announced entry point. The hono integration (Django's SessionMiddleware
 * behaviour) is built by the integrations issue; until then this module exports nothing.
 */
export {};
