/**
 * Writing (`pickleDumps`): byte-identical to CPython's `pickle.dumps(d, protocol)` (2–5), where
 * `d` is the dict `json.loads` gives for the same data (which is what Django's cached_db holds
 * after reading the row). Pickle's memo works on object identity, so the string sharing of such
 * a dict is reproduced: dict keys equal to an earlier key, and strings of at most one Latin-1
 * character (CPython's singletons), are written as memo references. Equal strings of other
 * origins may be separate objects in Python and written twice; every unpickler reads both forms
 * the same. Numbers follow the JSON codec's rule: a safe integer is a Python int, any other
 * number a float, a `bigint` an int. Arrays are written as lists.
 */
import { asNodeBuffer } from "../crypto";
import { platform } from "../platform";
import { PickleError, DEFAULT_MAX_DEPTH } from "./errors";
import { OP } from "./opcodes";
import { PyDatetime, isPlainDict } from "./values";

export interface PickleDumpsOptions {
  /** 5 = `pickle.HIGHEST_PROTOCOL` (Django's RedisCache), 4 = `DEFAULT_PROTOCOL` (django-redis). @default 5 */
  protocol?: 2 | 3 | 4 | 5;
}

const FRAME_SIZE_TARGET = 64 * 1024;
const FRAME_SIZE_MIN = 4;
const BATCHSIZE = 1000;

/** A growable byte buffer. */
class ByteSink {
  buf = new Uint8Array(256);
  len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  u32(n: number): void {
    this.ensure(4);
    this.buf[this.len++] = n & 0xff;
    this.buf[this.len++] = (n >>> 8) & 0xff;
    this.buf[this.len++] = (n >>> 16) & 0xff;
    this.buf[this.len++] = (n >>> 24) & 0xff;
  }

  u64(n: number): void {
    this.u32(n >>> 0);
    this.u32(Math.floor(n / 0x100000000));
  }

  take(): Uint8Array {
    const out = this.buf.subarray(0, this.len);
    this.buf = new Uint8Array(256);
    this.len = 0;
    return out;
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** CPython's `str.encode("utf-8", "surrogatepass")`: lone surrogates become 3-byte sequences. */
function encodeUtf8(text: string): Uint8Array {
  if (!LONE_SURROGATE.test(text)) return platform.utf8(text);
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
        i++;
      }
    }
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return Uint8Array.from(out);
}

