// HTTP benchmark (issue 12, parts 3 and 4): per framework, the library against the strongest
// hand-written handler doing the same work, in interleaved rounds.
//
// - Same work: both read Django's `django_session` table (1,000 rotated sessions, 16 keep-alive
//   connections, PostgreSQL), in Django's signed format (`SessionCodec`, so codec changes move both
//   alike), with named prepared statements in `pg`; the hand-written handler checks the expiry in
//   its SELECT, sends `Vary: Cookie`, and on a change writes one UPDATE and Django's `Set-Cookie`.
//   The library runs over `SqlRowAdapter` with a `pg` executor that prepares each statement once.
// - Endpoints: `/incr` (load, change one key, save), `/read` (load only: 0 writes expected) and
//   `/noop` (never touches the session; the hand-written server's `/noop` is the bare framework).
// - Cores: each server is pinned to core 0 and this process (autocannon) to core 1 when `taskset`
//   exists; the generator's own CPU share is reported either way. PostgreSQL shares both cores.
// - Figures: the median of per-round ratios with [min–max] (bench/support/rounds.js), the server's
//   CPU time per request, p99 latency, and the writes each server issued on each endpoint. Each
//   round runs the two servers of a framework back to back on an endpoint, alternating who goes
//   first, so a ratio compares neighbouring loads.
//
// Environment: BENCH_HTTP_SECONDS (per load, default 3), BENCH_HTTP_ROUNDS (default 7),
// BENCH_HTTP_FRAMEWORKS (comma list, default express,fastify,koa,hono,nest).
import "reflect-metadata";
import { execFileSync, fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import autocannon from "autocannon";
import { Pool } from "pg";
import { ensurePostgresDatabase } from "../test/support/databases";
import { header, ratio, verdict, median } from "./support/rounds";

const SESSIONS = 1000;
const CONNECTIONS = 16;
const DURATION = Number(process.env.BENCH_HTTP_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 7);
const FRAMEWORKS = (process.env.BENCH_HTTP_FRAMEWORKS ?? "express,fastify,koa,hono,nest").split(",") as Framework[];
const SECRET = "bench-http-secret-key-0123456789abcdef";
const AGE = 1209600;
const POOL_SIZE = 5;
const ENDPOINTS = ["/incr", "/read", "/noop"] as const;
type Framework = "express" | "fastify" | "koa" | "hono" | "nest";
type Contender = "ours" | "hand";

const keyOf = (i: number) => `benchhttp${String(i).padStart(23, "0")}`;

// ---------------------------------------------------------------- server (child process)

/** What a route answers, framework-neutral: status 200, a JSON body, headers to set. */
interface Answer {
  body: string;
  headers: [string, string][];
}
type Handlers = Record<"/incr" | "/read", (cookie: string | undefined) => Promise<Answer>>;

/** The hand-written handlers: the strongest plain code doing what the library does for these routes. */
async function handWritten(pool: Pool, counters: { writes: number }): Promise<Handlers> {
  const { SessionCodec, silentLogger } = await import("../src");
  const codec = new SessionCodec({ secretKey: SECRET, logger: silentLogger });
  const load = { name: "hand_load", text: "SELECT session_data FROM django_session WHERE session_key = $1 AND expire_date > $2" };
  const save = { name: "hand_save", text: "UPDATE django_session SET session_data = $1, expire_date = $2 WHERE session_key = $3" };
  const keyOfCookie = (cookie: string | undefined) => (cookie === undefined ? null : (/(?:^|;\s*)sessionid=([a-z0-9]{8,40})(?:;|$)/.exec(cookie)?.[1] ?? null));
  const read = async (key: string | null): Promise<Record<string, unknown>> => {
    if (key === null) return {};
    const { rows } = await pool.query<{ session_data: string }>({ ...load, values: [key, new Date()] });
    return rows.length ? codec.decode(rows[0]!.session_data) : {};
  };
  return {
    "/read": async (cookie) => {
      const data = await read(keyOfCookie(cookie));
      return { body: JSON.stringify({ counter: data.counter ?? 0 }), headers: [["Vary", "Cookie"]] };
    },
    "/incr": async (cookie) => {
      const key = keyOfCookie(cookie);
      const data = await read(key);
      const counter = Number(data.counter ?? 0) + 1;
      data.counter = counter;
      const headers: [string, string][] = [["Vary", "Cookie"]];
      // Every benchmark request names a stored session; a new one would need an INSERT.
      if (key !== null) {
        const now = Date.now();
        await pool.query({ ...save, values: [codec.encode(data), new Date(now + AGE * 1000), key] });
        counters.writes++;
        headers.push(["Set-Cookie", `sessionid=${key}; expires=${new Date(now + AGE * 1000).toUTCString()}; HttpOnly; Max-Age=${AGE}; Path=/; SameSite=Lax`]);
      }
      return { body: JSON.stringify({ counter }), headers };
    },
  };
}

/** The library's repository over `pg`, each statement a named prepared statement. */
async function repositoryOver(pool: Pool, counters: { writes: number }) {
  const { DjangoSessionRepository, SqlRowAdapter, silentLogger } = await import("../src");
  const names = new Map<string, string>();
  const named = (text: string) => {
    let name = names.get(text);
    if (name === undefined) names.set(text, (name = `ours_${names.size}`));
    return name;
  };
  const adapter = new SqlRowAdapter({
    dialect: "postgres",
    query: async (text, values) => (await pool.query({ name: named(text), text, values: values as unknown[] })).rows as Record<string, unknown>[],
    execute: async (text, values) => {
      counters.writes++;
      return (await pool.query({ name: named(text), text, values: values as unknown[] })).rowCount ?? 0;
    },
    isUniqueViolation: (error) => (error as { code?: string }).code === "23505",
  });
  return new DjangoSessionRepository({ secretKey: SECRET, adapter, logger: silentLogger });
}

type Session = import("../src").Session;
const viaSession: Record<"/incr" | "/read", (session: Session) => Promise<string>> = {
  "/read": async (session) => JSON.stringify({ counter: (await session.get("counter")) ?? 0 }),
  "/incr": async (session) => {
    const counter = Number((await session.get("counter")) ?? 0) + 1;
    await session.set("counter", counter);
    return JSON.stringify({ counter });
  },
};
const NOOP = JSON.stringify({ ok: true });

async function server(framework: Framework, contender: Contender, url: string): Promise<void> {
  const pool = new Pool({ connectionString: url, max: POOL_SIZE });
  const counters = { writes: 0 };
  const hand = contender === "hand" ? await handWritten(pool, counters) : null;
  const repository = contender === "ours" ? await repositoryOver(pool, counters) : null;
  let listen: () => Promise<number>;

  if (framework === "express") {
    const express = (await import("express")).default;
    const app = express();
    app.set("etag", false);
    if (repository) {
      const { djangoSession } = await import("../src/integrations/express");
      app.use(djangoSession({ repository }));
    }
    app.get("/noop", (_req, res) => res.type("json").send(NOOP));
    for (const path of ["/incr", "/read"] as const) {
      app.get(path, (req, res, next) => {
        const answer = hand ? hand[path](req.headers.cookie) : viaSession[path](req.session).then((body) => ({ body, headers: [] as [string, string][] }));
        answer.then(({ body, headers }) => {
          for (const [name, value] of headers) res.append(name, value);
          res.type("json").send(body);
        }, next);
      });
    }
    listen = () => new Promise((resolve) => { const s = app.listen(0, "127.0.0.1", () => resolve((s.address() as { port: number }).port)); });
  } else if (framework === "fastify") {
    const Fastify = (await import("fastify")).default;
    const app = Fastify({ logger: false });
    if (repository) {
      const { djangoSession } = await import("../src/integrations/fastify");
      await app.register(djangoSession, { repository });
    }
    app.get("/noop", (_request, reply) => reply.type("application/json").send(NOOP));
    for (const path of ["/incr", "/read"] as const) {
      app.get(path, async (request, reply) => {
        if (hand) {
          const { body, headers } = await hand[path](request.headers.cookie);
          for (const [name, value] of headers) reply.header(name, value);
          return reply.type("application/json").send(body);
        }
        return reply.type("application/json").send(await viaSession[path](request.session));
      });
    }
    listen = async () => { await app.listen({ port: 0, host: "127.0.0.1" }); return (app.server.address() as { port: number }).port; };
  } else if (framework === "koa") {
    const Koa = (await import("koa")).default;
    const app = new Koa();
    if (repository) {
      const { djangoSession } = await import("../src/integrations/koa");
      app.use(djangoSession({ repository }));
    }
    app.use(async (ctx) => {
      const path = ctx.path;
      if (path === "/noop") {
        ctx.type = "json";
        ctx.body = NOOP;
      } else if (path === "/incr" || path === "/read") {
        if (hand) {
          const { body, headers } = await hand[path](ctx.headers.cookie);
          for (const [name, value] of headers) ctx.append(name, value);
          ctx.type = "json";
          ctx.body = body;
        } else {
          ctx.type = "json";
          ctx.body = await viaSession[path](ctx.session);
        }
      }
    });
    listen = () => new Promise((resolve) => { const s = app.listen(0, "127.0.0.1", () => resolve((s.address() as { port: number }).port)); });
  } else if (framework === "hono") {
    const { Hono } = await import("hono");
    const app = new Hono();
    if (repository) {
      const { djangoSession } = await import("../src/integrations/hono");
      app.use(djangoSession({ repository }));
    }
    app.get("/noop", (c) => c.body(NOOP, 200, { "content-type": "application/json" }));
    for (const path of ["/incr", "/read"] as const) {
      app.get(path, async (c) => {
        if (hand) {
          const { body, headers } = await hand[path](c.req.header("cookie"));
          const response = c.body(body, 200, { "content-type": "application/json" });
          for (const [name, value] of headers) response.headers.append(name, value);
          return response;
        }
        return c.body(await viaSession[path]((c as unknown as { get(name: "session"): Session }).get("session")), 200, { "content-type": "application/json" });
      });
    }
    // @hono/node-server is not a dependency: the smallest Node adapter, the same for both contenders.
    const httpServer = createServer((req: IncomingMessage, res: ServerResponse) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
      Promise.resolve(app.fetch(new Request(`http://127.0.0.1${req.url ?? "/"}`, { method: req.method, headers })))
        .then(async (response) => {
          const out: Record<string, string | string[]> = {};
          response.headers.forEach((value, name) => { if (name !== "set-cookie") out[name] = value; });
          const cookies = response.headers.getSetCookie();
          if (cookies.length) out["set-cookie"] = cookies;
          const body = Buffer.from(await response.arrayBuffer());
          out["content-length"] = String(body.length);
          res.writeHead(response.status, out).end(body);
        })
        .catch((error: unknown) => res.destroy(error as Error));
    });
    listen = () => new Promise((resolve) => httpServer.listen(0, "127.0.0.1", () => resolve((httpServer.address() as { port: number }).port)));
  } else {
    listen = await nestServer(hand, repository);
  }

  const port = await listen();
  let cpu = process.cpuUsage();
  process.on("message", (message: { type: string }) => {
    if (message.type === "reset") {
      counters.writes = 0;
      cpu = process.cpuUsage();
      process.send!({ reset: true });
    }
    // A clean exit, so `--cpu-prof` writes its profile.
    if (message.type === "exit") void pool.end().finally(() => process.exit(0));
    if (message.type === "stats") {
      const used = process.cpuUsage(cpu);
      process.send!({ writes: counters.writes, cpuMicros: used.user + used.system });
    }
  });
  process.send!({ port });
}

