#!/usr/bin/env python3
"""Write django.contrib.auth test vectors (password hashes, session auth hashes) with a real Django.

Usage:  <python with Django> scripts/gen-auth-vectors.py <outfile.json>

    /usr/bin/python3            scripts/gen-auth-vectors.py test/vectors/auth-django-3.2.json
    .venv-django52/bin/python   scripts/gen-auth-vectors.py test/vectors/auth-django-5.2.json

No project and no database: settings come from ``settings.configure``. Every salt is fixed, so
a re-run with the same Django (and the same argon2-cffi / bcrypt) writes the same file.

What the file holds (see test/vectors/README.md):

* ``passwords``: ``encoded`` strings written by this Django's own hashers
  (``make_password(password, salt, hasher)``, or ``hasher.encode(...)`` for other work factors,
  or ``argon2.low_level.hash_secret`` for the argon2i/argon2d varieties older Djangos wrote),
  with what ``check_password`` answered for the right password and for a wrong one
  (``{"raises": "ValueError"}`` when Django raised instead), and ``mustUpdate`` — whether Django
  would re-hash it on login (``hasher_changed or preferred.must_update(encoded)``, as
  ``check_password`` / 5.x ``verify_password`` compute it) under the ``passwordHashers`` below.
  argon2 and bcrypt cases are written only when this Python has argon2-cffi / bcrypt. Plain
  bcrypt and salted MD5 are added to Django's default ``PASSWORD_HASHERS`` so that they verify.
* ``sessionAuthHashes``: ``AbstractBaseUser.get_session_auth_hash()`` for a password field under a
  ``SECRET_KEY`` (3.2: also under ``DEFAULT_HASHING_ALGORITHM='sha1'`` and the
  ``_legacy_get_session_auth_hash()``; 5.2: also ``get_session_auth_fallback_hash()`` under
  ``SECRET_KEY_FALLBACKS``).
"""

import hashlib
import json
import platform
import sys
import warnings

import django
from django.conf import settings

warnings.simplefilter("ignore")

V32 = django.VERSION[:2] == (3, 2)
HAS_FALLBACKS = django.VERSION >= (4, 1)

SPEC_SECRET = "django-insecure-spec-vector-secret-0123456789"
SECRETS = [
    SPEC_SECRET,
    "s\u00e9cret-\u043a\u043b\u044e\u0447-\U0001f511-\u79d8\u5bc6",
    "x",
]
FALLBACKS = ["django-insecure-old-key-1", "django-insecure-old-key-2"]

