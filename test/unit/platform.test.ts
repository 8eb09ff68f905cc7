/**
 * The two platforms of src/core/platform give the same answers: Node's (Buffer, node:crypto,
 * node:zlib: what Node, Bun and Deno run) and the Web one (TextEncoder, @noble/hashes, pako: what
 * Workers run; scripts/test-runtimes.js runs Django's vectors on it in workerd). Here both run
 * side by side on Node, on generated input.
 */
import * as nodeBuffer from "node:buffer";
import * as nodeCrypto from "node:crypto";
import * as nodeZlib from "node:zlib";
import fc from "fast-check";
import { nodeModules, platform, type HashName } from "../../src/core/platform";
import { createNodePlatform } from "../../src/core/platform/node-platform";
import { createWebPlatform } from "../../src/core/platform/web-platform";

const node = createNodePlatform({ buffer: nodeBuffer, crypto: nodeCrypto, zlib: nodeZlib });
const web = createWebPlatform();
const HASHES: HashName[] = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256", "sha3_384", "sha3_512", "blake2b", "blake2s"];
const bytes = fc.uint8Array({ maxLength: 600 });
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("which platform the core picks", () => {
  test("Node's own modules on Node", () => {
    expect(platform.name).toBe("node");
  });

  test("the Web platform without process.getBuiltinModule, or on Cloudflare Workers (even under nodejs_compat)", () => {
    expect(nodeModules({})).toBeNull();
    expect(nodeModules({ process: { versions: { node: "20.0.0" } } })).toBeNull();
    const getBuiltinModule = (id: string) => process.getBuiltinModule(id);
    expect(nodeModules({ process: { getBuiltinModule, versions: { node: "22.0.0" } }, navigator: { userAgent: "Cloudflare-Workers" } })).toBeNull();
    expect(nodeModules({ process: { getBuiltinModule, versions: { node: "22.0.0" } } })?.crypto).toBe(process.getBuiltinModule("node:crypto"));
  });
});

describe("bytes and strings", () => {
  test("UTF-8 and its length, for well-formed strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (text) => {
        expect(hex(web.utf8(text))).toBe(hex(node.utf8(text)));
        expect(web.utf8Length(text)).toBe(node.utf8Length(text));
      }),
    );
  });

  test("latin-1 both ways, any code unit", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), bytes, (text, raw) => {
        expect(hex(web.latin1(text))).toBe(hex(node.latin1(text)));
        expect(web.latin1Text(raw)).toBe(node.latin1Text(raw));
      }),
    );
    const big = new Uint8Array(70_000).map((_, i) => i & 0xff);
    expect(web.latin1Text(big)).toBe(node.latin1Text(big));
  });

  test("base64 and base64url, and concat", () => {
    fc.assert(
      fc.property(bytes, bytes, (a, b) => {
        expect(web.base64(a)).toBe(node.base64(a));
        expect(web.base64url(a)).toBe(node.base64url(a));
        expect(hex(web.concat([a, b]))).toBe(hex(node.concat([a, b])));
      }),
    );
  });
});

describe("hashes, HMAC and comparison", () => {
  test.each(HASHES)("%s: digest, HMAC and the prepared HMAC agree, keys shorter and longer than a block", (name) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), bytes, bytes, (key, a, b) => {
        expect(hex(web.digest(name, [a, b]))).toBe(hex(node.digest(name, [a, b])));
        expect(hex(web.hmac(name, key, a))).toBe(hex(node.hmac(name, key, a)));
        const [w, n] = [web.prepareHmac(name, key), node.prepareHmac(name, key)];
        expect(w(a)).toBe(n(a));
        // Twice, and a string: the prepared state carries nothing over.
        expect(w(a)).toBe(n(a));
        expect(w("é🐍 value")).toBe(n("é🐍 value"));
      }),
      { numRuns: 30 },
    );
  });

  test("constant-time comparisons answer alike, lone surrogates and length mismatches included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 8 }), fc.string({ unit: "binary", maxLength: 8 }), (a, b) => {
        expect(web.constantTimeEqual(a, b)).toBe(node.constantTimeEqual(a, b));
        expect(web.constantTimeEqual(a, a)).toBe(true);
        const ascii = b.replace(/[^\x20-\x7e]/g, "x");
        expect(web.asciiConstantTimeEqual(a, ascii)).toBe(node.asciiConstantTimeEqual(a, ascii));
        expect(web.asciiConstantTimeEqual(ascii, ascii)).toBe(true);
      }),
    );
  });

  test("random bytes of the length asked", () => {
    expect(web.randomBytes(40)).toHaveLength(40);
    expect(hex(web.randomBytes(16))).not.toBe(hex(web.randomBytes(16)));
  });
});

describe("zlib", () => {
  const text = (n: number) => new TextEncoder().encode(`{"_auth_user_id":"1","cart":[${Array.from({ length: n }, (_, i) => i).join(",")}]}`);

  test("each inflates what the other deflated, at every level", () => {
    for (const level of [1, 3, 6, 9]) {
      for (const data of [new Uint8Array(0), text(10), text(5000)]) {
        expect(hex(unwrap(web.inflate(node.deflate(data, level), 1 << 20)))).toBe(hex(data));
        expect(hex(unwrap(node.inflate(web.deflate(data, level), 1 << 20)))).toBe(hex(data));
      }
    }
  });

  test("the same outcome for cut, corrupted, trailing-garbage and oversized streams", () => {
    const stream = node.deflate(text(3000), 6);
    const cases: [string, Uint8Array, number][] = [
      ["whole", stream, 1 << 20],
      ["trailing bytes (ignored, as by Python's zlib)", node.concat([stream, new Uint8Array([1, 2, 3])]), 1 << 20],
      ["cut short", stream.subarray(0, stream.length - 5), 1 << 20],
      ["no checksum", stream.subarray(0, stream.length - 4), 1 << 20],
      ["bad adler32", node.concat([stream.subarray(0, -1), new Uint8Array([(stream[stream.length - 1] ?? 0) ^ 1])]), 1 << 20],
      ["raw deflate, no zlib header", stream.subarray(2), 1 << 20],
      ["empty", new Uint8Array(0), 1 << 20],
      ["exactly at the bound", stream, text(3000).length],
      ["one byte past the bound", stream, text(3000).length - 1],
    ];
    for (const [name, data, max] of cases) {
      const [w, n] = [web.inflate(data, max), node.inflate(data, max)];
      expect({ name, ok: w.ok, tooLarge: w.ok ? null : w.tooLarge, bytes: w.ok ? hex(w.bytes) : null }).toEqual({
        name,
        ok: n.ok,
        tooLarge: n.ok ? null : n.tooLarge,
        bytes: n.ok ? hex(n.bytes) : null,
      });
    }
  });

  test("random bytes never crash either, and get the same verdict", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
        const withHeader = node.concat([new Uint8Array([0x78, 0x9c]), data]);
        for (const input of [data, withHeader]) expect(web.inflate(input, 4096).ok).toBe(node.inflate(input, 4096).ok);
      }),
    );
  });
});

function unwrap(result: ReturnType<typeof node.inflate>): Uint8Array {
  if (!result.ok) throw result.error;
  return result.bytes;
}
