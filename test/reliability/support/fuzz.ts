import { deflateRawSync, deflateSync, constants as zlibConstants } from "node:zlib";
import { createHmac } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import djangoVectors52 from "../../vectors/django-5.2.json";
import djangoVectors32 from "../../vectors/django-3.2.json";
import pickleVectors from "../../vectors/pickle-vectors.json";
import specVectors from "../../vectors/spec-vectors.json";
import { b64Encode } from "../../../src/core/base64";
import { deriveKey } from "../../../src/core/crypto";
import { PickleError, pickleDumps, pickleLoads } from "../../../src/core/pickle";
import { pyJsonDumps } from "../../../src/core/python-json";
import { DEFAULT_KEY_SALT, SIGNED_COOKIES_SALT, SessionCodec, SignedCookieCodec, type DecodeResult } from "../../../src/core/session-codec";
import { readSessionCookie } from "../../../src/core/session-cookie";
import { SessionMiddlewareCore } from "../../../src/core/session-middleware";
import { TimestampSigner } from "../../../src/core/signer";
import type { SessionLogger } from "../../../src/core/logger";
import { DjangoSessionRepository } from "../../../src/engines/db";
import type { SessionRow, SessionRowAdapter } from "../../../src/engines/row-adapter";
import { collectGarbage } from "./gc";
import { prng } from "./load";

/**
 * The fuzzing harness: for each target, a deterministic stream of generated and mutated inputs
 * (seeded from the known-answer vectors), each one timed; the target's own checks run on every
 * result, and any exception that escapes is a failure. Each run is timed on the wall clock;
 * inputs over their budget are run up to five more times, yielding to the event loop between
 * runs, and measured in CPU time (the process's user + system time, which a descheduled process
 * does not accrue), the fastest counting: a busy machine or a garbage collection the heap owed
 * anyway is not the input's cost. Confirmed slow inputs are failures and are written to
 * test/.tmp/fuzz-* for replay. Memory is sampled as it goes.
 */

export type Rng = () => number;

export interface FuzzTarget<I> {
  name: string;
  /** The i-th input (from the shared random stream). */
  generate(rng: Rng, i: number): I;
  /** Runs one input and checks the outcome; throws (or rejects) only when a check fails. */
  run(input: I): void | Promise<void>;
  /** For the replay file of a slow or failing input. */
  describe(input: I): Buffer | string;
  /** Checked every `checkEvery` inputs (e.g. Object.prototype untouched). */
  invariant?(): void;
  /** The time an input may take (see `DEFAULT_BUDGET`). */
  budget?: { baseMs: number; msPerMiB: number };
}

export interface FuzzReport {
  target: string;
  seed: number;
  inputs: number;
  durationMs: number;
  inputsPerSecond: number;
  failures: string[];
  failureCount: number;
  /** Slowest single run, as measured (noise included). */
  maxMs: number;
  /** Slowest input in CPU time, after re-timing the ones over their budget (the input's own cost). */
  maxConfirmedMs: number;
  /** The same for inputs of at most 16 KiB (what a Cookie header can carry through Node). */
  maxConfirmedSmallMs: number;
  /** The budget of an input: `budgetBaseMs` plus `budgetMsPerMiB` per MiB of input. */
  budgetBaseMs: number;
  budgetMsPerMiB: number;
  /** Inputs over their budget on first run / still over it when re-timed. */
  overThreshold: number;
  slowConfirmed: number;
  p999Ms: number;
  largestInputBytes: number;
  memory: { heapUsedBeforeMb: number; heapUsedAfterMb: number; rssBeforeMb: number; rssAfterMb: number; peakRssMb: number; peakHeapUsedMb: number };
}

const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;

const gc = collectGarbage;

/**
 * The CPU time an input may take: 10 ms, plus 100 ms per MiB of input (10 MB/s) for the large
 * ones. Generous on purpose, so that a loaded CI machine does not fail the run (the reports give
 * the real figures, usually far lower): what it must catch is cost that grows faster than the
 * input (the deep-nesting and big-integer findings took 0.5 s for a megabyte).
 */
export const DEFAULT_BUDGET = { baseMs: 10, msPerMiB: 100 };

