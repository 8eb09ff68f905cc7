import { createHash } from "node:crypto";
import fc from "fast-check";
import vectors from "../vectors/pickle-vectors.json";
import { PickleError, PyDatetime, pickleDumps, pickleLoads, type PickleValue } from "../../src/core/pickle";
import { pyJsonLoads } from "../../src/core/python-json";

type Encoded = { hex: string } | { sha256: string; length: number };
type Recipe = { kind: "manyKeys"; n: number } | { kind: "bigString"; char: string; n: number; after: boolean };

/** The same inputs scripts/gen-pickle-vectors.py builds for its recipes. */
function build(recipe: Recipe): PickleValue {
  if (recipe.kind === "manyKeys") {
    const out: Record<string, string> = {};
    for (let i = 0; i < recipe.n; i++) out[`k${String(i).padStart(4, "0")}`] = `v${String(i).padStart(5, "0")}`;
    return out;
  }
  const s = recipe.char.repeat(recipe.n);
  return recipe.after ? { s, after: 1 } : { s };
}

/** Vector JSON → our values: `{"$datetime": [y, m, d, H, M, S, us, offset|null, fold]}` → PyDatetime. */
function revive(value: unknown): PickleValue {
  if (Array.isArray(value)) return value.map(revive);
  if (value && typeof value === "object") {
    const fields = (value as { $datetime?: [number, number, number, number, number, number, number, number | null, 0 | 1] }).$datetime;
    if (fields) return new PyDatetime(...fields);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
  }
  return value as PickleValue;
}

function expectBytes(actual: Uint8Array, expected: Encoded): void {
  if ("hex" in expected) expect(Buffer.from(actual).toString("hex")).toBe(expected.hex);
  else {
    expect(actual.length).toBe(expected.length);
    expect(createHash("sha256").update(actual).digest("hex")).toBe(expected.sha256);
  }
}

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (!(error instanceof PickleError)) throw error;
    return error.reason;
  }
}

describe(`pickle vectors from CPython ${vectors.python}`, () => {
  describe("write: byte-identical to pickle.dumps(json.loads(text), protocol)", () => {
    for (const c of vectors.write) {
      test(c.name, () => {
        const value = "recipe" in c && c.recipe ? build(c.recipe as Recipe) : (pyJsonLoads((c as { json: string }).json) as PickleValue);
        for (const [protocol, expected] of Object.entries(c.pickles)) {
          const bytes = pickleDumps(value, { protocol: Number(protocol) as 2 | 3 | 4 | 5 });
          expectBytes(bytes, expected as Encoded);
          expect(pickleLoads(bytes)).toEqual(value);
        }
      });
    }
  });

  describe("write: datetimes byte-identical (one timezone object per offset)", () => {
    for (const c of vectors.datetimeWrite) {
      test(c.name, () => {
        const value = revive(c.expect);
        for (const [protocol, expected] of Object.entries(c.pickles)) {
          const bytes = pickleDumps(value, { protocol: Number(protocol) as 3 | 4 | 5 });
          expectBytes(bytes, expected as Encoded);
          expect(pickleLoads(bytes)).toEqual(protocol === "3" ? withoutFold(value) : value);
        }
      });
    }
  });

  describe("read: what Python writes and we do not (tuples, shared objects, protocol 1, datetimes)", () => {
    for (const c of vectors.read) {
      test(c.name, () => {
        expect(pickleLoads(Buffer.from(c.hex, "hex"))).toEqual(revive(c.expect));
      });
    }
  });

  describe("refuse: outside the safe subset, a PickleError with a reason", () => {
    for (const c of vectors.refuse) {
      test(c.name, () => {
        expect(reasonOf(() => pickleLoads(Buffer.from(c.hex, "hex")))).toBe(c.reason);
      });
    }
  });
});

