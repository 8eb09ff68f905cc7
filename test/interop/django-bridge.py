#!/usr/bin/env python3
"""A line-oriented bridge to real Django for interop tests.

Run with the Python that has the Django under test (3.2 or 5.2); the TS client is
test/interop/django-bridge.ts. One process serves a whole test file:

* stdin: one JSON request per line, ``{"id": 1, "op": "encode", ...}``
* stdout: one JSON response per line, in request order, ``{"id": 1, "ok": true, ...}``
  or ``{"id": 1, "ok": false, "error": {"type": "KeyError", "message": "..."}}`` when the op
  itself failed (a bad request, a bug here). The first line, before any request, is
  ``{"id": 0, "ok": true, "ready": true, "django": "5.2.17", ...}``.

JSON is Python's: NaN/Infinity and integers of any size pass both ways (the TS side writes
and reads it with pyJsonDumps/pyJsonLoads). All output is ASCII.

Request fields every op understands (all optional):
  secretKey            SECRET_KEY for this request (default: the startup SECRET_KEY)
  secretKeyFallbacks   SECRET_KEY_FALLBACKS (Django 4.1+; an error on 3.2 when non-empty)
  hashingAlgorithm     DEFAULT_HASHING_ALGORITHM (3.1/3.2 only: "sha1" or "sha256")
  now                  freeze time.time() to this many seconds for the request
  storeClass           name (or dotted qualname) of a db.SessionStore subclass to use, which
                       changes the key salt to "django.contrib.sessions.<qualname>"
  cookieAge            SESSION_COOKIE_AGE

Ops (add more with @op; later tests may register database operations here):
  hello                        -> django, python, zlib
  encode {data}                -> encoded           SessionStore().encode(data)
  decode {encoded}             -> result, resultJson, logged | raises, message, logged
  legacy_encode {data}         -> encoded           3.2's SessionStore()._legacy_encode(data)
  cookie_encode {data}         -> encoded           signed_cookies engine: update(data); save()
  cookie_decode {encoded}      -> result, resultJson, modified   signed_cookies engine: load()
  dumps {obj, salt?, compress?, key?}              -> signed      signing.dumps
  loads {signed, salt?, maxAge?, key?, fallbackKeys?} -> result, resultJson | raises, message

Settings: DJANGO_BRIDGE_SETTINGS may hold a JSON object merged into settings.configure(...)
(e.g. DATABASES for database ops).
"""

import json
import logging
import os
import sys
import time
import warnings
import zlib

import django
from django.conf import settings

warnings.simplefilter("ignore")

HAS_FALLBACKS = django.VERSION >= (4, 1)
HAS_HASHING_SETTING = django.VERSION < (4, 0)
DEFAULT_SECRET = "django-session-interop-secret"

conf = dict(
    SECRET_KEY=DEFAULT_SECRET,
    INSTALLED_APPS=["django.contrib.sessions"],
    DATABASES={},
    USE_TZ=True,
    LOGGING_CONFIG=None,
)
if HAS_FALLBACKS:
    conf["SECRET_KEY_FALLBACKS"] = []
conf.update(json.loads(os.environ.get("DJANGO_BRIDGE_SETTINGS") or "{}"))
settings.configure(**conf)
django.setup()

from django.contrib.sessions.backends import db, signed_cookies  # noqa: E402
from django.core import signing  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

# --- time ------------------------------------------------------------------------------------

_real_time = time.time
_frozen = [None]
time.time = lambda: _real_time() if _frozen[0] is None else _frozen[0]

# --- captured security log -------------------------------------------------------------------


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(f"{record.name}: {record.getMessage()}")


captured = Capture()
_security = logging.getLogger("django.security")
_security.addHandler(captured)
_security.setLevel(logging.DEBUG)
_security.propagate = False

# --- store classes ---------------------------------------------------------------------------

_stores = {}


def store_class(req):
    """db.SessionStore, or a subclass whose __qualname__ is req["storeClass"]."""
    qualname = req.get("storeClass")
    if not qualname or qualname == "SessionStore":
        return db.SessionStore
    if qualname not in _stores:
        cls = type(qualname.rsplit(".", 1)[-1], (db.SessionStore,), {})
        cls.__qualname__ = qualname
        _stores[qualname] = cls
    return _stores[qualname]


# --- ops -------------------------------------------------------------------------------------

OPS = {}


def op(name):
    def register(fn):
        OPS[name] = fn
        return fn

    return register