export async function fuzz<I>(
  target: FuzzTarget<I>,
  options: { inputs: number; seed: number; budget?: { baseMs: number; msPerMiB: number }; checkEvery?: number },
): Promise<FuzzReport> {
  const budget = options.budget ?? target.budget ?? DEFAULT_BUDGET;
  const budgetFor = (bytes: number) => budget.baseMs + (budget.msPerMiB * bytes) / 1048576;
  const checkEvery = options.checkEvery ?? 5000;
  const rng = prng(options.seed);
  const failures: string[] = [];
  let failureCount = 0;
  let maxMs = 0;
  let maxConfirmedMs = 0;
  let maxConfirmedSmallMs = 0;
  let overThreshold = 0;
  let slowConfirmed = 0;
  let largest = 0;
  // 10 µs buckets up to 100 ms.
  const histogram = new Uint32Array(10_001);
  gc();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const started = performance.now();
  const fail = (i: number, input: I, text: string) => {
    failureCount++;
    if (failures.length < 10) {
      const file = saveInput(target, options.seed, i, input);
      failures.push(`#${i}: ${text.slice(0, 300)} (input: ${file})`);
    }
  };
  const time = async (input: I): Promise<{ ms: number; cpuMs: number; error: unknown }> => {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let error: unknown = null;
    try {
      const r = target.run(input);
      if (r) await r;
    } catch (e) {
      error = e ?? new Error("thrown undefined");
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const c = process.cpuUsage(c0);
    return { ms, cpuMs: (c.user + c.system) / 1000, error };
  };
  for (let i = 0; i < options.inputs; i++) {
    const input = target.generate(rng, i);
    const size = Buffer.byteLength(target.describe(input) as string);
    if (size > largest) largest = size;
    const { ms, error } = await time(input);
    if (error) fail(i, input, `escaped: ${(error as Error)?.stack ?? String(error)}`);
    histogram[Math.min(10_000, Math.floor(ms * 100))]++;
    if (ms > maxMs) maxMs = ms;
    let confirmed = ms;
    const allowed = budgetFor(size);
    if (ms > allowed) {
      overThreshold++;
      confirmed = Infinity;
      for (let k = 0; k < 5 && confirmed > allowed; k++) {
        await new Promise((r) => setImmediate(r));
        confirmed = Math.min(confirmed, (await time(input)).cpuMs);
      }
      if (confirmed > allowed) {
        slowConfirmed++;
        fail(i, input, `slow: ${confirmed.toFixed(2)} ms of CPU on its fastest of 5 more runs, over ${allowed.toFixed(1)} ms for ${size} bytes`);
      }
    }
    if (confirmed > maxConfirmedMs) maxConfirmedMs = confirmed;
    if (size <= 16384 && confirmed > maxConfirmedSmallMs) maxConfirmedSmallMs = confirmed;
    if (i % checkEvery === checkEvery - 1) {
      const m = process.memoryUsage();
      if (m.rss > peakRss) peakRss = m.rss;
      if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
      try {
        target.invariant?.();
        checkPrototypes();
      } catch (e) {
        fail(i, input, `invariant: ${(e as Error).message}`);
      }
      // Let timers and I/O run (a long synchronous loop would starve them).
      await new Promise((r) => setImmediate(r));
    }
  }
  const durationMs = performance.now() - started;
  gc();
  const after = process.memoryUsage();
  const total = histogram.reduce((a, b) => a + b, 0);
  let seen = 0;
  let p999 = 0;
  for (let b = 0; b < histogram.length; b++) {
    seen += histogram[b];
    if (seen >= total * 0.999) {
      p999 = b / 100;
      break;
    }
  }
  return {
    target: target.name,
    seed: options.seed,
    inputs: options.inputs,
    durationMs: Math.round(durationMs),
    inputsPerSecond: Math.round(options.inputs / (durationMs / 1000)),
    failures,
    failureCount,
    maxMs: Math.round(maxMs * 100) / 100,
    maxConfirmedMs: Math.round(maxConfirmedMs * 100) / 100,
    maxConfirmedSmallMs: Math.round(maxConfirmedSmallMs * 100) / 100,
    budgetBaseMs: budget.baseMs,
    budgetMsPerMiB: budget.msPerMiB,
    overThreshold,
    slowConfirmed,
    p999Ms: p999,
    largestInputBytes: largest,
    memory: {
      heapUsedBeforeMb: mb(before.heapUsed),
      heapUsedAfterMb: mb(after.heapUsed),
      rssBeforeMb: mb(before.rss),
      rssAfterMb: mb(after.rss),
      peakRssMb: mb(peakRss),
      peakHeapUsedMb: mb(peakHeap),
    },
  };
}

// test/.tmp of the repository, whether this runs from the sources (Jest) or compiled (.reliability-build).
const TMP_DIR = join(__dirname.includes(".reliability-build") ? __dirname.slice(0, __dirname.indexOf(".reliability-build")) : join(__dirname, "..", "..", ".."), "test", ".tmp");

function saveInput<I>(target: FuzzTarget<I>, seed: number, i: number, input: I): string {
  try {
    mkdirSync(TMP_DIR, { recursive: true });
    const file = join(TMP_DIR, `fuzz-${target.name.replace(/\W+/g, "-")}-${seed}-${i}.bin`);
    writeFileSync(file, target.describe(input));
    return file;
  } catch {
    return "(not saved)";
  }
}

const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort().join(",");

/** No input may have added anything to Object.prototype or Array.prototype. */
function checkPrototypes(): void {
  if (Object.getOwnPropertyNames(Object.prototype).sort().join(",") !== PROTOTYPE_NAMES) throw new Error("Object.prototype was modified");
  const probe = {} as Record<string, unknown>;
  for (const name of ["polluted", "isAdmin", "x", "a"]) if (probe[name] !== undefined || ([] as unknown as Record<string, unknown>)[name] !== undefined) throw new Error(`prototype polluted: ${name}`);
}

// --- random building blocks ---------------------------------------------------------------

const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)];
/** Mostly small, sometimes large: sizes for repetition (a log-uniform pick up to `max`). */
const size = (rng: Rng, max: number) => Math.floor(Math.exp(rng() * Math.log(max + 1))) ;

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x22, 0x5c, 0x3a, 0x3b, 0x3d, 0x2e, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x0a, 0x0d, 0x20, 0xc0, 0xed, 0xf0, 0xf4];

