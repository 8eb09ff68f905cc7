import fc from "fast-check";
import { MAX_INT_DIGITS, MAX_JSON_DEPTH, PythonJsonError, pyFloatRepr, pyJsonDumps, pyJsonDumpsGeneral, pyJsonLoads, pyJsonLoadsExact, type PythonJsonValue } from "../../src/core/python-json";

/**
 * What CPython writes for each value, via `json.dumps(value, separators=(",", ":"))` (Django's
 * JSONSerializer). Produced once by hand with CPython 3.11.2 (the Django 3.2 host) and the
 * Django 5.2 venv's Python; both printed identical bytes. The Python input is in the comment
 * where the JS value cannot say it (ints vs floats).
 */
const PYTHON_WRITES: ReadonlyArray<[name: string, value: unknown, python: string]> = [
  ["short escapes and other control characters", '\x00\x01\b\t\n\x0b\f\r\x1f "\\', String.raw`"\u0000\u0001\b\t\n\u000b\f\r\u001f \"\\"`],
  ["DEL", "a\x7fb", String.raw`"a\u007fb"`],
  ["non-ASCII as lowercase hex", "Zoë é ÿ Ā ﬀ \uffff", String.raw`"Zo\u00eb \u00e9 \u00ff \u0100 \ufb00 \uffff"`],
  ["a character outside the BMP as a surrogate pair", "🐍", String.raw`"\ud83d\udc0d"`],
  ["a lone high surrogate", "a\ud800b", String.raw`"a\ud800b"`],
  ["a lone low surrogate", "\udc00", String.raw`"\udc00"`],
  ["reversed surrogates", "\udc00\ud800", String.raw`"\udc00\ud800"`],
  ["'/' is not escaped", "</script>", '"</script>"'],
  ["U+2028/U+2029", "\u2028\u2029", String.raw`"\u2028\u2029"`],
  ["the empty string", "", '""'],
  ["1.5", 1.5, "1.5"],
  ["1e16 (float)", 1e16, "1e+16"],
  ["1e-7 (float)", 1e-7, "1e-07"],
  ["1e15, an integral number (Python int 10**15)", 1e15, "1000000000000000"],
  ["0.1", 0.1, "0.1"],
  ["-0.0", -0, "-0.0"],
  ["NaN", NaN, "NaN"],
  ["Infinity", Infinity, "Infinity"],
  ["-Infinity", -Infinity, "-Infinity"],
  ["1e-5", 1e-5, "1e-05"],
  ["0.0001", 0.0001, "0.0001"],
  ["1.2345678901234568e17", 1.2345678901234568e17, "1.2345678901234568e+17"],
  ["the smallest subnormal", 5e-324, "5e-324"],
  ["the largest double", 1.7976931348623157e308, "1.7976931348623157e+308"],
  ["1e21", 1e21, "1e+21"],
  ["1e22", 1e22, "1e+22"],
  ["12345.678", 12345.678, "12345.678"],
  ["0.1 + 0.2", 0.1 + 0.2, "0.30000000000000004"],
  ["-1.5e-10", -1.5e-10, "-1.5e-10"],
  ["2^53, past the safe integers (Python float 2.0**53)", 2 ** 53, "9007199254740992.0"],
  ["0", 0, "0"],
  ["-7", -7, "-7"],
  ["MAX_SAFE_INTEGER", Number.MAX_SAFE_INTEGER, "9007199254740991"],
  ["2**64 as bigint", 2n ** 64n, "18446744073709551616"],
  ["-2**70 as bigint", -(2n ** 70n), "-1180591620717411303424"],
  ["2**53 + 1 as bigint", 2n ** 53n + 1n, "9007199254740993"],
  ["key order preserved, nested", { b: 1, a: [1, { z: null, y: true }] }, '{"b":1,"a":[1,{"z":null,"y":true}]}'],
  [
    "a nested session-like dict",
    { _auth_user_id: "1", list: [[], {}, [[1]]], n: null, t: true, f: false, s: "x/y" },
    '{"_auth_user_id":"1","list":[[],{},[[1]]],"n":null,"t":true,"f":false,"s":"x/y"}',
  ],
  ["a Map keeps an integer-like key where it was inserted", new Map([["b", 1], ["1", 2]]), '{"b":1,"1":2}'],
  ["a non-string Map key is turned into a string (Python {1: 'x'})", new Map([[1, "x"]]), '{"1":"x"}'],
];

