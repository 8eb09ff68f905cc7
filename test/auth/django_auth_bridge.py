"""Real Django's verdict on password hashes and session auth hashes, for test/auth/django-auth-interop.test.ts.

Reads one JSON batch on stdin, writes one JSON answer on stdout:

  in:  {"checks": [{"password": str|null, "encoded": str}],
        "sessionHashes": [{"password": str, "secretKey": str, "secretKeyFallbacks"?: [str], "algorithm"?: "sha1"}],
        "make": [{"algorithm": str, "password": str}]}
  out: {"django": "5.2.17", "libraries": {"argon2": bool, "bcrypt": bool}, "passwordHashers": [...],
        "checks": [{"valid": bool, "mustUpdate": bool} | {"raises": "ValueError"}],
        "sessionHashes": [{"hash": str, "fallbackHashes"?: [str]}],
        "make": [{"encoded": str} | {"raises": ...}]}

``checks`` are ``check_password`` (and ``must_update`` as check_password computes it) under
Django's default PASSWORD_HASHERS plus BCryptPasswordHasher and MD5PasswordHasher. ``make`` are
hashes Django writes with random salts, at low work factors so the Node side checks them quickly.
No database, no project.
"""

import json
import sys
import warnings

import django
from django.conf import settings

warnings.simplefilter("ignore")
V32 = django.VERSION[:2] == (3, 2)

HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
] + ([] if V32 else ["django.contrib.auth.hashers.ScryptPasswordHasher"]) + [
    "django.contrib.auth.hashers.BCryptPasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]

conf = dict(
    SECRET_KEY="unused",
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes"],
    DATABASES={},
    PASSWORD_HASHERS=HASHERS,
    LOGGING_CONFIG=None,
)
if django.VERSION >= (4, 1):
    conf["SECRET_KEY_FALLBACKS"] = []
settings.configure(**conf)
django.setup()

from django.contrib.auth import hashers  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.test.utils import override_settings  # noqa: E402


def has(module):
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def outcome(fn):
    try:
        return fn()
    except Exception as error:
        return {"raises": type(error).__name__, "message": str(error)}


def check(item):
    password, encoded = item["password"], item["encoded"]
    valid = hashers.check_password(password, encoded)
    preferred = hashers.get_hasher("default")
    try:
        hasher = hashers.identify_hasher(encoded)
        must_update = hasher.algorithm != preferred.algorithm or preferred.must_update(encoded)
    except ValueError:
        must_update = False
    return {"valid": valid, "mustUpdate": must_update}


def session_hash(item):
    user = User(password=item["password"])
    overrides = {"SECRET_KEY": item["secretKey"]}
    if "secretKeyFallbacks" in item:
        overrides["SECRET_KEY_FALLBACKS"] = item["secretKeyFallbacks"]
    if item.get("algorithm") == "sha1":
        overrides["DEFAULT_HASHING_ALGORITHM"] = "sha1"
    with override_settings(**overrides):
        out = {"hash": user.get_session_auth_hash()}
        if "secretKeyFallbacks" in item:
            out["fallbackHashes"] = list(user.get_session_auth_fallback_hash())
    return out


class LowArgon2(hashers.Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 256
    parallelism = 2


def make(item):
    algorithm, password = item["algorithm"], item["password"]
    hasher = hashers.get_hasher(algorithm)
    if algorithm.startswith("pbkdf2"):
        return {"encoded": hasher.encode(password, hasher.salt(), 1000)}
    if algorithm == "scrypt":
        return {"encoded": hasher.encode(password, hasher.salt(), 2**10, 8, 2)}
    if algorithm == "argon2":
        return {"encoded": hashers.make_password(password, None, LowArgon2())}
    if algorithm in ("bcrypt", "bcrypt_sha256"):
        import bcrypt

        return {"encoded": hasher.encode(password, bcrypt.gensalt(4))}
    return {"encoded": hashers.make_password(password, None, algorithm)}


def main():
    batch = json.load(sys.stdin)
    answer = {
        "django": django.get_version(),
        "libraries": {"argon2": has("argon2"), "bcrypt": has("bcrypt")},
        "passwordHashers": [h.algorithm for h in hashers.get_hashers()],
        "checks": [outcome(lambda: check(item)) for item in batch.get("checks", [])],
        "sessionHashes": [session_hash(item) for item in batch.get("sessionHashes", [])],
        "make": [outcome(lambda: make(item)) for item in batch.get("make", [])],
    }
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
