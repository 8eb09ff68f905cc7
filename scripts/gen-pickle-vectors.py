"""Writes test/vectors/pickle-vectors.json: what CPython's pickle writes and reads, for
src/core/pickle/ (test/unit/pickle.test.ts). Standard library only (pytz is used when present).

    python3 scripts/gen-pickle-vectors.py test/vectors/pickle-vectors.json

* `write` cases: `value = json.loads(json_text)` (the dict Django's cached_db holds after reading
  a row), then `pickle.dumps(value, protocol)` for protocols 2-5. Our writer must produce the same
  bytes, and our reader must give back `json.loads(json_text)`.
* `read` cases: pickles built in Python that our writer does not produce (tuples, strings shared by
  identity, protocol 1, datetimes); our reader must give `expect` (JSON; tuples become lists,
  datetimes their fields).
* `refuse` cases: pickles outside the safe subset (built with pickle.dumps, or by hand for the
  dangerous ones, which are never loaded here); our reader must throw PickleError with `reason`.
"""
import datetime
import hashlib
import json
import pickle
import sys

out_path = sys.argv[1]

BIG_HEX_LIMIT = 4096  # pickles longer than this are stored as sha256 + length


def enc(b):
    if len(b) > BIG_HEX_LIMIT:
        return {"sha256": hashlib.sha256(b).hexdigest(), "length": len(b)}
    return {"hex": b.hex()}


write_cases = []


def write(name, json_text):
    value = json.loads(json_text)
    write_cases.append({
        "name": name,
        "json": json_text,
        "pickles": {str(p): enc(pickle.dumps(value, p)) for p in (2, 3, 4, 5)},
    })


def build(r):
    """Large inputs are stored as a recipe that the test rebuilds (test/unit/pickle.test.ts)."""
    if r["kind"] == "manyKeys":
        return {"k%04d" % i: "v%05d" % i for i in range(r["n"])}
    if r["kind"] == "bigString":
        return {"s": r["char"] * r["n"], "after": 1} if r["after"] else {"s": r["char"] * r["n"]}
    raise ValueError(r)


def recipe(name, r):
    value = build(r)
    write_cases.append({
        "name": name,
        "recipe": r,
        "pickles": {str(p): enc(pickle.dumps(value, p)) for p in (2, 3, 4, 5)},
    })


def jd(v):
    return json.dumps(v, separators=(",", ":"))


write("empty dict", "{}")
write("spec §6.2 example", '{"foo":"bar"}')
write("a logged-in session", jd({
    "_auth_user_id": "1",
    "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
    "_auth_user_hash": "4b8c7f0e2f1f3c6a9d2e5b8a7c4d1e0f3a6b9c2d5e8f1a4b7c0d3e6f9a2b5c8d",
    "_session_expiry": 1209600,
}))
ints = [0, 1, 127, 128, 255, 256, 65535, 65536, -1, -2, -128, -129, -255, -256, -32768, -32769,
        2**31 - 1, 2**31, -2**31, -2**31 - 1, 2**32, 2**47, -2**47, 2**53 - 1, -(2**53 - 1), 2**53,
        2**63 - 1, 2**63, -2**63, -2**63 - 1, 2**64, 2**100, -2**100]
write("int boundaries", jd({"i%d" % i: v for i, v in enumerate(ints)}))
write("a LONG4 int (≥ 256 bytes)", jd({"big": 2**2100, "neg": -(2**2100), "edge": 2**2039 - 1, "edge2": -(2**2039)}))
write("floats", '{"a":1.5,"b":-0.0,"c":NaN,"d":Infinity,"e":-Infinity,"f":1e300,"g":5e-324,"h":0.1,"i":9007199254740992.0,"j":1e16,"k":-2.5e-10}')
write("bool and None", '{"t":true,"f":false,"n":null}')
write("strings", jd({"empty": "", "one": "a", "latin1": "\u00e9", "euro": "\u20ac", "emoji": "\U0001F600",
                     "nul": "\u0000", "mixed": "Zo\u00eb \u20ac \U0001F40D", "newline": "a\nb"}))
