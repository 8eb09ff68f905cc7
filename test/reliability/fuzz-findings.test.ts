import { DjangoSessionRepository, PythonJsonError, silentLogger } from "../../src";
import { MAX_INT_DIGITS, SessionMiddlewareCore, pyJsonLoads } from "../../src/low-level";
import { PickleError, pickleDumps, pickleLoads } from "../../src/core/pickle";
import { MAX_JSON_DEPTH } from "../../src/core/python-json";
import { memoryAdapter } from "./support/fuzz";

// What the fuzzing found, each kept as a test (see test/reliability/fuzz.test.ts for the runs).
// How long each input takes is measured by the benchmark (bench/hostile-inputs.js, in
// `npm run bench`), not here: a time bound in a test fails on a busy machine, not on a regression.

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("pyJsonLoads on deep array nesting (JSON.parse spent ~0.5 µs per level before refusing it)", () => {
  test.each([
    ["a megabyte of [", "[".repeat(1 << 20)],
    ["a megabyte of [ closed again", "[".repeat(1 << 19) + "]".repeat(1 << 19)],
    ['[{"a": nested 150,000 deep', '[{"a":'.repeat(150_000)],
    ['{"a": nested 150,000 deep', '{"a":'.repeat(150_000) + "1" + "}".repeat(150_000)],
  ])("%s is refused at once", (_name, text) => {
    expect(() => pyJsonLoads(text)).toThrow(PythonJsonError);
    // It took 0.5–0.6 s of CPU for the first case; the parser now stops at MAX_JSON_DEPTH: the
    // refusal points inside the first MAX_JSON_DEPTH + 1 levels (at most 5 characters each), not
    // at the end of the input.
    const position = Number(/nested too deeply at position (\d+)/.exec(String(errorOf(() => pyJsonLoads(text))))?.[1]);
    expect(position).toBeLessThanOrEqual(5 * (MAX_JSON_DEPTH + 1));
  });

  test("more than 512 arrays that are not nested still read exactly as JSON.parse reads them", () => {
    const text = JSON.stringify({ rows: Array.from({ length: 2000 }, (_, i) => [i, `r${i}`, { k: [i] }]), __proto__x: 1 });
    expect(pyJsonLoads(text)).toEqual(JSON.parse(text));
  });

  test("a __proto__ key among more than 512 objects stays an own property", () => {
    const value = pyJsonLoads(`{"__proto__":{"polluted":1},"list":[${Array(600).fill("{}").join(",")}]}`) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(["__proto__", "list"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("pyJsonLoads on huge integers (BigInt parsing is quadratic: a megabyte of digits took ~0.5 s)", () => {
  test(`${MAX_INT_DIGITS} digits read as Python reads them; one more is Python's ValueError (3.11+, 3.10.7+)`, () => {
    expect(pyJsonLoads("9".repeat(MAX_INT_DIGITS))).toBe(BigInt("9".repeat(MAX_INT_DIGITS)));
    expect(pyJsonLoads(`-${"9".repeat(MAX_INT_DIGITS)}`)).toBe(-BigInt("9".repeat(MAX_INT_DIGITS)));
    expect(() => pyJsonLoads(`{"n":${"9".repeat(MAX_INT_DIGITS + 1)}}`)).toThrow(
      /Exceeds the limit \(4300 digits\) for integer string conversion: value has 4301 digits/,
    );
    expect(() => pyJsonLoads(`-${"1".repeat(MAX_INT_DIGITS + 1)}`)).toThrow(PythonJsonError);
  });

  test("a megabyte of digits is refused (Python's ValueError); a float of any length is still read (Python has no limit there)", () => {
    expect(() => pyJsonLoads(`{"n":${"9".repeat(1 << 20)}}`)).toThrow(/Exceeds the limit \(4300 digits\) for integer string conversion: value has 1048576 digits/);
    expect(pyJsonLoads(`${"1".repeat(5000)}.5`)).toBe(Number(`${"1".repeat(5000)}.5`));
  });
});

describe("pickleLoads bounds what it builds while reading (maxItems was only checked after STOP)", () => {
  const ops = (opcode: number, n: number) => Buffer.concat([Buffer.from([0x80, 0x04]), Buffer.alloc(n, opcode), Buffer.from([0x2e])]);

  test.each([
    ["EMPTY_LIST", 0x5d],
    ["EMPTY_DICT", 0x7d],
    ["NONE", 0x4e],
  ])("100,000 × %s with maxItems 1,000 stops after about 2,000 values", (_name, opcode) => {
    let error: unknown;
    try {
      pickleLoads(ops(opcode, 100_000), { maxItems: 1000 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PickleError);
    expect(error).toMatchObject({ reason: "too-large", message: "more than 1000 values" });
  });

  test("16 MiB of EMPTY_LIST (the default maxSize) no longer builds 16 million arrays", () => {
    // Before: ~1.5 GB of heap and half a minute; now it stops after 2 × maxItems values.
    const input = ops(0x5d, (16 << 20) - 16);
    const before = process.memoryUsage().heapUsed;
    expect(() => pickleLoads(input)).toThrow(/more than 1000000 values/);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(400 * 1048576);
  }, 60_000);

  test("a dict with exactly maxItems values still reads (its keys are pushed too)", () => {
    const dict: Record<string, number> = {};
    for (let i = 0; i < 999; i++) dict[`k${i}`] = i;
    for (const protocol of [2, 3, 4, 5] as const) expect(pickleLoads(pickleDumps(dict, { protocol }), { maxItems: 1000 })).toEqual(dict);
  });
});

describe("pickleLoads on many strings holding encoded surrogates (each one cost a thrown TypeError, ~5 µs)", () => {
  test("20,000 of them read as Python reads them (surrogatepass)", () => {
    // A list of 20,000 SHORT_BINUNICODE strings of three bytes.
    const list = (bytes: number[]) => Buffer.concat([Buffer.from([0x80, 0x04, 0x5d, 0x28]), ...Array<Buffer>(20_000).fill(Buffer.from([0x8c, bytes.length, ...bytes])), Buffer.from([0x65, 0x2e])]);
    const surrogates = list([0xed, 0xa0, 0x80]);
    const ascii = list([0x61, 0x62, 0x63]);
    const value = pickleLoads(surrogates) as string[];
    expect(value).toHaveLength(20_000);
    expect(value.every((s) => s === "\ud800")).toBe(true);
    // Was 14 times slower than the same list of ASCII strings (95 ms against 7 ms); the
    // benchmark compares the two.
    expect(pickleLoads(ascii)).toEqual(Array<string>(20_000).fill("abc"));
  });

  test("invalid UTF-8 is still refused as malformed", () => {
    for (const bad of [[0xc0, 0xaf], [0xed, 0xa0], [0xff], [0xf4, 0x90, 0x80, 0x80]]) {
      const input = Buffer.concat([Buffer.from([0x80, 0x04, 0x8c, bad.length]), Buffer.from(bad), Buffer.from([0x2e])]);
      expect(() => pickleLoads(input)).toThrow(expect.objectContaining({ reason: "malformed" }));
    }
  });
});

describe("a hostile cookie's key never reaches the database (delete skipped only the over-long ones)", () => {
  test.each(["é".repeat(8), "abc\u0000defghij", "\ud800".repeat(8), "key with spaces", "x".repeat(41)])("flush() at logout with the key %j costs no query", async (key) => {
    const adapter = memoryAdapter(); // throws on a key no column could hold
    const calls: string[] = [];
    const spy = { ...adapter, delete: async (k: string) => void calls.push(k), load: async (k: string, now: Date) => (calls.push(k), adapter.load(k, now)) };
    const repository = new DjangoSessionRepository({ secretKey: "findings-secret", adapter: spy, logger: silentLogger });
    const core = new SessionMiddlewareCore({ repository });
    const opened = core.open(`sessionid=${key}`);
    await opened.session.flush();
    await expect(core.commit(opened, 200)).resolves.toMatchObject({ setCookie: expect.stringMatching(/^sessionid=""/) });
    expect(calls).toEqual([]);
  });
});