def pyjson(value):
    return json.dumps(value, separators=(",", ":"))


def outcome(fn):
    """Run a Django read: its result (and JSONSerializer text), or the exception it raised."""
    try:
        result = fn()
    except Exception as e:
        return {"raises": type(e).__name__, "message": str(e)}
    return {"result": result, "resultJson": pyjson(result)}


@op("hello")
def hello(req):
    return {
        "django": django.get_version(),
        "python": sys.version.split()[0],
        "zlib": zlib.ZLIB_RUNTIME_VERSION,
        "ops": sorted(OPS),
    }


@op("encode")
def encode(req):
    return {"encoded": store_class(req)().encode(req["data"])}


@op("decode")
def decode(req):
    return outcome(lambda: store_class(req)().decode(req["encoded"]))


@op("legacy_encode")
def legacy_encode(req):
    if not hasattr(db.SessionStore, "_legacy_encode"):
        raise RuntimeError("_legacy_encode needs Django 3.1/3.2")
    return {"encoded": store_class(req)()._legacy_encode(req["data"])}


@op("cookie_encode")
def cookie_encode(req):
    store = signed_cookies.SessionStore()
    store.update(req["data"])
    store.save()
    return {"encoded": store.session_key}


@op("cookie_decode")
def cookie_decode(req):
    store = signed_cookies.SessionStore(session_key=req["encoded"])
    out = outcome(store.load)
    out["modified"] = store.modified
    return out


@op("dumps")
def dumps(req):
    kwargs = {"salt": req.get("salt", "django.core.signing"), "compress": bool(req.get("compress", False))}
    if "key" in req:
        kwargs["key"] = req["key"]
    return {"signed": signing.dumps(req["obj"], **kwargs)}


@op("loads")
def loads(req):
    kwargs = {"salt": req.get("salt", "django.core.signing"), "max_age": req.get("maxAge")}
    if "key" in req:
        kwargs["key"] = req["key"]
    if "fallbackKeys" in req:
        kwargs["fallback_keys"] = req["fallbackKeys"]
    return outcome(lambda: signing.loads(req["signed"], **kwargs))


# --- request loop ----------------------------------------------------------------------------


class _Active:
    """The override_settings in force; kept across requests while the settings stay the same."""

    key = None
    override = None


def apply_settings(req):
    values = request_settings(req)
    key = json.dumps(values, sort_keys=True)
    if key != _Active.key:
        if _Active.override is not None:
            _Active.override.disable()
            _Active.override, _Active.key = None, None
        override = override_settings(**values)
        override.enable()
        _Active.override, _Active.key = override, key


def request_settings(req):
    values = {"SECRET_KEY": req.get("secretKey", DEFAULT_SECRET)}
    fallbacks = req.get("secretKeyFallbacks") or []
    if HAS_FALLBACKS:
        values["SECRET_KEY_FALLBACKS"] = fallbacks
    elif fallbacks:
        raise ValueError("SECRET_KEY_FALLBACKS needs Django 4.1+")
    if "hashingAlgorithm" in req:
        if not HAS_HASHING_SETTING:
            raise ValueError("DEFAULT_HASHING_ALGORITHM exists only in Django 3.1/3.2")
        values["DEFAULT_HASHING_ALGORITHM"] = req["hashingAlgorithm"]
    if "cookieAge" in req:
        values["SESSION_COOKIE_AGE"] = req["cookieAge"]
    return values


def handle(req):
    fn = OPS.get(req.get("op"))
    if fn is None:
        raise ValueError(f"unknown op {req.get('op')!r}")
    captured.records.clear()
    _frozen[0] = float(req["now"]) if req.get("now") is not None else None
    try:
        apply_settings(req)
        out = fn(req)
    finally:
        _frozen[0] = None
    if req.get("op") == "decode":
        out["logged"] = list(captured.records)
    return out


def write(obj):
    sys.stdout.write(json.dumps(obj, ensure_ascii=True) + "\n")


def main():
    write({"id": 0, "ok": True, "ready": True, **hello({})})
    sys.stdout.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        req_id = None
        try:
            req = json.loads(line)
            req_id = req.get("id")
            write({"id": req_id, "ok": True, **handle(req)})
        except Exception as e:
            write({"id": req_id, "ok": False, "error": {"type": type(e).__name__, "message": str(e)}})
        sys.stdout.flush()


if __name__ == "__main__":
    main()