/** NestJS on its Express platform: DjangoSessionModule for ours, a controller over `pg` for the hand-written one. */
async function nestServer(hand: Handlers | null, repository: Awaited<ReturnType<typeof repositoryOver>> | null): Promise<() => Promise<number>> {
  const { Controller, Get, Module, Req, Res } = await import("@nestjs/common");
  const { NestFactory } = await import("@nestjs/core");
  const { DjangoSessionModule, DjangoSession } = await import("../src/integrations/nestjs");
  type Req = IncomingMessage;
  type Res = ServerResponse & { setHeader(name: string, value: string | string[]): unknown };
  const send = (res: Res, answer: Answer) => {
    const cookies = answer.headers.filter(([name]) => name === "Set-Cookie").map(([, value]) => value);
    for (const [name, value] of answer.headers) if (name !== "Set-Cookie") res.setHeader(name, value);
    if (cookies.length) res.setHeader("Set-Cookie", cookies);
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.end(answer.body);
  };
  let controller: new (...args: never[]) => unknown;
  if (hand) {
    @Controller()
    class HandController {
      @Get("noop") noop(@Res() res: Res) { send(res, { body: NOOP, headers: [] }); }
      @Get("read") async read(@Req() req: Req, @Res() res: Res) { send(res, await hand!["/read"](req.headers.cookie)); }
      @Get("incr") async incr(@Req() req: Req, @Res() res: Res) { send(res, await hand!["/incr"](req.headers.cookie)); }
    }
    controller = HandController;
  } else {
    @Controller()
    class SessionController {
      @Get("noop") noop(@Res() res: Res) { send(res, { body: NOOP, headers: [] }); }
      @Get("read") async read(@DjangoSession() session: Session, @Res() res: Res) { send(res, { body: await viaSession["/read"](session), headers: [] }); }
      @Get("incr") async incr(@DjangoSession() session: Session, @Res() res: Res) { send(res, { body: await viaSession["/incr"](session), headers: [] }); }
    }
    controller = SessionController;
  }
  @Module({ imports: repository ? [DjangoSessionModule.forRoot({ repository })] : [], controllers: [controller] })
  class AppModule {}
  const app = await NestFactory.create(AppModule, { logger: false });
  return async () => {
    await app.listen(0, "127.0.0.1");
    return (app.getHttpServer().address() as { port: number }).port;
  };
}