describe("pyJsonDumps writes the bytes CPython's json.dumps writes", () => {
  test.each(PYTHON_WRITES)("%s", (_name, value, python) => {
    expect(pyJsonDumps(value)).toBe(python);
  });

  test("reads back what it wrote for every case of the table", () => {
    for (const [, value, python] of PYTHON_WRITES) {
      const expected = value instanceof Map ? Object.fromEntries(value) : value;
      expect(pyJsonLoads(python)).toEqual(expected);
    }
  });
});

describe("pyJsonDumps, where JavaScript has values Python has not", () => {
  test("follows JSON.stringify: undefined/functions/symbols skipped in objects, null in arrays", () => {
    const value = { a: undefined, b: () => 1, c: Symbol("x"), d: [undefined, () => 1, Symbol("y")] };
    expect(pyJsonDumps(value)).toBe(JSON.stringify(value));
  });

  test("writes array holes as null, never `[1,,2]`", () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(pyJsonDumps([1, , 2])).toBe("[1,null,2]");
  });

  test("calls toJSON once, like JSON.stringify (a Date becomes its ISO string)", () => {
    expect(pyJsonDumps({ at: new Date(Date.UTC(2023, 10, 14, 22, 13, 20)) })).toBe('{"at":"2023-11-14T22:13:20.000Z"}');
    const selfish = { x: 1, toJSON() { return this; } };
    expect(pyJsonDumps(selfish)).toBe('{"x":1}');
  });

  test("unboxes boxed primitives, like JSON.stringify", () => {
    expect(pyJsonDumps([Object(1.5), Object("é"), Object(true), Object(5n)])).toBe('[1.5,"\\u00e9",true,5]');
  });

  test("throws TypeError for a cycle and for an undefined top-level value", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => pyJsonDumps(cyclic)).toThrow(TypeError);
    expect(() => pyJsonDumps(undefined)).toThrow(TypeError);
  });

  test("the same object twice (not a cycle) is written twice", () => {
    const shared = { a: 1 };
    expect(pyJsonDumps([shared, shared])).toBe('[{"a":1},{"a":1}]');
  });

  test("refuses to write nesting deeper than MAX_JSON_DEPTH, which it could not read back", () => {
    expect(pyJsonLoads(pyJsonDumps(nested(MAX_JSON_DEPTH)))).toEqual(nested(MAX_JSON_DEPTH));
    expect(() => pyJsonDumps(nested(MAX_JSON_DEPTH + 1))).toThrow(TypeError);
    expect(() => pyJsonDumps(nested(100_000))).toThrow(TypeError);
  });

  test("integer-like object keys come first: a JavaScript limitation, use a Map to keep Python's order", () => {
    expect(pyJsonDumps(pyJsonLoads('{"b":1,"1":2}'))).toBe('{"1":2,"b":1}');
  });
});

describe("pyFloatRepr is Python's float repr", () => {
  test.each([
    [1, "1.0"],
    [-1, "-1.0"],
    [1e16, "1e+16"],
    [1e15, "1000000000000000.0"],
    [123456789.125, "123456789.125"],
    [0.001, "0.001"],
    [0.00012, "0.00012"],
    [1.5e-5, "1.5e-05"],
    [-0, "-0.0"],
    [1e100, "1e+100"],
    [2.5e-300, "2.5e-300"],
  ])("%p → %s", (x, repr) => {
    expect(pyFloatRepr(x)).toBe(repr);
  });
});

