"""Settings of the end-to-end Django site (test/e2e): a minimal real Django project on PostgreSQL
with Django's own sessions (db engine) and auth, configured from the environment by the test:

  DS_E2E_DB_NAME / _HOST / _PORT / _USER / _PASSWORD   the PostgreSQL database shared with Node
  DS_E2E_SECRET_KEY                                    SECRET_KEY, the same on the Node side

Everything else is Django's default (cookie name, age, SameSite=Lax, HttpOnly), except fewer
PBKDF2 iterations for speed (hashers.py). The session cookie settings can be
overridden per request for the header comparisons (see serve.py).
"""
import os

SECRET_KEY = os.environ["DS_E2E_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    # On, as on a real site; the e2e views are csrf_exempt (a test client has no token).
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "e2e_site.urls"
WSGI_APPLICATION = None

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["DS_E2E_DB_NAME"],
        "HOST": os.environ.get("DS_E2E_DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("DS_E2E_DB_PORT", "5432"),
        "USER": os.environ.get("DS_E2E_DB_USER", "postgres"),
        "PASSWORD": os.environ.get("DS_E2E_DB_PASSWORD", ""),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# Django 3.2's global default is USE_TZ = False; 5.0+ defaults to True. The Node side uses
# the repository's default (useTz: true), so both versions run with time zone support.
USE_TZ = True
TIME_ZONE = "UTC"

SESSION_ENGINE = "django.contrib.sessions.backends.db"

# pbkdf2_sha256 at 20000 iterations instead of the version's 260000 / 1000000 (see hashers.py),
# then Django's other defaults.
PASSWORD_HASHERS = [
    "e2e_site.hashers.FastPBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["stderr"], "level": "WARNING"}},
}
