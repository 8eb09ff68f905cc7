/**
 * django-session: Django-compatible signing, session codec, the dict-like `Session`, and
 * `DjangoSessionRepository` (Django's db engine over a row adapter). The core imports no ORM and
 * no framework; the ORM adapters live in `django-session/prisma` and `django-session/typeorm`.
 */
export * from "./core";
export * from "./engines";
export { SqlRowAdapter, type SqlExecutor, type SqlRowAdapterOptions } from "./adapters/sql/sql-row-adapter";
export * from "./auth";
