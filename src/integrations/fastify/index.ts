/**
 * `django-session/fastify`: announced entry point. The fastify integration (Django's SessionMiddleware
 * behaviour) is built by the integrations issue; until then this module exports nothing.
 */
export {};
