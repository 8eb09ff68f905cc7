#!/usr/bin/env python3
"""Write session/signing test vectors computed by a real, installed Django.

Usage:  <python with Django> scripts/gen-vectors.py <outfile.json>

    /usr/bin/python3 scripts/gen-vectors.py test/vectors/django-3.2.json
    .venv-django52/bin/python scripts/gen-vectors.py test/vectors/django-5.2.json

No project is needed: settings come from ``settings.configure``. ``time.time`` is frozen, so the
output is deterministic and a re-run with the same Django and zlib gives the same file.

Every ``encoded`` string comes from Django itself (``SessionStore().encode``, the signed_cookies
engine's ``save()``, ``signing.dumps``, ``TimestampSigner.sign`` for hand-made payloads), except
the legacy strings in the 5.2 file, which 5.2 can no longer write; those are computed with the
standard library exactly like 3.2's ``_legacy_encode`` (and checked against 3.2's file). Every
``djangoDecodes`` is what this Django's ``SessionStore().decode()`` (or the signed_cookies
engine's ``load()``) returned for ``encoded``, or ``{"raises": "<ExceptionClass>"}``.

Fields of a case (see test/vectors/README.md):
  name, kind ("session" | "signed_cookie" | "legacy" | "bad"), codec ("session" | "signed_cookie"),
  secretKey | secretKeyHex, secretKeyFallbacks?, signedWith? (the key Django signed with),
  expectKeyIndex? (0 = SECRET_KEY, i + 1 = SECRET_KEY_FALLBACKS[i]), keySalt, storeClass?,
  data? (only when plain JSON can hold it), dataJson (Python ``json.dumps(data, separators=(",", ":"))``),
  encoded, encodedAt (frozen time when encoded), compressed, jsonLength?, zlibLength?,
  djangoDecodes (JSON-safe result or {"raises": ...}), djangoDecodesJson (Python JSON text of the
  result), djangoLogged (WARNING messages on django.security.*), integralFloats?, jsKeyOrder?, note?
"""

import base64
import hashlib
import hmac
import json
import logging
import random
import sys
import time
import warnings
import zlib

import django
from django.conf import settings

NOW = 1700000000
SECRET = "django-insecure-vector-secret-0123456789"
LONG_SECRET = "long-" + "".join(chr(ord("a") + (i * 7) % 26) for i in range(495))
UNICODE_SECRET = "sécret-ключ-🔑-\u00e9\u0301-秘密"
BYTES_SECRET_HEX = "e7ff00a5" + "5c" * 28
FALLBACKS = ["django-insecure-old-key-1", "django-insecure-old-key-2"]
SESSION_SALT = "django.contrib.sessions.SessionStore"
COOKIE_SALT = "django.contrib.sessions.backends.signed_cookies"
COOKIE_AGE = 1209600
MAX_SAFE = 2**53 - 1
# "data" / "djangoDecodes" (readable copies of dataJson / djangoDecodesJson) only up to this size.
SHOW_LIMIT = 1000

V32 = django.VERSION[:2] == (3, 2)
HAS_FALLBACKS = django.VERSION >= (4, 1)

warnings.simplefilter("ignore")
conf = dict(
    SECRET_KEY=SECRET,
    INSTALLED_APPS=["django.contrib.sessions"],
    DATABASES={},
    USE_TZ=True,
    LOGGING_CONFIG=None,
)
if HAS_FALLBACKS:
    conf["SECRET_KEY_FALLBACKS"] = []
settings.configure(**conf)
django.setup()

from django.contrib.sessions.backends import db, signed_cookies  # noqa: E402
from django.core import signing  # noqa: E402
from django.test.utils import override_settings  # noqa: E402


class MyStore(db.SessionStore):
    """A custom store: its key salt is django.contrib.sessions.MyStore."""


class Outer:
    class Inner(db.SessionStore):
        """qualname Outer.Inner: salt django.contrib.sessions.Outer.Inner, legacy name Inner."""


# --- frozen time and captured security warnings ----------------------------------------------

