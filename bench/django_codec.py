"""Times Django's own session encode/decode (signing.dumps/loads as SessionBase uses them).

Usage: python bench/django_codec.py < {"secretKey", "small", "large", "seconds"} JSON on stdin.
Prints one JSON line: ops/s per (size, direction) and the Django version.
"""
import json
import sys
import time

import django
from django.conf import settings

spec = json.load(sys.stdin)
settings.configure(SECRET_KEY=spec["secretKey"], INSTALLED_APPS=["django.contrib.sessions"], USE_TZ=True)
django.setup()
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402

store = SessionStore()


def rate(fn, seconds):
    # Warm up, then count calls for about `seconds`.
    for _ in range(200):
        fn()
    n = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(100):
            fn()
        n += 100
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)


out = {"django": django.get_version()}
for name in ("small", "large"):
    data = spec[name]
    encoded = store.encode(data)
    assert store.decode(encoded) == data
    out[name] = {
        "jsonBytes": len(json.dumps(data, separators=(",", ":"))),
        "encodedBytes": len(encoded),
        "encode": rate(lambda: store.encode(data), spec["seconds"]),
        "decode": rate(lambda: store.decode(encoded), spec["seconds"]),
    }
print(json.dumps(out))
