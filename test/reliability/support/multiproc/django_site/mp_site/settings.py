"""The Django side of the multi-process runs (test/reliability/support/multiproc): Django 5.2's own
sessions under gunicorn on the PostgreSQL (and Redis) the Node cluster uses, from the environment:

  DS_MP_DB_NAME / _HOST / _PORT     the PostgreSQL database shared with Node
  DS_MP_SECRET_KEY                  SECRET_KEY, the same on the Node side
  DS_MP_ENGINE                      "db" or "cached_db"
  DS_MP_REDIS_URL, DS_MP_KEY_PREFIX Django's RedisCache for cached_db (the KEY_PREFIX Node uses too)

No auth app: the views do to the session what login() and logout() do (views.py).
"""
import os

SECRET_KEY = os.environ["DS_MP_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.sessions"]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
ROOT_URLCONF = "mp_site.urls"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["DS_MP_DB_NAME"],
        "HOST": os.environ.get("DS_MP_DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("DS_MP_DB_PORT", "5432"),
        "USER": "postgres",
        "PASSWORD": "",
        # A new connection per request (Django's default, CONN_MAX_AGE = 0), and a bounded wait
        # for it while the database restarts.
        "OPTIONS": {"connect_timeout": 2},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
TIME_ZONE = "UTC"
SESSION_ENGINE = "django.contrib.sessions.backends." + os.environ.get("DS_MP_ENGINE", "db")
if os.environ.get("DS_MP_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["DS_MP_REDIS_URL"],
            "KEY_PREFIX": os.environ.get("DS_MP_KEY_PREFIX", ""),
            # redis-py waits forever by default: a frozen Redis would hang every worker.
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"short": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "short"}},
    "loggers": {"django": {"handlers": ["stderr"], "level": "WARNING"}},
}