_clock = [float(NOW)]
time.time = lambda: _clock[0]


class Frozen:
    def __init__(self, t):
        self.t = float(t)

    def __enter__(self):
        self.saved = _clock[0]
        _clock[0] = self.t

    def __exit__(self, *exc):
        _clock[0] = self.saved


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(f"{record.name}: {record.getMessage()}")


captured = Capture()
security = logging.getLogger("django.security")
security.addHandler(captured)
security.setLevel(logging.DEBUG)
security.propagate = False


def keys(secret=SECRET, fallbacks=None, **extra):
    """override_settings for the signing keys (SECRET_KEY_FALLBACKS only where it exists)."""
    values = dict(SECRET_KEY=secret, **extra)
    if HAS_FALLBACKS:
        values["SECRET_KEY_FALLBACKS"] = list(fallbacks or [])
    elif fallbacks:
        raise RuntimeError("SECRET_KEY_FALLBACKS needs Django 4.1+")
    return override_settings(**values)


# --- Python-JSON helpers ---------------------------------------------------------------------


def pyjson(value):
    """Exactly what JSONSerializer writes (as text)."""
    return json.dumps(value, separators=(",", ":"))


def json_safe(value):
    """True when plain JSON (and JS JSON.parse) carries the value without loss, nested at most 200 deep."""
    stack = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if depth > 200:
            return False
        if isinstance(v, bool) or v is None or isinstance(v, str):
            continue
        if isinstance(v, int):
            if abs(v) > MAX_SAFE:
                return False
        elif isinstance(v, float):
            if v != v or v in (float("inf"), float("-inf")):
                return False
        elif isinstance(v, list):
            stack.extend((x, depth + 1) for x in v)
        elif isinstance(v, dict):
            stack.extend((x, depth + 1) for x in v.values())
        else:
            return False
    return True


def has_integral_float(value):
    """A float like 1.0 or 0.0 that JS reads as an integer and writes back as `1` / `0`."""
    if isinstance(value, float):
        return value == value and abs(value) <= MAX_SAFE and value.is_integer() and str(value) != "-0.0"
    if isinstance(value, list):
        return any(has_integral_float(v) for v in value)
    if isinstance(value, dict):
        return any(has_integral_float(v) for v in value.values())
    return False


def _is_index(key):
    return key.isdigit() and str(int(key)) == key and int(key) < 2**32 - 1


def js_reorders(value):
    """A dict whose keys JS objects would enumerate in another order (integer-like keys first)."""
    if isinstance(value, list):
        return any(js_reorders(v) for v in value)
    if isinstance(value, dict):
        ks = [str(k) for k in value]
        idx = [k for k in ks if _is_index(k)]
        js_order = sorted(idx, key=int) + [k for k in ks if not _is_index(k)]
        return js_order != ks or any(js_reorders(v) for v in value.values())
    return False


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# --- running Django --------------------------------------------------------------------------


def django_decode(codec, encoded, store=db.SessionStore, secret=SECRET, fallbacks=None):
    """What Django reads for `encoded`: SessionStore().decode() or the cookie engine's load()."""
    captured.records.clear()
    with keys(secret, fallbacks), Frozen(NOW):
        try:
            if codec == "session":
                result = store().decode(encoded)
            else:
                result = signed_cookies.SessionStore(session_key=encoded).load()
        except Exception as e:  # 3.2 raises for a validly signed, undecodable payload
            return {"djangoDecodes": {"raises": type(e).__name__}, "djangoLogged": list(captured.records)}
    out = {"djangoDecodesJson": pyjson(result), "djangoLogged": list(captured.records)}
    if len(out["djangoDecodesJson"]) <= SHOW_LIMIT and json_safe(result):
        out["djangoDecodes"] = result
    return out


def django_encode(codec, data, store=db.SessionStore, secret=SECRET, at=NOW, **extra_settings):
    with keys(secret, **extra_settings), Frozen(at):
        if codec == "session":
            return store().encode(data)
        s = signed_cookies.SessionStore()
        s.update(data)
        s.save()
        return s.session_key