describe("pyJsonLoads reads what Python's json.loads reads", () => {
  test("accepts NaN, Infinity and -Infinity", () => {
    const value = pyJsonLoads('{"a":NaN,"b":[Infinity,-Infinity]}') as { a: number; b: number[] };
    expect(value.a).toBeNaN();
    expect(value.b).toEqual([Infinity, -Infinity]);
  });

  test("reads integers beyond 2^53 exactly, as bigint, and writes them back unchanged", () => {
    const text = '{"big":123456789012345678901234567890,"neg":-9007199254740993,"edge":9007199254740992,"safe":9007199254740991}';
    const value = pyJsonLoads(text) as Record<string, unknown>;
    expect(value.big).toBe(123456789012345678901234567890n);
    expect(value.neg).toBe(-9007199254740993n);
    expect(value.edge).toBe(9007199254740992n);
    expect(value.safe).toBe(9007199254740991);
    expect(pyJsonDumps(value)).toBe(text);
  });

  test("a long float stays a number (only integers become bigint)", () => {
    expect(pyJsonLoads("[0.12345678901234567890, 12345678901234567890.5, 1e400]")).toEqual([0.12345678901234568, 12345678901234567000, Infinity]);
  });

  test("the integer -0 is 0, as Python's int; the float -0.0 stays -0.0", () => {
    expect(Object.is(pyJsonLoads("-0"), 0)).toBe(true);
    expect(Object.is((pyJsonLoads("[-0, NaN]") as number[])[0], 0)).toBe(true);
    expect(pyJsonDumps(pyJsonLoads('{"n":-0}'))).toBe('{"n":0}');
    expect(Object.is(pyJsonLoads("-0.0"), -0)).toBe(true);
    expect(Object.is(pyJsonLoads("-0e0"), -0)).toBe(true);
    expect(pyJsonDumps(pyJsonLoads("[-0.0]"))).toBe("[-0.0]");
  });

  test("decodes escapes, surrogate pairs and lone surrogates", () => {
    expect(pyJsonLoads(String.raw`["Zo\u00eb \ud83d\udc0d", "\ud800", "\/\b\f\n\r\t\"\\"]`)).toEqual(["Zoë 🐍", "\ud800", '/\b\f\n\r\t"\\']);
  });

  test("the last of duplicate keys wins, at the place of the first, as in a Python dict", () => {
    for (const text of ['{"a":1,"b":2,"a":3}', '{"a":1,"b":2,"a":3,"n":NaN}']) {
      const value = pyJsonLoads(text) as Record<string, unknown>;
      expect(Object.keys(value)).toEqual(text.includes("NaN") ? ["a", "b", "n"] : ["a", "b"]);
      expect(value.a).toBe(3);
    }
  });

  test("allows JSON whitespace around tokens", () => {
    expect(pyJsonLoads(' \t\n\r{ "a" : [ 1 , NaN ] }\n')).toEqual({ a: [1, NaN] });
  });

  test.each([
    ["empty text", ""],
    ["a truncated object", '{"a":1'],
    ["a trailing comma", "[1,]"],
    ["single quotes", "{'a':1}"],
    ["an unquoted key", "{a:1}"],
    ["extra data", "{} {}"],
    ["a raw control character in a string", '"a\u0001b"'],
    ["an unterminated string", '"abc'],
    ["a bad escape", String.raw`"\x41"`],
    ["a leading zero", "01"],
    ["+1", "+1"],
    ["nan in lower case", "nan"],
    ["-NaN", "-NaN"],
    ["Infinity misspelt", "Infinit"],
    ["a BOM", "\ufeff{}"],
    ["JavaScript's undefined", "undefined"],
    ["garbage", "\u0000\u00ff\ud800"],
    ["garbage taking the full parser", "[NaN, 1 2]"],
    ["an unterminated string taking the full parser", '[NaN, "abc\\'],
  ])("throws PythonJsonError for %s", (_name, text) => {
    expect(() => pyJsonLoads(text)).toThrow(PythonJsonError);
  });
});