/** One to four byte-level mutations (AFL-style) of `input`, splicing from `corpus`. */
export function mutateBytes(rng: Rng, input: Buffer, corpus: readonly Buffer[], maxLength = 1 << 16): Buffer {
  let b = Buffer.from(input);
  const rounds = 1 + int(rng, 4);
  for (let r = 0; r < rounds; r++) {
    const at = b.length ? int(rng, b.length) : 0;
    switch (int(rng, 11)) {
      case 0: // flip a bit
        if (b.length) b[at] ^= 1 << int(rng, 8);
        break;
      case 1: // an interesting byte
        if (b.length) b[at] = pick(rng, INTERESTING_BYTES);
        break;
      case 2: // a random byte
        if (b.length) b[at] = int(rng, 256);
        break;
      case 3: // insert random bytes
        b = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(rng, 8) }, () => int(rng, 256))), b.subarray(at)]);
        break;
      case 4: // delete a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(rng, 16)))]);
        break;
      case 5: {
        // duplicate a range
        const end = Math.min(b.length, at + 1 + int(rng, 32));
        b = Buffer.concat([b.subarray(0, end), b.subarray(at, end), b.subarray(end)]);
        break;
      }
      case 6: // truncate
        b = b.subarray(0, at);
        break;
      case 7: {
        // splice another corpus entry in
        const other = pick(rng, corpus);
        const from = other.length ? int(rng, other.length) : 0;
        b = Buffer.concat([b.subarray(0, at), other.subarray(from, from + 1 + int(rng, 64)), b.subarray(at)]);
        break;
      }
      case 8: {
        // repeat a chunk many times (deep nesting, long runs)
        const end = Math.min(b.length, at + 1 + int(rng, 8));
        const chunk = b.subarray(at, end);
        b = Buffer.concat([b.subarray(0, at), Buffer.concat(Array<Buffer>(size(rng, 4096)).fill(chunk)), b.subarray(at)]);
        break;
      }
      case 9: // little-endian length-ish values (pickle prefixes, zlib headers)
        if (b.length >= 4) b.writeUInt32LE(pick(rng, [0, 1, 0x7fffffff, 0xffffffff, 0x10000, 0xfffffff0]) >>> 0, Math.min(at, b.length - 4));
        break;
      default: // swap two bytes
        if (b.length > 1) {
          const j = int(rng, b.length);
          [b[at], b[j]] = [b[j], b[at]];
        }
    }
    if (b.length > maxLength) b = b.subarray(0, maxLength);
  }
  return b;
}

const INTERESTING_STRINGS = [
  "\ud800", "\udfff", "\ud83d\ude00", "\u0000", "\r\n", "\u2028", "\ufeff", "\u00e9", "\\", '"', ";", "=", ",", " ", "\t",
  "__proto__", "constructor", "prototype", "toString", "%00", "%3B", "\\073", '\\"', "\\\\", "=;=;", '""', "\u00ff\u00fe",
];

/** Mutations of a string at the UTF-16 level (lone surrogates included). */
export function mutateString(rng: Rng, input: string, corpus: readonly string[], maxLength = 1 << 15): string {
  let s = input;
  const rounds = 1 + int(rng, 4);
  for (let r = 0; r < rounds; r++) {
    const at = s.length ? int(rng, s.length) : 0;
    switch (int(rng, 8)) {
      case 0:
        s = s.slice(0, at) + pick(rng, INTERESTING_STRINGS) + s.slice(at);
        break;
      case 1:
        s = s.slice(0, at) + String.fromCharCode(int(rng, 0x10000)) + s.slice(at + 1);
        break;
      case 2:
        s = s.slice(0, at) + s.slice(at + 1 + int(rng, 16));
        break;
      case 3:
        s = s.slice(0, at);
        break;
      case 4: {
        const other = pick(rng, corpus);
        const from = int(rng, other.length + 1);
        s = s.slice(0, at) + other.slice(from, from + 1 + int(rng, 64)) + s.slice(at);
        break;
      }
      case 5: {
        const chunk = s.slice(at, at + 1 + int(rng, 8));
        s = s.slice(0, at) + chunk.repeat(size(rng, 2048)) + s.slice(at);
        break;
      }
      case 6:
        s = s.slice(0, at) + String.fromCharCode(int(rng, 0x100)) + s.slice(at);
        break;
      default:
        if (s.length) s = s.slice(0, at) + String.fromCharCode(s.charCodeAt(at) ^ (1 << int(rng, 8))) + s.slice(at + 1);
    }
    if (s.length > maxLength) s = s.slice(0, maxLength);
  }
  return s;
}

// --- hostile JSON payloads (the inside of a signed session) --------------------------------