def sign_payload(payload, salt=SESSION_SALT, secret=SECRET, at=NOW):
    """A hand-made payload, signed exactly as signing.dumps signs its own."""
    with keys(secret), Frozen(at):
        return signing.TimestampSigner(key=secret, salt=salt).sign(payload)


def secret_fields(secret):
    if isinstance(secret, bytes):
        return {"secretKeyHex": secret.hex()}
    return {"secretKey": secret}


cases = []


def add(case):
    names = {c["name"] for c in cases}
    if case["name"] in names:
        raise RuntimeError("duplicate case name " + case["name"])
    cases.append(case)


def good(name, data, *, kind="session", codec=None, store=db.SessionStore, secret=SECRET, fallbacks=None,
         signed_with=None, at=NOW, note=None, encode_settings=None, big=False):
    """A string Django wrote; Django must read it back to the same data."""
    codec = codec or ("signed_cookie" if kind == "signed_cookie" else "session")
    signer_key = secret if signed_with is None else signed_with
    encoded = django_encode(codec, data, store=store, secret=signer_key, at=at, **(encode_settings or {}))
    text = pyjson(data)
    case = {"name": name, "kind": kind, "codec": codec}
    case.update(secret_fields(secret))
    if fallbacks:
        case["secretKeyFallbacks"] = list(fallbacks)
    if signed_with is not None:
        case["signedWith"] = signed_with
        case["expectKeyIndex"] = [secret, *(fallbacks or [])].index(signed_with)
    salt = "django.contrib.sessions." + store.__qualname__ if codec == "session" else COOKIE_SALT
    case["keySalt"] = salt
    if store is not db.SessionStore:
        case["storeClass"] = store.__qualname__
    if big:
        case["dataJsonLength"] = len(text)
        case["dataJsonSha256"] = hashlib.sha256(text.encode("latin-1")).hexdigest()
    else:
        if len(text) <= SHOW_LIMIT and json_safe(data) and all(isinstance(k, str) for k in data):
            case["data"] = data
        case["dataJson"] = text
    case["encoded"] = encoded
    case["encodedAt"] = at
    raw = text.encode("latin-1")
    case["compressed"] = encoded.startswith(".")
    if not big:
        case["jsonLength"] = len(raw)
        case["zlibLength"] = len(zlib.compress(raw))
    if has_integral_float(data):
        case["integralFloats"] = True
    if js_reorders(data):
        case["jsKeyOrder"] = True
    if note:
        case["note"] = note
    decoded = django_decode(codec, encoded, store=store, secret=secret, fallbacks=fallbacks)
    if big:
        # Keep the file small: the decoded text is recorded by length and hash only.
        result = decoded.pop("djangoDecodesJson", "")
        decoded.pop("djangoDecodes", None)
        if result != text:
            raise RuntimeError(f"{name}: Django did not read its own string back")
        decoded["djangoDecodesJsonSha256"] = hashlib.sha256(result.encode("latin-1")).hexdigest()
    case.update(decoded)
    if not big and decoded.get("djangoDecodesJson") != text and kind != "legacy":
        raise RuntimeError(f"{name}: Django did not read its own string back: {decoded}")
    add(case)
    return case


def bad(name, encoded, *, codec="session", store=db.SessionStore, secret=SECRET, fallbacks=None, note=None):
    """A string Django did not write as such (tampered, hand-made, another key or salt, ...)."""
    case = {"name": name, "kind": "bad", "codec": codec}
    case.update(secret_fields(secret))
    if fallbacks:
        case["secretKeyFallbacks"] = list(fallbacks)
    case["keySalt"] = "django.contrib.sessions." + store.__qualname__ if codec == "session" else COOKIE_SALT
    if store is not db.SessionStore:
        case["storeClass"] = store.__qualname__
    case["encoded"] = encoded
    if note:
        case["note"] = note
    case.update(django_decode(codec, encoded, store=store, secret=secret, fallbacks=fallbacks))
    add(case)
    return case


