/**
 * A safe subset of Python's pickle, for the session dicts Django keeps in its cache (spec §6.2):
 * Django's `RedisCache` stores `pickle.dumps(session_dict, HIGHEST_PROTOCOL)` (protocol 5) and
 * django-redis `pickle.dumps(session_dict, DEFAULT_PROTOCOL)` (protocol 4 on Python 3.8–3.13).
 *
 * Reading (`pickleLoads`): protocols 2–5 (and the binary opcodes of protocol 1, which has no
 * PROTO header). The value types are those of a session: dict (str keys), str, int (a JS
 * `number` when it is a safe integer, a `bigint` otherwise), float, bool, None, list and tuple
 * (both read as arrays), plus `datetime.datetime` (see `PyDatetime`). **Nothing is ever
 * executed or looked up**: GLOBAL/STACK_GLOBAL name only a fixed whitelist of four callables
 * (`datetime.datetime`, `datetime.timezone`, `datetime.timedelta`, `pytz._UTC`) that REDUCE
 * applies through our own code, after checking the exact argument shapes those types pickle
 * as; any other global, and REDUCE/BUILD/INST/OBJ/NEWOBJ/PERSID/EXT* and every other opcode,
 * throws `PickleError` before anything else happens. Reading is bounded: input size, nesting
 * depth, memo entries, and the expanded item count (shared references cannot multiply into an
 * unbounded tree); every length prefix is checked against the bytes that remain before
 * anything is allocated. Any malformed input throws `PickleError` and nothing else.
 *
 * Why `datetime` is read: Django 3.2's `set_expiry(datetime | timedelta)` stores a `datetime`
 * under `_session_expiry`, which only the `cache` engine (no JSON on the way) can keep; refusing
 * it would make such sessions unreadable. Its pickle is data (a 10-byte state and an offset),
 * so it is decoded by hand, never constructed by name.
 *
 * Writing (`pickleDumps`): byte-identical to CPython's `pickle.dumps(d, protocol)` (2–5), where
 * `d` is the dict `json.loads` gives for the same data (which is what Django's cached_db holds
 * after reading the row). Pickle's memo works on object identity, so the string sharing of such
 * a dict is reproduced: dict keys equal to an earlier key, and strings of at most one Latin-1
 * character (CPython's singletons), are written as memo references. Equal strings of other
 * origins may be separate objects in Python and written twice; every unpickler reads both forms
 * the same. Numbers follow the JSON codec's rule: a safe integer is a Python int, any other
 * number a float, a `bigint` an int. Arrays are written as lists.
 */
import { DjangoSessionError } from "./errors";

/** Why a pickle was refused. */
export type PickleErrorReason =
  /** An opcode outside the safe subset (GLOBAL of a non-whitelisted name, REDUCE on it, BUILD, ...). */
  | "refused"
  /** The input ends inside an opcode or before STOP, or a length prefix exceeds the bytes left. */
  | "truncated"
  /** Structurally invalid: bad stack or mark use, invalid UTF-8, a non-str dict key, ... */
  | "malformed"
  /** Over `maxSize`, `maxDepth`, `maxMemo` or `maxItems`. */
  | "too-large"
  /** `pickleDumps` was given a value it cannot write (a function, a Map, a cycle, ...). */
  | "unsupported";

/** A pickle the safe subset does not read (or a value it does not write). Nothing was executed. */
export class PickleError extends DjangoSessionError {
  constructor(
    readonly reason: PickleErrorReason,
    message: string,
  ) {
    super("ERR_PICKLE", message);
  }
}

/**
 * Python's `datetime.datetime`, as read from a pickle: the exact fields, naive (`utcOffset`
 * `null`) or aware with a fixed UTC offset in seconds (`datetime.timezone`, or `pytz.utc`).
 * Written back as `datetime.datetime` with a `datetime.timezone` tzinfo.
 */
