"""Times Django's own session encode/decode (SessionStore.encode/decode: signing.dumps/loads with
compress=True and the db engine's key salt), for bench/codec.js.

Usage: python bench/django_codec.py < lines on stdin.
The first line is the spec, {"secretKey", "small", "large", "seconds"} as JSON; the script answers
{"django", "python", "small": {"jsonBytes", "encodedBytes"}, "large": {...}}. Every further line
("round") runs one round and answers one JSON line of ops/s per (size, direction), so the Node side
can interleave Django's rounds with its own. EOF ends it.
"""
import json
import sys
import time

import django
from django.conf import settings

spec = json.loads(sys.stdin.readline())
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


encoded = {}
info = {"django": django.get_version(), "python": sys.version.split()[0]}
for name in ("small", "large"):
    data = spec[name]
    encoded[name] = store.encode(data)
    assert store.decode(encoded[name]) == data
    info[name] = {"jsonBytes": len(json.dumps(data, separators=(",", ":"))), "encodedBytes": len(encoded[name])}
print(json.dumps(info), flush=True)

for line in sys.stdin:
    if not line.strip():
        continue
    out = {}
    for name in ("small", "large"):
        data, enc = spec[name], encoded[name]
        out[name] = {
            "encode": rate(lambda: store.encode(data), spec["seconds"]),
            "decode": rate(lambda: store.decode(enc), spec["seconds"]),
        }
    print(json.dumps(out), flush=True)
