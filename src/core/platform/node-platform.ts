import type * as NodeBuffer from "node:buffer";
import type * as NodeCrypto from "node:crypto";
import type * as NodeZlib from "node:zlib";
import type { HashName, Platform, PreparedHmac } from "./platform";

/** Node's modules as `process.getBuiltinModule` returns them. */
export interface NodeModules {
  buffer: typeof NodeBuffer;
  crypto: typeof NodeCrypto;
  zlib: typeof NodeZlib;
}

// The values are node:crypto's names for hashlib's; `blake2b`/`blake2s` are their default
// (full-length) digests.
const NODE_NAMES: Readonly<Record<HashName, string>> = Object.freeze({
  md5: "md5",
  sha1: "sha1",
  sha224: "sha224",
  sha256: "sha256",
  sha384: "sha384",
  sha512: "sha512",
  sha3_224: "sha3-224",
  sha3_256: "sha3-256",
  sha3_384: "sha3-384",
  sha3_512: "sha3-512",
  blake2b: "blake2b512",
  blake2s: "blake2s256",
});

// HMAC block sizes (RFC 2104's B) of the hashes the one-shot path below handles.
const HMAC_BLOCK: Readonly<Partial<Record<HashName, number>>> = Object.freeze({ md5: 64, sha1: 64, sha224: 64, sha256: 64, sha384: 128, sha512: 128 });
/** Messages longer than this (in bytes, at most) take `createHmac`, whose setup cost is then noise. */
const ONE_SHOT_MAX = 64 * 1024;

// `crypto.hash` (Node 20.12+, 21.7+): a one-shot digest with no Hash object to build.
type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: "buffer" | "base64url") => Buffer | string;

/** The platform of Node, Bun and Deno: Buffer, node:crypto (OpenSSL/BoringSSL) and node:zlib, all native. */
export function createNodePlatform({ buffer, crypto, zlib }: NodeModules): Platform {
  const { Buffer } = buffer;
  const { createHash, createHmac, randomBytes } = crypto;
  const oneShotHash: OneShotHash | undefined = (crypto as { hash?: OneShotHash }).hash;
  const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

  /**
   * HMAC with a key fixed once. For md5/sha1/sha2 with `crypto.hash` available it is RFC 2104 by
   * hand, `H(K ⊕ opad ‖ H(K ⊕ ipad ‖ m))`, with the padded keys written once into a reused buffer
   * and two one-shot digests: this skips building an `Hmac` object per call, which costs more than
   * the hashing itself on a session-sized message (`createHmac` 4.3 µs, this 2.5 µs). Other
   * algorithms, very long messages and runtimes without `crypto.hash` take `createHmac`.
   */
  function prepareHmac(hashName: HashName, key: Uint8Array): PreparedHmac {
    const algorithm = NODE_NAMES[hashName];
    const viaCreateHmac: PreparedHmac = (input) => createHmac(algorithm, key).update(input).digest("base64url");
    const block = HMAC_BLOCK[hashName];
    const hash = oneShotHash;
    if (hash === undefined || block === undefined) return viaCreateHmac;
    const k = key.length > block ? createHash(algorithm).update(key).digest() : key;
    const digestSize = createHash(algorithm).digest().length;
    // [K ⊕ ipad ‖ message], grown on demand; [K ⊕ opad ‖ inner digest], fixed.
    let inner = Buffer.alloc(0);
    const outer = Buffer.alloc(block + digestSize, 0x5c);
    for (const [i, byte] of k.entries()) outer[i] = byte ^ 0x5c;
    const innerFor = (size: number): Buffer => {
      if (inner.length >= block + size) return inner;
      const grown = Buffer.alloc(block + Math.max(size, 256, Math.min(ONE_SHOT_MAX, 2 * (inner.length - block))), 0x36);
      for (const [i, byte] of k.entries()) grown[i] = byte ^ 0x36;
      inner = grown;
      return grown;
    };
    // The view of `inner` the last message hashed through: reused while lengths repeat.
    let view = inner;
    return (input) => {
      let length: number;
      if (typeof input === "string") {
        // UTF-8 takes at most 3 bytes per UTF-16 code unit.
        if (input.length * 3 > ONE_SHOT_MAX) return viaCreateHmac(input);
        const target = innerFor(input.length * 3);
        length = target.write(input, block, "utf8");
      } else {
        if (input.length > ONE_SHOT_MAX) return viaCreateHmac(input);
        const target = innerFor(input.length);
        target.set(input, block);
        length = input.length;
      }
      if (view.buffer !== inner.buffer || view.length !== block + length) view = inner.subarray(0, block + length);
      const innerDigest = hash(algorithm, view, "buffer") as Buffer;
      innerDigest.copy(outer, block);
      return hash(algorithm, outer, "base64url") as string;
    };
  }

  /** Compares two equal-length buffers, or `x` with itself (then false) so the time taken does not depend on where they differ. */
  function safeEqual(x: Buffer, y: Buffer): boolean {
    // Read off the module at each call, not destructured once: what decides is then the one
    // timingSafeEqual of node:crypto (test/reliability/security.test.ts watches it there).
    if (x.length !== y.length) {
      crypto.timingSafeEqual(x, x);
      return false;
    }
    return crypto.timingSafeEqual(x, y);
  }

  return {
    name: "node",
    utf8: (text) => Buffer.from(text, "utf8"),
    utf8Length: (text) => Buffer.byteLength(text, "utf8"),
    latin1: (text) => Buffer.from(text, "latin1"),
    latin1Text: (bytes) => asBuffer(bytes).toString("latin1"),
    base64: (bytes) => asBuffer(bytes).toString("base64"),
    base64url: (bytes) => asBuffer(bytes).toString("base64url"),
    base64urlFast: (text) => {
      // Node's decoder skips what is not base64 (and stops at "="), so it yields the full 3 bytes
      // per 4 characters only when every character is in one of the two alphabets, which is
      // exactly when Python decodes them to the same bytes.
      if (text.length % 4 === 1) return null;
      const out = Buffer.from(text, "base64url");
      return out.length === (text.length * 3) >> 2 ? out : null;
    },
    concat: (chunks) => Buffer.concat(chunks),
    randomBytes: (n) => randomBytes(n),
    digest: (algorithm, parts) => {
      const hash = createHash(NODE_NAMES[algorithm]);
      for (const part of parts) hash.update(part);
      return hash.digest();
    },
    hmac: (algorithm, key, data) => createHmac(NODE_NAMES[algorithm], key).update(data).digest(),
    prepareHmac,
    // UTF-16 code units, not UTF-8: UTF-8 would map every lone surrogate to the same U+FFFD
    // bytes and call different strings equal.
    constantTimeEqual: (a, b) => safeEqual(Buffer.from(a, "utf16le"), Buffer.from(b, "utf16le")),
    // UTF-8 against latin-1 bytes: half the size of UTF-16, and equal exactly when the strings are.
    asciiConstantTimeEqual: (given, expected) => safeEqual(Buffer.from(given, "utf8"), Buffer.from(expected, "latin1")),
    deflate: (data, level) => zlib.deflateSync(data, { level }),
    inflate: (data, maxOutputLength) => {
      try {
        return { ok: true, bytes: zlib.inflateSync(data, { maxOutputLength }) };
      } catch (error) {
        return { ok: false, tooLarge: (error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE", error: error as Error };
      }
    },
  };
}
