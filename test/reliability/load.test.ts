import { soak, type SoakReport } from "./support/soak";
import { sharedDatabase, type Orm } from "./support/stacks";

// The short load run (the full one, 5,000 sessions for 60 s per stack with the server in a process
// of its own, is `npm run test:reliability`): Express + djangoSession() + the repository over each
// ORM and database, many keep-alive connections reading and incrementing at once. Zero errors,
// every acknowledged increment stored (see support/load.ts for how they are counted), nothing
// lost or emptied, and no memory growth worth the name.

const STACKS: [Orm, "postgres" | "mysql"][] = [
  ["typeorm", "postgres"],
  ["prisma", "postgres"],
  ["typeorm", "mysql"],
  ["prisma", "mysql"],
];

function summary(r: SoakReport): string {
  const m = r.memory;
  return (
    `${r.name}: ${r.requests} requests in ${r.seconds} s (+ warm-up), ${r.requestsPerSecond}/s, ${r.errors} errors, ` +
    `${r.increments} increments acknowledged, ${r.verification.lost} lost, p99 ${r.latencyMs.p99} ms; ` +
    `heap ${m.start.heapUsedMb} → ${m.end.heapUsedMb} MB, rss ${m.start.rssMb} → ${m.end.rssMb} MB`
  );
}

describe.each(STACKS)("load: Express + djangoSession() over %s on %s", (orm, dialect) => {
  test("300 sessions, 16 keep-alive connections, 2.5 s: no error, no lost increment, no corrupted or lost row", async () => {
    const location = await sharedDatabase(dialect, `ds_reliability_load_${orm}`);
    const r = await soak({ orm, location, sessions: 300, workers: 16, durationMs: 2500, server: "in-process", sampleEveryMs: 1000 });
    console.log(summary(r));
    expect(r.errors).toBe(0);
    expect(r.byStatus).toEqual({ "200": expect.any(Number) });
    expect(r.violations).toEqual([]);
    expect(r.verification).toMatchObject({ sessions: 300, rows: 300, missing: 0, extra: 0, corrupted: 0, lost: 0, phantom: 0, inDoubtStored: 0, inDoubtDropped: 0 });
    expect(r.verification.acknowledged).toBe(r.increments);
    expect(r.increments).toBeGreaterThan(50);
    expect(r.logged).toEqual([]);
    // A few seconds say little about a trend (the full run does); they do catch a gross leak.
    expect(r.memory.end.heapUsedMb - r.memory.start.heapUsedMb).toBeLessThan(48);
  }, 120_000);
});
