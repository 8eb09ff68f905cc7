"""Real Django's side of test/auth/authenticate.test.ts: its users, its authenticate(), its rows.

The site's hasher is Django's PBKDF2PasswordHasher with its iteration count set per run (a
subclass, as sites do, named in PASSWORD_HASHERS), so a test can play "a newer Django" (more
iterations) or "an older one" without a million-iteration hash per step.

DJANGO_AUTHENTICATE_CONFIG (JSON): {"dialect", "name", "host", "port", "user", "password",
"expect": "5.2" | "3.2", "iterations": <the site's PBKDF2 iterations>, "action": ...}

- action "setup": migrate (auth, contenttypes, sessions), then create the users of "users":
  [{"username", "password", "is_active", "iterations"}] — each password hashed by Django's own
  PBKDF2 hasher with that user's iteration count (an outdated one, or the site's). Prints {}.
- action "sessions": for each of "keys", who Django's own auth.get_user() sees behind
  SessionMiddleware with that session cookie: {"users": [username or null, ...]}.
- action "check": for each of "logins" [{"username", "password"}], Django's own
  auth.authenticate() (which re-hashes an outdated password, as check_password's setter does),
  then every user as stored: {"authenticated": [...], "users": {username: {"password",
  "last_login": ISO or null}}}.
"""
import json
import os
import sys

CONFIG = json.loads(os.environ["DJANGO_AUTHENTICATE_CONFIG"])

if CONFIG["dialect"] == "mysql":
    try:
        import MySQLdb  # noqa: F401  (mysqlclient, Debian's Django 3.2)
    except ImportError:
        import pymysql  # the Django 5.2 venv

        pymysql.install_as_MySQLdb()

import django
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher

ENGINES = {"postgres": "django.db.backends.postgresql", "mysql": "django.db.backends.mysql", "sqlite": "django.db.backends.sqlite3"}
DATABASE = {"ENGINE": ENGINES[CONFIG["dialect"]], "NAME": CONFIG["name"]}
if CONFIG["dialect"] != "sqlite":
    DATABASE.update(HOST=CONFIG["host"], PORT=str(CONFIG["port"]), USER=CONFIG["user"], PASSWORD=CONFIG.get("password") or "")
if CONFIG["dialect"] == "mysql":
    DATABASE["OPTIONS"] = {"charset": "utf8mb4"}


class SiteHasher(PBKDF2PasswordHasher):
    iterations = CONFIG["iterations"]


settings.configure(
    SECRET_KEY="django-session-authenticate-secret-0123456789",
    DATABASES={"default": DATABASE},
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions"],
    PASSWORD_HASHERS=["__main__.SiteHasher"],
    USE_TZ=True,
    TIME_ZONE="UTC",
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
)
django.setup()

if not django.get_version().startswith(CONFIG["expect"] + "."):
    raise SystemExit(f"expected Django {CONFIG['expect']}, found {django.get_version()} at {sys.executable}")

from datetime import timezone as dt_timezone  # noqa: E402

from django.contrib import auth  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402

if CONFIG["action"] == "sessions":
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory

    seen = []
    for key in CONFIG["keys"]:
        request = RequestFactory().get("/")
        request.COOKIES[settings.SESSION_COOKIE_NAME] = key
        SessionMiddleware(lambda r: HttpResponse()).process_request(request)
        user = auth.get_user(request)
        seen.append(user.username if user.is_authenticated else None)
    print(json.dumps({"users": seen}))
elif CONFIG["action"] == "setup":
    call_command("migrate", verbosity=0, interactive=False)
    for spec in CONFIG["users"]:
        hasher = PBKDF2PasswordHasher()
        encoded = hasher.encode(spec["password"], hasher.salt(), iterations=spec["iterations"])
        User.objects.create(username=spec["username"], password=encoded, is_active=spec["is_active"], email=spec.get("email", ""))
    print("{}")
else:
    authenticated = []
    for login in CONFIG.get("logins", []):
        user = auth.authenticate(username=login["username"], password=login["password"])
        authenticated.append(None if user is None else user.username)
    users = {}
    for user in User.objects.order_by("pk"):
        last = user.last_login
        users[user.username] = {"password": user.password, "last_login": None if last is None else last.astimezone(dt_timezone.utc).isoformat()}
    print(json.dumps({"authenticated": authenticated, "users": users}))
