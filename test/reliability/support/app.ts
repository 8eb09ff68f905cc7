import express, { type NextFunction, type Request, type Response } from "express";
import { createServer, type Server } from "node:http";
import { inspect } from "node:util";
import type { AddressInfo } from "node:net";
import { CachedDbSessionRepository, DjangoSessionRepository, type DjangoSessionRepositoryOptions, type SessionCacheAdapter } from "../../../src";
import type { SessionLogger } from "../../../src/core/logger";
import { djangoSession } from "../../../src/integrations/express";
import type { SessionRowAdapter } from "../../../src/engines/row-adapter";

/** The secret of every reliability run (test data only). */
export const RELIABILITY_SECRET = "reliability-secret-key-9f3c1e7a5b2d4c6e8f0a";

/** A value every load session holds, to look for in logs and error messages (it must never be there). */
export const SESSION_DATA_MARKER = "confidential-session-value-7d1e3a";

/** Counts of the secret, session keys and the session data marker in `texts` (all must be 0). */
export function findLeaks(texts: readonly string[], keys: readonly string[]): { secret: number; keys: number; data: number; examples: string[] } {
  const found = { secret: 0, keys: 0, data: 0, examples: [] as string[] };
  const keySet = new Set(keys);
  for (const text of texts) {
    if (text.includes(RELIABILITY_SECRET)) found.secret++;
    if (text.includes(SESSION_DATA_MARKER)) found.data++;
    // Keys are 32 [a-z0-9]: look at every such run rather than every key in every text.
    for (const run of text.match(/[a-z0-9]{32,40}/g) ?? []) if (keySet.has(run)) found.keys++;
    if ((found.secret || found.data || found.keys) && found.examples.length < 3 && !found.examples.includes(text)) found.examples.push(text.slice(0, 300));
  }
  return found;
}

/** A logger that keeps everything it is told, to count errors and to grep for leaks. */
export function capturingLogger(): SessionLogger & { records: { level: string; message: string; context: Record<string, unknown> }[]; text(): string } {
  const records: { level: string; message: string; context: Record<string, unknown> }[] = [];
  const push = (level: string) => (message: string, context: Record<string, unknown>) => void records.push({ level, message, context });
  return {
    records,
    warn: push("warn"),
    error: push("error"),
    debug: push("debug"),
    text: () => records.map((r) => `${r.level} ${r.message} ${safeJson(r.context)}`).join("\n"),
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? String(v) : v instanceof Error ? { ...v, name: v.name, message: v.message } : v));
  } catch {
    return String(value);
  }
}

export interface LoadApp {
  url: string;
  server: Server;
  repository: DjangoSessionRepository;
  logger: ReturnType<typeof capturingLogger>;
  /** Every error the app's error handler got, as util.inspect prints it (what a logger would write). */
  errors: string[];
  /** Responses by status, counted by the app itself. */
  statuses: Map<number, number>;
  close(): Promise<void>;
}

/**
 * The app under load: Express 5, `djangoSession()` over a `DjangoSessionRepository` with the
 * default merge concurrency, and three routes:
 * - `POST /create`: a new session (`created`), its key in the Set-Cookie;
 * - `GET /read?w=W`: the value of the worker's counter `nW` (a read; nothing is saved);
 * - `POST /incr?w=W`: `nW += 1`, answered with the new value once it is stored (the middleware
 *   holds the response until its save succeeded, and turns a failed save into a 5xx).
 * A database failure while reading the session is a `SessionStorageError`; the app's error
 * handler answers it with a 503 and `Retry-After`, everything else with a 500.
 */
export async function startLoadApp(adapter: SessionRowAdapter, options: Partial<DjangoSessionRepositoryOptions> & { cache?: SessionCacheAdapter } = {}): Promise<LoadApp> {
  const logger = capturingLogger();
  const { cache, ...rest } = options;
  const base = { secretKey: RELIABILITY_SECRET, adapter, logger, ...rest };
  const repository = cache ? new CachedDbSessionRepository({ ...base, cache }) : new DjangoSessionRepository(base);
  const statuses = new Map<number, number>();
  const errors: string[] = [];
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.use((_req, res, next) => {
    res.on("finish", () => statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1));
    next();
  });
  app.use(djangoSession({ repository, logger }));
  app.post("/create", async (req, res) => {
    await req.session.set("created", 1);
    await req.session.set("note", SESSION_DATA_MARKER);
    res.status(201).json({ ok: true });
  });
  app.get("/read", async (req, res) => {
    const w = workerKey(req);
    res.json({ n: (await req.session.get(w)) ?? 0, created: (await req.session.get("created")) ?? null });
  });
  app.post("/incr", async (req, res) => {
    const w = workerKey(req);
    if ((await req.session.get("created")) !== 1) {
      // The session is gone (or was never there): never count on a fresh, empty one.
      res.status(410).json({ error: "no such session" });
      return;
    }
    const n = (((await req.session.get(w)) as number | undefined) ?? 0) + 1;
    await req.session.set(w, n);
    res.json({ n });
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const code = (error as { code?: string })?.code;
    if (errors.length < 500) errors.push(`${inspect(error, { depth: 6 })}\n${JSON.stringify(error)}`);
    if (code === "ERR_SESSION_STORAGE") {
      res.status(503).set("Retry-After", "1").json({ error: "session storage unavailable" });
    } else {
      logger.error?.("unexpected error", { message: (error as Error)?.message, code });
      res.status(500).json({ error: "internal error" });
    }
  });
  const server = createServer({ keepAliveTimeout: 60_000 }, app);
  server.headersTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    repository,
    logger,
    errors,
    statuses,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function workerKey(req: Request): string {
  const w = String(req.query.w ?? "");
  if (!/^\d{1,4}$/.test(w)) throw Object.assign(new Error("bad worker"), { code: "BAD_WORKER" });
  return `n${w}`;
}