write("lone surrogates (surrogatepass)", '{"hi":"a\\ud800b","lo":"\\udc00","rev":"\\udc00\\ud800","pair":"\\ud83d\\ude00"}')
write("255 and 256 byte strings", jd({"s255": "x" * 255, "s256": "y" * 256, "u255": "\u00e9" * 127 + "z"}))
write("nested", jd({"a": {"b": {"c": [1, [2, [3, {"d": None}]]]}}, "e": [], "f": {}, "g": [[]]}))
write("repeated keys share one memo entry", jd({"rows": [{"id": 1, "name": "x1"}, {"id": 2, "name": "x2"}, {"id": 3, "name": "x3"}]}))
write("singletons: 0/1-char Latin-1 strings shared, others not", jd({"a": "a", "b": "a", "c": "", "d": "", "ab": "ab", "x": "ab", "e": "\u20ac", "f": "\u20ac", "g": "\u00ff", "h": "\u00ff", "\u0100": "\u0100"}))
write("a value equal to a later key", jd({"first": "second", "second": 1}))
write("__proto__ and constructor keys", '{"__proto__":{"polluted":true},"constructor":"x","prototype":[1]}')
write("list of one (APPEND)", jd({"l": [7]}))
write("list of 1000 (one APPENDS batch)", jd({"l": list(range(1000))}))
write("list of 1001 (APPENDS then APPEND)", jd({"l": list(range(1001))}))
write("dict of 1000 keys", jd({"k%04d" % i: i for i in range(1000)}))
write("dict of 1001 keys (SETITEMS then SETITEM)", jd({"k%04d" % i: i for i in range(1001)}))
recipe("dict of 4000 keys over 64 KiB (several frames)", {"kind": "manyKeys", "n": 4000})
recipe("a 65535-byte string (framed)", {"kind": "bigString", "char": "x", "n": 65535, "after": True})
recipe("a 65536-byte string (written between frames)", {"kind": "bigString", "char": "x", "n": 65536, "after": True})
recipe("a 70000-byte string of 2-byte characters", {"kind": "bigString", "char": "\u00e9", "n": 35000, "after": True})
recipe("a large string last (the last frame is under 4 bytes)", {"kind": "bigString", "char": "y", "n": 70000, "after": False})
write("100 levels deep", "[" * 100 + "1" + "]" * 100)

# --- read cases ---------------------------------------------------------------------------------

read_cases = []


def read(name, obj, expect, protocols=(2, 3, 4, 5)):
    for p in protocols:
        read_cases.append({"name": "%s (protocol %d)" % (name, p), "hex": pickle.dumps(obj, p).hex(), "expect": expect})


def dt_expect(dt):
    off = dt.utcoffset()
    return {"$datetime": [dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond,
                          None if off is None else int(off.total_seconds()), dt.fold]}


shared = "shared-" + "s" * 10
read("tuples become lists", {"t0": (), "t1": (1,), "t2": (1, "a"), "t3": (1, 2, 3), "t4": (1, 2, 3, 4), "nested": ((1,), [()])},
     {"t0": [], "t1": [1], "t2": [1, "a"], "t3": [1, 2, 3], "t4": [1, 2, 3, 4], "nested": [[1], [[]]]})
read("a long string shared by identity", {"a": shared, "b": shared, "c": [shared]}, {"a": shared, "b": shared, "c": [shared]})
read("a list shared by identity", (lambda l: {"a": l, "b": l})([1, 2]), {"a": [1, 2], "b": [1, 2]})
read("protocol 1 dict (bools as INT text)", {"a": 1, "b": [1.5, None, True, False], "c": -5, "d": 2**40}, {"a": 1, "b": [1.5, None, True, False], "c": -5, "d": 2**40}, protocols=(1,))
naive = datetime.datetime(2023, 11, 14, 22, 13, 20, 250000)
utc = datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=datetime.timezone.utc)
plus = datetime.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30)))
minus = datetime.datetime(1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=-5)))
folded = datetime.datetime(2023, 11, 5, 1, 30, fold=1)
for name, dt in [("naive datetime", naive), ("aware UTC datetime", utc), ("+05:30 datetime", plus), ("-05:00 datetime, year 1", minus)]:
    read(name, {"_session_expiry": dt}, {"_session_expiry": dt_expect(dt)}, protocols=(3, 4, 5))
read("fold=1 datetime", {"d": folded}, {"d": dt_expect(folded)}, protocols=(4, 5))
read("two datetimes sharing timezone.utc", {"a": utc, "b": utc + datetime.timedelta(seconds=1)},
     {"a": dt_expect(utc), "b": dt_expect(utc + datetime.timedelta(seconds=1))}, protocols=(3, 4, 5))
try:
    import pytz

    pz = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=pytz.utc)
    read("pytz.utc datetime (Django 3.2's timezone.utc)", {"_session_expiry": pz}, {"_session_expiry": dt_expect(pz)}, protocols=(3, 4, 5))
except ImportError:
    pass

# Datetimes our writer must write byte for byte (one tz object per offset, as Django's singletons).
datetime_write_cases = []
for name, value, fields in [
    ("naive", {"_session_expiry": naive}, [dt_expect(naive)]),
    ("aware UTC", {"_session_expiry": utc}, [dt_expect(utc)]),
    ("+05:30", {"x": plus}, [dt_expect(plus)]),
    ("-05:00, year 1", {"x": minus}, [dt_expect(minus)]),
    ("fold=1", {"x": folded}, [dt_expect(folded)]),
    ("two sharing timezone.utc and a naive one", {"a": utc, "b": utc + datetime.timedelta(seconds=1), "c": naive, **json.loads('{"datetime": "datetime"}')},
     [dt_expect(utc), dt_expect(utc + datetime.timedelta(seconds=1)), dt_expect(naive)]),
]:
    datetime_write_cases.append({
        "name": name,
        "expect": {k: dt_expect(v) if isinstance(v, datetime.datetime) else v for k, v in value.items()},
        "pickles": {str(p): enc(pickle.dumps(value, p)) for p in (3, 4, 5)},
    })

