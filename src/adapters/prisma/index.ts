/** `django-session/prisma`: the prisma row adapter for `django_session` (storage issue). */
export {};
