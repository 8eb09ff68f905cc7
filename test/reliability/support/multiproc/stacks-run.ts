import { fork, spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Client as PgClient } from "pg";
import { SessionCodec, silentLogger } from "../../../../src";
import { djangoSessionDdl } from "../../../support/databases";
import { RELIABILITY_SECRET } from "../app";
import { freePort, type Instance } from "../instances";
import { StackClient } from "./http-client";
import { MixedLoad, type MixedLoadReport, type StaleServe } from "./mixed-load";
import type { NodeClusterConfig } from "./node-cluster";

/**
 * One multi-process run: the Node cluster (node-cluster.ts) and Django 5.2 under gunicorn
 * (django_site/) on one PostgreSQL database (and, for cached_db, one Redis with one key prefix),
 * the mixed load of mixed-load.ts for `durationMs`, optionally a fault in the middle, then a
 * sweep of every session over every process and a comparison with the stored rows.
 */
export type FaultKind = "redis-freeze" | "redis-restart" | "postgres-restart" | "node-kill";

export interface StacksRunOptions {
  name: string;
  engine: "db" | "cached_db";
  postgres: { host: string; port: number; database: string; instance?: Instance };
  /** Needed for cached_db; a Redis fault needs a server of our own (`instance`). */
  redis?: { url: string; keyPrefix: string; instance?: Instance };
  nodeWorkers: number;
  djangoWorkers: number;
  durationMs: number;
  sessionsPerGroup: number;
  authLanes: number;
  /**
   * Faults, one after the other, each `atMs` into the load: Redis or PostgreSQL stays away
   * `downMs`; `node-kill` SIGKILLs the worker with the most requests in flight, 3 times, `downMs` apart.
   */
  faults?: { kind: FaultKind; atMs: number; downMs: number }[];
}

export interface StacksRunReport extends MixedLoadReport {
  name: string;
  engine: "db" | "cached_db";
  nodeWorkers: number;
  djangoWorkers: number;
  durationMs: number;
  faults: { kind: FaultKind; startedAt: number; recoveredAt: number; killed: unknown[] }[];
  /** Failed requests outside every fault and the `RECOVERY_GRACE_MS` after it. */
  errorsOutsideFault: Record<"node" | "django", number>;
  /** Stale reads and ended sessions served once the first fault was over (must be 0 for Node). */
  afterRecovery: { staleReads: Record<"node" | "django", number>; endedServed: Record<"node" | "django", number> };
  missingRows: number;
  /** Log records of the Node workers by message, and Django's cache error lines. */
  nodeLogged: Record<string, number>;
  djangoCacheErrorsLogged: number;
  djangoErrorsLogged: number;
}

/** After a fault: the time clients may still see failures while pools reconnect. */
export const RECOVERY_GRACE_MS = 3000;

const here = __dirname;
// The repository (also when this runs compiled, from .reliability-build/test/reliability/...).
const root = here.includes(".reliability-build") ? here.slice(0, here.indexOf(".reliability-build")) : join(here, "..", "..", "..", "..");
const djangoSite = join(root, "test", "reliability", "support", "multiproc", "django_site");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A deadline for a race: it does not keep the process alive once the race is won. */
const deadline = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

