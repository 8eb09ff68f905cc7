"""Real Django's db session engine, driven over stdin/stdout by test/interop/django-db.test.ts.

One long-running process per (Django version, database, USE_TZ) configuration. The
configuration arrives as JSON in the DJANGO_DB_BRIDGE_CONFIG environment variable:

    {"dialect": "postgres" | "mysql" | "sqlite", "name": <database name, or SQLite file path>,
     "host": ..., "port": ..., "user": ..., "password": ...,
     "secret_key": ..., "use_tz": true, "time_zone": "UTC", "expect": "3.2"}

The process answers one JSON line {"ready": {...}} once Django is set up, then reads one JSON
command per line ({"id": n, "op": ..., ...}) and answers one JSON line per command:
{"id": n, "result": ...} or {"id": n, "error": {"type": ..., "message": ...}}.

Values that cross the pipe: session data is plain JSON (the test side reads big ints exactly);
`json` (a JSON text) lets the test create Python floats such as 1.0 that a JS number cannot
express; expiry values are an int (seconds), {"seconds": n} (a timedelta), {"datetime": iso}
(a datetime) or null, as `set_expiry` takes them.
"""
import json
import os
import sys
import time
import traceback
from datetime import datetime, timedelta

CONFIG = json.loads(os.environ["DJANGO_DB_BRIDGE_CONFIG"])

if CONFIG["dialect"] == "mysql":
    try:
        import MySQLdb  # noqa: F401  (mysqlclient, the Debian Django 3.2 setup)
    except ImportError:
        import pymysql  # the Django 5.2 venv

        pymysql.install_as_MySQLdb()

import django
from django.conf import settings

if CONFIG["dialect"] == "postgres":
    DATABASE = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": CONFIG["name"],
        "HOST": CONFIG["host"],
        "PORT": str(CONFIG["port"]),
        "USER": CONFIG["user"],
        "PASSWORD": CONFIG.get("password") or "",
    }
elif CONFIG["dialect"] == "mysql":
    DATABASE = {
        "ENGINE": "django.db.backends.mysql",
        "NAME": CONFIG["name"],
        "HOST": CONFIG["host"],
        "PORT": str(CONFIG["port"]),
        "USER": CONFIG["user"],
        "PASSWORD": CONFIG.get("password") or "",
        "OPTIONS": {"charset": "utf8mb4"},
    }
else:
    DATABASE = {"ENGINE": "django.db.backends.sqlite3", "NAME": CONFIG["name"]}

USE_TZ = bool(CONFIG["use_tz"])
TIME_ZONE = CONFIG.get("time_zone") or "UTC"

settings.configure(
    SECRET_KEY=CONFIG["secret_key"],
    DATABASES={"default": DATABASE},
    INSTALLED_APPS=["django.contrib.sessions", "django.contrib.auth", "django.contrib.contenttypes"],
    USE_TZ=USE_TZ,
    TIME_ZONE=TIME_ZONE,
    SESSION_ENGINE="django.contrib.sessions.backends.db",
    ALLOWED_HOSTS=["testserver"],
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
)
# manage.py's Settings() points the process clock at TIME_ZONE (os.environ["TZ"] + tzset);
# settings.configure() does not. With USE_TZ=False, timezone.now() is that local clock, so do
# what a real Django site does.
os.environ["TZ"] = TIME_ZONE
time.tzset()
django.setup()

from django.contrib import auth  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.middleware import SessionMiddleware  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.utils import timezone  # noqa: E402

if CONFIG.get("expect") and not django.get_version().startswith(CONFIG["expect"] + "."):
    raise SystemExit(f"expected Django {CONFIG['expect']}, found {django.get_version()} at {sys.executable}")


# --- helpers ---------------------------------------------------------------------------------

def to_expiry(value):
    if value is None or isinstance(value, int):
        return value
    if "seconds" in value:
        return timedelta(seconds=value["seconds"])
    if "datetime" in value:
        return datetime.fromisoformat(value["datetime"].replace("Z", "+00:00"))
    raise ValueError(f"bad expiry {value!r}")