def legacy_encode(data, class_name="SessionStore", secret=SECRET):
    """3.2's SessionBase._legacy_encode, with the standard library (5.2 no longer has it)."""
    serialized = pyjson(data).encode("latin-1")
    key = hashlib.sha1(("django.contrib.sessions" + class_name + secret).encode()).digest()
    digest = hmac.new(key, serialized, hashlib.sha1).hexdigest()
    return base64.b64encode(digest.encode() + b":" + serialized).decode("ascii")


def sha1_framed(data, salt=SESSION_SALT, secret=SECRET, compress=True):
    """signing.dumps(..., compress=True) signed with sha1 (what 3.1/3.2 write under DEFAULT_HASHING_ALGORITHM='sha1')."""
    with keys(secret), Frozen(NOW):
        return signing.TimestampSigner(key=secret, salt=salt, algorithm="sha1").sign_object(data, compress=compress)


def threshold_data():
    """Dicts whose JSON compresses to exactly len, len-1, len-2 and len-3 bytes (seeded search)."""
    rng = random.Random(20231114)
    found = {}
    for _ in range(100000):
        n = rng.randint(20, 90)
        alphabet = "abcdefghij"[: rng.randint(2, 10)]
        d = {"k": "".join(rng.choice(alphabet) for _ in range(n))}
        raw = pyjson(d).encode()
        delta = len(zlib.compress(raw)) - len(raw)
        if delta in (0, -1, -2, -3) and delta not in found:
            found[delta] = d
        if len(found) == 4:
            return found
    raise RuntimeError("threshold search failed")


# --- the cases ------------------------------------------------------------------------------


