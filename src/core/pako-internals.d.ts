// The part of pako 2.1.0's zlib port (a runtime dependency, pinned) that ./exact-deflate.ts uses:
// its deflate state machine, so one stream can be reset and reused, its inflate (which
// ./platform/web-platform.ts drives directly), and the one-shot deflate of pako/lib (imported
// rather than pako's root, whose ESM build is one 113 KiB module that bundlers keep whole). @types/pako types only the
// high-level API.
declare module "pako/lib/zlib/zstream.js" {
  class ZStream {
    input: Uint8Array | null;
    next_in: number;
    avail_in: number;
    output: Uint8Array | null;
    next_out: number;
    avail_out: number;
    state: unknown;
    msg: string;
  }
  export = ZStream;
}

declare module "pako/lib/zlib/deflate.js" {
  import type ZStream from "pako/lib/zlib/zstream.js";
  export function deflateInit2(strm: ZStream, level: number, method: number, windowBits: number, memLevel: number, strategy: number): number;
  export function deflateResetKeep(strm: ZStream): number;
  export function deflate(strm: ZStream, flush: number): number;
}

declare module "pako/lib/zlib/inflate.js" {
  import type ZStream from "pako/lib/zlib/zstream.js";
  export function inflateInit2(strm: ZStream, windowBits: number): number;
  export function inflate(strm: ZStream, flush: number): number;
  export function inflateEnd(strm: ZStream): number;
}

declare module "pako/lib/deflate.js" {
  export function deflate(data: Uint8Array, options?: { level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 }): Uint8Array;
}