/** A valid zlib stream of `mebibytes` MiB of spaces built without compressing them (see the codec tests). */
export function zlibBomb(mebibytes: number): Buffer {
  const block = deflateRawSync(Buffer.alloc(1 << 20, 0x20), { level: 9, finishFlush: zlibConstants.Z_FULL_FLUSH });
  const n = BigInt(mebibytes) << 20n;
  const a = (1n + 0x20n * n) % 65521n;
  const b = (n + (0x20n * n * (n + 1n)) / 2n) % 65521n;
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(Number((b << 16n) | a));
  return Buffer.concat([Buffer.from([0x78, 0xda]), ...Array<Buffer>(mebibytes).fill(block), Buffer.from([0x03, 0x00]), adler]);
}

const BOMBS = [1, 2, 64].map((m) => zlibBomb(m));

function hostileJson(rng: Rng): string {
  const d = size(rng, 20_000);
  switch (int(rng, 16)) {
    case 0:
      return "[".repeat(d) + "]".repeat(d);
    case 1:
      return '{"a":'.repeat(d) + "1" + "}".repeat(d);
    case 2:
      return "[".repeat(d); // unterminated
    case 3:
      return `{"n":${"9".repeat(size(rng, 100_000))}}`;
    case 4:
      return `{"n":${pick(rng, ["1e999999", "-1e-999999", "1.7976931348623157e309", "-0", "NaN", "Infinity", "-Infinity", "0x10", "01", "1.", ".5", "1e", "-", "+1", "1E+2", "123456789012345678901234567890123456789"])}}`;
    case 5:
      return pick(rng, [
        '{"__proto__":{"polluted":1}}',
        '{"constructor":{"prototype":{"polluted":1}}}',
        '{"__proto__":[],"a":1}',
        '{"a":{"__proto__":{"isAdmin":true}}}',
        '{"__proto__":null}',
        '{"toString":1,"valueOf":2,"hasOwnProperty":3}',
      ]);
    case 6:
      return `{"s":"${"\\ud800".repeat(size(rng, 1000))}"}`;
    case 7:
      return `{"s":"${pick(rng, ["\\u", "\\u12", "\\x41", "\\", "\\uD800\\u0041", "\\uDC00", "\\q", "\u0000", "\u001f"])}"}`;
    case 8:
      return `{${Array.from({ length: size(rng, 5000) }, (_, i) => `"k${i % 7}":${i}`).join(",")}}`; // duplicate keys
    case 9:
      return `{"s":"${"a".repeat(size(rng, 300_000))}"}`;
    case 10:
      return "{}" + " ".repeat(size(rng, 1000)) + pick(rng, ["", "x", "{}", "\u0000"]);
    case 11:
      return `[${"1,".repeat(size(rng, 50_000))}1]`;
    case 12:
      return pick(rng, ["", " ", "null", "true", "1", '"s"', "[]", "{", "}", '{"a"}', '{"a":}', "{'a':1}", '{"a":1,}', "[1,]"]);
    case 13:
      return `{"d":${'{"x":[{"y":'.repeat(Math.min(d, 300))}0${"}]}".repeat(Math.min(d, 300))}}`;
    case 14:
      return `{"${"k".repeat(size(rng, 100_000))}":1}`;
    default:
      return `{"u":"${String.fromCharCode(...Array.from({ length: 1 + int(rng, 64) }, () => int(rng, 0x10000)))}"}`;
  }
}

/** Bytes of a payload: hostile JSON, raw or compressed; invalid UTF-8; zlib bombs and broken streams. */
function hostilePayloadBytes(rng: Rng): { bytes: Buffer; compressed: boolean } {
  const r = int(rng, 100);
  if (r < 2) return { bytes: pick(rng, BOMBS), compressed: true };
  switch (r % 7) {
    case 0:
    case 1:
    case 2:
      return { bytes: Buffer.from(hostileJson(rng), "utf8"), compressed: false };
    case 3:
      return { bytes: deflateSync(Buffer.from(hostileJson(rng), "utf8")), compressed: true };
    case 4: {
      // invalid UTF-8 inside a string: lone continuation bytes, overlongs, encoded surrogates, truncated sequences
      const bad = pick(rng, [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xff], [0xf0, 0x9f, 0x98]]);
      const bytes = Buffer.concat([Buffer.from('{"s":"'), Buffer.from(bad), Buffer.from('"}')]);
      return rng() < 0.3 ? { bytes: deflateSync(bytes), compressed: true } : { bytes, compressed: false };
    }
    case 5: {
      // a broken zlib stream: a good one, truncated or with a bad checksum
      const good = deflateSync(Buffer.from(pyJsonDumps({ a: "b".repeat(size(rng, 10_000)) })));
      const broken = Buffer.from(good);
      if (rng() < 0.5) return { bytes: broken.subarray(0, int(rng, broken.length)), compressed: true };
      broken[broken.length - 1 - int(rng, 4)] ^= 0xff;
      return { bytes: broken, compressed: true };
    }
    default:
      return { bytes: Buffer.from(Array.from({ length: size(rng, 4096) }, () => int(rng, 256))), compressed: rng() < 0.5 };
  }
}

/**
 * Hostile payloads (the base64 text between the signature's parts) built once per target:
 * building one (deflate, base64) costs more than decoding it, so the stream draws from this
 * pool and mutates what it draws, and builds a fresh one now and then.
 */
function payloadPool(rng: Rng, n = 1024): string[] {
  return Array.from({ length: n }, () => {
    const { bytes, compressed } = hostilePayloadBytes(rng);
    return (compressed ? "." : "") + b64Encode(bytes);
  });
}

