import fc from "fast-check";
import { b64Decode, b64Encode } from "../../src/core/base64";

describe("b64Encode (Django's b64_encode)", () => {
  test("is URL-safe base64 with every trailing '=' removed", () => {
    expect(b64Encode(Buffer.from('{"foo":"bar"}'))).toBe("eyJmb28iOiJiYXIifQ");
    expect(b64Encode(Buffer.from("{}"))).toBe("e30");
    expect(b64Encode(Uint8Array.of(0xfb, 0xff, 0xbf))).toBe("-_-_");
    expect(b64Encode(new Uint8Array(0))).toBe("");
  });

  test("encodes only the bytes of a view, not its whole buffer", () => {
    const backing = Buffer.from("xxhelloxx");
    expect(b64Encode(backing.subarray(2, 7))).toBe(b64Encode(Buffer.from("hello")));
  });
});

describe("b64Decode (strict b64_decode)", () => {
  test("pads back and decodes", () => {
    expect(b64Decode("eyJmb28iOiJiYXIifQ")?.toString()).toBe('{"foo":"bar"}');
    expect(b64Decode("e30")?.toString()).toBe("{}");
    expect(b64Decode("-_-_")).toEqual(Buffer.from([0xfb, 0xff, 0xbf]));
    expect(b64Decode("")).toEqual(Buffer.alloc(0));
  });

  test.each([
    ["a length of 4n + 1 (Python raises there too)", "e30e3"],
    ["padding, which b64_encode never writes", "e30="],
    ["the standard alphabet's '+'", "+/+/"],
    ["whitespace", "e3 0"],
    ["a newline", "e30\n"],
    ["a non-ASCII character", "e3é"],
    ["a '.' (the compression flag belongs outside)", ".e30"],
  ])("returns null for %s", (_name, text) => {
    expect(b64Decode(text)).toBeNull();
  });

  test("round trips any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = b64Encode(bytes);
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(b64Decode(text)).toEqual(Buffer.from(bytes));
      }),
      { seed: 64, numRuns: 2000 },
    );
  });

  test("returns a Buffer or null for any text, never throws", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const result = b64Decode(text);
        expect(result === null || Buffer.isBuffer(result)).toBe(true);
      }),
      { seed: 65, numRuns: 2000 },
    );
  });
});