/** Python's `encode_long`: minimal little-endian two's complement (empty for 0). */
function encodeLong(x: bigint): Uint8Array {
  if (x === 0n) return new Uint8Array(0);
  const negative = x < 0n;
  // nbytes = (x.bit_length() >> 3) + 1, bit_length being that of |x|.
  const nbytes = ((negative ? -x : x).toString(2).length >> 3) + 1;
  let v = negative ? (1n << BigInt(8 * nbytes)) + x : x;
  const out = new Uint8Array(nbytes);
  for (let i = 0; i < nbytes; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  // A redundant 0xff sign byte (the byte below it already has its top bit set) is dropped.
  const below = nbytes > 1 ? out[nbytes - 2] : undefined;
  if (negative && below !== undefined && out[nbytes - 1] === 0xff && (below & 0x80) !== 0) return out.subarray(0, nbytes - 1);
  return out;
}

/**
 * `pickle.dumps(value, protocol)` as CPython writes it for the dict `json.loads` would give
 * (see the module comment). Throws `PickleError("unsupported")` for values outside the subset.
 */
export function pickleDumps(value: unknown, options: PickleDumpsOptions = {}): Buffer {
  const protocol = options.protocol ?? 5;
  if (![2, 3, 4, 5].includes(protocol)) throw new PickleError("unsupported", `pickle protocol ${String(protocol)} is not written (2 to 5 are)`);
  return new Writer(protocol).dump(value);
}

class Writer {
  private readonly out = new ByteSink();
  private frame: ByteSink | null = null;
  private memoCount = 0;
  // Strings Python would share by identity (see the module comment), and the datetime globals.
  private readonly keyMemo = new Map<string, number>();
  private readonly charMemo = new Map<string, number>();
  private readonly objMemo = new Map<string, number>();
  private readonly active = new Set<object>();
  private depth = 0;

  constructor(private readonly proto: number) {}

  private get w(): ByteSink {
    return this.frame ?? this.out;
  }

  dump(value: unknown): Buffer {
    this.out.byte(OP.PROTO);
    this.out.byte(this.proto);
    if (this.proto >= 4) this.frame = new ByteSink();
    this.save(value);
    this.w.byte(OP.STOP);
    this.commitFrame(true);
    this.frame = null;
    const bytes = this.out.take();
    // A Buffer on Node, Bun and Deno (what Redis clients take); the bytes elsewhere.
    return asNodeBuffer(bytes);
  }

  private commitFrame(force: boolean): void {
    const frame = this.frame;
    if (!frame || (frame.len < FRAME_SIZE_TARGET && !force)) return;
    const data = frame.take();
    if (data.length >= FRAME_SIZE_MIN) {
      this.out.byte(OP.FRAME);
      this.out.u64(data.length);
    }
    this.out.bytes(data);
  }

  private memoize(): number {
    const index = this.memoCount++;
    if (this.proto >= 4) this.w.byte(OP.MEMOIZE);
    else if (index < 256) {
      this.w.byte(OP.BINPUT);
      this.w.byte(index);
    } else {
      this.w.byte(OP.LONG_BINPUT);
      this.w.u32(index);
    }
    return index;
  }

  private get(index: number): void {
    if (index < 256) {
      this.w.byte(OP.BINGET);
      this.w.byte(index);
    } else {
      this.w.byte(OP.LONG_BINGET);
      this.w.u32(index);
    }
  }

  private save(value: unknown, isKey = false): void {
    // pickle.py commits a full frame at the start of every save().
    this.commitFrame(false);
    if (value === null) return this.w.byte(OP.NONE);
    switch (typeof value) {
      case "boolean":
        return this.w.byte(value ? OP.NEWTRUE : OP.NEWFALSE);
      case "number":
        if (Number.isSafeInteger(value) && !Object.is(value, -0)) return this.saveInt(value);
        return this.saveFloat(value);
      case "bigint":
        return this.saveBigint(value);
      case "string":
        return this.saveStr(value, isKey);
      case "object":
        break;
      default:
        throw new PickleError("unsupported", `cannot pickle a ${typeof value}`);
    }
    if (value instanceof PyDatetime) return this.saveDatetime(value);
    if (value instanceof Date) return this.saveDatetime(PyDatetime.fromDate(value));
    const isArray = Array.isArray(value);
    if (!isArray && !isPlainDict(value)) {
      throw new PickleError("unsupported", `cannot pickle ${value.constructor?.name ?? "this object"}: only plain objects, arrays and JSON-like values`);
    }
    if (this.active.has(value)) throw new PickleError("unsupported", "cannot pickle a recursive structure");
    if (++this.depth > DEFAULT_MAX_DEPTH) throw new PickleError("unsupported", `nesting deeper than ${DEFAULT_MAX_DEPTH}`);
    this.active.add(value);
    if (isArray) this.saveList(value as unknown[]);
    else this.saveDict(value as Record<string, unknown>);
    this.active.delete(value);
    this.depth--;
  }

  private saveInt(n: number): void {
    const w = this.w;
    if (n >= 0 && n <= 0xff) {
      w.byte(OP.BININT1);
      w.byte(n);
    } else if (n >= 0 && n <= 0xffff) {
      w.byte(OP.BININT2);
      w.byte(n & 0xff);
      w.byte(n >> 8);
    } else if (n >= -0x80000000 && n <= 0x7fffffff) {
      w.byte(OP.BININT);
      w.u32(n >>> 0);
    } else {
      this.saveLong(BigInt(n));
    }
  }

  private saveBigint(n: bigint): void {
    if (n >= -0x80000000n && n <= 0x7fffffffn) return this.saveInt(Number(n));
    this.saveLong(n);
  }

  private saveLong(n: bigint): void {
    const encoded = encodeLong(n);
    const w = this.w;
    if (encoded.length < 256) {
      w.byte(OP.LONG1);
      w.byte(encoded.length);
    } else {
      w.byte(OP.LONG4);
      w.u32(encoded.length);
    }
    w.bytes(encoded);
  }

  private saveFloat(x: number): void {
    const bytes = new Uint8Array(9);
    bytes[0] = OP.BINFLOAT;
    new DataView(bytes.buffer).setFloat64(1, x, false);
    this.w.bytes(bytes);
  }

  private saveStr(text: string, isKey: boolean): void {
    // CPython shares 0/1-character Latin-1 strings (singletons) and, in a json.loads result, equal dict keys.
    const singleton = text.length === 0 || (text.length === 1 && text.charCodeAt(0) < 256);
    const shared = singleton ? this.charMemo : isKey ? this.keyMemo : null;
    const known = shared?.get(text);
    if (known !== undefined) return this.get(known);
    const encoded = encodeUtf8(text);
    const n = encoded.length;
    if (n <= 0xff && this.proto >= 4) {
      this.w.byte(OP.SHORT_BINUNICODE);
      this.w.byte(n);
      this.w.bytes(encoded);
    } else if (n > 0xffffffff && this.proto >= 4) {
      this.writeLarge(OP.BINUNICODE8, n, encoded, true);
    } else if (n >= FRAME_SIZE_TARGET) {
      this.writeLarge(OP.BINUNICODE, n, encoded, false);
    } else {
      this.w.byte(OP.BINUNICODE);
      this.w.u32(n);
      this.w.bytes(encoded);
    }
    const index = this.memoize();
    if (shared) {
      shared.set(text, index);
      // A key that is a singleton is the same object as the equal singleton value, and vice versa.
      if (singleton) this.keyMemo.set(text, index);
    }
  }

  /** pickle.py `_write_large_bytes`: a payload of a frame's size goes between frames, unframed. */
  private writeLarge(opcode: number, n: number, payload: Uint8Array, long: boolean): void {
    if (this.frame) this.commitFrame(true);
    this.out.byte(opcode);
    if (long) this.out.u64(n);
    else this.out.u32(n);
    this.out.bytes(payload);
  }

  // CPython's C pickler (`batch_dict_exact`), which differs from pickle.py: one item is
  // `key value SETITEM`; otherwise MARK ... SETITEMS batches of 1000, and a dict of exactly
  // k*1000 items ends with an empty MARK SETITEMS batch.
  private saveDict(dict: Record<string, unknown>): void {
    this.w.byte(OP.EMPTY_DICT);
    this.memoize();
    const entries = Object.entries(dict);
    if (entries.length === 0) return;
    const only = entries.length === 1 ? entries[0] : undefined;
    if (only !== undefined) {
      this.save(only[0], true);
      this.save(only[1]);
      this.w.byte(OP.SETITEM);
      return;
    }
    let start = 0;
    let batch: number;
    do {
      batch = Math.min(BATCHSIZE, entries.length - start);
      this.w.byte(OP.MARK);
      for (const [key, value] of entries.slice(start, start + batch)) {
        this.save(key, true);
        this.save(value);
      }
      this.w.byte(OP.SETITEMS);
      start += batch;
    } while (batch === BATCHSIZE);
  }

  // `batch_list_exact`: one item is `item APPEND`; otherwise MARK ... APPENDS batches of 1000
  // while items remain (no empty batch, unlike dicts).
  private saveList(list: unknown[]): void {
    this.w.byte(OP.EMPTY_LIST);
    this.memoize();
    if (list.length === 0) return;
    if (list.length === 1) {
      this.save(list[0]);
      this.w.byte(OP.APPEND);
      return;
    }
    let total = 0;
    do {
      this.w.byte(OP.MARK);
      const end = Math.min(list.length, total + BATCHSIZE);
      for (; total < end; total++) this.save(list[total]);
      this.w.byte(OP.APPENDS);
    } while (total < list.length);
  }

  /** A memoized "datetime.<name>" global, as `save_global` writes it (the module name string is shared). */
  private saveGlobal(name: string): void {
    this.commitFrame(false);
    const known = this.objMemo.get(`global:${name}`);
    if (known !== undefined) return this.get(known);
    if (this.proto >= 4) {
      this.commitFrame(false);
      const module = this.objMemo.get("str:datetime");
      if (module !== undefined) this.get(module);
      else {
        this.saveRawStr("datetime");
        this.objMemo.set("str:datetime", this.memoize());
      }
      this.commitFrame(false);
      this.saveRawStr(name);
      this.memoize();
      this.w.byte(OP.STACK_GLOBAL);
    } else {
      this.w.byte(OP.GLOBAL);
      this.w.bytes(platform.latin1(`datetime\n${name}\n`));
    }
    this.objMemo.set(`global:${name}`, this.memoize());
  }

  private saveRawStr(text: string): void {
    // Node's "ascii" encoder is its latin-1 one.
    const encoded = platform.latin1(text);
    if (this.proto >= 4) {
      this.w.byte(OP.SHORT_BINUNICODE);
      this.w.byte(encoded.length);
    } else {
      this.w.byte(OP.BINUNICODE);
      this.w.u32(encoded.length);
    }
    this.w.bytes(encoded);
  }

  /**
   * `datetime.__reduce_ex__`: REDUCE(datetime, (state_bytes[, tzinfo])) with tzinfo =
   * `timezone(timedelta(...))`. Each commitFrame marks where pickle.py starts a save().
   */
  private saveDatetime(dt: PyDatetime): void {
    // Protocol 2 has no bytes opcode (Python goes through _codecs.encode): not written.
    if (this.proto < 3) throw new PickleError("unsupported", "datetime is written with protocol 3 and above only");
    this.saveGlobal("datetime");
    this.commitFrame(false); // the args tuple
    this.commitFrame(false); // the state bytes
    const us = dt.microsecond;
    const month = dt.month | (dt.fold && this.proto > 3 ? 0x80 : 0);
    const state = [dt.year >> 8, dt.year & 0xff, month, dt.day, dt.hour, dt.minute, dt.second, us >> 16, (us >> 8) & 0xff, us & 0xff];
    if (this.proto >= 3) {
      this.w.byte(OP.SHORT_BINBYTES);
      this.w.byte(10);
    }
    this.w.bytes(Uint8Array.from(state));
    this.memoize();
    if (dt.utcOffset === null) {
      this.w.byte(OP.TUPLE1);
    } else {
      this.saveTimezone(dt.utcOffset);
      this.w.byte(OP.TUPLE2);
    }
    this.memoize();
    this.w.byte(OP.REDUCE);
    this.memoize();
  }

  private saveTimezone(offset: number): void {
    this.commitFrame(false);
    const key = `tz:${offset}`;
    const known = this.objMemo.get(key);
    if (known !== undefined) return this.get(known);
    this.saveGlobal("timezone");
    this.commitFrame(false); // args (timedelta,)
    this.commitFrame(false); // the timedelta
    this.saveGlobal("timedelta");
    this.commitFrame(false); // args (days, seconds, microseconds)
    const days = Math.floor(offset / 86400);
    this.save(days);
    this.save(offset - days * 86400);
    this.save(0);
    this.w.byte(OP.TUPLE3);
    this.memoize();
    this.w.byte(OP.REDUCE);
    this.memoize();
    this.w.byte(OP.TUPLE1);
    this.memoize();
    this.w.byte(OP.REDUCE);
    this.objMemo.set(key, this.memoize());
  }
}