function hostilePayload(rng: Rng, pool: string[]): string {
  const r = rng();
  if (r < 0.1) {
    const { bytes, compressed } = hostilePayloadBytes(rng);
    return (compressed ? "." : "") + b64Encode(bytes);
  }
  const drawn = pick(rng, pool);
  // Base64 mutations: mostly undecodable or a corrupt stream; signing needs well-formed text.
  return r < 0.4 ? (mutateString(rng, drawn, pool, 1 << 20) as string & { toWellFormed(): string }).toWellFormed() : drawn;
}

// --- the codec targets -------------------------------------------------------------------

const FUZZ_SECRET = "fuzz-secret-key-0123456789abcdef";

/** Valid session strings from the known-answer vectors (with their own secrets), as seeds. */
function vectorStrings(): string[] {
  const out: string[] = [];
  for (const v of [djangoVectors52, djangoVectors32] as { cases: { encoded?: string }[] }[]) for (const c of v.cases) if (typeof c.encoded === "string") out.push(c.encoded);
  const spec = specVectors as unknown as { sessions: { sessionData: string }[]; signedCookies?: { cookie?: string; value?: string }[] };
  for (const s of spec.sessions) out.push(s.sessionData);
  for (const s of spec.signedCookies ?? []) if (typeof (s.cookie ?? s.value) === "string") out.push((s.cookie ?? s.value)!);
  return out;
}

/** A logger that checks what it is told: a reason and an engine, never the input. */
function strictLogger(): SessionLogger & { calls: number } {
  const logger = {
    calls: 0,
    warn: (_message: string, context: Record<string, unknown>) => check(context),
    debug: (_message: string, context: Record<string, unknown>) => check(context),
    error: (_message: string, context: Record<string, unknown>) => check(context),
  };
  function check(context: Record<string, unknown>): void {
    logger.calls++;
    for (const [key, value] of Object.entries(context)) {
      if (!["reason", "engine"].includes(key) || typeof value !== "string" || value.length > 40) throw new Error(`the logger was told ${key}=${String(value).slice(0, 60)}`);
    }
  }
  return logger;
}

function checkDecoded(result: DecodeResult, input: string): void {
  if (typeof result !== "object" || result === null || typeof result.ok !== "boolean") throw new Error("decodeDetailed returned no result");
  const data = result.data;
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new Error("data is not an object");
  if (!result.ok && Object.keys(data).length !== 0) throw new Error(`a failure (${result.reason}) with data`);
  if (!result.ok && typeof result.reason !== "string") throw new Error("a failure without a reason");
  // Every object in the result is a plain object or array: nothing got another prototype.
  let budget = 2000;
  const walk = (value: unknown): void => {
    if (budget-- <= 0 || typeof value !== "object" || value === null) return;
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) throw new Error(`an object with prototype ${String(proto?.constructor?.name)}`);
    for (const key of Object.keys(value)) walk((value as Record<string, unknown>)[key]);
  };
  walk(data);
  void input;
}

interface CodecInput {
  text: string;
  /** Which codec reads it: the db codec, the db codec with legacyFormat "read", or the signed-cookie codec. */
  codec: "db" | "legacy" | "cookie";
}

/**
 * A signed payload may inflate to the codec's `maxSize` (1 MiB) whatever its own size; reading
 * that much (inflate, UTF-8 check, JSON) is the most an input can cost: about 5 ms on an idle
 * machine, up to 25 on a loaded one, hence a flat 50 ms.
 */
const CODEC_BUDGET = { baseMs: 50, msPerMiB: 100 };

/** `SessionCodec.decodeDetailed` (db engine; with and without the legacy format) on hostile session_data. */
export function sessionCodecTarget(): FuzzTarget<CodecInput> {
  const logger = strictLogger();
  const now = () => 1_700_000_000_000;
  const codecs = {
    db: new SessionCodec({ secretKey: FUZZ_SECRET, logger, now }),
    legacy: new SessionCodec({ secretKey: FUZZ_SECRET, logger, now, legacyFormat: "read" }),
    cookie: new SignedCookieCodec({ secretKey: FUZZ_SECRET, logger, now }),
  };
  const signer = new TimestampSigner({ key: FUZZ_SECRET, salt: DEFAULT_KEY_SALT, now });
  const legacyKey = deriveKey("django.contrib.sessionsSessionStore", FUZZ_SECRET, "sha1");
  const corpus = [...vectorStrings(), ...[{}, { a: 1 }, { _auth_user_id: "1", _session_expiry: 0 }, { s: "é😀", n: [1, 2.5, null, true] }].map((d) => codecs.db.encode(d))];
  const pool = payloadPool(prng(0x5eed));
  const generate = (rng: Rng): CodecInput => {
    const codec: CodecInput["codec"] = rng() < 0.15 ? "legacy" : "db";
    switch (int(rng, 6)) {
      case 0: // a mutated valid string: mostly fails the signature check
        return { text: mutateString(rng, pick(rng, corpus), corpus, 1 << 16), codec };
      case 1: // random text
        return { text: String.fromCharCode(...Array.from({ length: size(rng, 2048) }, () => int(rng, rng() < 0.8 ? 128 : 0x10000))), codec };
      case 2:
      case 3:
      case 4:
        // a hostile payload under a VALID signature: reaches base64, zlib and the JSON reader
        return { text: signer.sign(hostilePayload(rng, pool)), codec };
      default: {
        // the legacy format with a valid hash over hostile JSON (read by legacyFormat "read")
        const json = Buffer.from(hostileJson(rng), "latin1");
        const hash = createHmac("sha1", legacyKey).update(json).digest("hex");
        return { text: Buffer.concat([Buffer.from(`${hash}:`), json]).toString("base64"), codec: "legacy" };
      }
    }
  };
  return {
    name: "SessionCodec.decodeDetailed",
    budget: CODEC_BUDGET,
    generate,
    run: ({ text, codec }) => checkDecoded(codecs[codec].decodeDetailed(text), text),
    describe: ({ text }) => text,
  };
}