export class PyDatetime {
  constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number,
    readonly hour = 0,
    readonly minute = 0,
    readonly second = 0,
    readonly microsecond = 0,
    /** Seconds east of UTC, or `null` for a naive datetime. */
    readonly utcOffset: number | null = null,
    readonly fold: 0 | 1 = 0,
  ) {
    const ok =
      isIntIn(year, 1, 9999) &&
      isIntIn(month, 1, 12) &&
      isIntIn(day, 1, daysInMonth(year, month)) &&
      isIntIn(hour, 0, 23) &&
      isIntIn(minute, 0, 59) &&
      isIntIn(second, 0, 59) &&
      isIntIn(microsecond, 0, 999999) &&
      (utcOffset === null || isIntIn(utcOffset, -86399, 86399)) &&
      (fold === 0 || fold === 1);
    if (!ok) throw new PickleError("malformed", "datetime field out of range");
  }

  /** An aware datetime at this instant in UTC (millisecond precision of `date`). */
  static fromDate(date: Date): PyDatetime {
    if (Number.isNaN(date.getTime())) throw new PickleError("unsupported", "invalid Date");
    return new PyDatetime(
      date.getUTCFullYear(),
      date.getUTCMonth() + 1,
      date.getUTCDate(),
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
      date.getUTCMilliseconds() * 1000,
      0,
    );
  }

  /** Python's `isoformat()`: `2023-11-14T22:13:20.250000+00:00` (no fraction when 0; no offset when naive). */
  isoformat(): string {
    const p = (n: number, w = 2) => String(n).padStart(w, "0");
    let text = `${p(this.year, 4)}-${p(this.month)}-${p(this.day)}T${p(this.hour)}:${p(this.minute)}:${p(this.second)}`;
    if (this.microsecond) text += `.${p(this.microsecond, 6)}`;
    if (this.utcOffset !== null) {
      const sign = this.utcOffset < 0 ? "-" : "+";
      const off = Math.abs(this.utcOffset);
      text += `${sign}${p(Math.floor(off / 3600))}:${p(Math.floor(off / 60) % 60)}`;
      if (off % 60) text += `:${p(off % 60)}`;
    }
    return text;
  }

  /** The instant, for an aware datetime; a naive one is read as UTC. Sub-millisecond digits are dropped. */
  toDate(): Date {
    const ms = Date.UTC(this.year, this.month - 1, this.day, this.hour, this.minute, this.second, Math.floor(this.microsecond / 1000));
    // Date.UTC maps years 0–99 to 1900+; set the full year explicitly.
    const date = new Date(ms);
    date.setUTCFullYear(this.year);
    return new Date(date.getTime() - (this.utcOffset ?? 0) * 1000);
  }

  toJSON(): string {
    return this.isoformat();
  }

  toString(): string {
    return this.isoformat();
  }
}

/** What the safe subset reads and writes. */
export type PickleValue = null | boolean | number | bigint | string | PyDatetime | PickleValue[] | { [key: string]: PickleValue };

export interface PickleLoadsOptions {
  /** Largest input accepted, in bytes. @default 16 MiB */
  maxSize?: number;
  /** Deepest container nesting (the outer dict is level 1). @default 512 */
  maxDepth?: number;
  /** Most memo entries. @default 1_000_000 */
  maxMemo?: number;
  /**
   * Most values in the result, counting each use of a shared value again. While reading, at most
   * twice as many values may be pushed (a datetime takes a few), so memory and time stay bounded
   * before the result is even complete. @default 1_000_000
   */
  maxItems?: number;
  /** Read `datetime.datetime` values (`PyDatetime`); `false` refuses them like any other global. @default true */
  datetime?: boolean;
}

export interface PickleDumpsOptions {
  /** 5 = `pickle.HIGHEST_PROTOCOL` (Django's RedisCache), 4 = `DEFAULT_PROTOCOL` (django-redis). @default 5 */
  protocol?: 2 | 3 | 4 | 5;
}

export const PICKLE_DEFAULT_MAX_SIZE = 16 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 512;
const DEFAULT_MAX_MEMO = 1_000_000;
const DEFAULT_MAX_ITEMS = 1_000_000;

function isIntIn(n: unknown, lo: number, hi: number): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= lo && n <= hi;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

// --- opcodes -----------------------------------------------------------------------------

