/**
 * What the core needs from its runtime: bytes ↔ strings, base64, hashes and HMAC, randomness,
 * constant-time comparison and zlib. Node (and Bun and Deno, which implement Node's modules
 * natively) get ./node-platform.ts; a runtime without them (Cloudflare Workers, a browser) gets
 * ./web-platform.ts, Web-standard APIs plus pure-JS hashing (@noble/hashes) and zlib (pako).
 * Everything here is synchronous: Django's codec API is, and Web Crypto's `subtle` is not.
 * ./index.ts picks one when the core is first imported.
 */

/** hashlib's attribute names of the hashes Django's HMACs can use (see ../crypto.ts). */
export type HashName =
  | "md5"
  | "sha1"
  | "sha224"
  | "sha256"
  | "sha384"
  | "sha512"
  | "sha3_224"
  | "sha3_256"
  | "sha3_384"
  | "sha3_512"
  | "blake2b"
  | "blake2s";

/** `HMAC(key, input)` in base64url, for one key many times. A string input is hashed as UTF-8 (the caller checks it is well formed). */
export type PreparedHmac = (input: string | Uint8Array) => string;

/** Why an inflate stopped: the bound was passed, or the stream is not valid zlib. */
export type InflateResult = { ok: true; bytes: Uint8Array } | { ok: false; tooLarge: boolean; error: Error };

export interface Platform {
  /** Which implementation this is, for tests and diagnostics. */
  readonly name: "node" | "web";
  /** UTF-8 bytes of a well-formed string. */
  utf8(text: string): Uint8Array;
  /** Byte length of `utf8(text)`. */
  utf8Length(text: string): number;
  /** One byte per UTF-16 code unit, its low 8 bits (Node's `latin1`/`binary`). */
  latin1(text: string): Uint8Array;
  /** Each byte as the code point of the same value (`bytes.decode("latin-1")`). */
  latin1Text(bytes: Uint8Array): string;
  /** Base64 with `=` padding. */
  base64(bytes: Uint8Array): string;
  /** URL-safe base64 without padding (`b64_encode`). */
  base64url(bytes: Uint8Array): string;
  /**
   * The bytes of `text` when it is canonical unpadded base64url made of whole characters of one
   * of the two alphabets (the common case), else null: the caller then runs Python's lenient
   * decoder. A platform without a fast native decoder may always answer null.
   */
  base64urlFast(text: string): Uint8Array | null;
  concat(chunks: readonly Uint8Array[]): Uint8Array;
  /** `n` bytes from a CSPRNG. */
  randomBytes(n: number): Uint8Array;
  /** `H(parts[0] ‖ parts[1] ‖ …)`. */
  digest(algorithm: HashName, parts: readonly Uint8Array[]): Uint8Array;
  /** `HMAC(key, data)` as raw bytes. */
  hmac(algorithm: HashName, key: Uint8Array, data: Uint8Array): Uint8Array;
  /** An HMAC with its key fixed once (what a signer computes per call). */
  prepareHmac(algorithm: HashName, key: Uint8Array): PreparedHmac;
  /** Constant-time equality of two strings' UTF-16 code units; only the lengths may leak. */
  constantTimeEqual(a: string, b: string): boolean;
  /**
   * `constantTimeEqual` where `expected` is known to be ASCII (a signature we computed). A
   * platform may compare UTF-8 bytes then: any non-ASCII character or lone surrogate in `given`
   * turns into bytes >= 0x80, which an ASCII `expected` never has.
   */
  asciiConstantTimeEqual(given: string, expected: string): boolean;
  /** zlib (RFC 1950) stream at `level`. */
  deflate(data: Uint8Array, level: number): Uint8Array;
  /** `zlib.decompress(data)` (trailing bytes after the stream ignored, as in Python), at most `maxOutputLength` bytes. */
  inflate(data: Uint8Array, maxOutputLength: number): InflateResult;
}