/** `SignedCookieCodec.decodeDetailed` on hostile cookie values (valid signatures over hostile payloads, expired ones, mutations). */
export function signedCookieCodecTarget(): FuzzTarget<CodecInput> {
  const logger = strictLogger();
  let clock = 1_700_000_000_000;
  const now = () => clock;
  const codec = new SignedCookieCodec({ secretKey: FUZZ_SECRET, logger, now, cookieAge: 3600 });
  const signer = new TimestampSigner({ key: FUZZ_SECRET, salt: SIGNED_COOKIES_SALT, now });
  const corpus = [...vectorStrings(), codec.encode({}), codec.encode({ cart: [1, 2, 3], _auth_user_id: "7" }), codec.encode({ s: "x".repeat(3000) })];
  const pool = payloadPool(prng(0xc00c1e));
  return {
    name: "SignedCookieCodec.decodeDetailed",
    budget: CODEC_BUDGET,
    generate(rng) {
      switch (int(rng, 5)) {
        case 0:
          return { text: mutateString(rng, pick(rng, corpus), corpus, 8192), codec: "cookie" };
        case 1: {
          // a valid cookie signed far in the past or the future (expiry, clock skew)
          const saved = clock;
          clock = saved + pick(rng, [-1, 1]) * size(rng, 10 ** 10) * 1000;
          const text = codec.encode({ a: int(rng, 1000) });
          clock = saved;
          return { text, codec: "cookie" };
        }
        default:
          return { text: signer.sign(hostilePayload(rng, pool)), codec: "cookie" };
      }
    },
    run: ({ text }) => checkDecoded(codec.decodeDetailed(text), text),
    describe: ({ text }) => text,
  };
}

// --- the pickle reader -------------------------------------------------------------------

function pickleCorpus(): Buffer[] {
  const out: Buffer[] = [];
  const v = pickleVectors as unknown as {
    write: { pickles: Record<string, { hex?: string }> }[];
    datetimeWrite: { pickles: Record<string, { hex?: string }> }[];
    read: { hex: string }[];
    refuse: { hex: string }[];
  };
  for (const group of [v.write, v.datetimeWrite]) for (const c of group) for (const p of Object.values(c.pickles)) if (p.hex) out.push(Buffer.from(p.hex, "hex"));
  for (const c of [...v.read, ...v.refuse]) out.push(Buffer.from(c.hex, "hex"));
  for (const protocol of [2, 3, 4, 5] as const) {
    out.push(pickleDumps({ _auth_user_id: "1", _auth_user_backend: "django.contrib.auth.backends.ModelBackend", cart: [1, 2, 3], n: 2 ** 70, f: 1.5, s: "é😀" }, { protocol }));
  }
  return out;
}

/** A pickle whose items expand geometrically through memo references (a "billion laughs"). */
function laughs(rng: Rng): Buffer {
  // PROTO 4, EMPTY_LIST, MEMOIZE, then repeatedly: MARK, (GET 0) × k, LIST, MEMOIZE ...
  const parts: number[] = [0x80, 0x04, 0x5d, 0x94];
  const levels = 1 + int(rng, 30);
  const fanout = 2 + int(rng, 20);
  for (let l = 0; l < levels; l++) {
    parts.push(0x28); // MARK
    for (let k = 0; k < fanout; k++) parts.push(0x68, l); // BINGET l
    parts.push(0x6c, 0x94); // LIST, MEMOIZE
  }
  parts.push(0x2e); // STOP
  return Buffer.from(parts);
}

