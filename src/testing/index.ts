/** `django-session/testing`: the conformance suite every row adapter runs (storage issue). */
export {};