const OP = {
  MARK: 0x28, // (
  STOP: 0x2e, // .
  POP: 0x30, // 0
  POP_MARK: 0x31, // 1
  DUP: 0x32, // 2
  BINFLOAT: 0x47, // G
  INT: 0x49, // I
  LONG: 0x4c, // L
  BININT: 0x4a, // J
  BININT1: 0x4b, // K
  BININT2: 0x4d, // M
  NONE: 0x4e, // N
  REDUCE: 0x52, // R
  BINUNICODE: 0x58, // X
  EMPTY_LIST: 0x5d, // ]
  APPEND: 0x61, // a
  GLOBAL: 0x63, // c
  DICT: 0x64, // d
  APPENDS: 0x65, // e
  BINGET: 0x68, // h
  LONG_BINGET: 0x6a, // j
  LIST: 0x6c, // l
  BINPUT: 0x71, // q
  LONG_BINPUT: 0x72, // r
  SETITEM: 0x73, // s
  TUPLE: 0x74, // t
  SETITEMS: 0x75, // u
  EMPTY_DICT: 0x7d, // }
  EMPTY_TUPLE: 0x29, // )
  SHORT_BINBYTES: 0x43, // C
  BINBYTES: 0x42, // B
  PROTO: 0x80,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
  LONG4: 0x8b,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES8: 0x8e,
  STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94,
  FRAME: 0x95,
} as const;

// Names of the opcodes refused, for the error message.
const REFUSED_NAMES: Record<number, string> = {
  0x62: "BUILD",
  0x69: "INST",
  0x6f: "OBJ",
  0x81: "NEWOBJ",
  0x92: "NEWOBJ_EX",
  0x50: "PERSID",
  0x51: "BINPERSID",
  0x82: "EXT1",
  0x83: "EXT2",
  0x84: "EXT4",
  0x46: "FLOAT (protocol 0 text)",
  0x53: "STRING",
  0x54: "BINSTRING",
  0x55: "SHORT_BINSTRING",
  0x56: "UNICODE (protocol 0 text)",
  0x70: "PUT (protocol 0 text)",
  0x67: "GET (protocol 0 text)",
  0x8f: "EMPTY_SET",
  0x90: "ADDITEMS",
  0x91: "FROZENSET",
  0x96: "BYTEARRAY8",
  0x97: "NEXT_BUFFER",
  0x98: "READONLY_BUFFER",
};

// --- reader internals --------------------------------------------------------------------

/** A whitelisted callable named by GLOBAL/STACK_GLOBAL. Never resolved to anything else. */
class GlobalRef {
  constructor(readonly kind: "datetime" | "timezone" | "timedelta" | "pytz_utc") {}
}
/** A `bytes` object: only ever the state argument of a datetime. */
class PyBytes {
  constructor(readonly bytes: Uint8Array) {}
}
class PyTimedelta {
  constructor(readonly seconds: number) {}
}
class PyTzinfo {
  constructor(readonly offset: number) {}
}

const WHITELIST: Record<string, GlobalRef["kind"]> = {
  "datetime\ndatetime": "datetime",
  "datetime\ntimezone": "timezone",
  "datetime\ntimedelta": "timedelta",
  "pytz\n_UTC": "pytz_utc",
};

type StackItem = unknown;

const utf8Strict = new TextDecoder("utf-8", { fatal: true });

function hasEncodedSurrogate(bytes: Uint8Array): boolean {
  for (let i = bytes.indexOf(0xed); i !== -1 && i + 1 < bytes.length; i = bytes.indexOf(0xed, i + 1)) {
    if (bytes[i + 1] >= 0xa0 && bytes[i + 1] <= 0xbf) return true;
  }
  return false;
}

/**
 * CPython's `bytes.decode("utf-8", "surrogatepass")`, what the unpickler uses for str: strict
 * UTF-8, except that encoded surrogates (ED A0–BF xx) are accepted as lone surrogates.
 */