function hostilePickle(rng: Rng): Buffer {
  const d = size(rng, 20_000);
  switch (int(rng, 7)) {
    case 0: // deep nesting: d empty lists, each appended to the one below it
      return Buffer.concat([Buffer.from([0x80, 0x04]), Buffer.alloc(d, 0x5d), Buffer.alloc(Math.max(0, d - 1), 0x61), Buffer.from([0x2e])]);
    case 1:
      return laughs(rng);
    case 2: {
      // huge length prefixes: BINUNICODE8, BINBYTES8, LONG4, FRAME
      const op = pick(rng, [0x8d, 0x8e, 0x8b, 0x95, 0x58, 0x42, 0x96]);
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(pick(rng, [2 ** 31, 2 ** 32 - 1, 2 ** 53, 2 ** 62])));
      return Buffer.concat([Buffer.from([0x80, 0x05, op]), len, Buffer.from("abc")]);
    }
    case 3: {
      // a huge integer (LONG1/LONG4)
      const n = size(rng, 100_000);
      const head = Buffer.alloc(5);
      head[0] = 0x8b;
      head.writeUInt32LE(n, 1);
      return Buffer.concat([Buffer.from([0x80, 0x04]), head, Buffer.alloc(n, 0xff), Buffer.from([0x2e])]);
    }
    case 4: // globals: os.system, builtins.eval, __proto__ ...
      return Buffer.from(
        pick(rng, [
          "\x80\x04\x8c\x02os\x94\x8c\x06system\x94\x93\x94\x8c\x02id\x94\x85\x94R\x94.",
          "cbuiltins\neval\n(S'1'\ntR.",
          "\x80\x02}q\x00X\t\x00\x00\x00__proto__q\x01}q\x02X\x08\x00\x00\x00pollutedq\x03K\x01ss.",
          "\x80\x02}q\x00X\x0b\x00\x00\x00constructorq\x01}q\x02X\t\x00\x00\x00prototypeq\x03}q\x04X\x08\x00\x00\x00pollutedq\x05K\x01sss.",
          "\x80\x04\x8c\x08datetime\x94\x8c\x08datetime\x94\x93\x94C\x0a\x07\xe7\x0b\x0e\x16\x0d\x14\x03\xd0\x90\x94\x85\x94R\x94.",
        ]),
        "latin1",
      );
    case 5: // invalid UTF-8 in a str
      return Buffer.concat([Buffer.from([0x80, 0x04, 0x8c, 0x04]), Buffer.from(pick(rng, [[0xed, 0xa0, 0x80, 0x41], [0xc0, 0xaf, 0x41, 0x41], [0xff, 0xfe, 0xfd, 0xfc]])), Buffer.from([0x2e])]);
    default:
      return Buffer.from(Array.from({ length: size(rng, 4096) }, () => int(rng, 256)));
  }
}

/**
 * Each opcode of a pickle may create an object (5,000 nested lists take 10 KB), so the reader's
 * cost is allocation and, in a fresh heap, the garbage collector: 0.5 µs to a few µs per object.
 */
const PICKLE_BUDGET = { baseMs: 10, msPerMiB: 500 };

/** `pickleLoads`: only `PickleError` may come out of it, quickly, whatever the bytes. */
export function pickleTarget(): FuzzTarget<Buffer> {
  const corpus = pickleCorpus();
  return {
    name: "pickleLoads",
    budget: PICKLE_BUDGET,
    generate(rng) {
      const r = rng();
      if (r < 0.6) return mutateBytes(rng, pick(rng, corpus), corpus);
      if (r < 0.75) return mutateBytes(rng, hostilePickle(rng), corpus);
      return hostilePickle(rng);
    },
    run(bytes) {
      try {
        const value = pickleLoads(bytes);
        let budget = 2000;
        const walk = (v: unknown): void => {
          if (budget-- <= 0 || typeof v !== "object" || v === null) return;
          const proto = Object.getPrototypeOf(v);
          if (proto !== Object.prototype && proto !== Array.prototype && proto !== null && v.constructor?.name !== "PyDatetime") throw new Error(`an object with prototype ${String(proto?.constructor?.name)}`);
          for (const key of Object.keys(v)) walk((v as Record<string, unknown>)[key]);
        };
        walk(value);
      } catch (error) {
        if (!(error instanceof PickleError)) throw error;
      }
    },
    describe: (bytes) => bytes,
  };
}

// --- cookie handling ---------------------------------------------------------------------

const PLAUSIBLE = /^[\x21-\x7e]{1,40}$/;

/** An in-memory `django_session` that refuses keys no database column could hold. */
export function memoryAdapter(): SessionRowAdapter & { rows: Map<string, SessionRow> } {
  const rows = new Map<string, SessionRow>();
  const check = (key: string) => {
    if (!PLAUSIBLE.test(key)) throw new Error(`an implausible key reached the database: ${JSON.stringify(key.slice(0, 50))}`);
  };
  return {
    dialect: "postgres",
    rows,
    async load(key, now) {
      check(key);
      const row = rows.get(key);
      return row && row.expireDate > now ? { sessionData: row.sessionData, expireDate: row.expireDate } : null;
    },
    async exists(key) {
      check(key);
      return rows.has(key);
    },
    async insert(row) {
      check(row.sessionKey);
      if (rows.has(row.sessionKey)) return false;
      rows.set(row.sessionKey, { ...row });
      return true;
    },
    async update(row, expected) {
      check(row.sessionKey);
      const current = rows.get(row.sessionKey);
      if (!current || (expected !== undefined && current.sessionData !== expected)) return false;
      rows.set(row.sessionKey, { ...row });
      return true;
    },
    async touch(key, expireDate) {
      check(key);
      const current = rows.get(key);
      if (!current) return false;
      current.expireDate = expireDate;
      return true;
    },
    async delete(key) {
      check(key);
      rows.delete(key);
    },
    async deleteExpired() {
      return 0;
    },
  };
}