DEFAULT_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
] + ([] if V32 else ["django.contrib.auth.hashers.ScryptPasswordHasher"])
# Django's default list (global_settings.PASSWORD_HASHERS) plus plain bcrypt and salted MD5 (the
# test-suite hasher), which a site must add.
PASSWORD_HASHERS = DEFAULT_HASHERS + [
    "django.contrib.auth.hashers.BCryptPasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]

conf = dict(
    SECRET_KEY=SPEC_SECRET,
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions"],
    DATABASES={},
    PASSWORD_HASHERS=PASSWORD_HASHERS,
    USE_TZ=True,
    LOGGING_CONFIG=None,
)
if HAS_FALLBACKS:
    conf["SECRET_KEY_FALLBACKS"] = []
settings.configure(**conf)
django.setup()

from django.contrib.auth import hashers  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils.crypto import salted_hmac  # noqa: E402

try:
    import argon2  # noqa: E402
except ImportError:
    argon2 = None
try:
    import bcrypt  # noqa: E402
except ImportError:
    bcrypt = None

assert [h.__class__.__name__ for h in hashers.get_hashers()][0] == "PBKDF2PasswordHasher"
PREFERRED = hashers.get_hasher("default")

PASSWORDS = {
    "ascii": "correct horse battery staple",
    "empty": "",
    "unicode": "p\u00e4ssw\u00f6rd-\u043a\u043b\u044e\u0447-\U0001f511",
    "dollars": "pa$$w0rd$",
    "long": "long-" + "x" * 95,  # 100 bytes: past bcrypt's 72
}
WRONG = "not the password"
SALT = "vectorSaltAbcdefghij01"  # 22 characters, what Django's salt() makes
SHORT_SALT = "shortsalt"  # Django re-hashes on login (must_update_salt)


def lib_version(module, dist):
    if module is None:
        return None
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:  # pragma: no cover - metadata missing
        return getattr(module, "__version__", "?")


def outcome(fn):
    try:
        return fn()
    except Exception as error:  # Django raises for some inputs (e.g. bcrypt 5 on > 72 bytes)
        return {"raises": type(error).__name__}


def must_update(encoded):
    """check_password()'s must_update: hasher changed, or the preferred hasher wants a re-hash."""
    hasher = hashers.identify_hasher(encoded)
    return hasher.algorithm != PREFERRED.algorithm or PREFERRED.must_update(encoded)


cases = []


def case(name, algorithm, password, encoded, params, note=None):
    entry = {
        "name": name,
        "algorithm": algorithm,
        "password": password,
        "params": params,
        "encoded": encoded,
        "checkPassword": outcome(lambda: hashers.check_password(password, encoded)),
        "checkWrongPassword": outcome(lambda: hashers.check_password(WRONG, encoded)),
        "mustUpdate": outcome(lambda: must_update(encoded)),
    }
    if note:
        entry["note"] = note
    cases.append(entry)


def build_passwords():
    pbkdf2 = hashers.get_hasher("pbkdf2_sha256")
    pbkdf2_sha1 = hashers.get_hasher("pbkdf2_sha1")
    # Django's own work factors for a few passwords only (they are slow on purpose: every
    # check of this file pays for them); the other passwords at low cost.
    for label in ("ascii", "unicode"):
        encoded = hashers.make_password(PASSWORDS[label], SALT, "pbkdf2_sha256")
        case(f"pbkdf2_sha256 default, {label}", "pbkdf2_sha256", PASSWORDS[label], encoded,
             {"iterations": pbkdf2.iterations, "salt": SALT})
    for label in ("empty", "dollars", "long"):
        encoded = pbkdf2.encode(PASSWORDS[label], SALT, 1000)
        case(f"pbkdf2_sha256 1000 iterations, {label}", "pbkdf2_sha256", PASSWORDS[label], encoded,
             {"iterations": 1000, "salt": SALT})
    encoded = hashers.make_password(PASSWORDS["ascii"], SALT, "pbkdf2_sha1")
    case("pbkdf2_sha1 default", "pbkdf2_sha1", PASSWORDS["ascii"], encoded,
         {"iterations": pbkdf2_sha1.iterations, "salt": SALT})
    # Other iteration counts (older Djangos, custom hashers) and salts.
    for iterations in (1, 36000, 260000):
        encoded = pbkdf2.encode(PASSWORDS["unicode"], SALT, iterations)
        case(f"pbkdf2_sha256 {iterations} iterations", "pbkdf2_sha256", PASSWORDS["unicode"], encoded,
             {"iterations": iterations, "salt": SALT})
    encoded = pbkdf2_sha1.encode(PASSWORDS["dollars"], SALT, 1000)
    case("pbkdf2_sha1 1000 iterations", "pbkdf2_sha1", PASSWORDS["dollars"], encoded,
         {"iterations": 1000, "salt": SALT})
    encoded = pbkdf2.encode(PASSWORDS["ascii"], SHORT_SALT, 1000)
    case("pbkdf2_sha256 short salt", "pbkdf2_sha256", PASSWORDS["ascii"], encoded,
         {"iterations": 1000, "salt": SHORT_SALT}, note="must_update_salt: fewer than 22 characters")
    encoded = pbkdf2.encode(PASSWORDS["ascii"], "s\u00e4lt-\u00fcnicode-\u043a\u043b\u044e\u0447", 1000)
    case("pbkdf2_sha256 non-ASCII salt", "pbkdf2_sha256", PASSWORDS["ascii"], encoded,
         {"iterations": 1000, "salt": "s\u00e4lt-\u00fcnicode-\u043a\u043b\u044e\u0447"})

    if not V32:
        scrypt = hashers.get_hasher("scrypt")
        encoded = hashers.make_password(PASSWORDS["ascii"], SALT, "scrypt")
        case("scrypt default, ascii", "scrypt", PASSWORDS["ascii"], encoded,
             {"n": scrypt.work_factor, "r": scrypt.block_size, "p": scrypt.parallelism, "salt": SALT})
        for label in ("unicode", "empty"):
            encoded = scrypt.encode(PASSWORDS[label], SALT, 2**10, 8, 2)
            case(f"scrypt n=1024 r=8 p=2, {label}", "scrypt", PASSWORDS[label], encoded,
                 {"n": 2**10, "r": 8, "p": 2, "salt": SALT})
        encoded = scrypt.encode(PASSWORDS["dollars"], SALT, 2**10, 4, 1)
        case("scrypt n=1024 r=4 p=1", "scrypt", PASSWORDS["dollars"], encoded,
             {"n": 2**10, "r": 4, "p": 1, "salt": SALT})

        class BigScrypt(hashers.ScryptPasswordHasher):
            maxmem = 64 * 1024 * 1024

        encoded = BigScrypt().encode(PASSWORDS["ascii"], SALT, 2**15, 8, 1)
        case("scrypt n=32768 r=8 p=1", "scrypt", PASSWORDS["ascii"], encoded,
             {"n": 2**15, "r": 8, "p": 1, "salt": SALT},
             note="written with maxmem=64 MiB; the stock hasher (maxmem=0: OpenSSL's 32 MiB) raises ValueError on it")

    if argon2 is not None:
        default = hashers.get_hasher("argon2")
        params = default.params()
        encoded = hashers.make_password(PASSWORDS["ascii"], SALT, "argon2")
        case("argon2 default, ascii", "argon2", PASSWORDS["ascii"], encoded,
             {"type": "argon2id", "timeCost": params.time_cost, "memoryCost": params.memory_cost,
              "parallelism": params.parallelism, "hashLength": params.hash_len, "salt": SALT})

        class SmallArgon2(hashers.Argon2PasswordHasher):
            time_cost = 1
            memory_cost = 256
            parallelism = 2

        for label in ("unicode", "empty", "dollars"):
            encoded = hashers.make_password(PASSWORDS[label], SALT, SmallArgon2())
            case(f"argon2 t=1 m=256 p=2, {label}", "argon2", PASSWORDS[label], encoded,
                 {"type": "argon2id", "timeCost": 1, "memoryCost": 256, "parallelism": 2,
                  "hashLength": params.hash_len, "salt": SALT})
        for name, variety in (("argon2i", argon2.low_level.Type.I), ("argon2d", argon2.low_level.Type.D)):
            data = argon2.low_level.hash_secret(
                PASSWORDS["ascii"].encode(), SALT.encode(), time_cost=2, memory_cost=512,
                parallelism=2, hash_len=16, type=variety,
            )
            case(f"{name} (older Django)", "argon2", PASSWORDS["ascii"], "argon2" + data.decode("ascii"),
                 {"type": name, "timeCost": 2, "memoryCost": 512, "parallelism": 2, "hashLength": 16, "salt": SALT},
                 note="Django's verify() accepts every argon2 variety")

    if bcrypt is not None:
        bcrypt_sha256 = hashers.get_hasher("bcrypt_sha256")
        salt12 = b"$2b$12$abcdefghijklmnopqrstuu"
        salt04 = b"$2b$04$ABCDEFGHIJKLMNOPQRSTUO"
        encoded = hashers.make_password(PASSWORDS["ascii"], salt12, "bcrypt_sha256")
        case("bcrypt_sha256 default, ascii", "bcrypt_sha256", PASSWORDS["ascii"], encoded,
             {"rounds": bcrypt_sha256.rounds, "salt": salt12.decode()})
        for label in ("unicode", "long", "dollars"):
            encoded = hashers.make_password(PASSWORDS[label], salt04, "bcrypt_sha256")
            case(f"bcrypt_sha256 rounds 4, {label}", "bcrypt_sha256", PASSWORDS[label], encoded,
                 {"rounds": 4, "salt": salt04.decode()})
        for label in ("ascii", "unicode", "empty"):
            encoded = hashers.make_password(PASSWORDS[label], salt04, "bcrypt")
            case(f"bcrypt rounds 4, {label}", "bcrypt", PASSWORDS[label], encoded,
                 {"rounds": 4, "salt": salt04.decode()})
        long_bcrypt = outcome(lambda: hashers.make_password(PASSWORDS["long"], salt04, "bcrypt"))
        if isinstance(long_bcrypt, str):
            note = "this bcrypt library truncates passwords at 72 bytes"
        else:
            # bcrypt >= 5.0 refuses passwords over 72 bytes (ValueError); the string is what older
            # bcrypt wrote (the first 72 bytes hashed).
            long_bcrypt = "bcrypt$" + bcrypt.hashpw(PASSWORDS["long"].encode()[:72], salt04).decode("ascii")
            note = "this bcrypt library raises ValueError for passwords over 72 bytes; encoded is the 72-byte hash older bcrypt wrote"
        case("bcrypt rounds 4, long", "bcrypt", PASSWORDS["long"], long_bcrypt,
             {"rounds": 4, "salt": salt04.decode()}, note=note)
        data = bcrypt.hashpw(PASSWORDS["ascii"].encode(), b"$2a$04$ABCDEFGHIJKLMNOPQRSTUO")
        case("bcrypt $2a$ prefix", "bcrypt", PASSWORDS["ascii"], "bcrypt$" + data.decode("ascii"),
             {"rounds": 4, "salt": "$2a$04$ABCDEFGHIJKLMNOPQRSTUO"})

    for label in ("ascii", "unicode", "empty"):
        encoded = hashers.make_password(PASSWORDS[label], SALT, "md5")
        case(f"md5, {label}", "md5", PASSWORDS[label], encoded, {"salt": SALT})
    encoded = hashers.make_password(PASSWORDS["dollars"], SHORT_SALT, "md5")
    case("md5 short salt", "md5", PASSWORDS["dollars"], encoded, {"salt": SHORT_SALT})

    # Never usable; never identified. make_password(None) is "!" + 40 random characters; a fixed
    # one keeps the file reproducible.
    unusable = hashers.UNUSABLE_PASSWORD_PREFIX + "FmsZ0uq1OosrOo0UBjc9ZoQlYdtsTknwD6qsgDRx"
    assert len(hashers.make_password(None)) == len(unusable)
    cases.append({
        "name": "unusable password",
        "algorithm": None,
        "password": None,
        "encoded": unusable,
        "checkPassword": hashers.check_password("", unusable),
        "checkWrongPassword": hashers.check_password(WRONG, unusable),
        "isPasswordUsable": hashers.is_password_usable(unusable),
    })


def session_auth_hashes():
    out = []
    fields = [
        "pbkdf2_sha256$600000$salt$hash",
        cases[0]["encoded"],
        "",
        "!unusable-" + "a" * 30,
        "p\u00e4ssw\u00f6rd-\U0001f511",
    ]
    for secret in SECRETS:
        for field in fields:
            user = User(password=field)
            with override_settings(SECRET_KEY=secret):
                entry = {"password": field, "secretKey": secret, "algorithm": "sha256",
                         "hash": user.get_session_auth_hash()}
                if V32:
                    entry["legacySha1Hash"] = user._legacy_get_session_auth_hash()
            out.append(entry)
            if V32:
                with override_settings(SECRET_KEY=secret, DEFAULT_HASHING_ALGORITHM="sha1"):
                    out.append({"password": field, "secretKey": secret, "algorithm": "sha1",
                                "hash": user.get_session_auth_hash(),
                                "note": "DEFAULT_HASHING_ALGORITHM='sha1'"})
    if HAS_FALLBACKS:
        for field in fields[:2]:
            user = User(password=field)
            with override_settings(SECRET_KEY=SPEC_SECRET, SECRET_KEY_FALLBACKS=FALLBACKS):
                out.append({"password": field, "secretKey": SPEC_SECRET, "secretKeyFallbacks": FALLBACKS,
                            "algorithm": "sha256", "hash": user.get_session_auth_hash(),
                            "fallbackHashes": list(user.get_session_auth_fallback_hash())})
    # Self-check against the spec's §9 vector.
    spec = salted_hmac("django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
                       "pbkdf2_sha256$600000$salt$hash", secret=SPEC_SECRET, algorithm="sha256").hexdigest()
    assert spec == "42f6ed040a61b12a1916bb39d6830a34f77b46e9e8dc182a1d3a930b178d1845", spec
    return out


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    build_passwords()
    doc = {
        "source": "scripts/gen-auth-vectors.py",
        "django": django.get_version(),
        "python": platform.python_version(),
        "argon2Cffi": lib_version(argon2, "argon2-cffi"),
        "argon2DefaultHashLength": argon2.DEFAULT_HASH_LENGTH if argon2 is not None else None,
        "bcrypt": lib_version(bcrypt, "bcrypt"),
        "passwordHashers": [h.algorithm for h in hashers.get_hashers()],
        "defaultIterations": hashers.get_hasher("pbkdf2_sha256").iterations,
        "wrongPassword": WRONG,
        "passwords": cases,
        "sessionAuthHashes": session_auth_hashes(),
    }
    with open(sys.argv[1], "w", encoding="ascii") as f:
        json.dump(doc, f, indent=1, ensure_ascii=True)
        f.write("\n")
    print(f"Django {django.get_version()}: wrote {len(cases)} password cases and "
          f"{len(doc['sessionAuthHashes'])} session auth hashes to {sys.argv[1]}")


if __name__ == "__main__":
    main()