describe("pyJsonLoads never changes a prototype", () => {
  const hostile = '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"prototype":{"polluted":3}}';
  // The same document through the full parser (NaN forces it).
  const hostileFull = '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"prototype":{"polluted":3},"n":NaN}';

  afterEach(() => {
    // Leave nothing behind for other tests if an assertion failed.
    delete (Object.prototype as Record<string, unknown>).polluted;
  });

  test.each([
    ["fast path", hostile],
    ["full parser", hostileFull],
  ])("%s: __proto__, constructor and prototype are ordinary own properties", (_path, text) => {
    const value = pyJsonLoads(text) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(value, "__proto__")).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(value, "constructor")).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(value, "prototype")).toBe(true);
    expect((value as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(value).slice(0, 3)).toEqual(["__proto__", "constructor", "prototype"]);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  test.each([
    ["fast path", hostile],
    ["full parser", hostileFull],
  ])("%s: spreading or Object.assign-ing the result leaves Object.prototype alone", (_path, text) => {
    const value = pyJsonLoads(text) as Record<string, unknown>;
    const spread = { ...value };
    const assigned = Object.assign({}, value);
    const merged = Object.assign(Object.create(null), value);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted")).toBe(false);
    expect(Object.getPrototypeOf(spread)).toBe(Object.prototype);
    // Object.assign's [[Set]] of "__proto__" replaces the *target's* prototype (that is what
    // Object.assign does with any such own property); Object.prototype itself is untouched.
    expect(Object.getPrototypeOf(assigned)).not.toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(merged, "__proto__")).toBe(true);
  });

  test("writes a __proto__ key back as a key", () => {
    expect(pyJsonDumps(pyJsonLoads('{"__proto__":{"a":1}}'))).toBe('{"__proto__":{"a":1}}');
  });
});

describe("pyJsonLoads refuses deep nesting with PythonJsonError, never a stack overflow", () => {
  test.each([
    ["arrays", (n: number) => "[".repeat(n) + "]".repeat(n)],
    ["objects", (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n)],
    ["arrays on the full parser", (n: number) => "[".repeat(n) + "NaN" + "]".repeat(n)],
    ["objects on the full parser", (n: number) => '{"a":'.repeat(n) + "NaN" + "}".repeat(n)],
    ["empty arrays on the full parser", (n: number) => "[NaN," + "[".repeat(n - 1) + "]".repeat(n)],
  ])("%s: MAX_JSON_DEPTH levels read, one more throws, 100000 throws", (_name, make) => {
    expect(() => pyJsonLoads(make(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => pyJsonLoads(make(MAX_JSON_DEPTH + 1))).toThrow(PythonJsonError);
    expect(() => pyJsonLoads(make(100_000))).toThrow(PythonJsonError);
    expect(() => pyJsonLoads("[".repeat(100_000))).toThrow(PythonJsonError);
  });
});

// JSON-like values as Python produces them: safe integers as numbers, bigger ones as bigint,
// doubles (integral doubles come back as integers, so they are generated as integers).
const jsonNumber = fc.oneof(
  fc.maxSafeInteger(),
  fc.double().filter((x) => !Number.isInteger(x) || Object.is(x, -0) || !Number.isSafeInteger(x)),
  fc.bigInt().filter((n) => n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER)),
);
const jsonValue: fc.Arbitrary<PythonJsonValue> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(null, true, false),
    jsonNumber,
    fc.string({ unit: "binary" }),
    fc.string({ unit: fc.constantFrom("a", "\u0000", "\u007f", "é", "\ud800", "\udc00", '"', "\\", "/") }),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: "binary" }), tie("value"), { maxKeys: 5 }),
  ),
})).value as fc.Arbitrary<PythonJsonValue>;

