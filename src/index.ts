/**
 * django-session: Django-compatible signing, session codec and (from the repository module)
 * `django_session` storage. The core imports no ORM and no framework.
 */
export * from "./core";