interface CookieInput {
  header: string | string[] | undefined;
  action: "none" | "get" | "set" | "flush" | "cycle";
  status: number;
}

const COOKIE_NAMES = ["sessionid", "sessionid", "sessionid", "csrftoken", "__proto__", "constructor", "", " sessionid", "sessionid ", "SESSIONID", "session id", "sessionid\u0000", "toString", "$sessionid"];

/**
 * `readSessionCookie` and `SessionMiddlewareCore.open`/`commit` on arbitrary Cookie headers, with
 * a session that is left alone, read, written, flushed or cycled, over an in-memory table that
 * refuses any key a real column could not hold. Checks: nothing throws; the key the session gets
 * is what readSessionCookie read; the Set-Cookie written is one header line for our cookie with
 * a key we generated.
 */
export function cookieTarget(): FuzzTarget<CookieInput> {
  const adapter = memoryAdapter();
  const repository = new DjangoSessionRepository({ secretKey: FUZZ_SECRET, adapter, logger: strictLogger(), storageTimeout: null });
  const core = new SessionMiddlewareCore({ repository });
  const liveKeys: string[] = [];
  const corpus = ["sessionid=abcdefghijklmnopqrstuvwxyz012345", 'sessionid="abc\\012def\\"ghijk"; csrftoken=x', "a=b; sessionid=; sessionid=12345678", "sessionid", "=sessionid", "sessionid=a=b=c;;;"];
  const value = (rng: Rng): string => {
    switch (int(rng, 9)) {
      case 0:
        return liveKeys.length ? pick(rng, liveKeys) : "abcdefghijklmnopqrstuvwxyz012345";
      case 1:
        return `"${mutateString(rng, pick(rng, liveKeys.length ? liveKeys : ["x"]), corpus, 200)}"`;
      case 2:
        return "\\" + "0".repeat(size(rng, 20)) + '\\"'.repeat(size(rng, 50));
      case 3:
        return "a".repeat(size(rng, 20_000));
      case 4:
        return String.fromCharCode(...Array.from({ length: size(rng, 64) }, () => int(rng, 0x10000)));
      case 5:
        return pick(rng, ["", '""', '"', "12345678", "1234567", "é".repeat(8), "\ud800".repeat(8), "%00%00%00%00%00%00%00%00", "a\u0000bcdefghij", "x".repeat(40), "x".repeat(41)]);
      default:
        return String.fromCharCode(...Array.from({ length: size(rng, 48) }, () => 0x21 + int(rng, 94)));
    }
  };
  return {
    name: "readSessionCookie + SessionMiddlewareCore",
    generate(rng) {
      let header: string | string[] | undefined;
      const r = rng();
      if (r < 0.05) header = undefined;
      else if (r < 0.3) header = mutateString(rng, pick(rng, corpus), corpus, 1 << 14);
      else {
        const pairs = Array.from({ length: 1 + size(rng, 40) }, () => `${pick(rng, COOKIE_NAMES)}${pick(rng, ["=", "=", "=", " = ", ""])}${value(rng)}`);
        // Node refuses request headers over 16 KB (431) before any middleware runs; a few
        // inputs go up to 64 KB, for servers started with a larger --max-http-header-size.
        const text = pairs.join(pick(rng, ["; ", ";", ", ", " ;", ";;"])).slice(0, rng() < 0.02 ? 1 << 16 : 1 << 14);
        header = rng() < 0.1 ? text.split(";") : text;
      }
      return { header, action: pick(rng, ["none", "none", "get", "get", "set", "flush", "cycle"] as const), status: pick(rng, [200, 200, 302, 404, 500, 503]) };
    },
    async run({ header, action, status }) {
      const expected = readSessionCookie(header, "sessionid");
      if (expected !== undefined && typeof expected !== "string") throw new Error("readSessionCookie returned a non-string");
      const opened = core.open(header);
      if (opened.hadCookie !== (expected !== undefined)) throw new Error("hadCookie disagrees with readSessionCookie");
      const session = opened.session;
      if (session.sessionKey !== null && session.sessionKey !== expected) throw new Error("the session got another key than the cookie's");
      if (action === "get") await session.get("a");
      else if (action === "set") await session.set("a", 1);
      else if (action === "flush") await session.flush();
      else if (action === "cycle") await session.cycleKey();
      const commit = await core.commit(opened, status);
      if (commit.setCookie !== null) {
        if (/[\r\n\u0000]/.test(commit.setCookie)) throw new Error("a Set-Cookie with a line break or NUL");
        const m = /^sessionid=([^;]*);/.exec(commit.setCookie);
        if (!m) throw new Error(`a Set-Cookie for another cookie: ${commit.setCookie.slice(0, 60)}`);
        if (m[1] !== '""' && !/^[a-z0-9]{32}$/.test(m[1]) && m[1] !== expected) throw new Error(`a Set-Cookie with a key we did not make: ${m[1].slice(0, 60)}`);
        if (/^[a-z0-9]{32}$/.test(m[1]) && adapter.rows.has(m[1]) && liveKeys.length < 64) liveKeys.push(m[1]);
      }
      if (adapter.rows.size > 10_000) adapter.rows.clear();
    },
    describe: ({ header, action, status }) => JSON.stringify({ header, action, status }),
  };
}
