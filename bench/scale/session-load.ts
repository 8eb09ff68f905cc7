import type { DjangoSessionRepository } from "../../src";

/** Latency and errors of the load in one window of time. */
export interface LoadWindow {
  ops: number;
  opsPerSecond: number;
  errors: number;
  /** Errors by kind (code or class, and the first words of the message): lock wait timeouts show here. */
  errorKinds: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  seconds: number;
}

export interface SessionLoadOptions {
  repository: DjangoSessionRepository;
  /** Live session keys to read and write. */
  keys: readonly string[];
  /** Concurrent loops. @default 8 */
  workers?: number;
  /** Pause of each loop between requests, so the load is a steady rate a site sees rather than saturation. @default 10 */
  pauseMs?: number;
}

/** A running load: `window()` closes the current window (once the requests started in it have finished) and opens the next. */
export interface SessionLoad {
  window(): Promise<LoadWindow>;
  stop(): Promise<LoadWindow>;
}

const percentile = (sorted: number[], p: number) => (sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0) : 0);
const round = (n: number) => Math.round(n * 100) / 100;

function kindOf(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = e.cause?.code ?? e.code ?? e.name ?? "error";
  const message = String(e.cause?.message ?? e.message ?? "").split(/\s+/).slice(0, 6).join(" ");
  return `${String(code)}: ${message}`;
}

/** The requests started in one window: a request blocked by a cleaner counts where it began, however late it ends. */
class Bucket {
  latencies: number[] = [];
  errors = 0;
  errorKinds: Record<string, number> = {};
  inFlight = 0;
  private drained: (() => void) | null = null;
  readonly started = performance.now();
  ended = 0;
  done(): void {
    if (--this.inFlight === 0 && this.drained) this.drained();
  }
  settled(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => (this.drained = resolve));
  }
}

function figures(bucket: Bucket): LoadWindow {
  const sorted = bucket.latencies.sort((a, b) => a - b);
  const seconds = (bucket.ended - bucket.started) / 1000;
  return {
    ops: sorted.length,
    opsPerSecond: Math.round(sorted.length / seconds),
    errors: bucket.errors,
    errorKinds: bucket.errorKinds,
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1] ?? 0),
    seconds: round(seconds),
  };
}

/**
 * What a site does to its sessions while a cleaner runs: each loop loads a live session by key,
 * increments a counter in it and saves it (one SELECT, one compare-and-swap UPDATE), then pauses.
 */
export function startSessionLoad(options: SessionLoadOptions): SessionLoad {
  const { repository, keys } = options;
  const workers = options.workers ?? 8;
  const pauseMs = options.pauseMs ?? 10;
  let running = true;
  let bucket = new Bucket();
  let next = 0;
  const loop = async () => {
    while (running) {
      const key = keys[next++ % keys.length] ?? "";
      const mine = bucket;
      mine.inFlight++;
      const started = performance.now();
      try {
        const session = repository.get(key);
        const count = Number((await session.get("count")) ?? 0);
        await session.set("count", count + 1);
        await session.save();
      } catch (error) {
        mine.errors++;
        const kind = kindOf(error);
        mine.errorKinds[kind] = (mine.errorKinds[kind] ?? 0) + 1;
      }
      mine.latencies.push(performance.now() - started);
      mine.done();
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  const loops = Array.from({ length: workers }, () => loop());
  const window = async (): Promise<LoadWindow> => {
    const closed = bucket;
    closed.ended = performance.now();
    bucket = new Bucket();
    await closed.settled();
    return figures(closed);
  };
  return {
    window,
    async stop() {
      running = false;
      const last = window();
      await Promise.all(loops);
      return last;
    },
  };
}