// ---------------------------------------------------------------- orchestration (parent)

async function prepare(url: string): Promise<string[]> {
  const { SessionCodec, silentLogger } = await import("../src");
  const pool = new Pool({ connectionString: url });
  await pool.query("DROP TABLE IF EXISTS django_session");
  await pool.query('CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" timestamp with time zone NOT NULL)');
  await pool.query('CREATE INDEX "django_session_expire_date_a5c62663" ON "django_session" ("expire_date")');
  const codec = new SessionCodec({ secretKey: SECRET, logger: silentLogger });
  const expire = new Date(Date.now() + 86_400_000);
  const cookies: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    // A logged-in Django session: the three auth keys, plus the counter the endpoints use.
    const data = { _auth_user_id: String(i + 1), _auth_user_backend: "django.contrib.auth.backends.ModelBackend", _auth_user_hash: "f".repeat(64), counter: 0 };
    await pool.query("INSERT INTO django_session VALUES ($1, $2, $3)", [keyOf(i), codec.encode(data), expire]);
    cookies.push(`csrftoken=${"c".repeat(32)}; sessionid=${keyOf(i)}`);
  }
  await pool.end();
  return cookies;
}

interface Load {
  rps: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Share of one core the load generator used. */
  generatorCpu: number;
}

async function load(port: number, path: string, cookies: string[], seconds: number): Promise<Load> {
  let next = 0;
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{ setupRequest: (req: { headers?: Record<string, string> }) => ({ ...req, headers: { ...req.headers, cookie: cookies[next++ % cookies.length]! } }) }],
  });
  const used = process.cpuUsage(cpu);
  const wall = Number(process.hrtime.bigint() - started) / 1000;
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx, generatorCpu: (used.user + used.system) / wall };
}

