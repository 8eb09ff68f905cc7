"""Settings of the end-to-end Django site (test/e2e): a minimal real Django project on PostgreSQL
with Django's own sessions (db engine) and auth, configured from the environment by the test:

  DS_E2E_DB_NAME / _HOST / _PORT / _USER / _PASSWORD   the PostgreSQL database shared with Node
  DS_E2E_SECRET_KEY                                    SECRET_KEY, the same on the Node side
  DS_E2E_CSRF_TRUSTED_ORIGINS                          CSRF_TRUSTED_ORIGINS (space-separated):
                                                       the Node app's origin, whose forms post here

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
    "django.contrib.messages",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    # On, as on a real site; the e2e views are csrf_exempt (a test client has no token).
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Django's default FallbackStorage: the messages cookie, then the session.
    "django.contrib.messages.middleware.MessageMiddleware",
]

# The pages with forms and messages (templates/): Django's own {% csrf_token %} and messages
# context processor, as a startproject site renders them.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")],
        "APP_DIRS": False,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]
CSRF_TRUSTED_ORIGINS = os.environ.get("DS_E2E_CSRF_TRUSTED_ORIGINS", "").split()

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
