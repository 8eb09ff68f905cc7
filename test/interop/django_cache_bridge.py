"""Real Django's cached_db and cache session engines on the machine's Redis, driven over
stdin/stdout by test/interop/django-cache-bridge.ts. One process per test file.

Configuration (JSON in DJANGO_CACHE_BRIDGE_CONFIG):

    {"engine": "cached_db" | "cache", "cache_backend": "django" | "django-redis",
     "location": "redis://127.0.0.1:6379/<db>", "key_prefix": ..., "version": 1,
     "dialect": "postgres" | "sqlite" | null, "name": ..., "host": ..., "port": ..., "user": ...,
     "password": ..., "secret_key": ..., "expect": "3.2" | "5.2"}

"django" is Django's django.core.cache.backends.redis.RedisCache (4.0+), "django-redis" is
django_redis.cache.RedisCache (Debian's python3-django-redis, with Django 3.2).

Protocol: one {"ready": {...}} line, then one JSON command per line ({"id": n, "op": ..., ...}),
one answer per line: {"id": n, "result": ...} or {"id": n, "error": {"type", "message"}}.
Session values cross as JSON; a datetime as {"$datetime": isoformat}.
"""
import json
import os
import sys
import traceback
from datetime import datetime, timedelta

CONFIG = json.loads(os.environ["DJANGO_CACHE_BRIDGE_CONFIG"])

import django  # noqa: E402
from django.conf import settings  # noqa: E402

if CONFIG.get("dialect") == "postgres":
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.postgresql", "NAME": CONFIG["name"], "HOST": CONFIG["host"],
        "PORT": str(CONFIG["port"]), "USER": CONFIG["user"], "PASSWORD": CONFIG.get("password") or "",
    }}
elif CONFIG.get("dialect") == "sqlite":
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": CONFIG["name"]}}
else:
    DATABASES = {}

if CONFIG["cache_backend"] == "django":
    CACHE = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CONFIG["location"]}
else:
    CACHE = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": CONFIG["location"],
             "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"}}
CACHE["KEY_PREFIX"] = CONFIG.get("key_prefix", "")
CACHE["VERSION"] = CONFIG.get("version", 1)

settings.configure(
    SECRET_KEY=CONFIG["secret_key"],
    DATABASES=DATABASES,
    CACHES={"default": CACHE},
    INSTALLED_APPS=["django.contrib.sessions"],
    USE_TZ=True,
    TIME_ZONE="UTC",
    SESSION_ENGINE="django.contrib.sessions.backends." + CONFIG["engine"],
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    LOGGING_CONFIG=None,
)
django.setup()

from importlib import import_module  # noqa: E402

import redis  # noqa: E402
from django.core.cache import cache  # noqa: E402

if CONFIG.get("expect") and not django.get_version().startswith(CONFIG["expect"] + "."):
    raise SystemExit(f"expected Django {CONFIG['expect']}, found {django.get_version()} at {sys.executable}")

SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
RAW = redis.Redis.from_url(CONFIG["location"])


def to_json(value):
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def store_for(key):
    return SessionStore(session_key=key)


def describe(store):
    data = dict(store.items())
    return {"key": store.session_key, "data": to_json(data), "types": {k: type(v).__name__ for k, v in data.items()}}


def op_ping(cmd):
    return {"django": django.get_version(), "python": sys.version.split()[0], "backend": CACHE["BACKEND"],
            "redis_py": redis.__version__}


def op_create(cmd):
    store = SessionStore()
    store.update(cmd.get("data", {}))
    if "expiry_seconds" in cmd:
        store.set_expiry(cmd["expiry_seconds"])
    if "expiry_timedelta" in cmd:
        store.set_expiry(timedelta(seconds=cmd["expiry_timedelta"]))
    store.save()
    return {"key": store.session_key, "cache_key": store.cache_key}


def op_create_attempts(cmd):
    """Django's create() when every key it draws is taken: how many keys it tries, and what it raises."""
    store = SessionStore()
    drawn = []

    def taken_key():
        drawn.append(cmd["taken"])
        return cmd["taken"]

    store._get_new_session_key = taken_key
    try:
        store.create()
    except Exception as e:  # noqa: BLE001
        return {"attempts": len(drawn), "raised": type(e).__name__, "message": str(e)}
    return {"attempts": len(drawn), "raised": None, "key": store.session_key}


def op_load(cmd):
    return describe(store_for(cmd["key"]))


def op_update(cmd):
    """Load, set and delete keys, save (a request that changes its session)."""
    store = store_for(cmd["key"])
    for k, v in cmd.get("set", {}).items():
        store[k] = v
    for k in cmd.get("delete", []):
        del store[k]
    try:
        store.save()
    except Exception as e:  # noqa: BLE001
        return {"raised": type(e).__name__}
    return {"key": store.session_key}


def op_clear(cmd):
    """request.session.clear() and a save: the session stays, empty."""
    store = store_for(cmd["key"])
    store.clear()
    store.save()
    return {"key": store.session_key}


def op_flush(cmd):
    store = store_for(cmd["key"])
    store.flush()
    return {"key": store.session_key}


def op_cycle(cmd):
    store = store_for(cmd["key"])
    store.cycle_key()
    return {"key": store.session_key}


def op_exists(cmd):
    return SessionStore().exists(cmd["key"])


def op_delete(cmd):
    SessionStore().delete(cmd["key"])
    return None


def op_cache_get(cmd):
    """Django's cache API view of an engine key: cache.get(prefix + session_key)."""
    value = cache.get(SessionStore.cache_key_prefix + cmd["key"])
    return {"value": to_json(value), "type": type(value).__name__}


def op_cache_set(cmd):
    cache.set(cmd["logical_key"], cmd["value"], cmd.get("timeout", 300))
    return None


def op_raw(cmd):
    """The bytes and TTL Redis holds for a physical key."""
    data = RAW.get(cmd["physical_key"])
    return {"hex": None if data is None else data.hex(), "ttl": RAW.ttl(cmd["physical_key"]), "pttl": RAW.pttl(cmd["physical_key"])}


def op_physical_key(cmd):
    return cache.make_key(SessionStore.cache_key_prefix + cmd["key"])


def op_db_row(cmd):
    from django.contrib.sessions.models import Session

    row = Session.objects.filter(session_key=cmd["key"]).first()
    if row is None:
        return None
    return {"decoded": to_json(row.get_decoded()), "expire_date": row.expire_date.isoformat()}


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