function ask<T>(child: ChildProcess, type: string): Promise<T> {
  const reply = once(child, "message") as Promise<[T]>;
  child.send({ type });
  return reply.then(([value]) => value);
}

function pin(pid: number, core: number): boolean {
  try {
    execFileSync("taskset", ["-a", "-cp", String(core), String(pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  header("bench/http.ts");
  const url = await ensurePostgresDatabase("ds_bench_http");
  const cookies = await prepare(url);
  const pinned = pin(process.pid, 1);
  console.log(
    pinned
      ? `servers pinned to core 0, autocannon to core 1 (taskset); PostgreSQL on both; ${ROUNDS} rounds of ${DURATION} s per load, ${CONNECTIONS} connections`
      : `taskset unavailable: servers and autocannon share the cores (generator CPU reported); ${ROUNDS} rounds of ${DURATION} s per load`,
  );
  const servers = new Map<string, { child: ChildProcess; port: number }>();
  for (const framework of FRAMEWORKS) {
    for (const contender of ["hand", "ours"] as const) {
      const child = fork(__filename, ["server", framework, contender, url], { stdio: "inherit" });
      const [{ port }] = (await once(child, "message")) as [{ port: number }];
      if (pinned) pin(child.pid!, 0);
      servers.set(`${framework}:${contender}`, { child, port });
    }
  }
  // Warm-up: every server and endpoint once, so each JIT has seen its path.
  for (const [, { port }] of servers) for (const path of ENDPOINTS) await load(port, path, cookies, Math.max(1, DURATION / 2));

  type Cell = Load & { cpuPerRequest: number; writes: number };
  const rounds: Record<string, number>[] = [];
  const cells = new Map<string, Cell[]>();
  for (let round = 0; round < ROUNDS; round++) {
    const perRound: Record<string, number> = {};
    // Each ratio compares two back-to-back loads (hand-written, then ours, or the other way round
    // on alternate rounds), so the machine's drift between them is as small as it can be.
    for (const path of ENDPOINTS) {
      for (const framework of FRAMEWORKS) {
        const pair = round % 2 === 0 ? (["hand", "ours"] as const) : (["ours", "hand"] as const);
        for (const contender of pair) {
          const name = `${framework}:${contender}`;
          const { child, port } = servers.get(name)!;
          await ask(child, "reset");
          const result = await load(port, path, cookies, DURATION);
          const { writes, cpuMicros } = await ask<{ writes: number; cpuMicros: number }>(child, "stats");
          const requests = result.rps * DURATION;
          const cell = { ...result, writes, cpuPerRequest: cpuMicros / Math.max(1, requests) };
          const key = `${name}${path}`;
          perRound[key] = result.rps;
          // Inverse CPU per request, so ratio() reads "higher is better" for CPU too.
          perRound[`${key}:cpu`] = 1 / cell.cpuPerRequest;
          (cells.get(key) ?? cells.set(key, []).get(key)!).push(cell);
        }
      }
    }
    rounds.push(perRound);
    console.log(`round ${round + 1}/${ROUNDS} done`);
  }

  const rows: Record<string, string | number>[] = [];
  for (const framework of FRAMEWORKS) {
    for (const path of ENDPOINTS) {
      const ours = `${framework}:ours${path}`;
      const hand = `${framework}:hand${path}`;
      const rps = ratio(rounds, ours, hand);
      const cpu = ratio(rounds, `${ours}:cpu`, `${hand}:cpu`);
      const of = (key: string, pick: (c: Cell) => number) => median(cells.get(key)!.map(pick));
      rows.push({
        framework,
        endpoint: path,
        baseline: path === "/noop" ? "bare framework" : "hand-written pg",
        "ours req/s": Math.round(of(ours, (c) => c.rps)),
        "base req/s": Math.round(of(hand, (c) => c.rps)),
        "ratio req/s": rps.text,
        "ratio CPU/req": cpu.text,
        "µs CPU/req ours / base": `${of(ours, (c) => c.cpuPerRequest).toFixed(0)} / ${of(hand, (c) => c.cpuPerRequest).toFixed(0)}`,
        "p99 ms ours / base": `${of(ours, (c) => c.p99)} / ${of(hand, (c) => c.p99)}`,
        "writes ours / base": `${Math.max(...cells.get(ours)!.map((c) => c.writes))} / ${Math.max(...cells.get(hand)!.map((c) => c.writes))}`,
        "errors+non2xx": cells.get(ours)!.concat(cells.get(hand)!).reduce((n, c) => n + c.errors + c.non2xx, 0),
        target: verdict(rps, 0.95),
      });
    }
  }
  console.table(rows);
  const generator = [...cells.values()].flat().map((c) => c.generatorCpu);
  console.log(`load generator CPU: median ${(median(generator) * 100).toFixed(0)} %, max ${(Math.max(...generator) * 100).toFixed(0)} % of one core${pinned ? " (its own core)" : " (shared with the server)"}`);
  for (const { child } of servers.values()) child.send({ type: "exit" });
}

if (process.argv[2] === "server") {
  server(process.argv[3] as Framework, process.argv[4] as Contender, process.argv[5]!).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
