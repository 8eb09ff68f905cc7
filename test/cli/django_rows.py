"""Real Django writes session rows and values for the CLI tests (test/cli/*.test.ts).

Reads one JSON document on stdin:

    {"config": {"dialect": "postgres" | "mysql" | "sqlite", "name": <database name or SQLite path>,
                "host": ..., "port": ..., "user": ..., "password": ...,
                "secret_key": ..., "use_tz": true, "time_zone": "UTC"},
     "ops": [{"op": "create", "data": {...}, "expiry": <seconds or null>},
             {"op": "encode", "data": {...}},
             {"op": "cookie", "data": {...}},
             {"op": "user", "key": "<session key>"}]}

and prints one JSON list, one result per op: "create" saves a new session through the db engine
({"key": ..., "session_data": ...}); "encode" is SessionStore.encode ({"value": ...}); "cookie" is
the signed_cookies engine's cookie value ({"value": ...}).
"""
import json
import os
import sys
import time

REQUEST = json.load(sys.stdin)
CONFIG = REQUEST["config"]

if CONFIG["dialect"] == "mysql":
    try:
        import MySQLdb  # noqa: F401
    except ImportError:
        import pymysql

        pymysql.install_as_MySQLdb()

import django
from django.conf import settings

if CONFIG["dialect"] == "postgres":
    DATABASE = {"ENGINE": "django.db.backends.postgresql", "NAME": CONFIG["name"], "HOST": CONFIG["host"],
                "PORT": str(CONFIG["port"]), "USER": CONFIG["user"], "PASSWORD": CONFIG.get("password") or ""}
elif CONFIG["dialect"] == "mysql":
    DATABASE = {"ENGINE": "django.db.backends.mysql", "NAME": CONFIG["name"], "HOST": CONFIG["host"],
                "PORT": str(CONFIG["port"]), "USER": CONFIG["user"], "PASSWORD": CONFIG.get("password") or "",
                "OPTIONS": {"charset": "utf8mb4"}}
else:
    DATABASE = {"ENGINE": "django.db.backends.sqlite3", "NAME": CONFIG["name"]}

TIME_ZONE = CONFIG.get("time_zone") or "UTC"
settings.configure(
    SECRET_KEY=CONFIG["secret_key"],
    DATABASES={"default": DATABASE},
    INSTALLED_APPS=["django.contrib.sessions", "django.contrib.contenttypes", "django.contrib.auth"],
    USE_TZ=bool(CONFIG.get("use_tz", True)),
    TIME_ZONE=TIME_ZONE,
    SESSION_ENGINE="django.contrib.sessions.backends.db",
)
# What manage.py does for TIME_ZONE (settings.configure() does not): the process clock's zone,
# which USE_TZ = False writes expire_date in.
os.environ["TZ"] = TIME_ZONE
time.tzset()
django.setup()

from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.backends.signed_cookies import SessionStore as CookieStore  # noqa: E402

results = []
for op in REQUEST["ops"]:
    if op["op"] == "create":
        store = SessionStore()
        store.update(op["data"])
        if op.get("expiry") is not None:
            store.set_expiry(op["expiry"])
        store.save()
        row = store.model.objects.get(session_key=store.session_key)
        results.append({"key": store.session_key, "session_data": row.session_data})
    elif op["op"] == "encode":
        results.append({"value": SessionStore().encode(op["data"])})
    elif op["op"] == "cookie":
        store = CookieStore()
        store.update(op["data"])
        store.save()
        results.append({"value": store.session_key})
    elif op["op"] == "user":
        # What Django's request would see: the _auth_user_id of the session it loads (None when
        # the row is gone, expired or does not verify).
        results.append({"value": SessionStore(op["key"]).get("_auth_user_id")})
    else:
        raise SystemExit("unknown op %r" % op["op"])
print(json.dumps(results))
