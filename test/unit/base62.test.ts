import fc from "fast-check";
import { b62Decode, b62Encode } from "../../src/core/base62";

describe("b62Encode / b62Decode (Django's b62_encode / b62_decode)", () => {
  test.each([
    [0, "0"],
    [61, "z"],
    [62, "10"],
    [-1, "-1"],
    [1620378259, "1lewPD"],
    [123456789, "8M0kX"],
    [1700000000, "1r31eq"],
  ])("%p ↔ %s (spec §2.2)", (n, text) => {
    expect(b62Encode(n)).toBe(text);
    expect(b62Decode(text)).toBe(n);
  });

  test("round trips ±10^10, 1620378259 and -100…99 (Django's test_base62)", () => {
    const tests = [-(10 ** 10), 10 ** 10, 1620378259, ...Array.from({ length: 200 }, (_, i) => i - 100)];
    for (const n of tests) expect(b62Decode(b62Encode(n))).toBe(n);
  });

  test("round trips every safe integer", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(b62Decode(b62Encode(n))).toBe(n);
      }),
      { seed: 62, numRuns: 2000 },
    );
  });

  test("encodes bigints of any size", () => {
    expect(b62Encode(62n ** 20n)).toBe(`1${"0".repeat(20)}`);
    expect(b62Encode(-(62n ** 3n) + 1n)).toBe("-zzz");
  });

  test("'-0' is 0, never JavaScript's -0 (Python ints have no sign of zero)", () => {
    expect(Object.is(b62Decode("-0"), 0)).toBe(true);
    expect(Object.is(b62Decode("-000"), 0)).toBe(true);
  });

  test("refuses a value past Number.MAX_SAFE_INTEGER instead of returning a rounded number", () => {
    const max = b62Encode(Number.MAX_SAFE_INTEGER);
    expect(b62Decode(max)).toBe(Number.MAX_SAFE_INTEGER);
    expect(b62Decode(`-${max}`)).toBe(-Number.MAX_SAFE_INTEGER);
    expect(() => b62Decode(b62Encode(BigInt(Number.MAX_SAFE_INTEGER) + 1n))).toThrow(RangeError);
    expect(() => b62Decode("z".repeat(10))).toThrow(RangeError);
    expect(() => b62Decode("1".repeat(100_000))).toThrow(RangeError);
  });

  test.each(["", "-", "+1", " 1", "1 ", "a-b", "é", "--1", "1.5"])("throws SyntaxError for %j", (text) => {
    expect(() => b62Decode(text)).toThrow(SyntaxError);
  });

  test("refuses a number that is not an integer", () => {
    expect(() => b62Encode(1.5)).toThrow(RangeError);
    expect(() => b62Encode(NaN)).toThrow(RangeError);
  });
});