def instant(dt):
    """A datetime as Django holds it -> {iso, ts (epoch seconds, float)}. Naive = TIME_ZONE."""
    if dt is None:
        return None
    aware = dt if timezone.is_aware(dt) else timezone.make_aware(dt, timezone.get_default_timezone())
    return {"iso": dt.isoformat(), "ts": aware.timestamp(), "aware": timezone.is_aware(dt)}


def guarded(fn):
    """Runs fn; a Python exception becomes {"error": {...}} instead of failing the command."""
    try:
        return {"value": fn()}
    except Exception as e:  # noqa: BLE001
        return {"error": {"type": type(e).__name__, "message": str(e)}}


def typed(value):
    """Python's view of a value: its type name and repr, for checks JSON cannot make."""
    return {"type": type(value).__name__, "repr": repr(value)}


def describe(store):
    data = dict(store.items())
    expiry = data.get("_session_expiry")
    age = guarded(store.get_expiry_age)
    if "value" in age and not isinstance(age["value"], int):
        age = {"error": {"type": "NotAnInt", "message": typed(age["value"])}}
    date = guarded(store.get_expiry_date)
    if "value" in date:
        date["value"] = instant(date["value"]) if isinstance(date["value"], datetime) else typed(date["value"])
    return {
        "key": store.session_key,
        "data": data,
        "types": {k: type(v).__name__ for k, v in data.items()},
        "repr": repr(data),
        "expiry": typed(expiry),
        "expiry_age": age,
        "expiry_date": date,
        "browser_close": guarded(store.get_expire_at_browser_close),
    }


def request_with_cookie(key, path="/"):
    request = RequestFactory().get(path)
    if key:
        request.COOKIES[settings.SESSION_COOKIE_NAME] = key
    return request


def run_middleware(key, view):
    """A request through Django's real SessionMiddleware; `view(request)` touches the session."""
    def get_response(request):
        view(request)
        return HttpResponse("ok")

    request = request_with_cookie(key)
    response = SessionMiddleware(get_response)(request)
    morsel = response.cookies.get(settings.SESSION_COOKIE_NAME)
    cookie = None
    if morsel is not None:
        cookie = {"value": morsel.value, "max-age": morsel["max-age"], "expires": morsel["expires"]}
    return {"status": response.status_code, "cookie": cookie, "key": request.session.session_key}


def ensure_user(username, password):
    """A real auth_user row (tables from `migrate auth`), with a fixed password hash."""
    user, _ = User.objects.get_or_create(username=username)
    user.set_password(password)
    user.save()
    return user


# --- commands --------------------------------------------------------------------------------

def op_ping(cmd):
    from django.db import connection

    return {"django": django.get_version(), "python": sys.version.split()[0], "vendor": connection.vendor, "use_tz": USE_TZ, "time_zone": TIME_ZONE}


def op_create(cmd):
    store = SessionStore()
    data = json.loads(cmd["json"]) if "json" in cmd else cmd.get("data", {})
    if "fill" in cmd:  # a large string made here rather than sent down the pipe
        data[cmd["fill"]["key"]] = "x" * cmd["fill"]["size"]
    store.update(data)
    if "expiry" in cmd:
        store.set_expiry(to_expiry(cmd["expiry"]))
    store.save()
    return {"key": store.session_key, "expiry_age": guarded(store.get_expiry_age)}


def op_load(cmd):
    store = SessionStore(cmd["key"])
    return describe(store)


def op_peek(cmd):
    """Some keys of SessionStore(key), long strings as their length only."""
    store = SessionStore(cmd["key"])
    return {k: ({"len": len(v)} if isinstance(v, str) and len(v) > 1000 else v) for k, v in store.items() if k in cmd["names"]}


def op_update(cmd):
    store = SessionStore(cmd["key"])
    for k, v in cmd.get("set", {}).items():
        store[k] = v
    for k in cmd.get("delete", []):
        del store[k]
    if "expiry" in cmd:
        store.set_expiry(to_expiry(cmd["expiry"]))
    store.save()
    return {"key": store.session_key}


