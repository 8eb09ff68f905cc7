import { cookieTarget, fuzz, pickleTarget, sessionCodecTarget, signedCookieCodecTarget, type FuzzReport, type FuzzTarget } from "./support/fuzz";

// The short fuzzing run: 20,000 generated and mutated inputs per target (the full run,
// `npm run test:reliability`, tries 1,000,000 each). Seeded, so a failure replays: the failing
// input is also written to test/.tmp/fuzz-*. See support/fuzz.ts for the inputs and the checks.

const INPUTS = 20_000;

function summary(r: FuzzReport): string {
  return (
    `${r.target}: ${r.inputs} inputs (seed ${r.seed}), ${r.inputsPerSecond}/s, ${r.failureCount} failures; ` +
    `slowest ${r.maxMs} ms measured, ${r.maxConfirmedMs} ms of CPU re-timed (${r.maxConfirmedSmallMs} ms up to 16 KiB), largest input ${r.largestInputBytes} bytes; ` +
    `heap ${r.memory.heapUsedBeforeMb} → ${r.memory.heapUsedAfterMb} MB (peak ${r.memory.peakHeapUsedMb}), rss peak ${r.memory.peakRssMb} MB`
  );
}

const targets: [string, () => FuzzTarget<any>][] = [
  ["cookie handling: readSessionCookie + SessionMiddlewareCore.open/commit", cookieTarget],
  ["the session decoder: SessionCodec.decodeDetailed", sessionCodecTarget],
  ["the signed_cookies decoder: SignedCookieCodec.decodeDetailed", signedCookieCodecTarget],
  ["the pickle reader: pickleLoads", pickleTarget],
];

describe.each(targets)("fuzzing %s", (_name, make) => {
  test(`${INPUTS} inputs: nothing escapes, no input over its time budget, memory bounded, prototypes untouched`, async () => {
    const r = await fuzz(make(), { inputs: INPUTS, seed: 20_260_101 });
    console.log(summary(r));
    expect(r.failures).toEqual([]);
    expect(r.slowConfirmed).toBe(0);
    // Bounded: decompression bombs stop at maxSize, nothing is kept between inputs.
    expect(r.memory.peakRssMb - r.memory.rssBeforeMb).toBeLessThan(512);
    expect(r.memory.heapUsedAfterMb - r.memory.heapUsedBeforeMb).toBeLessThan(32);
  }, 300_000);
});
