import { SessionCodec, silentLogger } from "../../../src";
import { findLeaks, RELIABILITY_SECRET, startLoadApp } from "./app";
import type { Instance } from "./instances";
import { createSessions, runLoad, verifyRows, type LoadResult, type Verification } from "./load";
import { instanceDatabase, openStack, rawTable, type Orm } from "./stacks";

export interface RestartOptions {
  instance: Instance;
  orm: Orm;
  sessions: number;
  workers: number;
  /** Load before the database goes down. */
  beforeMs: number;
  /** How long the database stays down. */
  downMs: number;
  /** Load after it is back (the run must end with this much failure-free load). */
  afterMs: number;
  /** `fast`: a clean shutdown and start; `kill`: SIGKILL (a crash, then crash recovery on start). */
  mode: "fast" | "kill";
  /** The ORM pool's wait for a connection (a new one while the database is down). */
  acquireTimeoutMs?: number;
}

export interface RestartReport {
  name: string;
  mode: "fast" | "kill";
  load: Omit<LoadResult, "ledger" | "failures" | "successTimes">;
  /** Failed requests by what the client saw (`503 {...}`, `500 ...`, `ECONNRESET`, `CLIENT_TIMEOUT`). */
  failureKinds: Record<string, number>;
  /** ms since the load started: database stopped, database accepting connections again. */
  haltedAt: number;
  readyAt: number;
  /** Time the database took to stop and to start (ms). */
  downMs: number;
  /** Failures outside [haltedAt, readyAt + recovery] — must be 0 before the halt. */
  failuresBeforeHalt: number;
  firstFailureAt: number | null;
  lastFailureAt: number | null;
  /** From the database accepting connections to the app's first success after its last failure (ms). */
  recoveryMs: number;
  /** Failure-free load after the recovery (ms). */
  cleanTailMs: number;
  verification: Verification;
  /** Log records the app's logger got (the middleware reports failed saves there). */
  logged: number;
  /** The secret, session keys or session data in the logs, the errors the app saw, or the 5xx bodies (all must be 0). */
  leaks: { secret: number; keys: number; data: number; examples: string[] };
}

/**
 * A database restart under load, on a throwaway instance: sessions are created, the load runs,
 * the database is stopped (cleanly or killed) and started again while requests keep coming,
 * and the load goes on. The report says what the clients saw and whether every row survived.
 */
export async function restartDuringLoad(options: RestartOptions): Promise<RestartReport> {
  const { instance, orm } = options;
  const dialect = instance.kind === "postgres" ? "postgres" : "mysql";
  const location = instanceDatabase(dialect, instance.port);
  const raw = rawTable(location);
  await raw.recreate();
  const stack = await openStack(orm, location, { size: 10, acquireTimeoutMs: options.acquireTimeoutMs ?? 2000 });
  const app = await startLoadApp(stack.adapter);
  try {
    const keys = await createSessions(app.url, options.sessions);
    let haltedAt = 0;
    let readyAt = 0;
    let downMs = 0;
    let loadStart = 0;
    // The load goes on for afterMs once the database is back, however long it took to come back.
    let stopAt = Infinity;
    const loadPromise = runLoad({
      url: app.url,
      keys,
      workers: options.workers,
      durationMs: options.beforeMs + options.downMs + options.afterMs + 120_000,
      stopWhen: () => performance.now() > stopAt,
      seed: 7,
      timeoutMs: 20_000,
    });
    loadStart = performance.now();
    const fault = (async () => {
      await sleep(options.beforeMs);
      const t0 = performance.now();
      haltedAt = t0 - loadStart;
      await instance.halt(options.mode);
      await sleep(options.downMs);
      const t1 = performance.now();
      await instance.start();
      const t2 = performance.now();
      readyAt = t2 - loadStart;
      stopAt = t2 + options.afterMs;
      downMs = t2 - t0;
      void t1;
    })();
    const [load] = await Promise.all([loadPromise, fault]);
    // Align with the load's own clock (it started a hair before loadStart was read).
    const shift = loadStart - load.startedAt;
    haltedAt += shift;
    readyAt += shift;
    const failureKinds: Record<string, number> = {};
    for (const f of load.failures) {
      const space = f.what.indexOf(" ");
      const kind = space < 0 ? f.what : f.what.slice(0, space) + f.what.slice(space).replace(/\d{2,}/g, "N").slice(0, 60);
      failureKinds[kind] = (failureKinds[kind] ?? 0) + 1;
    }
    const failuresBeforeHalt = load.failures.filter((f) => f.at < haltedAt).length;
    const firstFailureAt = load.failures.length ? load.failures[0].at : null;
    const lastFailureAt = load.failures.length ? Math.max(...load.failures.map((f) => f.at)) : null;
    const firstGood = load.successTimes.find((t) => t > Math.max(lastFailureAt ?? 0, readyAt)) ?? load.durationMs;
    const codec = new SessionCodec({ secretKey: RELIABILITY_SECRET, logger: silentLogger });
    const verification = verifyRows(keys, await raw.all(), load.ledger, codec);
    const leaks = findLeaks([app.logger.text(), ...app.errors, ...load.failures.map((f) => f.what)], keys);
    const { ledger: _l, failures: _f, successTimes: _s, ...summary } = load;
    return {
      name: stack.name,
      mode: options.mode,
      load: summary,
      failureKinds,
      haltedAt: round(haltedAt),
      readyAt: round(readyAt),
      downMs: round(downMs),
      failuresBeforeHalt,
      firstFailureAt: firstFailureAt === null ? null : round(firstFailureAt),
      lastFailureAt: lastFailureAt === null ? null : round(lastFailureAt),
      recoveryMs: round(Math.max(0, firstGood - readyAt)),
      cleanTailMs: round(load.durationMs - Math.max(lastFailureAt ?? 0, readyAt)),
      verification,
      logged: app.logger.records.length,
      leaks,
    };
  } finally {
    await app.close();
    await stack.close().catch(() => undefined);
    await raw.close();
  }
}