def op_blind_writes(cmd):
    """Django's own last-writer-wins saves, one after the other: load, set one key, save."""
    for i in range(cmd["count"]):
        store = SessionStore(cmd["key"])
        store[f"{cmd['prefix']}{i}"] = i
        store.save()
    return {"written": cmd["count"]}


def op_cycle_key(cmd):
    store = SessionStore(cmd["key"])
    store.cycle_key()
    return {"key": store.session_key}


def op_flush(cmd):
    store = SessionStore(cmd["key"])
    store.flush()
    return {"key": store.session_key}


def op_exists(cmd):
    return {k: SessionStore().exists(k) for k in cmd["keys"]}


def op_clearsessions(cmd):
    call_command("clearsessions")
    return {"rows": Session.objects.count()}


def op_classify(cmd):
    """Which of `keys` Django's own queries see as expired (clear_expired's filter) and live (load's)."""
    now = timezone.now()
    keys = cmd["keys"]
    return {
        "expired": sorted(Session.objects.filter(session_key__in=keys, expire_date__lt=now).values_list("session_key", flat=True)),
        "live": sorted(Session.objects.filter(session_key__in=keys, expire_date__gt=now).values_list("session_key", flat=True)),
    }


def op_row(cmd):
    row = Session.objects.filter(session_key=cmd["key"]).first()
    if row is None:
        return None
    return {"expire_date": instant(row.expire_date), "decoded": row.get_decoded()}


def op_decode(cmd):
    return SessionStore().decode(cmd["session_data"])


def op_encode(cmd):
    return SessionStore().encode(cmd.get("data", {}))


def op_middleware(cmd):
    """SessionMiddleware with the cookie `key`: the view sets `set` keys, as a real request would."""
    def view(request):
        for k, v in cmd.get("set", {}).items():
            request.session[k] = v

    return guarded(lambda: run_middleware(cmd.get("key"), view))


def op_migrate_auth(cmd):
    call_command("migrate", "auth", verbosity=0, interactive=False)
    return True


def op_login(cmd):
    """django.contrib.auth.login() on a request carrying the session `key` (or none)."""
    user = ensure_user(cmd["username"], cmd["password"])

    def view(request):
        auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")

    result = run_middleware(cmd.get("key"), view)
    result["user_id"] = user.pk
    return result


def op_user(cmd):
    """The auth_user row (created when missing; `password` sets a new one, as a password change does)."""
    user, _ = User.objects.get_or_create(username=cmd["username"])
    if cmd.get("password"):
        user.set_password(cmd["password"])
        user.save()
    return {"id": user.pk, "password": user.password, "is_active": user.is_active}


def op_get_user(cmd):
    """django.contrib.auth.get_user() for the session `key`: who Django thinks is logged in."""
    request = request_with_cookie(cmd["key"])
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    user = auth.get_user(request)
    return {"authenticated": user.is_authenticated, "username": getattr(user, "username", ""), "key": request.session.session_key}


def op_expiry_math(cmd):
    """get_expiry_date / get_expiry_age(modification=..., expiry=...) with no session loaded."""
    store = SessionStore()
    modification = datetime.fromisoformat(cmd["modification"])
    date = guarded(lambda: store.get_expiry_date(modification=modification, expiry=cmd["expiry"]))
    if "value" in date:
        date["value"] = date["value"].isoformat()
    age = guarded(lambda: store.get_expiry_age(modification=modification, expiry=cmd["expiry"]))
    if "value" in age and not isinstance(age["value"], int):
        age = {"error": {"type": "NotAnInt", "message": typed(age["value"])}}
    return {"date": date, "age": age}


def op_now(cmd):
    return instant(timezone.now())


OPS = {name[3:]: fn for name, fn in globals().items() if name.startswith("op_")}


def answer(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    answer({"ready": op_ping({})})
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        try:
            answer({"id": cmd.get("id"), "result": OPS[cmd["op"]](cmd)})
        except Exception as e:  # noqa: BLE001
            answer({"id": cmd.get("id"), "error": {"type": type(e).__name__, "message": str(e), "traceback": traceback.format_exc()}})


if __name__ == "__main__":
    main()
