/** `django-session/typeorm`: the typeorm row adapter for `django_session` (storage issue). */
export {};