describe("pickleLoads bounds", () => {
  test("maxSize", () => {
    const bytes = pickleDumps({ s: "x".repeat(2000) });
    expect(reasonOf(() => pickleLoads(bytes, { maxSize: 1000 }))).toBe("too-large");
    expect(pickleLoads(bytes, { maxSize: 3000 })).toEqual({ s: "x".repeat(2000) });
  });

  test("nesting deeper than maxDepth (MARKs and containers)", () => {
    let deep: PickleValue = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    const bytes = pickleDumps(deep);
    expect(reasonOf(() => pickleLoads(bytes, { maxDepth: 30 }))).toBe("too-large");
    expect(pickleLoads(bytes, { maxDepth: 41 })).toEqual(deep);
    // 100000 MARKs: refused at the limit, without building 100000 stacks.
    const marks = Buffer.concat([Buffer.from([0x80, 4]), Buffer.alloc(100000, 0x28), Buffer.from(".")]);
    expect(reasonOf(() => pickleLoads(marks))).toBe("too-large");
  });

  test("maxDepth is one boundary however the nesting is built (read-time check and finish agree)", () => {
    // n containers, each inside the next, built four ways: depth n is accepted at maxDepth n, refused at n - 1.
    const appendChain = (n: number) => Uint8Array.from([0x80, 4, ...Array(n).fill(0x5d), ...Array(n - 1).fill(0x61), 0x2e]);
    const nested = (n: number, wrap: (inner: PickleValue) => PickleValue) => {
      let v: PickleValue = 1;
      for (let i = 0; i < n; i++) v = wrap(v);
      return pickleDumps(v);
    };
    const builders: Record<string, (n: number) => Uint8Array> = {
      "APPEND chain": appendChain,
      "lists (pickleDumps)": (n) => nested(n, (v) => [v]),
      "dicts (SETITEM)": (n) => nested(n, (v) => ({ k: v })),
      "lists of two (APPENDS)": (n) => nested(n, (v) => [v, 2]),
    };
    for (const [name, build] of Object.entries(builders)) {
      for (const n of [2, 30, 512]) {
        expect([name, n, reasonOf(() => pickleLoads(build(n), { maxDepth: n }))]).toEqual([name, n, undefined]);
        expect([name, n, reasonOf(() => pickleLoads(build(n), { maxDepth: n - 1 }))]).toEqual([name, n, "too-large"]);
      }
    }
    // Far past the limit, refused as it is built: with its STOP cut off, the chain still fails for
    // its depth (at the 512th APPEND), not for the truncation at its end.
    expect(reasonOf(() => pickleLoads(appendChain(20_000)))).toBe("too-large");
    expect(reasonOf(() => pickleLoads(appendChain(20_000).subarray(0, -1)))).toBe("too-large");
  });

  test("shared references cannot expand into a huge tree (a 2^60-item DAG)", () => {
    // l0 = []; l(i+1) = [li, li] ... each level two BINGETs of the previous one.
    const parts: number[] = [0x80, 4, 0x5d, 0x94, 0x30];
    for (let i = 1; i <= 60; i++) parts.push(0x5d, 0x94, 0x28, 0x6a, ...u32(i - 1), 0x6a, ...u32(i - 1), 0x65, 0x30);
    // leave the last list on the stack: POP removed it, so fetch it again.
    parts.push(0x6a, ...u32(60), 0x2e);
    // Refused while counting, without walking 2^60 items (bench/hostile-inputs.js times it).
    expect(reasonOf(() => pickleLoads(Uint8Array.from(parts)))).toBe("too-large");
  });

  test("maxMemo", () => {
    const bytes = pickleDumps({ a: "aa", b: "bb", c: "cc" });
    expect(reasonOf(() => pickleLoads(bytes, { maxMemo: 3 }))).toBe("too-large");
    expect(pickleLoads(bytes, { maxMemo: 7 })).toEqual({ a: "aa", b: "bb", c: "cc" });
  });

  test("LONG_BINPUT with a huge index allocates nothing", () => {
    expect(pickleLoads(Uint8Array.from([0x80, 4, 0x4e, 0x72, 0xff, 0xff, 0xff, 0xff, 0x2e]))).toBeNull();
  });

  test("datetime: false refuses datetimes like any other global", () => {
    const bytes = pickleDumps({ d: new PyDatetime(2020, 1, 1) });
    expect(pickleLoads(bytes)).toEqual({ d: new PyDatetime(2020, 1, 1) });
    expect(reasonOf(() => pickleLoads(bytes, { datetime: false }))).toBe("refused");
  });

  test("a datetime state that is not a real date is malformed", () => {
    const bytes = Buffer.from(pickleDumps({ d: new PyDatetime(2020, 1, 1) }));
    const at = bytes.indexOf(Buffer.from([0x43, 10])) + 2;
    bytes[at + 3] = 31; // day 31 ...
    bytes[at + 2] = 2; // ... of February
    expect(reasonOf(() => pickleLoads(bytes))).toBe("malformed");
  });

  test("__proto__ keys stay own keys", () => {
    const value = pickleLoads(pickleDumps(JSON.parse('{"__proto__": {"polluted": true}}'))) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("pickleDumps refuses what Python would not get back", () => {
  test.each([
    ["undefined", { a: undefined }],
    ["a function", { a: () => 1 }],
    ["a Map", { a: new Map() }],
    ["a symbol", { a: Symbol("x") }],
    ["a class instance", { a: new (class Foo {})() }],
  ])("%s", (_name, value) => {
    expect(reasonOf(() => pickleDumps(value as never))).toBe("unsupported");
  });

  test("a recursive structure", () => {
    const a: unknown[] = [];
    a.push(a);
    expect(reasonOf(() => pickleDumps(a as never))).toBe("unsupported");
  });

  test("protocols outside 2–5", () => {
    expect(reasonOf(() => pickleDumps({}, { protocol: 1 as never }))).toBe("unsupported");
  });

  test("a Date is written as an aware UTC datetime", () => {
    const date = new Date("2023-11-14T22:13:20.250Z");
    expect(pickleLoads(pickleDumps({ d: date }))).toEqual({ d: new PyDatetime(2023, 11, 14, 22, 13, 20, 250000, 0) });
    expect(new PyDatetime(2023, 11, 14, 22, 13, 20, 250000, 0).toDate()).toEqual(date);
    expect(new PyDatetime(2023, 11, 14, 22, 13, 20, 250000, 19800).isoformat()).toBe("2023-11-14T22:13:20.250000+05:30");
    expect(new PyDatetime(1, 1, 1).isoformat()).toBe("0001-01-01T00:00:00");
  });
});

// --- properties ------------------------------------------------------------------------

const anyChar = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const str = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: anyChar, maxLength: 12 }), fc.string({ unit: "binary", maxLength: 12 }), fc.constantFrom("", "a", "é", "€"));
const bigOutsideSafe = fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }).filter((b) => b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER));
const datetimes = fc
  .record({
    y: fc.integer({ min: 1, max: 9999 }),
    mo: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 28 }),
    h: fc.integer({ min: 0, max: 23 }),
    mi: fc.integer({ min: 0, max: 59 }),
    s: fc.integer({ min: 0, max: 59 }),
    us: fc.integer({ min: 0, max: 999999 }),
    off: fc.option(fc.integer({ min: -86399, max: 86399 }), { nil: null }),
    fold: fc.constantFrom(0 as const, 1 as const),
  })
  .map((r) => new PyDatetime(r.y, r.mo, r.d, r.h, r.mi, r.s, r.us, r.off, r.fold));

