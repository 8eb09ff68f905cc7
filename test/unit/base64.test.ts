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

describe("b64Decode (Django's b64_decode, exactly as CPython's binascii reads it)", () => {
  test("pads back and decodes", () => {
    expect(b64Decode("eyJmb28iOiJiYXIifQ")?.toString()).toBe('{"foo":"bar"}');
    expect(b64Decode("e30")?.toString()).toBe("{}");
    expect(b64Decode("-_-_")).toEqual(Buffer.from([0xfb, 0xff, 0xbf]));
    expect(b64Decode("")).toEqual(Buffer.alloc(0));
  });

  // What base64.urlsafe_b64decode(s + b"=" * (-len(s) % 4)) returns (CPython 3.11, checked by hand
  // and, for thousands of generated strings, against real Django in test/interop/django-codec.test.ts).
  test.each([
    ["padding, which b64_encode never writes", "e30=", "7b7d"],
    ["the standard alphabet's '+' and '/'", "+/+/", "fbffbf"],
    ["both alphabets mixed", "-/+_", "fbffbf"],
    ["whitespace, skipped", "e3 0=", "7b7d"],
    ["a newline, skipped", "e30\n===", "7b7d"],
    ["a '.', skipped (the compression flag belongs outside)", ".e30=", "7b7d"],
    ["a non-ASCII character: its UTF-8 bytes are skipped, and count for the padding", "e3\u00e9=", "7b"],
    ["a complete padding sequence, which ends the input", "e30=e30", "7b7d"],
    ["a stray '=' before a quad's third character, skipped", "e=30=", "7b7d"],
    ["a stray '=' in a 5-character string", "e=30e", "7b7d1e"],
    ["only characters outside the alphabet", "!!!!", ""],
  ])("reads %s", (_name, text, hex) => {
    expect(b64Decode(text)).toEqual(Buffer.from(hex, "hex"));
  });

  test.each([
    ["a length of 4n + 1", "e30e3"],
    ["4n + 1 characters once the junk is skipped", "e30e!3"],
    ["incomplete padding", "e3=0"],
    ["a skipped character that leaves the padding short", "e3 0"],
    ["a skipped newline that leaves the padding short", "e30\n"],
    ["a non-ASCII character that leaves the padding short", "e3\u00e9"],
  ])("returns null where Python raises binascii.Error: %s", (_name, text) => {
    expect(b64Decode(text)).toBeNull();
  });

  test("takes bytes as they are, and a string as its UTF-8 bytes", () => {
    expect(b64Decode(Buffer.from("e30"))).toEqual(Buffer.from("{}"));
    expect(b64Decode("e3\u00e90")).toEqual(b64Decode(Buffer.from("e3\u00e90", "utf8")));
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

  test("the native fast path and the byte-by-byte reader agree on any text", () => {
    // A string takes Node's decoder when it yields 3 bytes per 4 characters; bytes always take
    // the reader that follows binascii. Strings from a small alphabet hit every branch.
    const unit = fc.constantFrom("A", "z", "0", "9", "-", "_", "+", "/", "=", "!", " ", "\n", "\u00e9", "\ud83d\udc0d", "Q", "w", ".");
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 24 }), (text) => {
        expect(b64Decode(text)).toEqual(b64Decode(Buffer.from(text, "utf8")));
      }),
      { seed: 66, numRuns: 20000 },
    );
  });

  test("padded standard base64 (the pre-3.1 format) takes the native path and reads as binascii does", () => {
    // Mostly canonical padded values, some with a character changed: the pad is set aside only
    // when it ends whole quads, and the answer must be the byte-by-byte reader's either way.
    const swap = fc.constantFrom("=", "-", "_", "!", "A");
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), swap, fc.boolean(), (bytes, at, c, mutate) => {
        let text = Buffer.from(bytes).toString("base64");
        if (mutate) text = text.slice(0, at % text.length) + c + text.slice((at % text.length) + 1);
        expect(b64Decode(text)).toEqual(b64Decode(Buffer.from(text, "utf8")));
        if (!mutate) expect(b64Decode(text)).toEqual(Buffer.from(bytes));
      }),
      { seed: 67, numRuns: 20000 },
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
