/**
 * `django-session/express`: announced entry point. The express integration (Django's SessionMiddleware
 * behaviour) is built by the integrations issue; until then this module exports nothing.
 */
export {};
