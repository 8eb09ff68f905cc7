import express from "express";
import { Agent, createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { DjangoSessionRepository, SessionCodec, silentLogger, type DjangoSessionRepositoryOptions } from "../../../src";
import { SESSION_INTERRUPTED_MESSAGE } from "../../../src/low-level";
import { djangoSession } from "../../../src/integrations/express";
import { capturingLogger, RELIABILITY_SECRET, startLoadApp } from "./app";
import { createSessions } from "./load";
import { openStack, rawTable, type DatabaseLocation, type Orm, type RawTable, type Stack } from "./stacks";

export interface HttpAnswer {
  status: number;
  body: string;
  setCookie: string[];
  ms: number;
}

const agent = new Agent({ keepAlive: false });

export function http(url: string, method: string, path: string, cookie?: string, timeoutMs = 30_000): Promise<HttpAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method, agent, headers: cookie ? { cookie } : {} }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, setCookie: res.headers["set-cookie"] ?? [], ms: Math.round(performance.now() - started) }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** The session key in a response's Set-Cookie, `""` for a deletion, `null` when none. */
export function cookieKey(answer: HttpAnswer): string | null {
  const cookie = answer.setCookie.find((c) => c.startsWith("sessionid="));
  return cookie === undefined ? null : cookie.slice("sessionid=".length, cookie.indexOf(";"));
}

// --- pool exhaustion -----------------------------------------------------------------------

export interface PoolExhaustionReport {
  name: string;
  /** How long the pool's connections were held by other work. */
  heldMs: number;
  /** What bounds the wait: the pool's own acquire timeout, or the repository's storageTimeout. */
  bound: string;
  boundMs: number;
  status: number;
  body: string;
  waitedMs: number;
  /** The first request once the connections were free again. */
  afterStatus: number;
}

/**
 * Every connection of a 2-connection pool busy (`pg_sleep` / `SLEEP` through the ORM) while a
 * request needs its session: the request must fail within the bound with a 503, not wait for the
 * pool, and the next one after the connections come back must succeed.
 */
export async function poolExhaustion(orm: Orm, location: DatabaseLocation, options: { acquireTimeoutMs: number; storageTimeout: number; holdMs: number }): Promise<PoolExhaustionReport> {
  const raw = rawTable(location);
  await raw.recreate();
  const stack = await openStack(orm, location, { size: 2, acquireTimeoutMs: options.acquireTimeoutMs });
  const app = await startLoadApp(stack.adapter, { storageTimeout: options.storageTimeout });
  try {
    const [key] = await createSessions(app.url, 1, 1);
    const seconds = options.holdMs / 1000;
    const sleep = location.dialect === "postgres" ? `SELECT pg_sleep(${seconds})` : `SELECT SLEEP(${seconds})`;
    const held = performance.now();
    const holders = [stack.ormQuery(sleep), stack.ormQuery(sleep)].map((p) => p.catch(() => undefined));
    await new Promise((r) => setTimeout(r, 300));
    const answer = await http(app.url, "GET", "/read?w=1", `sessionid=${key}`);
    await Promise.all(holders);
    const heldMs = Math.round(performance.now() - held);
    const after = await http(app.url, "GET", "/read?w=1", `sessionid=${key}`);
    // mysql2 (TypeORM on MariaDB) has no acquire timeout: its queue waits forever.
    const poolBounds = !(orm === "typeorm" && location.dialect === "mysql");
    return {
      name: stack.name,
      heldMs,
      bound: poolBounds ? "pool acquire timeout" : "storageTimeout (the pool has none)",
      boundMs: poolBounds ? Math.min(options.acquireTimeoutMs, options.storageTimeout * 1000) : options.storageTimeout * 1000,
      status: answer.status,
      body: answer.body,
      waitedMs: answer.ms,
      afterStatus: after.status,
    };
  } finally {
    await app.close();
    await stack.close();
    await raw.close();
  }
}

// --- the edge cases: a row deleted mid-request, key collisions, the clock ---------------