# --- refuse cases -------------------------------------------------------------------------------

refuse_cases = []


def refuse(name, data, reason):
    refuse_cases.append({"name": name, "hex": data.hex(), "reason": reason})


refuse("a set", pickle.dumps({"s": {1, 2}}, 5), "refused")
refuse("a frozenset", pickle.dumps({"s": frozenset([1])}, 5), "refused")
refuse("bytes as a value", pickle.dumps({"b": b"abc"}, 5), "refused")
refuse("a bytearray (protocol 5)", pickle.dumps({"b": bytearray(b"abc")}, 5), "refused")
refuse("complex", pickle.dumps({"c": 1j}, 5), "refused")
refuse("a date (not whitelisted)", pickle.dumps({"d": datetime.date(2020, 1, 1)}, 5), "refused")
refuse("a timedelta as a value", pickle.dumps({"d": datetime.timedelta(seconds=5)}, 5), "refused")
refuse("a timezone as a value", pickle.dumps({"d": datetime.timezone.utc}, 5), "refused")
import collections  # noqa: E402
import decimal  # noqa: E402

refuse("an OrderedDict", pickle.dumps(collections.OrderedDict(a=1), 5), "refused")
refuse("a Decimal", pickle.dumps({"d": decimal.Decimal("1.5")}, 5), "refused")
refuse("an int dict key", pickle.dumps({1: "a"}, 5), "malformed")
refuse("a tuple dict key", pickle.dumps({(1, 2): "a"}, 5), "malformed")
rec = []
rec.append(rec)
refuse("a list containing itself", pickle.dumps(rec, 5), "unsupported")
refuse("protocol 0 (text opcodes)", pickle.dumps({"a": "b"}, 0), "refused")
# Hand-built, never loaded here: what an attacker would store.
refuse("GLOBAL os.system + REDUCE", b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.", "refused")
refuse("STACK_GLOBAL builtins.eval + REDUCE", b"\x80\x05\x8c\x08builtins\x94\x8c\x04eval\x94\x93\x94\x8c\x011\x94\x85\x94R\x94.", "refused")
refuse("REDUCE on a str", b"\x80\x04\x8c\x01a\x8c\x01b\x85R.", "refused")
refuse("BUILD", b"\x80\x04}\x94}b.", "refused")
refuse("INST", b"(ios\nsystem\nS'id'\n.", "refused")
refuse("NEWOBJ", b"\x80\x04\x8c\x08datetime\x8c\x04date\x93)\x81.", "refused")
refuse("PERSID", b"Pabc\n.", "refused")
refuse("EXT1", b"\x80\x02\x82\x01.", "refused")
refuse("protocol 6", b"\x80\x06N.", "refused")
refuse("datetime with a tzinfo built from a str", b"\x80\x04\x8c\x08datetime\x8c\x08datetime\x93C\n\x07\xe7\x0b\x0e\x16\r\x14\x00\x00\x00\x8c\x03UTC\x86R.", "refused")
refuse("truncated", pickle.dumps({"a": "abc"}, 5)[:-3], "truncated")
refuse("BINUNICODE length past the end", b"\x80\x04X\xff\xff\xff\x7fab.", "truncated")
refuse("BINUNICODE8 with a 2^63 length", b"\x80\x04\x8d\x00\x00\x00\x00\x00\x00\x00\x80ab.", "truncated")
refuse("LONG4 with a huge length", b"\x80\x04\x8b\xff\xff\xff\x7f\x00.", "truncated")
refuse("FRAME longer than the input", b"\x80\x04\x95\xff\xff\xff\xff\x00\x00\x00\x00N.", "truncated")
refuse("no STOP", b"\x80\x04N", "truncated")
refuse("empty input", b"", "truncated")
refuse("invalid UTF-8", b"\x80\x04\x8c\x02\xc3\x28.", "malformed")
refuse("BINGET of a missing memo entry", b"\x80\x04h\x05.", "malformed")
refuse("SETITEM on a list", b"\x80\x04]\x8c\x01aK\x01s.", "malformed")
refuse("APPEND on a tuple", b"\x80\x04)K\x01a.", "malformed")
refuse("stack left over at STOP", b"\x80\x04NN.", "malformed")
refuse("APPENDS without MARK", b"\x80\x04]K\x01e.", "malformed")

payload = {
    "python": sys.version.split()[0],
    "note": "generated by scripts/gen-pickle-vectors.py; see test/vectors/README.md",
    "write": write_cases,
    "datetimeWrite": datetime_write_cases,
    "read": read_cases,
    "refuse": refuse_cases,
}
with open(out_path, "w") as f:
    json.dump(payload, f, indent=1, ensure_ascii=True)
    f.write("\n")
print("wrote", out_path, len(write_cases), "write,", len(datetime_write_cases), "datetime write,", len(read_cases), "read,", len(refuse_cases), "refuse cases")
