/**
 * `django-session/nestjs`: announced entry point. The nestjs integration (Django's SessionMiddleware
 * behaviour) is built by the integrations issue; until then this module exports nothing.
 */
export {};
