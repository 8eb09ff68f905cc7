"""Real Django builds `auth_user` and its users for test/adapters/auth-user.test.ts, then exits.

One run per (Django version, database), on an empty database the test has just created:

1. `migrate` (auth, contenttypes, sessions): Django's own DDL for auth_user and django_session;
2. users through Django's API (`create_user`, `create_superuser`), with Django's default
   password hasher, fixed `date_joined` values (microseconds included) and non-ASCII names;
3. `django.contrib.auth.login()` through the real SessionMiddleware for some of them (which also
   sets `last_login`, through the `user_logged_in` signal), then a password change for "carol",
   which logs her sessions out;
4. prints one JSON document: each user as Django reloads it, each session key, and what Django's
   own `get_user()` says of the sessions of alice, bob and carol (one of hers, which it flushes).

The configuration arrives as JSON in DJANGO_AUTH_USER_CONFIG:
    {"dialect": "postgres" | "mysql" | "sqlite", "name": <database name, or SQLite file path>,
     "host": ..., "port": ..., "user": ..., "password": ..., "secret_key": ..., "expect": "5.2"}
"""
import json
import os
import sys
from datetime import datetime, timezone as dt_timezone

CONFIG = json.loads(os.environ["DJANGO_AUTH_USER_CONFIG"])

if CONFIG["dialect"] == "mysql":
    try:
        import MySQLdb  # noqa: F401  (mysqlclient, Debian's Django 3.2)
    except ImportError:
        import pymysql  # the Django 5.2 venv

        pymysql.install_as_MySQLdb()

import django
from django.conf import settings

if CONFIG["dialect"] == "postgres":
    ENGINE = "django.db.backends.postgresql"
elif CONFIG["dialect"] == "mysql":
    ENGINE = "django.db.backends.mysql"
else:
    ENGINE = "django.db.backends.sqlite3"
DATABASE = {"ENGINE": ENGINE, "NAME": CONFIG["name"]}
if CONFIG["dialect"] != "sqlite":
    DATABASE.update(HOST=CONFIG["host"], PORT=str(CONFIG["port"]), USER=CONFIG["user"], PASSWORD=CONFIG.get("password") or "")
if CONFIG["dialect"] == "mysql":
    DATABASE["OPTIONS"] = {"charset": "utf8mb4"}

settings.configure(
    SECRET_KEY=CONFIG["secret_key"],
    DATABASES={"default": DATABASE},
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions"],
    USE_TZ=True,
    TIME_ZONE="UTC",
    SESSION_ENGINE="django.contrib.sessions.backends.db",
    ALLOWED_HOSTS=["testserver"],
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
)
django.setup()

if CONFIG.get("expect") and not django.get_version().startswith(CONFIG["expect"] + "."):
    raise SystemExit(f"expected Django {CONFIG['expect']}, found {django.get_version()} at {sys.executable}")

from django.contrib import auth  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.middleware import SessionMiddleware  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402

UTC = dt_timezone.utc
call_command("migrate", verbosity=0, interactive=False)


def login(user):
    """auth.login() in a view behind Django's SessionMiddleware; the new session's key."""
    def view(request):
        auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    SessionMiddleware(view)(request)
    return request.session.session_key


def django_get_user(key):
    """Django's own get_user() for a request carrying the session cookie `key`."""
    request = RequestFactory().get("/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = key
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    user = auth.get_user(request)
    return {"authenticated": user.is_authenticated, "username": getattr(user, "username", "")}


def instant(value):
    """A datetime as JSON: ISO with microseconds in UTC, and Django's SQLite text for it."""
    if value is None:
        return None
    utc = value.astimezone(UTC)
    return {"iso": utc.isoformat(), "sqlite": str(utc.replace(tzinfo=None))}


def describe(user):
    user = User.objects.get(pk=user.pk)  # as stored
    return {
        "id": user.pk,
        "password": user.password,
        "last_login": instant(user.last_login),
        "is_superuser": user.is_superuser,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_staff": user.is_staff,
        "is_active": user.is_active,
        "date_joined": instant(user.date_joined),
    }


alice = User.objects.create_user(
    "alice", "alice@example.com", "alice-password", first_name="Alice", last_name="Ünïcødé-Łøvelace", is_staff=True,
    date_joined=datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=UTC),
)
bob = User.objects.create_user(
    "bob", "bob@example.com", "bob-password", is_active=False, date_joined=datetime(2025, 1, 1, 0, 0, 0, tzinfo=UTC),
)
root = User.objects.create_superuser(
    "root", "root@example.com", "root-password", first_name="Röot", date_joined=datetime(2023, 7, 14, 12, 0, 0, 500000, tzinfo=UTC),
)
carol = User.objects.create_user("carol", "", "carol-password", date_joined=datetime(2026, 12, 10, 6, 34, 7, 999999, tzinfo=UTC))

# Three sessions for carol, all stale after her password change: one for Django's get_user()
# below and one per ORM under test (a hash mismatch flushes the session it reads).
sessions = {"alice": login(alice), "bob": login(bob), "carol": login(carol), "carol2": login(carol), "carol3": login(carol)}
carol = User.objects.get(pk=carol.pk)
carol.set_password("carol-new-password")
carol.save()

json.dump(
    {
        "django": django.get_version(),
        "users": {u.username: describe(u) for u in (alice, bob, root, carol)},
        "sessions": sessions,
        "django_get_user": {name: django_get_user(sessions[name]) for name in ("alice", "bob", "carol3")},
    },
    sys.stdout,
)
