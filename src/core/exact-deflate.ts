// The reference makes the pako typings (ambient `declare module`s, which no import can name) part
// of every program that compiles this file, e.g. the examples' tsconfig, which maps
// django-session to src/ without including src/ itself.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./pako-internals.d.ts" />
/**
 * `zlib.compress(data)` byte for byte as CPython writes it (level 6, window 15, memLevel 8), for
 * `compression.exact`. pako is a port of the same zlib, so its output is CPython's; but
 * `pako.deflate` builds a new stream per call (a 64 KiB window, 64 KiB of hash chains, a 64 KiB
 * pending buffer) and clears its hash table one entry at a time, which costs ~200 µs on a
 * 200-byte session. Here one stream is built once and reset between calls, the table cleared with
 * a native `fill(0)`: the same bytes (checked against `pako.deflate` on first use, and by the
 * tests) at ~35 µs for that session. Synchronous, so the one stream is never shared by two calls.
 */
import { deflate as pakoDeflate } from "pako/lib/deflate.js";
import * as zlibDeflate from "pako/lib/zlib/deflate.js";
import ZStream from "pako/lib/zlib/zstream.js";
import { platform } from "./platform";

const Z_OK = 0;
const Z_STREAM_END = 1;
const Z_FINISH = 4;
const Z_DEFLATED = 8;
const MIN_MATCH = 3;

/** The fields of pako's deflate state that its `lm_init` resets (the rest `deflateResetKeep` does). */
interface DeflateState {
  w_size: number;
  window_size: number;
  head: Uint16Array;
  strstart: number;
  block_start: number;
  lookahead: number;
  insert: number;
  match_length: number;
  prev_length: number;
  match_available: number;
  ins_h: number;
}

let stream: ZStream | null = null;
/** null: not yet checked; false: this pako does not behave as expected, use pako.deflate. */
let reusable: boolean | null = null;

function isState(state: unknown): state is DeflateState {
  const s = state as Partial<DeflateState> | null;
  return typeof s === "object" && s !== null && s.head instanceof Uint16Array && typeof s.w_size === "number" && typeof s.strstart === "number";
}

/** A fresh stream, or the previous one reset as `deflateReset` would, or null if pako is not as expected. */
function readyStream(): ZStream | null {
  if (stream === null) {
    const fresh = new ZStream();
    if (zlibDeflate.deflateInit2(fresh, 6, Z_DEFLATED, 15, 8, 0) !== Z_OK || !isState(fresh.state)) return null;
    stream = fresh;
    return fresh;
  }
  if (zlibDeflate.deflateResetKeep(stream) !== Z_OK || !isState(stream.state)) return null;
  // pako's lm_init, with the hash table cleared natively; the level's match parameters are the
  // ones deflateInit2 set (deflateParams is never called on this stream).
  const s = stream.state;
  s.window_size = 2 * s.w_size;
  s.head.fill(0);
  s.strstart = 0;
  s.block_start = 0;
  s.lookahead = 0;
  s.insert = 0;
  s.match_length = s.prev_length = MIN_MATCH - 1;
  s.match_available = 0;
  s.ins_h = 0;
  return stream;
}

function deflateReusing(data: Uint8Array): Uint8Array | null {
  const strm = readyStream();
  if (strm === null) return null;
  strm.input = data;
  strm.next_in = 0;
  strm.avail_in = data.length;
  // zlib's deflateBound is len + len/4096 + len/16384 + 13 (+ the 6-byte wrapper): one chunk.
  const size = data.length + (data.length >> 10) + 64;
  const chunks: Uint8Array[] = [];
  try {
    for (;;) {
      const output = new Uint8Array(size);
      strm.output = output;
      strm.next_out = 0;
      strm.avail_out = size;
      const status = zlibDeflate.deflate(strm, Z_FINISH);
      const piece = output.subarray(0, strm.next_out);
      if (status === Z_STREAM_END && chunks.length === 0) return piece;
      chunks.push(piece);
      if (status === Z_STREAM_END) break;
      if (status !== Z_OK) return null;
    }
  } catch {
    return null;
  } finally {
    strm.input = null;
    strm.output = null;
  }
  return platform.concat(chunks);
}

/** CPython's `zlib.compress(data)` bytes. */
/** Whether two compressed streams are identical (public bytes, no secret: no constant time needed). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function exactDeflate(data: Uint8Array): Uint8Array {
  if (reusable === false) return pakoDeflate(data);
  const out = deflateReusing(data);
  if (out === null) {
    // Something about this pako is not what the reuse expects: drop the stream, keep exactness.
    stream = null;
    reusable = false;
    return pakoDeflate(data);
  }
  if (reusable === null) {
    // Once: the reused stream must write what a fresh pako stream writes, twice in a row.
    const probe = platform.latin1('{"_auth_user_id":"1","n":[1,2,3],"s":"reuse check reuse check"}');
    const reference = pakoDeflate(probe);
    const first = deflateReusing(probe);
    const second = deflateReusing(probe);
    reusable = first !== null && second !== null && sameBytes(reference, first) && sameBytes(reference, second) && sameBytes(pakoDeflate(data), out);
    if (!reusable) {
      stream = null;
      return pakoDeflate(data);
    }
  }
  return out;
}