export async function runStacks(o: StacksRunOptions): Promise<StacksRunReport> {
  const databaseUrl = `postgresql://postgres@${o.postgres.host}:${o.postgres.port}/${o.postgres.database}`;
  await recreateTable(databaseUrl);
  const [nodePort, djangoPort] = [await freePort(), await freePort()];
  const node = await startNodeCluster({
    workers: o.nodeWorkers,
    port: nodePort,
    databaseUrl,
    secretKey: RELIABILITY_SECRET,
    engine: o.engine,
    ...(o.redis ? { redisUrl: o.redis.url, keyPrefix: o.redis.keyPrefix } : {}),
    commandTimeoutMs: 500,
  });
  const django = await startGunicorn(o, djangoPort).catch(async (error) => {
    await node.close();
    throw error;
  });
  const clients = { node: new StackClient("node", nodePort, 24), django: new StackClient("django", djangoPort, 16) };
  const codec = new SessionCodec({ secretKey: RELIABILITY_SECRET, logger: silentLogger });
  const load = new MixedLoad({ ...clients, codec, sessionsPerGroup: o.sessionsPerGroup, authLanes: o.authLanes, nodeWorkers: o.nodeWorkers });
  try {
    await load.setUp();
    const t0 = performance.now();
    const running = load.run();
    const faults: StacksRunReport["faults"] = [];
    for (const f of o.faults ?? []) {
      await sleep(Math.max(0, f.atMs - (performance.now() - t0)));
      const fault = { kind: f.kind, startedAt: performance.now(), recoveredAt: 0, killed: [] as unknown[] };
      faults.push(fault);
      await inject(o, f.kind, f.downMs, node, fault.killed);
      fault.recoveredAt = performance.now();
    }
    await sleep(Math.max(0, o.durationMs - (performance.now() - t0)));
    load.stop();
    await running;
    await sleep(300); // let commands a frozen Redis queued drain
    await load.sweep();
    const { missing } = load.verify(await storedRows(databaseUrl));
    const r = load.report();
    // In flight at any time of a fault (a request to a worker killed under it may hang until the client gives up).
    const inFault = (sent: number, end: number) => faults.some((f) => end >= f.startedAt && sent <= f.recoveredAt + RECOVERY_GRACE_MS);
    const outside = (stack: "node" | "django") => r.failures.filter((f) => f.stack === stack && !inFault(f.at, f.end)).length;
    const firstRecovery = faults[0]?.recoveredAt ?? Infinity;
    const after = (list: StaleServe[]) => list.filter((s) => s.at > firstRecovery).length;
    const stats = ((await node.ask("stats")) as { records: Record<string, number> }[] | null) ?? [];
    const nodeLogged: Record<string, number> = {};
    for (const w of stats) for (const [m, n] of Object.entries(w?.records ?? {})) nodeLogged[m] = (nodeLogged[m] ?? 0) + n;
    const djangoLog = django.log();
    return {
      name: o.name,
      engine: o.engine,
      nodeWorkers: o.nodeWorkers,
      djangoWorkers: o.djangoWorkers,
      durationMs: o.durationMs,
      ...r,
      failures: r.failures.slice(0, 20).map((f) => ({ ...f, at: Math.round(f.at - t0), end: Math.round(f.end - t0) })),
      losses: r.losses.map((l) => ({ ...l, at: Math.round(l.at - t0) })),
      staleReads: { node: r.staleReads.node.map((x) => ({ ...x, at: Math.round(x.at - t0) })), django: r.staleReads.django.map((x) => ({ ...x, at: Math.round(x.at - t0) })) },
      endedServed: { node: r.endedServed.node.map((x) => ({ ...x, at: Math.round(x.at - t0) })), django: r.endedServed.django.map((x) => ({ ...x, at: Math.round(x.at - t0) })) },
      faults: faults.map((f) => ({ ...f, startedAt: Math.round(f.startedAt - t0), recoveredAt: Math.round(f.recoveredAt - t0) })),
      errorsOutsideFault: { node: outside("node"), django: outside("django") },
      afterRecovery: {
        staleReads: { node: after(r.staleReads.node), django: after(r.staleReads.django) },
        endedServed: { node: after(r.endedServed.node), django: after(r.endedServed.django) },
      },
      missingRows: missing,
      nodeLogged,
      djangoCacheErrorsLogged: (djangoLog.match(/Error saving to cache/g) ?? []).length,
      djangoErrorsLogged: (djangoLog.match(/^ERROR /gm) ?? []).length,
    };
  } finally {
    load.stop();
    clients.node.close();
    clients.django.close();
    await Promise.all([node.close(), django.close()]);
  }
}

async function inject(o: StacksRunOptions, kind: FaultKind, downMs: number, node: NodeCluster, killed: unknown[]): Promise<void> {
  const need = (i: Instance | undefined, what: string): Instance => {
    if (!i) throw new Error(`${kind} needs a ${what} server of our own (instance)`);
    return i;
  };
  if (kind === "redis-freeze") {
    const redis = need(o.redis?.instance, "Redis");
    redis.pause();
    await sleep(downMs);
    redis.resume();
  } else if (kind === "redis-restart") {
    const redis = need(o.redis?.instance, "Redis");
    await redis.halt("fast");
    await sleep(downMs);
    await redis.start();
  } else if (kind === "postgres-restart") {
    const pg = need(o.postgres.instance, "PostgreSQL");
    await pg.halt("fast");
    await sleep(downMs);
    await pg.start();
  } else {
    for (let i = 0; i < 3; i++) {
      killed.push(await node.ask("kill"));
      await sleep(downMs);
    }
  }
}