const round = (ms: number) => Math.round(ms);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RedisOutageOptions {
  postgres: Instance;
  redis: Instance;
  orm: Orm;
  sessions: number;
  workers: number;
  beforeMs: number;
  downMs: number;
  afterMs: number;
  /** `pause`: Redis frozen (SIGSTOP), connections open, nothing answers; `restart`: stopped and started again. */
  mode: "pause" | "restart";
  /** RedisSessionCache's commandTimeout. */
  commandTimeoutMs: number;
}

export interface RedisOutageReport {
  name: string;
  mode: "pause" | "restart";
  load: Omit<LoadResult, "ledger" | "failures" | "successTimes">;
  failureKinds: Record<string, number>;
  downMs: number;
  /** "Error accessing the session cache" records (Django 5.1: `logger.exception`). */
  cacheErrorsLogged: number;
  /** The node-redis client's own error events (reconnects). */
  clientErrors: number;
  verification: Verification;
  /** After the load: sessions whose Redis entry exists and differs from the database row (must be 0). */
  coherence: { sessions: number; cached: number; stale: number; examples: string[] };
  leaks: { secret: number; keys: number; data: number; examples: string[] };
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}

/**
 * Django's cached_db on Redis (RedisSessionCache) over PostgreSQL under load while Redis goes
 * away and comes back: requests must go on (the database is the truth), the cache errors must
 * be logged, no increment may be lost or read stale, and afterwards every entry left in Redis
 * must equal its row.
 */
export async function redisOutageDuringLoad(options: RedisOutageOptions): Promise<RedisOutageReport> {
  const { createClient } = await import("redis");
  const { RedisSessionCache } = await import("../../../src/adapters/redis");
  const location = instanceDatabase("postgres", options.postgres.port);
  const raw = rawTable(location);
  await raw.recreate();
  let clientErrors = 0;
  const client = createClient({ url: options.redis.url, socket: { connectTimeout: 1000, reconnectStrategy: (retries: number) => Math.min(50 * (retries + 1), 500) } });
  // node-redis emits an 'error' on every failed reconnect; without a listener that would crash the app.
  client.on("error", () => clientErrors++);
  await client.connect();
  await client.flushDb();
  const cache = new RedisSessionCache({ client, commandTimeout: options.commandTimeoutMs });
  const stack = await openStack(options.orm, location, { size: 10 });
  const app = await startLoadApp(stack.adapter, { cache });
  try {
    const keys = await createSessions(app.url, options.sessions);
    let stopAt = Infinity;
    let downMs = 0;
    const loadPromise = runLoad({
      url: app.url,
      keys,
      workers: options.workers,
      durationMs: options.beforeMs + options.downMs + options.afterMs + 120_000,
      stopWhen: () => performance.now() > stopAt,
      seed: 11,
      timeoutMs: 20_000,
    });
    const fault = (async () => {
      await sleep(options.beforeMs);
      const t0 = performance.now();
      if (options.mode === "pause") {
        options.redis.pause();
        await sleep(options.downMs);
        options.redis.resume();
      } else {
        await options.redis.halt("fast");
        await sleep(options.downMs);
        await options.redis.start();
      }
      downMs = performance.now() - t0;
      stopAt = performance.now() + options.afterMs;
    })();
    const [load] = await Promise.all([loadPromise, fault]);
    // Let commands queued during the outage drain before comparing.
    await sleep(Math.max(500, options.commandTimeoutMs * 2));
    const codec = new SessionCodec({ secretKey: RELIABILITY_SECRET, logger: silentLogger });
    const rows = await raw.all();
    const verification = verifyRows(keys, rows, load.ledger, codec);
    const coherence = { sessions: rows.length, cached: 0, stale: 0, examples: [] as string[] };
    for (const row of rows) {
      const cached = await cache.get(row.sessionKey);
      if (cached === undefined) continue;
      coherence.cached++;
      const stored = codec.decode(row.sessionData);
      if (canonical(cached) !== canonical(stored)) {
        coherence.stale++;
        if (coherence.examples.length < 3) coherence.examples.push(`${row.sessionKey.slice(0, 6)}…: cache ${canonical(cached).slice(0, 80)} vs row ${canonical(stored).slice(0, 80)}`);
      }
    }
    const failureKinds: Record<string, number> = {};
    for (const f of load.failures) failureKinds[f.what.slice(0, 60)] = (failureKinds[f.what.slice(0, 60)] ?? 0) + 1;
    const leaks = findLeaks([app.logger.text(), ...app.errors, ...load.failures.map((f) => f.what)], keys);
    const { ledger: _l, failures: _f, successTimes: _s, ...summary } = load;
    return {
      name: `${stack.name} + Redis (cached_db)`,
      mode: options.mode,
      load: summary,
      failureKinds,
      downMs: round(downMs),
      cacheErrorsLogged: app.logger.records.filter((r) => r.message === "Error accessing the session cache").length,
      clientErrors,
      verification,
      coherence,
      leaks,
    };
  } finally {
    await app.close();
    await stack.close().catch(() => undefined);
    await raw.close();
    client.destroy();
  }
}