function decodeUtf8(bytes: Uint8Array): string {
  const bad = (): never => {
    throw new PickleError("malformed", "invalid UTF-8 in a str");
  };
  // The slow path only for encoded surrogates (ED A0–BF xx), found without an exception: a
  // thrown and caught TypeError per string made a pickle of many such strings cost ~5 µs each.
  if (!hasEncodedSurrogate(bytes)) {
    try {
      return utf8Strict.decode(bytes);
    } catch {
      return bad();
    }
  }
  let out = "";
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b0 = bytes[i];
    let cp: number;
    if (b0 < 0x80) {
      cp = b0;
      i += 1;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      if (i + 1 >= n || (bytes[i + 1] & 0xc0) !== 0x80) bad();
      cp = ((b0 & 0x1f) << 6) | (bytes[i + 1] & 0x3f);
      i += 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      if (i + 2 >= n || (bytes[i + 1] & 0xc0) !== 0x80 || (bytes[i + 2] & 0xc0) !== 0x80) bad();
      cp = ((b0 & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f);
      if (cp < 0x800) bad(); // overlong (surrogates allowed: surrogatepass)
      i += 3;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      if (i + 3 >= n || (bytes[i + 1] & 0xc0) !== 0x80 || (bytes[i + 2] & 0xc0) !== 0x80 || (bytes[i + 3] & 0xc0) !== 0x80) bad();
      cp = ((b0 & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) | (bytes[i + 3] & 0x3f);
      if (cp < 0x10000 || cp > 0x10ffff) bad();
      i += 4;
    } else {
      return bad();
    }
    out += String.fromCodePoint(cp);
  }
  return out;
}

/** Reads the pickle in `data` with the safe subset. Throws `PickleError` (and nothing else) on anything outside it. */
export function pickleLoads(data: Uint8Array, options: PickleLoadsOptions = {}): PickleValue {
  if (!(data instanceof Uint8Array)) throw new PickleError("malformed", "pickle data must be bytes");
  const maxSize = options.maxSize ?? PICKLE_DEFAULT_MAX_SIZE;
  if (data.length > maxSize) throw new PickleError("too-large", `pickle of ${data.length} bytes is over maxSize (${maxSize})`);
  try {
    return new Reader(data, options).run();
  } catch (error) {
    if (error instanceof PickleError) throw error;
    // RangeError from a huge bigint or string, or anything unforeseen: still the typed error.
    throw new PickleError("malformed", `unreadable pickle: ${(error as Error)?.message ?? String(error)}`);
  }
}

class Reader {
  private pos = 0;
  private stack: StackItem[] = [];
  private readonly metastack: StackItem[][] = [];
  private readonly memo = new Map<number, StackItem>();
  private readonly tuples = new WeakSet<object>();
  private readonly maxDepth: number;
  private readonly maxMemo: number;
  private readonly maxItems: number;
  private readonly datetime: boolean;
  /** Values pushed so far: bounded while reading, not only in finish() (8 MiB of EMPTY_LIST is 8M arrays). */
  private pushed = 0;
  private frameEnd = -1;

  constructor(
    private readonly data: Uint8Array,
    options: PickleLoadsOptions,
  ) {
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.maxMemo = options.maxMemo ?? DEFAULT_MAX_MEMO;
    this.maxItems = options.maxItems ?? DEFAULT_MAX_ITEMS;
    this.datetime = options.datetime ?? true;
  }

  private need(n: number): number {
    if (n > this.data.length - this.pos) throw new PickleError("truncated", "pickle data was truncated");
    const at = this.pos;
    this.pos += n;
    return at;
  }

  private u8(): number {
    return this.data[this.need(1)];
  }

  private u32(): number {
    const at = this.need(4);
    const d = this.data;
    return (d[at] | (d[at + 1] << 8) | (d[at + 2] << 16)) + d[at + 3] * 0x1000000;
  }

  /** A little-endian u64 length: any value past the bytes left is truncation, whatever its size. */
  private u64Length(): number {
    const lo = this.u32();
    const hi = this.u32();
    if (hi !== 0) throw new PickleError("truncated", "pickle data was truncated (length prefix exceeds the input)");
    return lo;
  }

  private bytes(n: number): Uint8Array {
    const at = this.need(n);
    return this.data.subarray(at, at + n);
  }

  private pop(): StackItem {
    if (this.stack.length === 0) throw new PickleError("malformed", "unpickling stack underflow");
    return this.stack.pop();
  }

  private push(value: StackItem): void {
    if (++this.pushed > 2 * this.maxItems + 64) throw new PickleError("too-large", `more than ${this.maxItems} values`);
    this.stack.push(value);
  }

  private top(): StackItem {
    if (this.stack.length === 0) throw new PickleError("malformed", "unpickling stack underflow");
    return this.stack[this.stack.length - 1];
  }

  private popMark(): StackItem[] {
    const items = this.stack;
    const previous = this.metastack.pop();
    if (previous === undefined) throw new PickleError("malformed", "could not find MARK");
    this.stack = previous;
    return items;
  }

  private memoPut(index: number): void {
    if (!this.memo.has(index) && this.memo.size >= this.maxMemo) throw new PickleError("too-large", `more than ${this.maxMemo} memo entries`);
    this.memo.set(index, this.top());
  }

  private memoGet(index: number): void {
    if (!this.memo.has(index)) throw new PickleError("malformed", `memo key ${index} not found`);
    this.push(this.memo.get(index));
  }

  private tuple(items: StackItem[]): StackItem[] {
    this.tuples.add(items);
    return items;
  }

  private dict(): Record<string, StackItem> {
    return {};
  }

  private setItems(target: StackItem, items: StackItem[]): void {
    if (typeof target !== "object" || target === null || Array.isArray(target) || !isPlainDict(target)) {
      throw new PickleError("malformed", "SETITEM(S) on something other than a dict");
    }
    if (items.length % 2 !== 0) throw new PickleError("malformed", "odd number of items for SETITEMS");
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i];
      if (typeof key !== "string") throw new PickleError("malformed", "a dict key that is not a str (only str keys are supported)");
      // defineProperty: "__proto__" stays an ordinary own key.
      Object.defineProperty(target, key, { value: items[i + 1], enumerable: true, writable: true, configurable: true });
    }
  }

  private append(target: StackItem, items: StackItem[]): void {
    if (!Array.isArray(target) || this.tuples.has(target)) throw new PickleError("malformed", "APPEND(S) on something other than a list");
    for (const item of items) target.push(item);
  }

  private global(module: unknown, name: unknown): GlobalRef {
    const kind = typeof module === "string" && typeof name === "string" ? WHITELIST[`${module}\n${name}`] : undefined;
    if (kind === undefined || !this.datetime) {
      const what = typeof module === "string" && typeof name === "string" ? `${module}.${name}`.slice(0, 100) : "a non-str name";
      throw new PickleError("refused", `refused global ${JSON.stringify(what)}: only the datetime types of a session are read, nothing is ever imported or called`);
    }
    return new GlobalRef(kind);
  }

  private reduce(callable: StackItem, args: StackItem): StackItem {
    if (!(callable instanceof GlobalRef)) throw new PickleError("refused", "refused REDUCE: only whitelisted datetime types are constructed");
    if (!Array.isArray(args) || !this.tuples.has(args)) throw new PickleError("malformed", "REDUCE arguments are not a tuple");
    const bad = (): never => {
      throw new PickleError("refused", `refused REDUCE of ${callable.kind} with unexpected arguments`);
    };
    switch (callable.kind) {
      case "timedelta": {
        if (args.length !== 3 || !args.every((a) => typeof a === "number" && Number.isInteger(a))) bad();
        const [days, seconds, micro] = args as number[];
        if (micro !== 0 || Math.abs(days) > 999999999 || seconds < 0 || seconds >= 86400) bad();
        return new PyTimedelta(days * 86400 + seconds);
      }
      case "timezone": {
        if (args.length < 1 || args.length > 2 || !(args[0] instanceof PyTimedelta)) bad();
        if (args.length === 2 && typeof args[1] !== "string") bad();
        const offset = (args[0] as PyTimedelta).seconds;
        if (offset <= -86400 || offset >= 86400) bad();
        return new PyTzinfo(offset);
      }
      case "pytz_utc":
        if (args.length !== 0) bad();
        return new PyTzinfo(0);
      case "datetime": {
        if (args.length < 1 || args.length > 2 || !(args[0] instanceof PyBytes)) bad();
        if (args.length === 2 && !(args[1] instanceof PyTzinfo) && args[1] !== null) bad();
        const s = (args[0] as PyBytes).bytes;
        if (s.length !== 10) bad();
        const tz = args.length === 2 && args[1] instanceof PyTzinfo ? args[1].offset : null;
        return new PyDatetime(s[0] * 256 + s[1], s[2] & 0x7f, s[3], s[4], s[5], s[6], (s[7] << 16) | (s[8] << 8) | s[9], tz, (s[2] >> 7) as 0 | 1);
      }
    }
  }

  private pushBytes(n: number): void {
    if (!this.datetime) throw new PickleError("refused", "refused bytes: not a session value");
    this.push(new PyBytes(this.bytes(n)));
  }

  run(): PickleValue {
    const d = this.data;
    for (;;) {
      if (this.frameEnd >= 0 && this.pos >= this.frameEnd) this.frameEnd = -1;
      const op = this.u8();
      switch (op) {
        case OP.PROTO: {
          const proto = this.u8();
          if (proto > 5) throw new PickleError("refused", `unsupported pickle protocol: ${proto}`);
          break;
        }
        case OP.FRAME: {
          const length = this.u64Length();
          if (length > d.length - this.pos) throw new PickleError("truncated", "pickle frame exceeds the input");
          if (this.frameEnd >= 0 && this.pos < this.frameEnd) throw new PickleError("malformed", "beginning of a new frame before end of current frame");
          this.frameEnd = this.pos + length;
          break;
        }
        case OP.STOP: {
          const value = this.pop();
          return this.finish(value);
        }
        case OP.MARK:
          if (this.metastack.length >= this.maxDepth) throw new PickleError("too-large", `nesting deeper than ${this.maxDepth}`);
          this.metastack.push(this.stack);
          this.stack = [];
          break;
        case OP.POP:
          if (this.stack.length === 0) this.popMark();
          else this.stack.pop();
          break;
        case OP.POP_MARK:
          this.popMark();
          break;
        case OP.DUP:
          this.push(this.top());
          break;
        case OP.NONE:
          this.push(null);
          break;
        case OP.NEWTRUE:
          this.push(true);
          break;
        case OP.NEWFALSE:
          this.push(false);
          break;
        case OP.BININT1:
          this.push(this.u8());
          break;
        case OP.BININT2: {
          const at = this.need(2);
          this.push(d[at] | (d[at + 1] << 8));
          break;
        }
        case OP.BININT: {
          const at = this.need(4);
          this.push(d[at] | (d[at + 1] << 8) | (d[at + 2] << 16) | (d[at + 3] << 24));
          break;
        }
        case OP.LONG1:
          this.push(decodeLong(this.bytes(this.u8())));
          break;
        case OP.LONG4: {
          const at = this.need(4);
          const n = d[at] | (d[at + 1] << 8) | (d[at + 2] << 16) | (d[at + 3] << 24);
          if (n < 0) throw new PickleError("malformed", "LONG pickle has negative byte count");
          this.push(decodeLong(this.bytes(n)));
          break;
        }
        case OP.BINFLOAT: {
          const at = this.need(8);
          this.push(new DataView(d.buffer, d.byteOffset + at, 8).getFloat64(0, false));
          break;
        }
        case OP.SHORT_BINUNICODE:
          this.push(decodeUtf8(this.bytes(this.u8())));
          break;
        case OP.BINUNICODE:
          this.push(decodeUtf8(this.bytes(this.u32())));
          break;
        case OP.BINUNICODE8:
          this.push(decodeUtf8(this.bytes(this.u64Length())));
          break;
        case OP.SHORT_BINBYTES:
          this.pushBytes(this.u8());
          break;
        case OP.BINBYTES:
          this.pushBytes(this.u32());
          break;
        case OP.BINBYTES8:
          this.pushBytes(this.u64Length());
          break;
        case OP.EMPTY_DICT:
          this.push(this.dict());
          break;
        case OP.EMPTY_LIST:
          this.push([]);
          break;
        case OP.EMPTY_TUPLE:
          this.push(this.tuple([]));
          break;
        case OP.DICT: {
          const items = this.popMark();
          const dict = this.dict();
          this.setItems(dict, items);
          this.push(dict);
          break;
        }
        case OP.LIST: {
          // popMark() first: it replaces this.stack.
          const items = this.popMark();
          this.push(items);
          break;
        }
        case OP.TUPLE: {
          const items = this.tuple(this.popMark());
          this.push(items);
          break;
        }
        case OP.TUPLE1:
          this.push(this.tuple([this.pop()]));
          break;
        case OP.TUPLE2: {
          const b = this.pop();
          const a = this.pop();
          this.push(this.tuple([a, b]));
          break;
        }
        case OP.TUPLE3: {
          const c = this.pop();
          const b = this.pop();
          const a = this.pop();
          this.push(this.tuple([a, b, c]));
          break;
        }
        case OP.SETITEM: {
          const value = this.pop();
          const key = this.pop();
          this.setItems(this.top(), [key, value]);
          break;
        }
        case OP.SETITEMS: {
          const items = this.popMark();
          this.setItems(this.top(), items);
          break;
        }
        case OP.APPEND: {
          const value = this.pop();
          this.append(this.top(), [value]);
          break;
        }
        case OP.APPENDS: {
          const items = this.popMark();
          this.append(this.top(), items);
          break;
        }
        case OP.MEMOIZE:
          this.memoPut(this.memo.size);
          break;
        case OP.BINPUT:
          this.memoPut(this.u8());
          break;
        case OP.LONG_BINPUT:
          this.memoPut(this.u32());
          break;
        case OP.BINGET:
          this.memoGet(this.u8());
          break;
        case OP.LONG_BINGET:
          this.memoGet(this.u32());
          break;
        case OP.INT: {
          // Protocol 1 writes bools as "I01\n"/"I00\n" (and protocol 0 every int like this).
          const text = this.line(32);
          if (text === "01" || text === "00") this.push(text === "01");
          else if (/^[-+]?\d{1,30}$/.test(text)) this.push(decodeDecimal(text));
          else throw new PickleError("malformed", "could not convert string to int");
          break;
        }
        case OP.LONG: {
          // Protocol 1 writes ints past 32 bits as "123L\n". Python's int() digit limit (4300) bounds it.
          const text = this.line(4302).replace(/L$/, "");
          if (!/^[-+]?\d{1,4300}$/.test(text)) throw new PickleError("malformed", "could not convert string to int");
          this.push(decodeDecimal(text));
          break;
        }
        case OP.STACK_GLOBAL: {
          const name = this.pop();
          const module = this.pop();
          this.push(this.global(module, name));
          break;
        }
        case OP.GLOBAL: {
          const module = this.line();
          const name = this.line();
          this.push(this.global(module, name));
          break;
        }
        case OP.REDUCE: {
          const args = this.pop();
          const callable = this.pop();
          this.push(this.reduce(callable, args));
          break;
        }
        default: {
          const name = REFUSED_NAMES[op] ?? `0x${op.toString(16).padStart(2, "0")}`;
          throw new PickleError("refused", `refused opcode ${name}: outside the safe subset (nothing is executed)`);
        }
      }
    }
  }

  /** A GLOBAL or INT argument: ASCII up to a newline, short. */
  private line(max = 256): string {
    const end = this.data.indexOf(0x0a, this.pos);
    if (end < 0) throw new PickleError("truncated", "pickle data was truncated");
    if (end - this.pos > max) throw new PickleError("refused", "refused an overlong text argument");
    const text = String.fromCharCode(...this.data.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }

  /**
   * After STOP: the rest of the stack must be empty, and the value may hold only the supported
   * types. Computes the expanded size and depth once per object (shared references are counted
   * per use without re-walking), refuses cycles.
   */
  private finish(value: StackItem): PickleValue {
    if (this.stack.length !== 0 || this.metastack.length !== 0) throw new PickleError("malformed", "data left on the stack at STOP");
    const sizes = new Map<object, { items: number; depth: number }>();
    const active = new Set<object>();
    const visit = (v: StackItem, level: number): { items: number; depth: number } => {
      if (v === null || typeof v === "boolean" || typeof v === "number" || typeof v === "bigint" || typeof v === "string" || v instanceof PyDatetime) {
        return { items: 1, depth: 0 };
      }
      if (typeof v !== "object" || !(Array.isArray(v) || isPlainDict(v))) {
        const what = v instanceof PyBytes ? "bytes" : v instanceof GlobalRef ? `the class ${v.kind}` : v instanceof PyTimedelta ? "a timedelta" : v instanceof PyTzinfo ? "a tzinfo" : typeof v;
        throw new PickleError("refused", `refused ${what} as a value: not a supported session type`);
      }
      const known = sizes.get(v);
      if (known) {
        if (level + known.depth > this.maxDepth) throw new PickleError("too-large", `nesting deeper than ${this.maxDepth}`);
        return known;
      }
      if (active.has(v)) throw new PickleError("unsupported", "a recursive structure (a container that contains itself)");
      if (level >= this.maxDepth) throw new PickleError("too-large", `nesting deeper than ${this.maxDepth}`);
      active.add(v);
      let items = 1;
      let depth = 0;
      const children = Array.isArray(v) ? v : Object.values(v as object);
      for (const child of children) {
        const r = visit(child, level + 1);
        items += r.items;
        if (items > this.maxItems) throw new PickleError("too-large", `more than ${this.maxItems} values`);
        if (r.depth + 1 > depth) depth = r.depth + 1;
      }
      active.delete(v);
      const result = { items, depth };
      sizes.set(v, result);
      return result;
    };
    visit(value, 0);
    return value as PickleValue;
  }
}

