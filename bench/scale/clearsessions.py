"""Real Django's `manage.py clearsessions` on a scale database (bench/scale/clear-under-load.ts).

Django 5.2 (.venv-django52), its db session engine, USE_TZ = True, TIME_ZONE = "UTC": the command
runs `Session.objects.filter(expire_date__lt=now()).delete()`, one DELETE of every expired row.
The database arrives as JSON in DS_SCALE_DATABASE: {"dialect": "postgres" | "mysql" | "sqlite",
"name", "host", "port", "user", "password"} (for SQLite, "name" is the file). Prints one JSON line
{"seconds": ...} when done.
"""
import json
import os
import sys
import time

CONFIG = json.loads(os.environ["DS_SCALE_DATABASE"])
if CONFIG["dialect"] == "mysql":
    import pymysql  # the venv's MySQL driver

    pymysql.install_as_MySQLdb()

import django
from django.conf import settings

ENGINES = {"postgres": "django.db.backends.postgresql", "mysql": "django.db.backends.mysql", "sqlite": "django.db.backends.sqlite3"}
database = {"ENGINE": ENGINES[CONFIG["dialect"]], "NAME": CONFIG["name"]}
if CONFIG["dialect"] != "sqlite":
    database.update(HOST=CONFIG["host"], PORT=str(CONFIG["port"]), USER=CONFIG["user"], PASSWORD=CONFIG.get("password") or "")
if CONFIG["dialect"] == "mysql":
    database["OPTIONS"] = {"charset": "utf8mb4"}

settings.configure(
    SECRET_KEY="scale-bench-secret-key-4b1f9e2d7c3a5e6f8091",
    INSTALLED_APPS=["django.contrib.sessions"],
    DATABASES={"default": database},
    SESSION_ENGINE="django.contrib.sessions.backends.db",
    USE_TZ=True,
    TIME_ZONE="UTC",
)
django.setup()

from django.core.management import execute_from_command_line  # noqa: E402

started = time.monotonic()
execute_from_command_line(["manage.py", "clearsessions"])
print(json.dumps({"seconds": round(time.monotonic() - started, 2), "django": django.get_version()}))
sys.stdout.flush()
