import { fork, type ChildProcess } from "node:child_process";
import { extname, join } from "node:path";
import { collectGarbage } from "../../test/reliability/support/gc";
import { rawTable } from "../../test/reliability/support/stacks";
import type { DbMonitor } from "./db-monitor";
import { SoakWork, type SoakWorkerSpec, type WorkerStats } from "./soak-worker";

/** A worker of the soak and the database of its own its connections are counted in. */
export interface SoakWorkerPlan {
  spec: SoakWorkerSpec;
  /** Its database's name (in spec.location). */
  database: string;
  monitor: DbMonitor;
}

/** A fault at `atMs` into the run: every connection of the workers on `dialect` ended, or the server restarted. */
export interface SoakFault {
  atMs: number;
  dialect: "postgres" | "mysql";
  kind: "terminate" | "restart";
}

export interface ConnectionSoakOptions {
  workers: SoakWorkerPlan[];
  /** Each worker in a process of its own (its memory is its own), or all in this one (Jest). */
  where: "child" | "in-process";
  durationMs: number;
  /** Memory samples (after a full GC) this often; connections are counted every second. */
  memoryEveryMs: number;
  faults: SoakFault[];
  /** Restarts a server (for `restart` faults): resolves once it accepts connections again. */
  restart?: (dialect: "postgres" | "mysql") => Promise<void>;
}

export interface MemoryPoint {
  t: number;
  rssMb: number;
  heapUsedMb: number;
}

export interface WorkerReport {
  name: string;
  database: string;
  poolSize: number;
  loops: number;
  ops: number;
  errors: number;
  errorKinds: Record<string, number>;
  /** Most connections seen at once, and after each fault's recovery; after the worker closed its pool. */
  maxConnections: number;
  connectionsAtEnd: number;
  connectionsAfterClose: number;
  /** Seconds from the end of each fault until the worker's next successful request. */
  recoverySeconds: number[];
  /** Samples after a full GC; the slopes (least squares) leave out the warm-up, the first fifth of the run up to a minute. */
  memory: { where: "child" | "in-process"; samples: MemoryPoint[]; heapSlopeMbPerMin: number; rssSlopeMbPerMin: number };
}

interface RunningWorker {
  name: string;
  stats(): Promise<WorkerStats>;
  memory(): Promise<{ rssMb: number; heapUsedMb: number }>;
  stop(): Promise<void>;
}

const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function inProcess(spec: SoakWorkerSpec): Promise<RunningWorker> {
  const work = await SoakWork.start(spec);
  return {
    name: work.stack.name,
    stats: async () => work.take(),
    async memory() {
      collectGarbage();
      const m = process.memoryUsage();
      return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed) };
    },
    stop: () => work.stop(),
  };
}

/** The worker in a process of its own (soak-worker-main.js, compiled next to this file). */
async function child(spec: SoakWorkerSpec): Promise<RunningWorker> {
  // soak-worker-main.js next to this file when compiled (.reliability-build); the .ts under a loader that runs this file as .ts.
  const execArgv = ["--expose-gc", ...process.execArgv.filter((a) => a !== "--expose-gc")];
  const proc: ChildProcess = fork(join(__dirname, `soak-worker-main${extname(__filename)}`), [JSON.stringify(spec)], { execArgv, stdio: "inherit" });
  let nextId = 0;
  const pending = new Map<number, (value: unknown) => void>();
  let ready: (name: string) => void = () => undefined;
  const readyName = new Promise<string>((resolve) => (ready = resolve));
  proc.on("message", (message: { id?: number; value?: unknown; ready?: { name: string } }) => {
    if (message.ready) ready(message.ready.name);
    if (message.id !== undefined) {
      pending.get(message.id)?.(message.value);
      pending.delete(message.id);
    }
  });
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const ask = <T>(type: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, resolve as (value: unknown) => void);
      proc.send({ id, type });
      setTimeout(() => pending.has(id) && reject(new Error(`the worker did not answer ${type}`)), 60_000).unref();
    });
  const name = await Promise.race([readyName, exited.then(() => Promise.reject(new Error("the soak worker exited")))]);
  return {
    name,
    stats: () => ask("stats"),
    memory: () => ask("memory"),
    async stop() {
      await ask("stop").catch(() => undefined);
      const killer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Least-squares slope, MB per minute. */
export function slopePerMinute(points: MemoryPoint[], pick: (p: MemoryPoint) => number): number {
  if (points.length < 2) return 0;
  const mx = points.reduce((a, p) => a + p.t, 0) / points.length;
  const my = points.reduce((a, p) => a + pick(p), 0) / points.length;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mx) * (pick(p) - my);
    den += (p.t - mx) ** 2;
  }
  return den === 0 ? 0 : Math.round((num / den) * 60 * 100) / 100;
}