describe("properties", () => {
  test("pyJsonLoads(pyJsonDumps(x)) deep-equals x, bigints included", () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        expect(pyJsonLoads(pyJsonDumps(value))).toEqual(value);
      }),
      { seed: 20240601, numRuns: 2000 },
    );
  });

  test("the output is pure ASCII, parses as standard JSON when finite, and reads back to the same bytes", () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        const text = pyJsonDumps(value);
        expect(/^[\x20-\x7e]*$/.test(text)).toBe(true);
        expect(pyJsonDumps(pyJsonLoads(text))).toBe(text);
        if (!/NaN|Infinity/.test(text) && !/\d{16}/.test(text)) expect(pyJsonLoads(text)).toEqual(JSON.parse(text));
      }),
      { seed: 20240602, numRuns: 2000 },
    );
  });

  test("pyJsonDumps agrees with JSON.stringify on strings, apart from ensure_ascii escaping", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const ours = pyJsonDumps(text);
        expect(JSON.parse(ours)).toBe(text);
      }),
      { seed: 20240603, numRuns: 2000 },
    );
  });

  test("arbitrary text either parses or throws PythonJsonError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom("[", "]", "{", "}", '"', ":", ",", "1", "-", "0", "N", "a", "n", "e", ".", " ", "\\") })), (text) => {
        try {
          pyJsonLoads(text);
        } catch (error) {
          expect(error).toBeInstanceOf(PythonJsonError);
        }
      }),
      { seed: 20240604, numRuns: 2000 },
    );
  });
});

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe("the JSON.stringify fast path writes exactly what the general writer writes", () => {
  test("for arbitrary JSON-like values (fast-check)", () => {
    const anyNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, 1e-5, 1e-4, 1e15, 1e16, 2 ** 53, 0.1, NaN, Infinity));
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(fc.string({ unit: "binary" }), anyNumber, fc.boolean(), fc.constant(null), fc.bigInt(), fc.constant(undefined)),
      node: fc.oneof({ depthSize: "small" }, tie("leaf"), fc.array(tie("node"), { maxLength: 5 }), fc.dictionary(fc.string({ unit: "binary" }), tie("node"), { maxKeys: 5 })),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        let general: string | Error;
        try {
          general = pyJsonDumpsGeneral(v);
        } catch (error) {
          general = error as Error;
        }
        if (general instanceof Error) expect(() => pyJsonDumps(v)).toThrow();
        else expect(pyJsonDumps(v)).toBe(general);
      }),
      { numRuns: 3000, seed: 20261128 },
    );
  });
});

/**
 * The same outcome, told apart as Python would: -0 vs 0, bigint vs number, key order, own
 * properties and prototypes, or the same error class.
 */
function outcome(parse: (text: string) => PythonJsonValue, text: string): { value: unknown } | { error: string } {
  try {
    return { value: parse(text) };
  } catch (error) {
    return { error: (error as Error).constructor.name };
  }
}