const { value: pickleValue } = fc.letrec<{ value: PickleValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.double(),
    bigOutsideSafe,
    str,
    datetimes,
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(str, tie("value"), { maxKeys: 5 }),
  ),
}));

/** Python reads back floats for non-safe-integer numbers and ints for the rest; a -0 stays a float. */
describe("properties", () => {
  test("read(write(x)) == x for every protocol", () => {
    fc.assert(
      fc.property(pickleValue, fc.constantFrom(3, 4, 5) as fc.Arbitrary<3 | 4 | 5>, (value, protocol) => {
        expect(pickleLoads(pickleDumps(value, { protocol }))).toEqual(protocol === 3 ? withoutFold(value) : value);
      }),
      { numRuns: 400 },
    );
  });

  test("random bytes: a value or a PickleError, quickly", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          pickleLoads(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(PickleError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test("random bytes after a protocol 5 header and a frame", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
        const bytes = Buffer.concat([Buffer.from([0x80, 5, 0x95, tail.length, 0, 0, 0, 0, 0, 0, 0]), tail]);
        try {
          pickleLoads(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(PickleError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  const seeds = [...vectors.read.map((c) => Buffer.from(c.hex, "hex")), ...vectors.refuse.map((c) => Buffer.from(c.hex, "hex"))].filter((b) => b.length > 0 && b.length < 2000);
  test("mutated real pickles (flips, truncations, insertions): a value or a PickleError", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom("set", "insert", "delete", "truncate")), { minLength: 1, maxLength: 4 }),
        (seed, edits) => {
          let bytes = Buffer.from(seed);
          for (const [at, byte, kind] of edits) {
            const i = at % Math.max(1, bytes.length);
            if (kind === "set") bytes[i] = byte;
            else if (kind === "insert") bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i)]);
            else if (kind === "delete") bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
            else bytes = bytes.subarray(0, i);
          }
          try {
            pickleLoads(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(PickleError);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });
});

/** Protocol 3 has no place for `fold` (Python writes it from protocol 4 on). */
function withoutFold(value: PickleValue): PickleValue {
  if (value instanceof PyDatetime) {
    return new PyDatetime(value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond, value.utcOffset, 0);
  }
  if (Array.isArray(value)) return value.map(withoutFold);
  if (value && typeof value === "object") {
    const out: Record<string, PickleValue> = {};
    for (const key of Object.keys(value)) Object.defineProperty(out, key, { value: withoutFold(value[key]), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}