/**
 * Part 3 of the scale run: workers under a steady load for `durationMs`, their memory sampled after
 * a full GC, their connections counted from the server every second against their pool size, and
 * the faults (connections ended, servers restarted) on the way; at the end each worker closes its
 * pool and must hold no connection.
 */
export async function connectionSoak(options: ConnectionSoakOptions): Promise<WorkerReport[]> {
  for (const plan of options.workers) {
    await plan.monitor.createDatabase(plan.database);
    const raw = rawTable(plan.spec.location);
    await raw.recreate();
    await raw.close();
  }
  const start = options.where === "child" ? child : inProcess;
  const running = await Promise.all(options.workers.map((plan) => start(plan.spec)));
  const reports: WorkerReport[] = running.map((w, i) => {
    const plan = options.workers[i] as SoakWorkerPlan;
    return {
      name: w.name,
      database: plan.database,
      poolSize: plan.spec.poolSize,
      loops: plan.spec.loops,
      ops: 0,
      errors: 0,
      errorKinds: {},
      maxConnections: 0,
      connectionsAtEnd: 0,
      connectionsAfterClose: 0,
      recoverySeconds: [],
      memory: { where: options.where, samples: [], heapSlopeMbPerMin: 0, rssSlopeMbPerMin: 0 },
    };
  });
  const started = Date.now();
  const faultsEnded: { dialect: "postgres" | "mysql"; at: number; recovered: Set<number> }[] = [];
  const tally = async () => {
    await Promise.all(
      running.map(async (w, i) => {
        const r = reports[i] as WorkerReport;
        const plan = options.workers[i] as SoakWorkerPlan;
        const s = await w.stats();
        r.ops += s.ops;
        r.errors += s.errors;
        for (const [k, n] of Object.entries(s.errorKinds)) r.errorKinds[k] = (r.errorKinds[k] ?? 0) + n;
        for (const fault of faultsEnded) {
          if (fault.dialect === plan.spec.location.dialect && !fault.recovered.has(i) && s.lastOkAt > fault.at) {
            fault.recovered.add(i);
            r.recoverySeconds.push(Math.round((s.lastOkAt - fault.at) / 100) / 10);
          }
        }
        const n = await plan.monitor.connections(plan.database).catch(() => -1);
        r.maxConnections = Math.max(r.maxConnections, n);
      }),
    );
  };
  const sampleMemory = async () => {
    const t = Math.round((Date.now() - started) / 100) / 10;
    await Promise.all(running.map(async (w, i) => (reports[i] as WorkerReport).memory.samples.push({ t, ...(await w.memory()) })));
  };
  const pendingFaults = [...options.faults].sort((a, b) => a.atMs - b.atMs);
  let nextMemory = 0;
  try {
    while (Date.now() - started < options.durationMs) {
      const elapsed = Date.now() - started;
      if (elapsed >= nextMemory) {
        await sampleMemory();
        nextMemory += options.memoryEveryMs;
      }
      for (let fault = pendingFaults[0]; fault && elapsed >= fault.atMs; fault = pendingFaults[0]) {
        pendingFaults.shift();
        if (fault.kind === "terminate") {
          for (const plan of options.workers) if (plan.spec.location.dialect === fault.dialect) await plan.monitor.terminate(plan.database);
        } else {
          if (!options.restart) throw new Error("a restart fault needs options.restart");
          await options.restart(fault.dialect);
        }
        faultsEnded.push({ dialect: fault.dialect, at: Date.now(), recovered: new Set() });
      }
      await tally();
      await sleep(1000);
    }
    await sampleMemory();
    await tally();
    await Promise.all(running.map(async (_, i) => ((reports[i] as WorkerReport).connectionsAtEnd = await (options.workers[i] as SoakWorkerPlan).monitor.connections((options.workers[i] as SoakWorkerPlan).database))));
  } finally {
    await Promise.all(running.map((w) => w.stop()));
  }
  // The server drops a closed connection's session a moment after the client's goodbye.
  await sleep(500);
  for (const [i, r] of reports.entries()) {
    const plan = options.workers[i] as SoakWorkerPlan;
    r.connectionsAfterClose = await plan.monitor.connections(plan.database);
    // The trend after the warm-up (JIT, pools, the first sessions): the first fifth of the run, at most a minute.
    const warm = r.memory.samples.filter((p) => p.t >= Math.min(60, options.durationMs / 5000));
    r.memory.heapSlopeMbPerMin = slopePerMinute(warm, (p) => p.heapUsedMb);
    r.memory.rssSlopeMbPerMin = slopePerMinute(warm, (p) => p.rssMb);
  }
  return reports;
}
