import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { deflate, inflate } from "pako";
import { exactDeflate } from "../../src/core/exact-deflate";

/** The bytes a fresh pako stream writes: CPython's zlib.compress (test/vectors checks pako against CPython). */
const fresh = (data: Uint8Array) => Buffer.from(deflate(data));

describe("exactDeflate (one pako stream, reset between calls) writes what a fresh pako.deflate writes", () => {
  test("for arbitrary bytes and JSON-like text, call after call", () => {
    const text = fc.string({ unit: fc.constantFrom("a", "b", "{", '"', ":", "1", "\u00e9", " "), maxLength: 3000 }).map((s) => Buffer.from(s, "latin1"));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 3000 }), text), (data) => {
        expect(Buffer.from(exactDeflate(data))).toEqual(fresh(data));
      }),
      { seed: 606, numRuns: 1500 },
    );
  });

  test("for sizes around and past the 32 KiB window and the 64 KiB buffers, big and small alternating", () => {
    const sizes = [0, 1, 257, 32 * 1024 - 1, 32 * 1024, 32 * 1024 + 1, 64 * 1024, 200_000, 5, 1_000_000, 3];
    for (const size of sizes) {
      for (const data of [randomBytes(size), Buffer.from("session ".repeat(Math.ceil(size / 8)).slice(0, size))]) {
        const out = Buffer.from(exactDeflate(data));
        expect(out).toEqual(fresh(data));
        expect(Buffer.from(inflate(out))).toEqual(data);
      }
    }
  });

  test("a view of a larger buffer is compressed as its own bytes", () => {
    const backing = Buffer.from("xxxx{\"a\":\"hello hello hello\"}yyyy");
    const view = backing.subarray(4, backing.length - 4);
    expect(Buffer.from(exactDeflate(view))).toEqual(fresh(Buffer.from(view)));
  });
});
