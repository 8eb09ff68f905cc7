"use strict";
// CPU time of the inputs the fuzzing and the security review found expensive, each against the
// bound it was fixed to. These bounds were assertions in the unit tests
// (test/reliability/fuzz-findings.test.ts, test/unit/pickle.test.ts, test/unit/session-codec.test.ts),
// where a busy machine made them fail without a regression; the tests keep the behaviour (what
// is refused, and how), this table keeps the time. The best of a few runs is reported, in CPU
// milliseconds (a busy machine inflates wall time far more than CPU time).
const { constants: zlibConstants, deflateRawSync } = require("node:zlib");
// Module files, not the root entry: these are low-level pieces the root may stop exporting.
const { pyJsonLoads } = require("../dist/cjs/core/python-json");
const { pickleLoads } = require("../dist/cjs/core/pickle");
const { SessionCodec, DEFAULT_KEY_SALT } = require("../dist/cjs/core/session-codec");
const { TimestampSigner } = require("../dist/cjs/core/signer");
const { b64Encode } = require("../dist/cjs/core/base64");

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/**
 * The best CPU milliseconds of `RUNS` calls of `fn`, and what it gave (a throw is the expected
 * outcome of most): shown, so that a fast "met" for an input that was not refused is visible.
 */
function measure(fn) {
  let best = Infinity;
  let outcome;
  for (let i = 0; i < RUNS; i++) {
    const start = process.cpuUsage();
    try {
      const value = fn();
      outcome = value && typeof value === "object" && "reason" in value ? `${value.reason}` : Array.isArray(value) ? `${value.length} values` : typeof value;
    } catch (error) {
      outcome = `${error.constructor?.name ?? error.name}${error.reason ? ` (${error.reason})` : ""}`;
    }
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return { ms: best, outcome };
}

/** A list of 20,000 SHORT_BINUNICODE strings of these bytes, pickled (protocol 4). */
function pickledStrings(bytes) {
  const one = Buffer.from([0x8c, bytes.length, ...bytes]);
  return Buffer.concat([Buffer.from([0x80, 0x04, 0x5d, 0x28]), ...Array(20_000).fill(one), Buffer.from([0x65, 0x2e])]);
}

/** l0 = []; l(i+1) = [li, li]: 2^60 items once expanded, in a few hundred bytes. */
function pickledDag() {
  const u32 = (n) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
  const parts = [0x80, 4, 0x5d, 0x94, 0x30];
  for (let i = 1; i <= 60; i++) parts.push(0x5d, 0x94, 0x28, 0x6a, ...u32(i - 1), 0x6a, ...u32(i - 1), 0x65, 0x30);
  parts.push(0x6a, ...u32(60), 0x2e);
  return Uint8Array.from(parts);
}

/** A valid zlib stream of `mebibytes` MiB of spaces (as test/unit/session-codec.test.ts builds it). */
function zlibBomb(mebibytes) {
  const block = deflateRawSync(Buffer.alloc(1 << 20, 0x20), { level: 9, finishFlush: zlibConstants.Z_FULL_FLUSH });
  const n = BigInt(mebibytes) << 20n;
  const a = (1n + 0x20n * n) % 65521n;
  const b = (n + (0x20n * n * (n + 1n)) / 2n) % 65521n;
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(Number((b << 16n) | a));
  return Buffer.concat([Buffer.from([0x78, 0xda]), ...Array(mebibytes).fill(block), Buffer.from([0x03, 0x00]), adler]);
}

function main() {
  const secretKey = "bench-hostile-inputs-secret";
  const now = () => 1_700_000_000_000;
  const bomb = new TimestampSigner({ key: secretKey, salt: DEFAULT_KEY_SALT, now }).sign(`.${b64Encode(zlibBomb(512))}`);
  const codec = new SessionCodec({ secretKey, now, logger: { warn() {}, debug() {}, error() {} } });
  const surrogates = pickledStrings([0xed, 0xa0, 0x80]);
  const ascii = pickledStrings([0x61, 0x62, 0x63]);
  const asciiMs = measure(() => pickleLoads(ascii)).ms;

  // [input, what it took before the fix, measurement, bound in CPU ms]
  const cases = [
    ["pyJsonLoads: a megabyte of [", "0.5–0.6 s", measure(() => pyJsonLoads("[".repeat(1 << 20))), 100],
    ["pyJsonLoads: a megabyte of [ closed again", "", measure(() => pyJsonLoads("[".repeat(1 << 19) + "]".repeat(1 << 19))), 100],
    ['pyJsonLoads: [{"a": nested 150,000 deep', "", measure(() => pyJsonLoads('[{"a":'.repeat(150_000))), 100],
    ['pyJsonLoads: {"a": nested 150,000 deep', "", measure(() => pyJsonLoads('{"a":'.repeat(150_000) + "1" + "}".repeat(150_000))), 100],
    ["pyJsonLoads: an int of a megabyte of digits", "~0.5 s", measure(() => pyJsonLoads(`{"n":${"9".repeat(1 << 20)}}`)), 100],
    ["pickleLoads: a 2^60-item DAG of shared lists", "", measure(() => pickleLoads(pickledDag())), 1000],
    ["pickleLoads: 20,000 encoded surrogates (vs ASCII)", "95 ms vs 7 ms", measure(() => pickleLoads(surrogates)), 4 * asciiMs + 5],
    ["SessionCodec: 512 MiB zlib bomb, validly signed", "seconds", measure(() => codec.decodeDetailed(bomb)), 500],
  ];
  console.table(
    cases.map(([input, before, { ms, outcome }, bound]) => ({
      input,
      outcome,
      before,
      "CPU ms": ms.toFixed(1),
      bound: `< ${bound.toFixed(0)} ms ${ms < bound ? "met" : "MISSED"}`,
    })),
  );
}

main();
