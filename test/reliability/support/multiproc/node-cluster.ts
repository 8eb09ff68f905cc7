// The Node side of the multi-process runs (see stacks-run.ts): node:cluster, N workers sharing one
// port, each an Express app with djangoSession() over the db or cached_db engine on one
// PostgreSQL (and one Redis). Started by the run with fork(); argument: NodeClusterConfig as JSON.
// IPC from the run: "kill" (SIGKILL the worker with the most requests in flight; it is forked
// again), "stats" (each worker's log records by message), "close".
import cluster, { type Worker } from "node:cluster";
import { createServer } from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import { Pool } from "pg";
import { CachedDbSessionRepository, DjangoSessionRepository, SqlRowAdapter } from "../../../../src";
import { createPgExecutor } from "../../../../src/adapters/sql/executors";
import { djangoSession } from "../../../../src/integrations/express";
import type { SessionLogger } from "../../../../src/core/logger";

export interface NodeClusterConfig {
  workers: number;
  port: number;
  databaseUrl: string;
  secretKey: string;
  engine: "db" | "cached_db";
  redisUrl?: string;
  /** Django's CACHES KEY_PREFIX, shared with the Django side. */
  keyPrefix?: string;
  commandTimeoutMs?: number;
}

const config = JSON.parse(process.argv[2] ?? "{}") as NodeClusterConfig;

if (cluster.isPrimary) primary();
else void worker();

function primary(): void {
  const inflight = new Map<number, number>();
  const listening = new Set<number>();
  const pending = new Map<number, (value: unknown) => void>();
  let closing = false;
  let ready = 0;
  const fork = (): Worker => {
    const w = cluster.fork();
    w.on("message", (m: { type: string; n?: number; id?: number; value?: unknown }) => {
      if (m.type === "inflight") inflight.set(w.id, m.n ?? 0);
      else if (m.type === "listening") {
        listening.add(w.id);
        if (++ready === config.workers) process.send?.({ type: "ready" });
      }
      else if (m.type === "reply" && m.id !== undefined) pending.get(m.id)?.(m.value);
    });
    w.on("exit", () => {
      inflight.delete(w.id);
      listening.delete(w.id);
      if (!closing) fork(); // as a process manager would
    });
    return w;
  };
  for (let i = 0; i < config.workers; i++) fork();
  let nextId = 0;
  const ask = (w: Worker, type: string) =>
    new Promise<unknown>((resolve) => {
      const id = ++nextId;
      pending.set(id, resolve);
      w.send({ type, id });
      setTimeout(() => resolve(null), 5000).unref();
    });
  // The run is gone (killed): take the workers along.
  process.on("disconnect", () => {
    closing = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGKILL");
    process.exit(1);
  });
  process.on("message", async (m: { type: string; id: number }) => {
    const reply = (value: unknown) => process.send?.({ type: "reply", id: m.id, value });
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    if (m.type === "kill") {
      // One worker at a time, and never the last one listening: a site keeps serving.
      const candidates = workers.filter((w) => listening.has(w.id));
      const [victim] = candidates.sort((a, b) => (inflight.get(b.id) ?? 0) - (inflight.get(a.id) ?? 0));
      if (!victim || candidates.length < 2) return reply(null);
      const value = { pid: victim.process.pid, inflight: inflight.get(victim.id) ?? 0 };
      victim.process.kill("SIGKILL");
      return reply(value);
    }
    if (m.type === "stats") return reply(await Promise.all(workers.map((w) => ask(w, "stats"))));
    if (m.type === "close") {
      closing = true;
      await Promise.all(workers.map((w) => new Promise<void>((resolve) => (w.once("exit", () => resolve()), w.kill("SIGTERM")))));
      reply(true);
      process.exit(0);
    }
  });
}

async function worker(): Promise<void> {
  const records = new Map<string, number>();
  const count = (message: string) => records.set(message, (records.get(message) ?? 0) + 1);
  const logger: SessionLogger = { warn: (m) => count(m), error: (m) => count(m), debug: () => undefined };
  const pool = new Pool({ connectionString: config.databaseUrl, max: 4, connectionTimeoutMillis: 2000 });
  pool.on("error", () => count("pg pool error"));
  const adapter = new SqlRowAdapter(createPgExecutor(pool));
  const base = { secretKey: config.secretKey, adapter, logger, storageTimeout: 5 };
  let repository: DjangoSessionRepository;
  if (config.engine === "cached_db") {
    const { createClient } = await import("redis");
    const { RedisSessionCache } = await import("../../../../src/adapters/redis");
    const client = createClient({ url: config.redisUrl, socket: { connectTimeout: 1000, reconnectStrategy: (retries: number) => Math.min(50 * (retries + 1), 500) } });
    client.on("error", () => count("redis client error"));
    await client.connect();
    repository = new CachedDbSessionRepository({ ...base, cache: new RedisSessionCache({ client, keyPrefix: config.keyPrefix ?? "", commandTimeout: config.commandTimeoutMs ?? 500 }) });
  } else {
    repository = new DjangoSessionRepository(base);
  }
  let inflight = 0;
  const report = () => process.send?.({ type: "inflight", n: inflight });
  setInterval(report, 50).unref();
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.use((_req, res, next) => {
    inflight++;
    res.on("close", () => inflight--);
    res.setHeader("X-Pid", String(process.pid));
    next();
  });
  app.use(djangoSession({ repository, logger }));
  app.post("/create", async (req, res) => {
    await req.session.update({ created: 1 });
    res.status(201).json({ ok: true });
  });
  app.post("/incr", async (req, res) => {
    const k = counterName(req);
    // A session that is gone (or was never there) is never counted on afresh.
    if ((await req.session.get("created")) !== 1) return void res.status(410).json({ error: "no such session" });
    const n = (((await req.session.get(k)) as number | undefined) ?? 0) + 1;
    await req.session.set(k, n);
    res.json({ n });
  });
  app.get("/read", async (req, res) => {
    res.json({ data: await req.session.toObject() });
  });
  // What login() and logout() do to the session: a new key for the same data plus the user, and flush().
  app.post("/login", async (req, res) => {
    await req.session.cycleKey();
    await req.session.set("uid", String(req.query.uid ?? ""));
    res.json({ ok: true });
  });
  app.post("/logout", async (req, res) => {
    await req.session.flush();
    res.json({ ok: true });
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const code = (error as { code?: string })?.code;
    count(`app error ${code ?? (error as Error)?.message}`);
    if (code === "ERR_SESSION_STORAGE") res.status(503).json({ error: "session storage unavailable" });
    else res.status(500).json({ error: "internal error" });
  });
  process.on("message", (m: { type: string; id: number }) => {
    if (m.type === "stats") process.send?.({ type: "reply", id: m.id, value: { pid: process.pid, records: Object.fromEntries(records) } });
  });
  // The run (or a killed primary) is gone: leave with it.
  process.on("disconnect", () => process.exit(0));
  const server = createServer({ keepAliveTimeout: 30_000 }, app);
  server.listen(config.port, "127.0.0.1", () => process.send?.({ type: "listening" }));
  process.on("SIGTERM", () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

function counterName(req: Request): string {
  const k = String(req.query.k ?? "");
  if (!/^[nd]\d{1,3}$/.test(k)) throw Object.assign(new Error("bad counter"), { code: "BAD_COUNTER" });
  return k;
}
