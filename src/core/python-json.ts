/**
 * JSON exactly as Django's `JSONSerializer` reads and writes it (spec §2.6):
 * `json.dumps(obj, separators=(",", ":"))` with `ensure_ascii=True`, and `json.loads`, which
 * accepts `NaN`, `Infinity` and `-Infinity` and integers of any size.
 *
 * Integers: a JSON integer outside JavaScript's safe range (±2^53 − 1) is read as a `bigint`, so
 * a Python big int survives a read → write round trip exactly; `bigint` values are written as
 * plain JSON integers. Every other number is a JS `number`.
 *
 * Prototype safety: `__proto__`, `constructor` and `prototype` keys become ordinary own
 * properties (as `JSON.parse` does); no parsed object ever gets a different prototype.
 */
import { PythonJsonError } from "./errors";

export { PythonJsonError };

/** A value Python's `json` module can produce. */
export type PythonJsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PythonJsonValue[]
  | { [key: string]: PythonJsonValue };

// Python escapes these with short forms; every other char below 0x20, DEL and all non-ASCII
// become `\uXXXX` with lowercase hex, one escape per UTF-16 code unit (so emoji become pairs).
const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;
const NEEDS_ESCAPE_G = /["\\\u0000-\u001f\u007f-\uffff]/g;

function escapeChar(c: string): string {
  return SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** `json.dumps(s)` of a str with `ensure_ascii=True`. */
export function pyQuote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? `"${text.replace(NEEDS_ESCAPE_G, escapeChar)}"` : `"${text}"`;
}

/**
 * Python's `float.__repr__`: the shortest round-trip digits, fixed notation for decimal
 * exponents in [-4, 16), scientific otherwise with a signed, at least two-digit exponent.
 */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const exponential = x.toExponential();
  const at = exponential.indexOf("e");
  const mantissa = exponential.slice(0, at);
  const exp = Number(exponential.slice(at + 1));
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = negative ? "-" : "";
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    const frac = digits.slice(exp + 1);
    return `${sign}${intPart}.${frac || "0"}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = Math.abs(exp).toString().padStart(2, "0");
  return `${sign}${m}e${exp < 0 ? "-" : "+"}${e}`;
}

function numberToJson(x: number): string {
  // An integral JS number could have been a Python int or float; write safe integers as ints
  // (what `JSON.stringify` does too) and everything else as Python would write a float.
  if (Number.isSafeInteger(x) && !Object.is(x, -0)) return String(x);
  return pyFloatRepr(x);
}

/**
 * `json.dumps(value, separators=(",", ":"))` as Django's `JSONSerializer` runs it. Follows
 * `JSON.stringify` for what Python has no equivalent of: `toJSON()` is honoured (a `Date`
 * becomes its ISO string), boxed primitives are unboxed, `undefined`, functions and symbols are
 * skipped in objects and become `null` in arrays. Throws `TypeError` on a cycle, like both, and
 * on nesting deeper than `MAX_JSON_DEPTH`, which `pyJsonLoads` would refuse to read back.
 *
 * Key order is insertion order, as in Python, except that JavaScript itself puts integer-like
 * keys (`"1"`, `"42"`) of an object first; pass a `Map` to keep any order.
 */
export function pyJsonDumps(value: unknown): string {
  if (agreesWithJsonStringify(value, 0)) {
    // The native serializer writes the same bytes for such values once non-ASCII is escaped.
    const out = JSON.stringify(value) as string | undefined;
    if (out !== undefined) return NON_ASCII.test(out) ? out.replace(NON_ASCII_G, escapeChar) : out;
  }
  return pyJsonDumpsGeneral(value);
}

/** The general writer alone (no `JSON.stringify` fast path); exported for equivalence tests. */
export function pyJsonDumpsGeneral(value: unknown): string {
  const out = write(value, []);
  if (out === undefined) throw new TypeError("Value is not JSON serializable");
  return out;
}

const NON_ASCII = /[\u007f-\uffff]/;
const NON_ASCII_G = /[\u007f-\uffff]/g;

/**
 * Whether `JSON.stringify` writes what Python would, but for non-ASCII escaping: plain objects,
 * arrays, strings, booleans, null, Dates, and numbers both render alike (safe integers other
 * than -0, and finite fractions with 1e-4 <= |x| < 1e16, where both use fixed notation with
 * shortest round-trip digits). Anything else (bigint, Map, NaN, big or tiny floats, custom
 * toJSON, boxed values, cycles, deep nesting) takes the general writer.
 */
function agreesWithJsonStringify(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
    case "undefined":
    case "function":
    case "symbol":
      return true;
    case "number":
      if (Number.isSafeInteger(value)) return !Object.is(value, -0);
      return !Number.isInteger(value) && Number.isFinite(value) && Math.abs(value) >= 1e-4 && Math.abs(value) < 1e16;
    case "bigint":
      return false;
  }
  if (value === null) return true;
  if (depth >= MAX_JSON_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!agreesWithJsonStringify(value[i], depth + 1)) return false;
    return true;
  }
  if (value instanceof Date) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  if ((proto !== Object.prototype && proto !== null) || typeof (value as { toJSON?: unknown }).toJSON === "function") return false;
  // for-in without an own-property check: an inherited enumerable property (only a polluted
  // Object.prototype has one) is checked too, which can only send the value to the general
  // writer, never write it.
  for (const key in value) {
    if (!agreesWithJsonStringify((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

function write(input: unknown, stack: object[]): string | undefined {
  let value = input;
  if (typeof value === "object" && value !== null && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    // Called once, as JSON.stringify does: a toJSON() that returns its own object is not re-called.
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  if (value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof BigInt) {
    value = value.valueOf();
  }
  switch (typeof value) {
    case "string":
      return pyQuote(value);
    case "number":
      return numberToJson(value);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null) return "null";
  const obj = value as object;
  if (stack.includes(obj)) throw new TypeError("Circular reference detected");
  if (stack.length >= MAX_JSON_DEPTH) throw new TypeError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  stack.push(obj);
  let out: string;
  if (Array.isArray(obj)) {
    // A for loop, not map(): map() skips holes, which would write `[1,,2]`.
    const parts: string[] = [];
    for (let i = 0; i < obj.length; i++) parts.push(write(obj[i], stack) ?? "null");
    out = `[${parts.join(",")}]`;
  } else if (obj instanceof Map) {
    const parts: string[] = [];
    for (const [k, v] of obj) {
      const s = write(v, stack);
      if (s !== undefined) parts.push(`${pyQuote(String(k))}:${s}`);
    }
    out = `{${parts.join(",")}}`;
  } else {
    const parts: string[] = [];
    for (const k of Object.keys(obj)) {
      const s = write((obj as Record<string, unknown>)[k], stack);
      if (s !== undefined) parts.push(`${pyQuote(k)}:${s}`);
    }
    out = `{${parts.join(",")}}`;
  }
  stack.pop();
  return out;
}


/** Nesting beyond this is refused; CPython's `json` stops near 1000 with `RecursionError`. */
export const MAX_JSON_DEPTH = 512;

/**
 * Python's `sys.int_info.default_max_str_digits` (3.11+, and 3.10.7/3.9.14/3.8.14 security
 * releases): `json.loads` refuses an integer literal with more digits (`ValueError`). Parsing one
 * into a BigInt costs time quadratic in its length (a megabyte of digits: about half a second).
 */
export const MAX_INT_DIGITS = 4300;

/**
 * Above this length the nesting is counted before `JSON.parse` sees the text: `JSON.parse` spends
 * ~0.1 µs per character of `[[[[…` (15 times its rate on ordinary JSON) before it can be refused,
 * so a megabyte of openers would cost a quarter of a second. Below it, the worst case costs no
 * more than parsing an ordinary session of the maximum size, and the count (~5 µs on 8 KB) is
 * not paid on every decode.
 */
const COUNT_NESTING_ABOVE = 32 * 1024;

/** How many copies of `char` `text` holds, counting no further than `limit + 1` (native scans). */
function countUpTo(text: string, char: string, limit: number): number {
  let pos = -1;
  let n = 0;
  while (n <= limit) {
    pos = text.indexOf(char, pos + 1);
    if (pos < 0) break;
    n++;
  }
  return n;
}

/**
 * `json.loads(text)` with Python's extensions (see the module comment for the number rules).
 *
 * Optimistic: `JSON.parse` first, and the exact parser below only when `JSON.parse` throws on a
 * text holding `NaN` or `Infinity` (otherwise both refuse it), or when what it returned might differ. The two
 * read strings (lone surrogates and `\u` escapes included), keys (duplicates: the last value at
 * the first key's place; `__proto__` an own property), literals and fractions alike. They differ
 * on numbers that are integral but not safe integers (a Python int becomes a `bigint`; 4,300+
 * digits are refused), on non-finite numbers (an overflowing integer literal), on `-0` (Python's
 * int 0) and on nesting past `MAX_JSON_DEPTH`, all of which a walk of the result finds (a float
 * literal like `1e20` or `-0.0` goes to the exact parser too, and comes back the same, slower).
 *
 * A duplicate key hides the value it overwrote from that walk, and the exact parser refuses two
 * things there: too deep a nesting and too long an integer. Both take room in the text: the walk
 * also adds up a lower bound of the characters the result needs, and only when the text has more
 * spare characters than the smallest such hidden value needs are the openers counted, or the
 * digit runs looked at (sampled every `MAX_INT_DIGITS` characters: a longer run covers a sample).
 */
export function pyJsonLoads(text: string): PythonJsonValue {
  const counted = text.length > COUNT_NESTING_ABOVE;
  if (counted && tooManyOpeners(text)) return pyJsonLoadsExact(text);
  let value: PythonJsonValue;
  try {
    value = JSON.parse(text) as PythonJsonValue;
  } catch (error) {
    // Python's grammar is JSON's plus NaN, Infinity and -Infinity: without them in the text the
    // exact parser would refuse it too, and re-reading a megabyte just for its message is not worth it.
    if (text.includes("NaN") || text.includes("Infinity")) return pyJsonLoadsExact(text);
    throw new PythonJsonError((error as Error).message);
  }
  deepest = 0;
  const minLength = minTextLength(value, 1);
  // -1: a value that needs the exact parser. An enumerable property on Object.prototype would
  // make for-in count characters the text does not have: take the exact parser then too.
  if (minLength < 0 || !prototypeIsClean()) return pyJsonLoadsExact(text);
  const spare = text.length - minLength;
  // A hidden container at level L + 1 and deeper needs 2 * (MAX_JSON_DEPTH + 1 - L) characters to be refused.
  if (!counted && spare >= 2 * (MAX_JSON_DEPTH + 1 - deepest) && tooManyOpeners(text)) return pyJsonLoadsExact(text);
  if (spare > MAX_INT_DIGITS && hasLongDigitRun(text)) return pyJsonLoadsExact(text);
  return value;
}

/** The exact parser alone (no `JSON.parse` fast path); exported for equivalence tests. */
export function pyJsonLoadsExact(text: string): PythonJsonValue {
  return new Parser(text).parseDocument();
}

function tooManyOpeners(text: string): boolean {
  return countUpTo(text, "[", MAX_JSON_DEPTH) + countUpTo(text, "{", MAX_JSON_DEPTH) > MAX_JSON_DEPTH;
}

const EMPTY = {};
function prototypeIsClean(): boolean {
  for (const key in EMPTY) return key === undefined;
  return true;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Whether `text` holds more than `MAX_INT_DIGITS` digits in a row (inside strings too). */
function hasLongDigitRun(text: string): boolean {
  let from = 0;
  for (let i = MAX_INT_DIGITS; i < text.length; i += MAX_INT_DIGITS) {
    if (!isDigit(text.charCodeAt(i))) continue;
    let start = i;
    while (start > from && isDigit(text.charCodeAt(start - 1))) start--;
    let end = i + 1;
    while (end < text.length && isDigit(text.charCodeAt(end))) end++;
    if (end - start > MAX_INT_DIGITS) return true;
    from = end;
  }
  return false;
}

/** A number `JSON.parse` and the exact parser read alike whatever its literal was. */
function plainNumber(x: number): boolean {
  return Number.isSafeInteger(x) ? x !== 0 || 1 / x > 0 : Number.isFinite(x) && !Number.isInteger(x);
}

/** The deepest container level `minTextLength` has seen (the top one is level 1). */
let deepest = 0;

/**
 * The fewest characters a JSON text for `value` (a `JSON.parse` result at nesting `level`) can
 * have, or -1 when it holds a number that is not plain or a container deeper than
 * `MAX_JSON_DEPTH`. A string needs its code units and quotes, a number one character (and a
 * fraction three), a container its brackets, commas and colons. Index and for-in loops: no
 * intermediate arrays on this per-decode path.
 */
function minTextLength(value: unknown, level: number): number {
  switch (typeof value) {
    case "string":
      return value.length + 2;
    case "number":
      return !plainNumber(value) ? -1 : Number.isInteger(value) ? 1 : 3;
    case "boolean":
      return 4;
  }
  if (value === null) return 4;
  if (level > MAX_JSON_DEPTH) return -1;
  if (level > deepest) deepest = level;
  let total = 1;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const n = minTextLength(value[i], level + 1);
      if (n < 0) return -1;
      total += n + 1;
    }
    return value.length === 0 ? 2 : total;
  }
  let empty = true;
  for (const key in value) {
    const n = minTextLength((value as Record<string, unknown>)[key], level + 1);
    if (n < 0) return -1;
    // `"key":value` and a comma or the closing brace.
    total += key.length + 3 + n + 1;
    empty = false;
  }
  return empty ? 2 : total;
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseDocument(): PythonJsonValue {
    this.skipWs();
    const value = this.parseValue(0);
    this.skipWs();
    if (this.pos !== this.text.length) this.fail("Extra data");
    return value;
  }

  private fail(message: string): never {
    throw new PythonJsonError(`${message} at position ${this.pos}`);
  }

  private skipWs(): void {
    const text = this.text;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      pos++;
    }
    this.pos = pos;
  }

  /** `depth`: how many arrays/objects enclose this value. */
  private parseValue(depth: number): PythonJsonValue {
    const c = this.text[this.pos];
    switch (c) {
      case "{":
        if (depth >= MAX_JSON_DEPTH) this.fail("JSON nested too deeply");
        return this.parseObject(depth + 1);
      case "[":
        if (depth >= MAX_JSON_DEPTH) this.fail("JSON nested too deeply");
        return this.parseArray(depth + 1);
      case '"':
        return this.parseString();
      case "t":
        return this.literal("true", true);
      case "f":
        return this.literal("false", false);
      case "n":
        return this.literal("null", null);
      case "N":
        return this.literal("NaN", NaN);
      case "I":
        return this.literal("Infinity", Infinity);
      case "-":
        if (this.text.startsWith("-Infinity", this.pos)) return this.literal("-Infinity", -Infinity);
        return this.parseNumber();
      default:
        if (c !== undefined && c >= "0" && c <= "9") return this.parseNumber();
        return this.fail("Expecting value");
    }
  }

  private literal<T extends PythonJsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail("Expecting value");
    this.pos += word.length;
    return value;
  }

  private parseNumber(): number | bigint {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) return this.fail("Expecting value");
    this.pos = NUMBER.lastIndex;
    const token = m[0];
    if (m[1] === undefined && m[2] === undefined) {
      const digits = token.length - (token.startsWith("-") ? 1 : 0);
      if (digits > MAX_INT_DIGITS) {
        this.fail(`Exceeds the limit (${MAX_INT_DIGITS} digits) for integer string conversion: value has ${digits} digits`);
      }
      const n = Number(token);
      // `-0` is Python's int 0 (ints have no sign of zero).
      if (n === 0) return 0;
      return Number.isSafeInteger(n) ? n : BigInt(token);
    }
    return Number(token);
  }

  private parseString(): string {
    // Let JSON.parse decode the literal: it implements exactly JSON's escapes, which are
    // Python's too (lone surrogates included).
    let i = this.pos + 1;
    const text = this.text;
    let plain = true;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) this.fail("Unterminated string starting");
      if (c === 0x22) break;
      if (c === 0x5c) {
        plain = false;
        i += 2;
      } else {
        // Raw control characters are invalid in JSON strings (Python's strict mode too).
        if (c < 0x20) plain = false;
        i += 1;
      }
    }
    const literal = text.slice(this.pos, i + 1);
    this.pos = i + 1;
    if (plain) return literal.slice(1, -1);
    try {
      return JSON.parse(literal) as string;
    } catch {
      return this.fail("Invalid string");
    }
  }

  private parseArray(depth: number): PythonJsonValue[] {
    this.pos++;
    const out: PythonJsonValue[] = [];
    this.skipWs();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      out.push(this.parseValue(depth));
      this.skipWs();
      const c = this.text[this.pos++];
      if (c === "]") return out;
      if (c !== ",") this.fail("Expecting ',' delimiter");
    }
  }

  private parseObject(depth: number): { [key: string]: PythonJsonValue } {
    this.pos++;
    const out: { [key: string]: PythonJsonValue } = {};
    this.skipWs();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      if (this.text[this.pos] !== '"') this.fail("Expecting property name enclosed in double quotes");
      const key = this.parseString();
      this.skipWs();
      if (this.text[this.pos++] !== ":") this.fail("Expecting ':' delimiter");
      this.skipWs();
      // defineProperty, not assignment: `out["__proto__"] = v` would replace the prototype.
      Object.defineProperty(out, key, { value: this.parseValue(depth), enumerable: true, writable: true, configurable: true });
      this.skipWs();
      const c = this.text[this.pos++];
      if (c === "}") return out;
      if (c !== ",") this.fail("Expecting ',' delimiter");
    }
  }
}
