/**
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
 */
import { PickleError, PICKLE_DEFAULT_MAX_SIZE, DEFAULT_MAX_DEPTH, DEFAULT_MAX_MEMO, DEFAULT_MAX_ITEMS } from "./errors";
import { OP } from "./opcodes";
import { PyDatetime, isPlainDict, type PickleValue } from "./values";

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
    const next = bytes[i + 1];
    if (next !== undefined && next >= 0xa0 && next <= 0xbf) return true;
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
  // The 6 payload bits of the continuation byte at `at`; a missing or non-continuation byte is invalid.
  const cont = (at: number): number => {
    const b = bytes[at];
    if (b === undefined || (b & 0xc0) !== 0x80) return bad();
    return b & 0x3f;
  };
  let out = "";
  let i = 0;
  for (;;) {
    const b0 = bytes[i];
    if (b0 === undefined) break; // the end of the str
    let cp: number;
    if (b0 < 0x80) {
      cp = b0;
      i += 1;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      cp = ((b0 & 0x1f) << 6) | cont(i + 1);
      i += 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      cp = ((b0 & 0x0f) << 12) | (cont(i + 1) << 6) | cont(i + 2);
      if (cp < 0x800) bad(); // overlong (surrogates allowed: surrogatepass)
      i += 3;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      cp = ((b0 & 0x07) << 18) | (cont(i + 1) << 12) | (cont(i + 2) << 6) | cont(i + 3);
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
  /**
   * How deep each container is known to nest, while reading: a lower bound (a container can grow
   * after it was put in another), so finish() still checks the whole value. It makes a chain of
   * thousands of lists fail at maxDepth, as it is built, instead of after every list is made.
   */
  private readonly depths = new WeakMap<object, number>();
  private frameEnd = -1;
  /** The input's bytes as a DataView: fixed-width reads after need() has checked the length. */
  private readonly view: DataView;

  constructor(
    private readonly data: Uint8Array,
    options: PickleLoadsOptions,
  ) {
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.maxMemo = options.maxMemo ?? DEFAULT_MAX_MEMO;
    this.maxItems = options.maxItems ?? DEFAULT_MAX_ITEMS;
    this.datetime = options.datetime ?? true;
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  private need(n: number): number {
    if (n > this.data.length - this.pos) throw new PickleError("truncated", "pickle data was truncated");
    const at = this.pos;
    this.pos += n;
    return at;
  }

  private u8(): number {
    return this.view.getUint8(this.need(1));
  }

  private u32(): number {
    return this.view.getUint32(this.need(4), true);
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
    return this.filled(items);
  }

  /** Records that `target` holds `child`; refuses a nesting that finish() would refuse. */
  private contain(target: object, child: StackItem): void {
    if (typeof child !== "object" || child === null || !(Array.isArray(child) || isPlainDict(child))) return;
    const depth = (this.depths.get(child) ?? 0) + 1;
    if (depth > (this.depths.get(target) ?? 0)) {
      if (depth >= this.maxDepth) throw new PickleError("too-large", `nesting deeper than ${this.maxDepth}`);
      this.depths.set(target, depth);
    }
  }

  /** A container made whole from a MARK's items (LIST, TUPLE): its depth from theirs. */
  private filled(items: StackItem[]): StackItem[] {
    for (const item of items) this.contain(items, item);
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
      const value = items[i + 1];
      this.contain(target, value);
      Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }

  private appendable(target: StackItem): StackItem[] {
    if (!Array.isArray(target) || this.tuples.has(target)) throw new PickleError("malformed", "APPEND(S) on something other than a list");
    return target;
  }

  private append(target: StackItem, items: StackItem[]): void {
    const list = this.appendable(target);
    for (const item of items) {
      this.contain(list, item);
      list.push(item);
    }
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
    // Held as unknown[] (Array.isArray alone gives any[]), so every argument is checked before use.
    const items: readonly unknown[] = args;
    // Typed explicitly so that a call to it narrows what follows (a never-returning call).
    const bad: () => never = () => {
      throw new PickleError("refused", `refused REDUCE of ${callable.kind} with unexpected arguments`);
    };
    const isInt = (a: unknown): a is number => typeof a === "number" && Number.isInteger(a);
    switch (callable.kind) {
      case "timedelta": {
        const [days, seconds, micro] = items;
        if (items.length !== 3 || !isInt(days) || !isInt(seconds) || !isInt(micro)) bad();
        if (micro !== 0 || Math.abs(days) > 999999999 || seconds < 0 || seconds >= 86400) bad();
        return new PyTimedelta(days * 86400 + seconds);
      }
      case "timezone": {
        const [delta, name] = items;
        if (items.length < 1 || items.length > 2 || !(delta instanceof PyTimedelta)) bad();
        if (items.length === 2 && typeof name !== "string") bad();
        const offset = delta.seconds;
        if (offset <= -86400 || offset >= 86400) bad();
        return new PyTzinfo(offset);
      }
      case "pytz_utc":
        if (items.length !== 0) bad();
        return new PyTzinfo(0);
      case "datetime": {
        const [state, tzinfo] = items;
        if (items.length < 1 || items.length > 2 || !(state instanceof PyBytes)) bad();
        if (items.length === 2 && !(tzinfo instanceof PyTzinfo) && tzinfo !== null) bad();
        const s = state.bytes;
        if (s.length !== 10) bad();
        // The 10-byte state: year (u16 big-endian), month (with fold in its top bit), day, hour,
        // minute, second, microsecond (u24 big-endian).
        const v = new DataView(s.buffer, s.byteOffset, s.byteLength);
        const monthByte = v.getUint8(2);
        const micro = (v.getUint8(7) << 16) | v.getUint16(8);
        const tz = tzinfo instanceof PyTzinfo ? tzinfo.offset : null;
        return new PyDatetime(v.getUint16(0), monthByte & 0x7f, v.getUint8(3), v.getUint8(4), v.getUint8(5), v.getUint8(6), micro, tz, monthByte & 0x80 ? 1 : 0);
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
        case OP.BININT2:
          this.push(this.view.getUint16(this.need(2), true));
          break;
        case OP.BININT:
          this.push(this.view.getInt32(this.need(4), true));
          break;
        case OP.LONG1:
          this.push(decodeLong(this.bytes(this.u8())));
          break;
        case OP.LONG4: {
          const n = this.view.getInt32(this.need(4), true);
          if (n < 0) throw new PickleError("malformed", "LONG pickle has negative byte count");
          this.push(decodeLong(this.bytes(n)));
          break;
        }
        case OP.BINFLOAT:
          this.push(this.view.getFloat64(this.need(8), false));
          break;
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
          this.push(this.filled(items));
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
          const list = this.appendable(this.top());
          this.contain(list, value);
          list.push(value);
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
      const children = Array.isArray(v) ? v : Object.values(v);
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

function decodeDecimal(text: string): number | bigint {
  const value = BigInt(text);
  return Number.MIN_SAFE_INTEGER <= value && value <= Number.MAX_SAFE_INTEGER ? Number(value) : value;
}

/** Python's `decode_long`: little-endian two's complement; safe integers as numbers. */
function decodeLong(bytes: Uint8Array): number | bigint {
  const n = bytes.length;
  if (n === 0) return 0;
  // The sign bit (the top bit of the last byte) is set exactly when the unsigned value is at
  // least 2 ** (8n - 1).
  if (n <= 6) {
    let value = 0;
    let scale = 1;
    for (const b of bytes) {
      value += b * scale;
      scale *= 256;
    }
    if (value >= 2 ** (8 * n - 1)) value -= 2 ** (8 * n);
    return value;
  }
  let hex = "";
  for (const b of bytes.slice().reverse()) hex += b.toString(16).padStart(2, "0");
  let value = BigInt(`0x${hex}`);
  if (value >= 1n << BigInt(8 * n - 1)) value -= 1n << BigInt(8 * n);
  return Number.MIN_SAFE_INTEGER <= value && value <= Number.MAX_SAFE_INTEGER ? Number(value) : value;
}
