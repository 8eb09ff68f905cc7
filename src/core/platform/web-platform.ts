// See ../pako-internals.d.ts: the typings of pako's zlib port that these imports use.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../pako-internals.d.ts" />
import { blake2b, blake2s } from "@noble/hashes/blake2";
import { hmac } from "@noble/hashes/hmac";
import { md5, sha1 } from "@noble/hashes/legacy";
import { sha224, sha256, sha384, sha512 } from "@noble/hashes/sha2";
import { sha3_224, sha3_256, sha3_384, sha3_512 } from "@noble/hashes/sha3";
import type { CHash } from "@noble/hashes/utils";
import { deflate as pakoDeflate } from "pako/lib/deflate.js";
import * as zlibInflate from "pako/lib/zlib/inflate.js";
import ZStream from "pako/lib/zlib/zstream.js";
import { ImproperlyConfigured } from "../errors";
import type { HashName, InflateResult, Platform, PreparedHmac } from "./platform";

// @noble/hashes (audited, pure JS): the same functions as hashlib's, each with its own block
// size, which its HMAC uses as Python's hmac does.
const HASHES: Readonly<Record<HashName, CHash>> = Object.freeze({
  md5,
  sha1,
  sha224,
  sha256,
  sha384,
  sha512,
  sha3_224,
  sha3_256,
  sha3_384,
  sha3_512,
  blake2b,
  blake2s,
});

const encoder = new TextEncoder();
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function base64With(alphabet: string, bytes: Uint8Array, pad: boolean): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += alphabet.charAt(n >> 18) + alphabet.charAt((n >> 12) & 63) + alphabet.charAt((n >> 6) & 63) + alphabet.charAt(n & 63);
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = ((bytes[i] ?? 0) << 16) | (rest === 2 ? (bytes[i + 1] ?? 0) << 8 : 0);
    out += alphabet.charAt(n >> 18) + alphabet.charAt((n >> 12) & 63);
    if (rest === 2) out += alphabet.charAt((n >> 6) & 63);
    if (pad) out += rest === 2 ? "=" : "==";
  }
  return out;
}

function latin1Text(bytes: Uint8Array): string {
  // fromCharCode.apply in slices: one argument per byte, under every engine's argument limit.
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 8192)));
  return out;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const chunk of chunks) size += chunk.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Constant-time over the code units of two equal-length strings; a length mismatch compares `a` with itself. */
function constantTimeEqual(a: string, b: string): boolean {
  const same = a.length === b.length;
  const other = same ? b : a;
  let diff = same ? 0 : 1;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ other.charCodeAt(i);
  return diff === 0;
}

const Z_OK = 0;
const Z_STREAM_END = 1;
const Z_NO_FLUSH = 0;
const INFLATE_CHUNK = 16 * 1024;

/**
 * `zlib.decompress(data)` with a bound, through pako's zlib port directly: pako's `inflate()`
 * reads bytes after the end of the stream as a second stream (and fails on them), where Python
 * and node:zlib ignore them; a stream that ends early or has a wrong Adler-32 fails in all three.
 */
function inflate(data: Uint8Array, maxOutputLength: number): InflateResult {
  const strm = new ZStream();
  if (zlibInflate.inflateInit2(strm, 15) !== Z_OK) return { ok: false, tooLarge: false, error: new Error("zlib: inflateInit2 failed") };
  strm.input = data;
  strm.next_in = 0;
  strm.avail_in = data.length;
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const output = new Uint8Array(INFLATE_CHUNK);
      strm.output = output;
      strm.next_out = 0;
      strm.avail_out = INFLATE_CHUNK;
      const status = zlibInflate.inflate(strm, Z_NO_FLUSH);
      total += strm.next_out;
      if (total > maxOutputLength) return { ok: false, tooLarge: true, error: new RangeError(`Cannot inflate past ${maxOutputLength} bytes`) };
      chunks.push(output.subarray(0, strm.next_out));
      if (status === Z_STREAM_END) return { ok: true, bytes: chunks.length === 1 ? (chunks[0] ?? new Uint8Array(0)) : concat(chunks) };
      // Z_BUF_ERROR with input left means no progress was possible: the stream is cut short.
      if (status !== Z_OK || (strm.avail_in === 0 && strm.avail_out > 0)) {
        return { ok: false, tooLarge: false, error: new SyntaxError(`zlib: ${strm.msg || "unexpected end of file"}`) };
      }
    }
  } finally {
    zlibInflate.inflateEnd(strm);
  }
}

/** The platform of runtimes without Node's modules: Web-standard APIs, @noble/hashes and pako. */
export function createWebPlatform(): Platform {
  const cryptoApi = (globalThis as { crypto?: { getRandomValues?: (array: Uint8Array) => Uint8Array } }).crypto;
  return {
    name: "web",
    utf8: (text) => encoder.encode(text),
    utf8Length: (text) => encoder.encode(text).length,
    latin1: (text) => {
      const out = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
      return out;
    },
    latin1Text,
    base64: (bytes) => base64With(B64, bytes, true),
    base64url: (bytes) => base64With(B64URL, bytes, false),
    base64urlFast: () => null,
    concat,
    randomBytes: (n) => {
      // Web Crypto's getRandomValues: the CSPRNG of every runtime here (Workers, browsers, Deno, Bun, Node).
      if (typeof cryptoApi?.getRandomValues !== "function") {
        throw new ImproperlyConfigured("This runtime has no CSPRNG (globalThis.crypto.getRandomValues): session keys cannot be generated here.");
      }
      return cryptoApi.getRandomValues(new Uint8Array(n));
    },
    digest: (algorithm, parts) => {
      const hash = HASHES[algorithm].create();
      for (const part of parts) hash.update(part);
      return hash.digest();
    },
    hmac: (algorithm, key, data) => hmac(HASHES[algorithm], key, data),
    prepareHmac: (algorithm, key): PreparedHmac => {
      // The keyed inner and outer states are built once; each call clones them.
      const keyed = hmac.create(HASHES[algorithm], key);
      return (input) => base64With(B64URL, keyed.clone().update(typeof input === "string" ? encoder.encode(input) : input).digest(), false);
    },
    constantTimeEqual,
    // Equal code units are equal strings, and an ASCII `expected` differs from any non-ASCII `given`.
    asciiConstantTimeEqual: constantTimeEqual,
    deflate: (data, level) => pakoDeflate(data, { level: level as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 }),
    inflate,
  };
}