/** A database of our own on a throwaway PostgreSQL (support/instances.ts). */
export async function ensureInstanceDatabase(port: number, name: string): Promise<void> {
  await withPg(`postgresql://postgres@127.0.0.1:${port}/postgres`, async (c) => {
    if ((await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 0) await c.query(`CREATE DATABASE ${name}`);
  });
}

async function withPg<T>(url: string, f: (c: PgClient) => Promise<T>): Promise<T> {
  const c = new PgClient({ connectionString: url });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

async function recreateTable(url: string): Promise<void> {
  await withPg(url, async (c) => {
    await c.query("DROP TABLE IF EXISTS django_session");
    for (const s of djangoSessionDdl("postgres")) await c.query(s);
  });
}

async function storedRows(url: string): Promise<Map<string, string>> {
  return withPg(url, async (c) => new Map((await c.query("SELECT session_key, session_data FROM django_session")).rows.map((r) => [String(r.session_key), String(r.session_data)])));
}

interface NodeCluster {
  ask(type: string): Promise<unknown>;
  close(): Promise<void>;
}

/** The cluster's primary in a process group of its own (so that nothing of it outlives the run). */
async function startNodeCluster(config: NodeClusterConfig): Promise<NodeCluster> {
  const compiled = join(here, "node-cluster.js");
  const main = existsSync(compiled) ? compiled : join(here, "node-cluster.ts");
  const execArgv = main.endsWith(".ts") ? ["--require", join(here, "ts-hook.js")] : [];
  const child = fork(main, [JSON.stringify(config)], { execArgv, detached: true, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const pending = new Map<number, (v: unknown) => void>();
  let nextId = 0;
  const ready = new Promise<void>((resolve, reject) => {
    child.on("message", (m: { type: string; id?: number; value?: unknown }) => {
      if (m.type === "ready") resolve();
      else if (m.type === "reply" && m.id !== undefined) pending.get(m.id)?.(m.value);
    });
    child.once("exit", (code) => reject(new Error(`the Node cluster exited during start-up (${code})`)));
    setTimeout(() => reject(new Error("the Node cluster did not start within 120 s")), 120_000).unref();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const killGroup = () => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // gone
    }
  };
  const ask = (type: string) =>
    new Promise<unknown>((resolve) => {
      const id = ++nextId;
      pending.set(id, resolve);
      if (child.connected) child.send({ type, id });
      else resolve(null);
      setTimeout(() => resolve(null), 10_000).unref();
    });
  try {
    await ready;
  } catch (error) {
    killGroup();
    throw error;
  }
  return {
    ask,
    async close() {
      await Promise.race([ask("close"), deadline(8000)]);
      await Promise.race([exited, deadline(2000)]);
      killGroup();
    },
  };
}

interface Gunicorn {
  log(): string;
  close(): Promise<void>;
}

async function startGunicorn(o: StacksRunOptions, port: number): Promise<Gunicorn> {
  const venv = join(root, ".venv-django52", "bin", "gunicorn");
  mkdirSync(join(root, "test", ".tmp"), { recursive: true });
  const logFile = join(root, "test", ".tmp", `multiproc-gunicorn-${process.pid}-${port}.log`);
  const out = openSync(logFile, "w");
  const env = {
    ...process.env,
    PYTHONDONTWRITEBYTECODE: "1",
    DS_MP_SECRET_KEY: RELIABILITY_SECRET,
    DS_MP_DB_NAME: o.postgres.database,
    DS_MP_DB_HOST: o.postgres.host,
    DS_MP_DB_PORT: String(o.postgres.port),
    DS_MP_ENGINE: o.engine,
    ...(o.redis ? { DS_MP_REDIS_URL: o.redis.url, DS_MP_KEY_PREFIX: o.redis.keyPrefix } : {}),
  };
  const args = ["--workers", String(o.djangoWorkers), "--bind", `127.0.0.1:${port}`, "--no-control-socket", "--timeout", "30", "--graceful-timeout", "3", "--log-level", "warning", "mp_site.wsgi:application"];
  const child: ChildProcess = spawn(venv, args, { cwd: djangoSite, env, detached: true, stdio: ["ignore", out, out] });
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // gone
    }
  };
  const probe = new StackClient("django", port, 1, 2000);
  try {
    const until = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`gunicorn exited during start-up:\n${readFileSync(logFile, "utf8").slice(-2000)}`);
      if ((await probe.send("GET", "/read", null)).status === 200) break;
      if (Date.now() > until) throw new Error(`gunicorn did not answer within 60 s:\n${readFileSync(logFile, "utf8").slice(-2000)}`);
      await sleep(200);
    }
  } catch (error) {
    killGroup("SIGKILL");
    throw error;
  } finally {
    probe.close();
  }
  return {
    log: () => readFileSync(logFile, "utf8"),
    async close() {
      killGroup("SIGTERM");
      await Promise.race([exited, deadline(5000)]);
      killGroup("SIGKILL");
    },
  };
}