function isPlainDict(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function decodeDecimal(text: string): number | bigint {
  const value = BigInt(text);
  return Number.MIN_SAFE_INTEGER <= value && value <= Number.MAX_SAFE_INTEGER ? Number(value) : value;
}

/** Python's `decode_long`: little-endian two's complement; safe integers as numbers. */
function decodeLong(bytes: Uint8Array): number | bigint {
  const n = bytes.length;
  if (n === 0) return 0;
  if (n <= 6) {
    let value = 0;
    for (let i = n - 1; i >= 0; i--) value = value * 256 + bytes[i];
    if (bytes[n - 1] & 0x80) value -= 2 ** (8 * n);
    return value;
  }
  let hex = "";
  for (let i = n - 1; i >= 0; i--) hex += bytes[i].toString(16).padStart(2, "0");
  let value = BigInt(`0x${hex}`);
  if (bytes[n - 1] & 0x80) value -= 1n << BigInt(8 * n);
  return Number.MIN_SAFE_INTEGER <= value && value <= Number.MAX_SAFE_INTEGER ? Number(value) : value;
}

// --- writer ------------------------------------------------------------------------------

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
  if (!LONE_SURROGATE.test(text)) return Buffer.from(text, "utf8");
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
  if (negative && nbytes > 1 && out[nbytes - 1] === 0xff && (out[nbytes - 2] & 0x80) !== 0) return out.subarray(0, nbytes - 1);
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
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
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
    if (!isArray && !isPlainDict(value as object)) {
      throw new PickleError("unsupported", `cannot pickle ${(value as object).constructor?.name ?? "this object"}: only plain objects, arrays and JSON-like values`);
    }
    if (this.active.has(value as object)) throw new PickleError("unsupported", "cannot pickle a recursive structure");
    if (++this.depth > DEFAULT_MAX_DEPTH) throw new PickleError("unsupported", `nesting deeper than ${DEFAULT_MAX_DEPTH}`);
    this.active.add(value as object);
    if (isArray) this.saveList(value as unknown[]);
    else this.saveDict(value as Record<string, unknown>);
    this.active.delete(value as object);
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
    const keys = Object.keys(dict);
    if (keys.length === 0) return;
    if (keys.length === 1) {
      this.save(keys[0], true);
      this.save(dict[keys[0]]);
      this.w.byte(OP.SETITEM);
      return;
    }
    let start = 0;
    let batch: number;
    do {
      batch = Math.min(BATCHSIZE, keys.length - start);
      this.w.byte(OP.MARK);
      for (let i = start; i < start + batch; i++) {
        this.save(keys[i], true);
        this.save(dict[keys[i]]);
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
      this.w.bytes(Buffer.from(`datetime\n${name}\n`, "ascii"));
    }
    this.objMemo.set(`global:${name}`, this.memoize());
  }

  private saveRawStr(text: string): void {
    const encoded = Buffer.from(text, "ascii");
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
