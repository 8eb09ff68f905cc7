import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { SessionCodec, silentLogger } from "../../../src";
import { RELIABILITY_SECRET, startLoadApp } from "./app";
import { collectGarbage } from "./gc";
import { createSessions, runLoad, verifyRows, type LoadResult, type Verification } from "./load";
import { openStack, rawTable, type DatabaseLocation, type Orm } from "./stacks";

export interface MemorySample {
  /** Seconds since the load started. */
  t: number;
  rssMb: number;
  heapUsedMb: number;
}

export interface SoakOptions {
  orm: Orm;
  location: DatabaseLocation;
  sessions: number;
  workers: number;
  durationMs: number;
  /** Where the app runs: in this process (Jest), or in a child process of its own, so that its memory is the server's alone. */
  server: "in-process" | "child";
  /** Memory samples (after a full GC) every this many ms. @default 5000 */
  sampleEveryMs?: number;
  seed?: number;
}

export interface SoakReport {
  name: string;
  sessions: number;
  workers: number;
  seconds: number;
  requests: number;
  ok: number;
  /** Everything but a 200: 5xx, 4xx, resets, timeouts. */
  errors: number;
  byStatus: Record<string, number>;
  increments: number;
  reads: number;
  requestsPerSecond: number;
  latencyMs: LoadResult["latencyMs"];
  violations: string[];
  verification: Verification;
  memory: {
    where: "in-process" | "child";
    start: MemorySample;
    end: MemorySample;
    samples: MemorySample[];
    /** Least-squares slope of heapUsed and rss over the samples, MB per minute. */
    heapSlopeMbPerMin: number;
    rssSlopeMbPerMin: number;
  };
  /** What the app's logger got (must be nothing in a healthy run). */
  logged: string[];
}

interface ServerHandle {
  url: string;
  name: string;
  memory(): Promise<{ rssMb: number; heapUsedMb: number }>;
  logged(): Promise<string[]>;
  close(): Promise<void>;
}

const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;

async function inProcessServer(orm: Orm, location: DatabaseLocation): Promise<ServerHandle> {
  const stack = await openStack(orm, location, { size: 10 });
  const app = await startLoadApp(stack.adapter);
  return {
    url: app.url,
    name: stack.name,
    async memory() {
      collectGarbage();
      const m = process.memoryUsage();
      return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed) };
    },
    logged: async () => app.logger.records.map((r) => `${r.level} ${r.message} ${JSON.stringify(r.context)}`),
    async close() {
      await app.close();
      await stack.close();
    },
  };
}

/** The app in a child process (`server-main.js`, compiled next to this file), driven over IPC. */
async function childServer(orm: Orm, location: DatabaseLocation): Promise<ServerHandle> {
  const child: ChildProcess = fork(join(__dirname, "server-main.js"), [JSON.stringify({ orm, location })], { execArgv: ["--expose-gc"], stdio: "inherit" });
  let nextId = 0;
  const pending = new Map<number, (value: unknown) => void>();
  child.on("message", (message: { id?: number; value?: unknown }) => {
    if (message.id !== undefined) {
      pending.get(message.id)?.(message.value);
      pending.delete(message.id);
    }
  });
  const ask = <T>(type: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, resolve as (value: unknown) => void);
      child.send({ id, type });
      setTimeout(() => pending.has(id) && reject(new Error(`the server did not answer ${type}`)), 60_000).unref();
    });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = await Promise.race([ask<{ url: string; name: string }>("ready"), exited.then(() => Promise.reject(new Error("the server process exited")))]);
  return {
    url: ready.url,
    name: ready.name,
    memory: () => ask("memory"),
    logged: () => ask("logged"),
    async close() {
      await ask("close").catch(() => undefined);
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

function slope(samples: MemorySample[], pick: (s: MemorySample) => number): number {
  if (samples.length < 2) return 0;
  const n = samples.length;
  const mx = samples.reduce((a, s) => a + s.t, 0) / n;
  const my = samples.reduce((a, s) => a + pick(s), 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.t - mx) * (pick(s) - my);
    den += (s.t - mx) ** 2;
  }
  return den === 0 ? 0 : Math.round((num / den) * 60 * 100) / 100;
}

/**
 * The load and soak run: a fresh `django_session`, `sessions` sessions created through the app,
 * then `workers` keep-alive connections reading and incrementing for `durationMs`, memory sampled
 * after a full GC, and every stored row checked against the bookkeeping at the end.
 */
export async function soak(options: SoakOptions): Promise<SoakReport> {
  const raw = rawTable(options.location);
  await raw.recreate();
  const server = options.server === "child" ? await childServer(options.orm, options.location) : await inProcessServer(options.orm, options.location);
  try {
    const keys = await createSessions(server.url, options.sessions);
    // Warm-up (JIT, pools), not counted, then the first memory sample.
    const warm = await runLoad({ url: server.url, keys, workers: options.workers, durationMs: Math.min(2000, options.durationMs / 4), seed: (options.seed ?? 1) + 1000 });
    const samples: MemorySample[] = [];
    const started = performance.now();
    const sample = async () => void samples.push({ t: Math.round((performance.now() - started) / 100) / 10, ...(await server.memory()) });
    await sample();
    let sampling = Promise.resolve();
    const timer = setInterval(() => (sampling = sampling.then(sample)), options.sampleEveryMs ?? 5000);
    let load: LoadResult;
    try {
      load = await runLoad({ url: server.url, keys, workers: options.workers, durationMs: options.durationMs, seed: options.seed ?? 1, ledger: warm.ledger });
    } finally {
      clearInterval(timer);
      await sampling;
    }
    await sample();
    const codec = new SessionCodec({ secretKey: RELIABILITY_SECRET, logger: silentLogger });
    const verification = verifyRows(keys, await raw.all(), load.ledger, codec);
    const errors = load.requests - load.ok + warm.requests - warm.ok;
    const byStatus: Record<string, number> = { ...load.byStatus };
    for (const [k, v] of Object.entries(warm.byStatus)) byStatus[k] = (byStatus[k] ?? 0) + v;
    return {
      name: server.name,
      sessions: keys.length,
      workers: options.workers,
      seconds: Math.round(load.durationMs / 100) / 10,
      requests: load.requests + warm.requests + keys.length,
      ok: load.ok + warm.ok + keys.length,
      errors,
      byStatus,
      increments: load.increments + warm.increments,
      reads: load.reads + warm.reads,
      requestsPerSecond: Math.round(load.requests / (load.durationMs / 1000)),
      latencyMs: load.latencyMs,
      violations: [...warm.violations, ...load.violations],
      verification,
      memory: {
        where: options.server,
        start: samples[0],
        end: samples[samples.length - 1],
        samples,
        // Over the whole run (the first sample is taken after the warm-up).
        heapSlopeMbPerMin: slope(samples, (s) => s.heapUsedMb),
        rssSlopeMbPerMin: slope(samples, (s) => s.rssMb),
      },
      logged: await server.logged(),
    };
  } finally {
    await server.close();
    await raw.close();
  }
}