/** A small app for the edge cases, with a clock the test moves and hooks into the request. */
export async function edgeApp(stack: Stack, raw: RawTable, repositoryOptions: Partial<DjangoSessionRepositoryOptions> = {}) {
  const clock = { now: Date.now() };
  const logger = capturingLogger();
  const repository = new DjangoSessionRepository({ secretKey: RELIABILITY_SECRET, adapter: stack.adapter, logger, now: () => clock.now, ...repositoryOptions });
  const app = express();
  app.use(djangoSession({ repository, logger, now: () => clock.now }));
  app.post("/set", async (req, res) => {
    await req.session.set("v", String(req.query.v ?? "1"));
    res.json({ ok: true });
  });
  app.get("/get", async (req, res) => {
    res.json({ v: (await req.session.get("v")) ?? null, keys: (await req.session.keys()).length });
  });
  // Loads the session, then a concurrent logout deletes its row, then the view changes it.
  app.post("/deleted-meanwhile", async (req, res) => {
    await req.session.get("v");
    await raw.delete(req.session.sessionKey!);
    await req.session.set("v", "after the logout");
    res.json({ ok: true });
  });
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status((error as { status?: number }).status ?? 500).json({ error: (error as { code?: string }).code ?? "error" });
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    clock,
    logger,
    repository,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface DeletedRowReport {
  concurrency: "merge" | "django";
  status: number;
  body: string;
  setCookie: string | null;
  /** Whether the deleted row came back (it must not: a logout always wins). */
  resurrected: boolean;
}

/** Django: the save raises UpdateError → SessionInterrupted → 400 with its message; the row stays deleted. */
export async function rowDeletedMidRequest(stack: Stack, raw: RawTable, concurrency: "merge" | "django"): Promise<DeletedRowReport> {
  const app = await edgeApp(stack, raw, { concurrency });
  try {
    const created = await http(app.url, "POST", "/set?v=before");
    const key = cookieKey(created)!;
    const answer = await http(app.url, "POST", "/deleted-meanwhile", `sessionid=${key}`);
    return { concurrency, status: answer.status, body: answer.body, setCookie: cookieKey(answer), resurrected: (await raw.get(key)) !== null };
  } finally {
    await app.close();
  }
}

export interface CollisionReport {
  /** Keys tried before one was free. */
  attempts: number;
  status: number;
  newKey: string | null;
  /** The colliding sessions' rows, untouched. */
  othersIntact: boolean;
  /** Every generated key collides: Django loops forever; we give up after 100 with a 5xx. */
  allCollideStatus: number;
  allCollideMs: number;
  allCollideLogged: string;
}

export async function keyCollisionOnCreate(stack: Stack, raw: RawTable): Promise<CollisionReport> {
  const codec = new SessionCodec({ secretKey: RELIABILITY_SECRET, logger: silentLogger });
  const taken = ["collision00000000000000000000000", "collision00000000000000000000001"];
  const expire = new Date(Date.now() + 86_400_000);
  await raw.insertMany(taken.map((k, i) => ({ sessionKey: k, sessionData: codec.encode({ owner: `user${i}` }), expireDate: expire })));
  const before = await Promise.all(taken.map((k) => raw.get(k)));
  let attempts = 0;
  const queue = [...taken, "freshkey000000000000000000000000"];
  const app = await edgeApp(stack, raw, { generateKey: () => (attempts++, queue.shift() ?? "freshkey000000000000000000000001") });
  let answer: HttpAnswer;
  try {
    answer = await http(app.url, "POST", "/set?v=new");
  } finally {
    await app.close();
  }
  const after = await Promise.all(taken.map((k) => raw.get(k)));
  const always = await edgeApp(stack, raw, { generateKey: () => taken[0] });
  let allCollide: HttpAnswer;
  try {
    allCollide = await http(always.url, "POST", "/set?v=never");
  } finally {
    await always.close();
  }
  return {
    attempts,
    status: answer.status,
    newKey: cookieKey(answer),
    othersIntact: JSON.stringify(before) === JSON.stringify(after),
    allCollideStatus: allCollide.status,
    allCollideMs: allCollide.ms,
    allCollideLogged: always.logger.text(),
  };
}

export interface ClockReport {
  /** Clock moved forward past the session's expiry: the session reads as empty, its cookie is deleted, nothing is created. */
  expired: { status: number; body: string; cookie: string | null; rowsCreated: number };
  /** Then a write: a new session under a new key (Django's `create()`), the old row left for clearExpired. */
  writeAfterExpiry: { status: number; newKey: boolean; oldRowKept: boolean };
  /** Clock moved back an hour (an NTP step): the session still reads, and a save keeps working. */
  backwards: { readStatus: number; value: unknown; saveStatus: number };
}

export async function clockMoved(stack: Stack, raw: RawTable): Promise<ClockReport> {
  const app = await edgeApp(stack, raw, { cookieAge: 3600 });
  try {
    const created = await http(app.url, "POST", "/set?v=kept");
    const key = cookieKey(created)!;
    const start = app.clock.now;
    const countRows = async () => (await raw.all()).length;
    // Backwards first: an hour earlier than the session was written.
    app.clock.now = start - 3_600_000;
    const backRead = await http(app.url, "GET", "/get", `sessionid=${key}`);
    const backSave = await http(app.url, "POST", "/set?v=kept", `sessionid=${key}`);
    // Forward past the expiry of that last save (now - 1 h + 3600 s): the session is gone for us.
    app.clock.now = start + 3_601_000;
    const rows = await countRows();
    const expired = await http(app.url, "GET", "/get", `sessionid=${key}`);
    const rowsCreated = (await countRows()) - rows;
    const write = await http(app.url, "POST", "/set?v=fresh", `sessionid=${key}`);
    const newKey = cookieKey(write);
    return {
      expired: { status: expired.status, body: expired.body, cookie: cookieKey(expired), rowsCreated },
      writeAfterExpiry: { status: write.status, newKey: newKey !== null && newKey !== "" && newKey !== key, oldRowKept: (await raw.get(key)) !== null },
      backwards: { readStatus: backRead.status, value: (JSON.parse(backRead.body) as { v: unknown }).v, saveStatus: backSave.status },
    };
  } finally {
    await app.close();
  }
}

export { SESSION_INTERRUPTED_MESSAGE };
