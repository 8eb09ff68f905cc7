/**
 * django-session: Django-compatible signing, session codec, the dict-like `Session`, and
 * `DjangoSessionRepository` (Django's db engine over a row adapter). The core imports no ORM and
 * no framework; the ORM adapters live in `django-session/prisma` and `django-session/typeorm`.
 */
export * from "./core";
export * from "./repository";
export * from "./auth";