def build():
    # Plain sessions (db/cache/file engines share this encoding).
    good("empty dict", {})
    good("ascii", {"foo": "bar"})
    good("ascii with escapes", {"q": 'say "hi"\\ /path\n\t\r\b\f', "ctl": "\x00\x01\x1f\x7f"})
    good("accents", {"name": "Zoë", "city": "Málaga", "word": "naïve café"})
    good("emoji", {"name": "Zoë 🐍", "flags": "🇪🇸🇫🇷", "zwj": "👩\u200d💻"})
    good("lone surrogates", {"hi": "\ud800", "lo": "\udc00", "mixed": "a\udbffb\ud83d"})
    good("cjk, rtl and line separators", {"ja": "日本語", "ar": "مرحبا", "ls": "\u2028\u2029", "bom": "\ufeff"})
    good("non-ASCII keys", {"clé": 1, "🔑": "v", "": "empty key"})
    good("nested", {"user": {"id": 7, "roles": ["admin", "staff"], "prefs": {"theme": "dark", "tz": None}},
                    "cart": [[1, 2], [], {}], "flags": [True, False, None]})
    good("deeply nested (100)", _nest(100))
    good("realistic logged-in session", {
        "_auth_user_id": "42",
        "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
        "_auth_user_hash": "9b1e3c5c2d4f7a8e0b6d1c3f5a7e9b2d4c6f8a0e1b3d5f7a9c2e4b6d8f0a1c3e",
        "_session_expiry": 3600,
        "_csrftoken": "Xq1v8kVYbW2cJqPz6nR0tLmA9sD3fGhK",
        "cart": {"items": [{"sku": "A-1", "qty": 2}], "coupon": None},
    })
    good("integer-like keys (JS reorders them)", {"b": 1, "10": "ten", "2": "two", "a": {"1": 1, "0": 0}},
         note="JS objects enumerate integer-like keys first, so re-encoding the decoded object changes key order")
    good("non-string keys become strings", {1: "one", 2.5: "f", True: "t", None: "n"},
         note="json.dumps turns 1, 2.5, True, None keys into \"1\", \"2.5\", \"true\", \"null\"")
    good("floats", {"one": 1.0, "zero": 0.0, "neg0": -0.0, "e16": 1e16, "em7": 1e-07, "pi": 3.141592653589793,
                    "big": 1.7976931348623157e308, "tiny": 5e-324, "two53f": 9007199254740992.0, "third": 1 / 3},
         note="1.0 and 0.0 are integral floats: JS reads them as 1 and 0 and writes them back without .0")
    good("float exponents only", {"e16": 1e16, "em7": 1e-07, "e22": 1e22, "m": -2.5e-5, "half": 0.5})
    good("nan and infinity", {"nan": float("nan"), "inf": float("inf"), "ninf": float("-inf")},
         note="JSONSerializer emits bare NaN/Infinity tokens")
    good("big ints", {"two53": 2**53, "two53p1": 2**53 + 1, "safe": 2**53 - 1, "neg": -(2**70),
                      "two64": 2**64, "huge": 10**40, "list": [2**63 - 1, -(2**63)]})
    good("large compressible", {"cart": [{"sku": "SKU-%05d" % i, "qty": i % 5, "name": "Product %d" % i}
                                         for i in range(300)]})
    rng = random.Random(7)
    noise = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&()*+,-./;<=>?@[]^_`{|}~")
                    for _ in range(3000))
    good("large incompressible", {"noise": noise})
    good("large unicode, compressed", {"text": ("Zoë 🐍 ключ 日本 " * 200)})
    th = threshold_data()
    good("threshold: zlib == len", th[0], note="not compressed")
    good("threshold: zlib == len-1", th[-1], note="not compressed: Django needs len(c) < len(data) - 1")
    good("threshold: zlib == len-2", th[-2], note="compressed: the smallest saving Django accepts")
    good("threshold: zlib == len-3", th[-3], note="compressed")
    good("beyond 1 MiB decompressed", {"blob": "x" * (1536 * 1024)}, big=True,
         note="Django has no size cap; our default maxSize (1 MiB) refuses it")

    # Secrets.
    good("long secret (500 chars)", {"foo": "bar"}, secret=LONG_SECRET)
    good("non-ASCII secret", {"foo": "bar", "n": "ñ"}, secret=UNICODE_SECRET)
    good("bytes secret", {"foo": "bar"}, secret=bytes.fromhex(BYTES_SECRET_HEX),
         note="SECRET_KEY may be bytes; used as is, not UTF-8 encoded")

    # Custom store classes: the key salt is django.contrib.sessions.<qualname>.
    good("custom store class MyStore", {"foo": "bar"}, store=MyStore)
    good("nested store class Outer.Inner", {"foo": "bar", "big": "x" * 200}, store=Outer.Inner)

    # Fallback keys (4.1+).
    if HAS_FALLBACKS:
        good("fallbacks: signed with SECRET_KEY", {"foo": "bar"}, fallbacks=FALLBACKS, signed_with=SECRET)
        good("fallbacks: signed with SECRET_KEY_FALLBACKS[0]", {"foo": "bar", "é": 1}, fallbacks=FALLBACKS,
             signed_with=FALLBACKS[0])
        good("fallbacks: signed with SECRET_KEY_FALLBACKS[1], compressed", {"cart": ["item"] * 100},
             fallbacks=FALLBACKS, signed_with=FALLBACKS[1])
        good("fallbacks: signed cookie with SECRET_KEY_FALLBACKS[0]", {"foo": "bar"}, kind="signed_cookie",
             fallbacks=FALLBACKS, signed_with=FALLBACKS[0])

    # signed_cookies engine.
    good("cookie: empty dict", {}, kind="signed_cookie", note="what Django sends after an invalid cookie")
    good("cookie: ascii", {"foo": "bar"}, kind="signed_cookie")
    good("cookie: with _session_expiry", {"foo": "bar", "n": 42, "_session_expiry": 3600}, kind="signed_cookie")
    good("cookie: unicode", {"name": "Zoë 🐍", "s": "\ud800"}, kind="signed_cookie")
    good("cookie: compressed", {"cart": [{"sku": "SKU-%03d" % i} for i in range(60)]}, kind="signed_cookie")
    good("cookie: big ints and floats", {"id": 2**60, "ratio": 0.25, "e": 1e-07}, kind="signed_cookie")
    good("cookie: exactly SESSION_COOKIE_AGE old", {"foo": "bar"}, kind="signed_cookie", at=NOW - COOKIE_AGE,
         note="max_age uses a strict >, so age == SESSION_COOKIE_AGE is still valid")
    good("cookie: threshold zlib == len-1", th[-1], kind="signed_cookie")
    good("cookie: threshold zlib == len-2", th[-2], kind="signed_cookie")

    # Pre-3.1 formats (readable by 3.1/3.2 only).
    foo = {"foo": "bar"}
    if V32:
        with keys(), Frozen(NOW):
            legacy_v4 = db.SessionStore()._legacy_encode(foo)
        assert legacy_v4 == legacy_encode(foo), "stdlib legacy encoder differs from 3.2's _legacy_encode"
        legacy_case("legacy: _legacy_encode {foo: bar}", foo, legacy_v4)
        legacy_case("legacy: encode() under DEFAULT_HASHING_ALGORITHM=sha1",
                    {"name": "Zoë 🐍", "n": 2**60},
                    django_encode("session", {"name": "Zoë 🐍", "n": 2**60}, DEFAULT_HASHING_ALGORITHM="sha1"))
        with keys(), Frozen(NOW):
            inner_legacy = Outer.Inner()._legacy_encode(foo)
        legacy_case("legacy: _legacy_encode from Outer.Inner (hash salt uses __name__)", foo, inner_legacy,
                    store=Outer.Inner)
        with keys(DEFAULT_HASHING_ALGORITHM="sha1"), Frozen(NOW):
            v5 = signing.dumps(foo, salt=SESSION_SALT, compress=True)
            v5_big = signing.dumps({"cart": ["item"] * 100}, salt=SESSION_SALT, compress=True)
            cookie_sha1 = django_encode("signed_cookie", foo, DEFAULT_HASHING_ALGORITHM="sha1")
        assert v5 == sha1_framed(foo)
        legacy_case("legacy: sha1-signed current framing", foo, v5)
        legacy_case("legacy: sha1-signed current framing, compressed", {"cart": ["item"] * 100}, v5_big)
        legacy_case("legacy: signed cookie under DEFAULT_HASHING_ALGORITHM=sha1", foo, cookie_sha1,
                    codec="signed_cookie")
        bad("legacy with a wrong hash", legacy_encode(foo, secret="another-secret"))
        bad("legacy: hash ok, payload not JSON", _legacy_raw(b"not json"))
        bad("legacy: no colon", base64.b64encode(b"x" * 60).decode())
    else:
        bad("legacy format (pre-3.1) refused", legacy_encode(foo), note="computed like 3.2's _legacy_encode")
        bad("legacy format from Outer.Inner refused", legacy_encode(foo, "Inner"), store=Outer.Inner)
        bad("sha1-signed current framing refused", sha1_framed(foo))
        bad("sha1-signed cookie refused", sha1_framed(foo, salt=COOKIE_SALT), codec="signed_cookie")

    # Bad inputs.
    valid = django_encode("session", {"foo": "bar"})
    valid_big = django_encode("session", {"cart": ["item"] * 100})
    payload, ts, sig = valid.split(":")
    bad("tampered payload", ("eyJmb28iOiJiYXoifQ" if payload != "eyJmb28iOiJiYXoifQ" else "x") + f":{ts}:{sig}")
    bad("tampered signature", f"{payload}:{ts}:{_flip(sig)}")
    bad("tampered timestamp", f"{payload}:{_flip(ts)}:{sig}")
    bad("tampered compressed payload", _flip(valid_big, 5))
    bad("truncated signature", valid[:-10])
    bad("truncated to payload and timestamp", f"{payload}:{ts}")
    bad("no separator", payload)
    bad("empty string", "")
    bad("only separators", "::")
    bad("trailing newline", valid + "\n")
    bad("wrong salt (MyStore string read by SessionStore)", django_encode("session", {"foo": "bar"}, store=MyStore))
    bad("wrong salt (SessionStore string read by MyStore)", valid, store=MyStore)
    bad("wrong secret", valid, secret="another-secret")
    if HAS_FALLBACKS:
        bad("signed with a key not among the fallbacks", django_encode("session", {"foo": "bar"}, secret="retired"),
            fallbacks=FALLBACKS)
    bad("signed cookie value read as session data", django_encode("signed_cookie", {"foo": "bar"}))
    bad("non-ASCII garbage", "é:ü:🐍")
    bad("non-base64 payload, signed", sign_payload("!!!!"))
    bad("payload length 1 mod 4, signed", sign_payload("eyJhI"))
    bad("non-JSON payload, signed", sign_payload(b64(b"not json at all")))
    bad("empty payload, signed", sign_payload(""))
    bad("JSON list, signed", _dumps([1, 2, 3]), note="Django returns the list itself")
    bad("JSON string, signed", _dumps("a string"))
    bad("JSON null, signed", _dumps(None))
    bad("JSON number, signed", _dumps(42))
    bad("compressed JSON list, signed", _dumps(["item"] * 100))
    bad("decompression garbage, signed", sign_payload("." + b64(b"this is not a zlib stream")))
    bad("compression flag only, signed", sign_payload("."))
    bad("truncated zlib stream, signed", sign_payload("." + b64(zlib.compress(b'{"cart":"' + b"x" * 100 + b'"}')[:-4])))
    bad("zlib stream with a bad adler32, signed",
        sign_payload("." + b64(_bad_adler(zlib.compress(b'{"cart":"' + b"x" * 100 + b'"}')))))
    bad("raw deflate without zlib header, signed", sign_payload("." + b64(_raw_deflate(b'{"cart":"' + b"x" * 100 + b'"}'))))
    bad("zlib stream with trailing garbage, signed",
        sign_payload("." + b64(zlib.compress(b'{"cart":"' + b"x" * 100 + b'"}') + b"trailing")),
        note="zlib.decompress ignores data after the end of the stream")
    bad("base64 with = padding, signed", sign_payload(base64.urlsafe_b64encode(b'{"a":1}').decode()),
        note="Python's b64decode accepts padding; Django never writes it")
    bad("standard-alphabet base64 (+ and /), signed", sign_payload(base64.b64encode(b'{"a":"\xfb\xff?>"}').decode().rstrip("=")),
        note="urlsafe_b64decode keeps + and / as valid characters; Django never writes them")
    bad("junk characters inside base64, signed", sign_payload("eyJhIjox!fQ"),
        note="Python's b64decode drops characters outside the alphabet")
    bad("malformed timestamp, signed", signing.Signer(key=SECRET, salt=SESSION_SALT).sign(payload + ":!!"))
    bad("empty timestamp, signed", signing.Signer(key=SECRET, salt=SESSION_SALT).sign(payload + ":"))
    bad("no timestamp at all, signed", signing.Signer(key=SECRET, salt=SESSION_SALT).sign(payload))
    bad("raw latin-1 byte in JSON, signed", sign_payload(b64(b'{"name":"Zo\xeb"}')),
        note="JSONSerializer reads bytes as latin-1")
    bad("raw UTF-8 bytes in JSON, signed", sign_payload(b64('{"name":"Zoë"}'.encode("utf-8"))),
        note="Django <= 5.2 reads them as latin-1 (mojibake); Django 6 writes UTF-8")
    bad("JSON nested 600 deep, signed", _dumps(_nest(600)), note="CPython's json reads it; we cap depth at 512")
    bad("JSON with a duplicate key, signed", sign_payload(b64(b'{"a":1,"a":2}')), note="last one wins in both")
    bad("JSON with whitespace, signed", sign_payload(b64(b' { "a" : [ 1 , 2 ] } ')))

    # Bad signed cookies.
    cookie = django_encode("signed_cookie", {"foo": "bar"})
    bad("cookie: expired (SESSION_COOKIE_AGE + 1 old)", django_encode("signed_cookie", {"foo": "bar"}, at=NOW - COOKIE_AGE - 1),
        codec="signed_cookie")
    bad("cookie: timestamp in the future", django_encode("signed_cookie", {"foo": "bar"}, at=NOW + 3600),
        codec="signed_cookie", note="max_age only limits the past; a future timestamp is accepted")
    bad("cookie: tampered", _flip(cookie, 3), codec="signed_cookie")
    bad("cookie: session data (wrong salt)", valid, codec="signed_cookie")
    bad("cookie: wrong secret", cookie, codec="signed_cookie", secret="another-secret")
    bad("cookie: shorter than 8 characters", "e30:1:x", codec="signed_cookie",
        note="SessionBase drops keys shorter than 8 characters")
    bad("cookie: JSON list, signed", _dumps([1, 2], salt=COOKIE_SALT), codec="signed_cookie")
    bad("cookie: decompression garbage, signed", sign_payload("." + b64(b"garbage!"), salt=COOKIE_SALT),
        codec="signed_cookie")


def legacy_case(name, data, encoded, *, store=db.SessionStore, codec="session"):
    text = pyjson(data)
    case = {"name": name, "kind": "legacy", "codec": codec, "secretKey": SECRET,
            "keySalt": ("django.contrib.sessions." + store.__qualname__) if codec == "session" else COOKIE_SALT}
    if store is not db.SessionStore:
        case["storeClass"] = store.__qualname__
    if len(text) <= SHOW_LIMIT and json_safe(data):
        case["data"] = data
    case["dataJson"] = text
    case["encoded"] = encoded
    case["encodedAt"] = NOW
    case["format"] = "current" if encoded.count(":") == 2 else "legacy"
    case["compressed"] = encoded.startswith(".")
    case.update(django_decode(codec, encoded, store=store))
    if case.get("djangoDecodesJson") != text:
        raise RuntimeError(f"{name}: 3.2 did not read it: {case}")
    add(case)


def _nest(depth):
    value = {"leaf": True}
    for i in range(depth - 1):
        value = {"n": value} if i % 2 else {"l": [value]}
    return value if isinstance(value, dict) else {"v": value}


def _flip(text, at=None):
    """Change one character (at position `at`, default the middle) to another base64 character."""
    i = len(text) // 2 if at is None else at
    c = text[i]
    return text[:i] + ("A" if c != "A" else "B") + text[i + 1:]


def _dumps(obj, salt=SESSION_SALT):
    with keys(), Frozen(NOW):
        return signing.dumps(obj, salt=salt, compress=True)


def _legacy_raw(serialized):
    key = hashlib.sha1(("django.contrib.sessionsSessionStore" + SECRET).encode()).digest()
    digest = hmac.new(key, serialized, hashlib.sha1).hexdigest()
    return base64.b64encode(digest.encode() + b":" + serialized).decode("ascii")


def _bad_adler(stream):
    return stream[:-1] + bytes([stream[-1] ^ 0x01])


def _raw_deflate(data):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: <python with Django> scripts/gen-vectors.py <outfile.json>")
    build()
    doc = {
        "django": django.get_version(),
        "python": sys.version.split()[0],
        "zlib": zlib.ZLIB_RUNTIME_VERSION,
        "generatedBy": "scripts/gen-vectors.py (settings.configure, time.time frozen); see test/vectors/README.md",
        "now": NOW,
        "secretKey": SECRET,
        "cookieAge": COOKIE_AGE,
        "cases": cases,
    }
    with open(sys.argv[1], "w", encoding="ascii") as f:
        json.dump(doc, f, indent=1, ensure_ascii=True, allow_nan=False)
        f.write("\n")
    kinds = {}
    for c in cases:
        kinds[c["kind"]] = kinds.get(c["kind"], 0) + 1
    print(f"Django {django.get_version()}: wrote {len(cases)} cases {kinds} to {sys.argv[1]}")


if __name__ == "__main__":
    main()