function sameValue(a: unknown, b: unknown, path = "$"): string | null {
  if (typeof a !== typeof b) return `${path}: ${typeof a} vs ${typeof b}`;
  if (typeof a === "number") return Object.is(a, b) ? null : `${path}: ${String(a)} vs ${String(b)}`;
  if (typeof a !== "object" || a === null || b === null) return a === b ? null : `${path}: ${String(a)} vs ${String(b)}`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: prototypes differ`;
  const ka = Reflect.ownKeys(a);
  const kb = Reflect.ownKeys(b as object);
  if (ka.join("\u0000") !== kb.join("\u0000")) return `${path}: keys ${ka.length} vs ${kb.length}`;
  for (const k of ka) {
    const da = Object.getOwnPropertyDescriptor(a, k)!;
    const db = Object.getOwnPropertyDescriptor(b, k)!;
    if (da.enumerable !== db.enumerable || da.writable !== db.writable || da.configurable !== db.configurable) return `${path}.${String(k)}: descriptors differ`;
    const why = sameValue(da.value, db.value, `${path}.${String(k)}`);
    if (why !== null) return why;
  }
  return null;
}

function agree(text: string): string | null {
  const fast = outcome(pyJsonLoads, text);
  const exact = outcome(pyJsonLoadsExact, text);
  if ("error" in fast || "error" in exact) return JSON.stringify(fast) === JSON.stringify(exact) ? null : `${JSON.stringify(fast)} vs ${JSON.stringify(exact)}`;
  return sameValue(fast.value, exact.value);
}

describe("the JSON.parse fast path of pyJsonLoads reads exactly what the exact parser reads", () => {
  // Number literals that JSON.parse and Python read differently, or alike but only just.
  const numberLiteral = fc.oneof(
    fc.constantFrom("0", "-0", "-0.0", "0.0", "-0e0", "0e5", "1.0", "1e20", "1E+2", "-1e-400", "1e400", "-1e400", "9007199254740991", "9007199254740992", "-9007199254740993", "123456789012345678901234567890"),
    fc.constantFrom("NaN", "Infinity", "-Infinity", "nan", "-NaN", "+1", "01", "1.", ".5", "0x10", "1e", "--1"),
    fc.integer().map(String),
    fc.double().map((x) => (Number.isFinite(x) ? String(x) : "1e999")),
    fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
    fc.constant(`1${"0".repeat(400)}`),
    fc.constant(`1${"0".repeat(MAX_INT_DIGITS)}`),
  );
  const stringLiteral = fc.oneof(
    fc.string({ unit: "binary", maxLength: 6 }).map((s) => JSON.stringify(s)),
    fc.constantFrom('"\\ud800"', '"\\udc00\\ud800"', '"\\ud83d\\udc0d"', '"\\u00e9"', '"\u00e9\u00ff"', '"a\\u0000b"', '"\\x41"', '"\\u12"', '"tab\there"', '"__proto__"'),
  );
  const key = fc.oneof(stringLiteral, fc.constantFrom('"__proto__"', '"constructor"', '"a"', '"1"', '"10"', '"toString"'));
  const ws = fc.constantFrom("", "", "", " ", "\n", "\t", "\r\n", "\u00a0", "\f");
  const { value } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
    value: fc.oneof({ depthSize: "small", withCrossShrink: true }, numberLiteral, stringLiteral, fc.constantFrom("true", "false", "null", "tru", "nul"), tie("array"), tie("object")),
    array: fc.tuple(ws, fc.array(fc.tuple(tie("value"), ws), { maxLength: 4 })).map(([w, items]) => `[${w}${items.map(([v, w2]) => `${v}${w2}`).join(",")}]`),
    object: fc.array(fc.tuple(key, ws, tie("value")), { maxLength: 4 }).map((entries) => `{${entries.map(([k, w, v]) => `${k}${w}:${v}`).join(",")}}`),
  }));

  test("on generated JSON-like text: numbers that need care, duplicate and special keys, escapes, whitespace, near-JSON", () => {
    fc.assert(
      fc.property(fc.tuple(ws, value, ws), ([a, text, b]) => {
        expect(agree(`${a}${text}${b}`)).toBeNull();
      }),
      { seed: 4242, numRuns: 20000 },
    );
  });

  test("on fast-check's own JSON values and texts", () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.jsonValue().map((v) => JSON.stringify(v) ?? "null")), (text) => {
        expect(agree(text)).toBeNull();
      }),
      { seed: 4243, numRuns: 5000 },
    );
  });

  test("on what pyJsonDumps writes for arbitrary Python-like values (NaN, big ints, -0, lone surrogates)", () => {
    const leaf = fc.oneof(fc.string({ unit: "binary", maxLength: 8 }), fc.double(), fc.integer(), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), fc.boolean(), fc.constant(null));
    const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
      tree: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("tree"), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 4 }), tie("tree"), { maxKeys: 4 })),
    }));
    fc.assert(
      fc.property(tree, (v) => {
        expect(agree(pyJsonDumps(v))).toBeNull();
      }),
      { seed: 4244, numRuns: 5000 },
    );
  });

  test("at the depth limit and one past it, with and without the nesting count that long texts get", () => {
    for (const depth of [MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1]) {
      for (const pad of [0, 40_000]) {
        const filler = pad ? `"${"x".repeat(pad)}",` : "";
        const arrays = `${"[".repeat(depth - 1)}[${filler}1${"]".repeat(depth)}`;
        const objects = `${'{"a":'.repeat(depth - 1)}{${pad ? `"f":${filler.slice(0, -1)},` : ""}"a":1${"}".repeat(depth)}`;
        for (const text of [arrays, objects]) {
          expect(agree(text)).toBeNull();
          expect(outcome(pyJsonLoads, text)).toEqual(depth > MAX_JSON_DEPTH ? { error: "PythonJsonError" } : { value: expect.anything() });
        }
      }
    }
  });

  test("a long text with many openers but shallow nesting still reads (the count only routes it to the exact parser)", () => {
    const text = `[${Array.from({ length: 3000 }, (_, i) => `{"i":${i},"l":[${i}]}`).join(",")}]`;
    expect(text.length).toBeGreaterThan(32 * 1024);
    expect(agree(text)).toBeNull();
    expect((pyJsonLoads(text) as unknown[]).length).toBe(3000);
  });

  test("each kind of value that needs care gives the exact parser's answer, not JSON.parse's", () => {
    expect(Object.is(pyJsonLoads("-0"), 0)).toBe(true);
    expect(Object.is((pyJsonLoads('{"a":[-0]}') as { a: number[] }).a[0], 0)).toBe(true);
    expect(Object.is((pyJsonLoads('{"a":-0.0}') as { a: number }).a, -0)).toBe(true);
    expect(pyJsonLoads('{"a":9007199254740993}')).toEqual({ a: 9007199254740993n });
    expect(pyJsonLoads('{"a":1e20}')).toEqual({ a: 1e20 });
    expect(pyJsonLoads('{"a":[NaN]}')).toEqual({ a: [NaN] });
    expect(pyJsonLoads('{"a":1e400}')).toEqual({ a: Infinity });
    expect(() => pyJsonLoads(`{"a":${"9".repeat(MAX_INT_DIGITS + 1)}}`)).toThrow(PythonJsonError);
  });
});

describe("a duplicate key cannot hide from the fast path what the exact parser refuses", () => {
  const digits = `1${"0".repeat(MAX_INT_DIGITS)}`;
  const nested = (levels: number, inner = "1") => `${"[".repeat(levels)}${inner}${"]".repeat(levels)}`;
  /** `levels` objects around `inner`: `{"o":{"o":…inner…}}`. */
  const inObjects = (levels: number, inner: string) => `${'{"o":'.repeat(levels)}${inner}${"}".repeat(levels)}`;

  test.each([
    ["an integer of more digits than Python converts", `{"a":${digits},"a":1}`],
    ["the same, overwritten twice, after long spare text", `{"s":"${"\\u00e9".repeat(2000)}","a":${digits},"a":2,"a":3}`],
    ["nesting past the limit at the top", `{"a":${nested(MAX_JSON_DEPTH)},"a":1}`],
    ["nesting past the limit from deep inside (few hidden characters)", inObjects(MAX_JSON_DEPTH - 3, `{"x":${nested(3)},"x":1}`)],
    ["nesting past the limit in an array item's object", `[${inObjects(MAX_JSON_DEPTH - 10, `{"x":${nested(10)},"x":null}`)}]`],
  ])("%s", (_name, text) => {
    expect(agree(text)).toBeNull();
    expect(() => pyJsonLoads(text)).toThrow(PythonJsonError);
  });

  test.each([
    ["one digit short of the limit", `{"a":${digits.slice(0, -1)},"a":1}`],
    ["nesting at the limit, from deep inside", inObjects(MAX_JSON_DEPTH - 3, `{"x":${nested(2)},"x":1}`)],
    ["much spare text (escapes, long numbers, whitespace) and no hazard", `{ "s" : "${"\\u00e9".repeat(3000)}", "n": [${"1.25e3, ".repeat(500)}0] }`],
  ])("but reads what it accepts: %s", (_name, text) => {
    expect(agree(text)).toBeNull();
    expect(() => pyJsonLoads(text)).not.toThrow();
  });

  test("an enumerable property on Object.prototype does not count as text the result needs", () => {
    const text = `{"a":${nested(MAX_JSON_DEPTH)},"a":1}`;
    Object.defineProperty(Object.prototype, "polluted", { value: "x".repeat(5000), enumerable: true, configurable: true });
    try {
      expect(() => pyJsonLoads(text)).toThrow(PythonJsonError);
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted;
    }
  });
});
