// HTTP benchmark (issue: integrations): 16 keep-alive connections, 1,000 existing sessions rotated
// through their cookies, PostgreSQL; two endpoints, one that increments a counter in the session
// and one that only reads it. Side by side in one run: Express + django-session (TypeORM adapter),
// Express + express-session + connect-pg-simple, and a hand-written Express + raw `pg` handler.
// Each server runs in a child process; autocannon runs here, so they do not share a core's time
// with the load generator more than the machine forces. Target: ours >= 0.9x raw pg on both, and
// zero UPDATEs on the reading endpoint.
import "reflect-metadata";
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import autocannon from "autocannon";
import { Pool } from "pg";
import { ensurePostgresDatabase } from "../test/support/databases";

const SESSIONS = 1000;
const CONNECTIONS = 16;
const DURATION = Number(process.env.BENCH_HTTP_SECONDS ?? 8);
const SECRET = "bench-http-secret-key-0123456789abcdef";
type Kind = "ours" | "ours-pg" | "express-session" | "raw-pg";

const keyOf = (i: number) => `benchhttp${String(i).padStart(23, "0")}`;

// ---------------------------------------------------------------- server (child process)
async function server(kind: Kind, url: string): Promise<void> {
  const express = (await import("express")).default;
  const app = express();
  const pool = new Pool({ connectionString: url, max: 10 });
  let updates = 0;
  if (kind === "ours" || kind === "ours-pg") {
    const { DataSource } = await import("typeorm");
    const { DjangoSessionRepository, SqlRowAdapter, silentLogger } = await import("../src");
    const { createTypeOrmAdapter } = await import("../src/adapters/typeorm");
    const { djangoSession } = await import("../src/integrations/express");
    // "ours-pg": the same middleware and repository over plain pg, to tell the ORM's share apart.
    const adapter =
      kind === "ours"
        ? createTypeOrmAdapter(await new DataSource({ type: "postgres", url, poolSize: 10 }).initialize())
        : new SqlRowAdapter({
            dialect: "postgres",
            query: async (sql, params) => (await pool.query(sql, params as unknown[])).rows,
            execute: async (sql, params) => (await pool.query(sql, params as unknown[])).rowCount ?? 0,
            isUniqueViolation: (error) => (error as { code?: string }).code === "23505",
          });
    const repository = new DjangoSessionRepository({
      secretKey: SECRET,
      adapter,
      logger: silentLogger,
      on: { saved: () => updates++, touched: () => updates++ },
    });
    app.use(djangoSession({ repository }));
    app.get("/read", async (req, res) => res.json({ counter: (await req.session.get("counter")) ?? 0 }));
    app.get("/incr", async (req, res) => {
      const counter = Number((await req.session.get("counter")) ?? 0) + 1;
      await req.session.set("counter", counter);
      res.json({ counter });
    });
  } else if (kind === "express-session") {
    const session = (await import("express-session")).default;
    const PgStore = (await import("connect-pg-simple")).default(session);
    const store = new PgStore({ pool, tableName: "session" });
    for (const method of ["set", "touch"] as const) {
      const original = store[method].bind(store) as (...args: unknown[]) => void;
      (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        updates++;
        return original(...args);
      };
    }
    app.use(session({ store, secret: SECRET, resave: false, saveUninitialized: false, cookie: { maxAge: 1209600_000 } }));
    app.get("/read", (req, res) => res.json({ counter: (req.session as unknown as { counter?: number }).counter ?? 0 }));
    app.get("/incr", (req, res) => {
      const s = req.session as unknown as { counter?: number };
      s.counter = (s.counter ?? 0) + 1;
      res.json({ counter: s.counter });
    });
  } else {
    const key = (req: { headers: { cookie?: string } }) => /sessionid=([a-z0-9]+)/.exec(req.headers.cookie ?? "")?.[1] ?? "";
    app.get("/read", async (req, res) => {
      const { rows } = await pool.query("SELECT data FROM raw_session WHERE key = $1", [key(req)]);
      res.json({ counter: rows.length ? JSON.parse(rows[0].data).counter : 0 });
    });
    app.get("/incr", async (req, res) => {
      const k = key(req);
      const { rows } = await pool.query("SELECT data FROM raw_session WHERE key = $1", [k]);
      const data = rows.length ? JSON.parse(rows[0].data) : {};
      data.counter = (data.counter ?? 0) + 1;
      await pool.query("UPDATE raw_session SET data = $1 WHERE key = $2", [JSON.stringify(data), k]);
      updates++;
      res.json({ counter: data.counter });
    });
  }
  const listener = app.listen(0, "127.0.0.1", () => {
    process.send!({ port: (listener.address() as { port: number }).port });
  });
  process.on("message", (message: { type: string }) => {
    if (message.type === "updates") process.send!({ updates });
    if (message.type === "reset") {
      updates = 0;
      process.send!({ reset: true });
    }
  });
}

// ---------------------------------------------------------------- orchestration (parent)
async function prepare(url: string): Promise<Record<Kind, string[]>> {
  const { SessionCodec, silentLogger } = await import("../src");
  const pool = new Pool({ connectionString: url });
  await pool.query(`DROP TABLE IF EXISTS django_session, "session", raw_session`);
  await pool.query('CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" timestamp with time zone NOT NULL)');
  await pool.query('CREATE INDEX "django_session_expire_date_a5c62663" ON "django_session" ("expire_date")');
  // connect-pg-simple's own table.sql.
  await pool.query('CREATE TABLE "session" ("sid" varchar NOT NULL COLLATE "default", "sess" json NOT NULL, "expire" timestamp(6) NOT NULL, PRIMARY KEY ("sid"))');
  await pool.query('CREATE INDEX "IDX_session_expire" ON "session" ("expire")');
  await pool.query("CREATE TABLE raw_session (key varchar(40) PRIMARY KEY, data text NOT NULL)");
  const codec = new SessionCodec({ secretKey: SECRET, logger: silentLogger });
  const signature = (await import("cookie-signature")) as unknown as { sign(value: string, secret: string): string };
  const expire = new Date(Date.now() + 86_400_000);
  const cookies: Record<Kind, string[]> = { ours: [], "ours-pg": [], "express-session": [], "raw-pg": [] };
  for (let i = 0; i < SESSIONS; i++) {
    const key = keyOf(i);
    await pool.query("INSERT INTO django_session VALUES ($1, $2, $3)", [key, codec.encode({ counter: 0 }), expire]);
    await pool.query('INSERT INTO "session" VALUES ($1, $2, $3)', [key, JSON.stringify({ cookie: { originalMaxAge: 1209600000, expires: expire.toISOString(), httpOnly: true, path: "/" }, counter: 0 }), expire]);
    await pool.query("INSERT INTO raw_session VALUES ($1, $2)", [key, JSON.stringify({ counter: 0 })]);
    cookies.ours.push(`sessionid=${key}`);
    cookies["ours-pg"].push(`sessionid=${key}`);
    cookies["express-session"].push(`connect.sid=${encodeURIComponent(`s:${signature.sign(key, SECRET)}`)}`);
    cookies["raw-pg"].push(`sessionid=${key}`);
  }
  await pool.end();
  return cookies;
}

async function load(port: number, path: string, cookies: string[]): Promise<{ rps: number; errors: number; non2xx: number }> {
  let next = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [{ setupRequest: (req: { headers?: Record<string, string> }) => ({ ...req, headers: { ...req.headers, cookie: cookies[next++ % cookies.length] } }) }],
  });
  return { rps: result.requests.average, errors: result.errors + result.timeouts, non2xx: result.non2xx };
}

function ask<T>(child: ChildProcess, type: string): Promise<T> {
  const reply = once(child, "message") as Promise<[T]>;
  child.send({ type });
  return reply.then(([value]) => value);
}

async function main(): Promise<void> {
  const url = await ensurePostgresDatabase("ds_bench_http");
  const cookies = await prepare(url);
  const kinds: Kind[] = ["raw-pg", "ours", "ours-pg", "express-session"];
  const servers = new Map<Kind, { child: ChildProcess; port: number }>();
  for (const kind of kinds) {
    const child = fork(__filename, ["server", kind, url], { stdio: "inherit" });
    const [{ port }] = (await once(child, "message")) as [{ port: number }];
    servers.set(kind, { child, port });
  }
  const rows: Record<string, string | number>[] = [];
  const results = new Map<string, number>();
  for (const path of ["/read", "/incr"]) {
    for (const kind of kinds) {
      const { child, port } = servers.get(kind)!;
      await load(port, path, cookies[kind]); // warm-up pass, then reset the counters
      await ask(child, "reset");
      const r = await load(port, path, cookies[kind]);
      const { updates } = await ask<{ updates: number }>(child, "updates");
      results.set(`${kind}${path}`, r.rps);
      rows.push({ endpoint: path, server: kind, "req/s": Math.round(r.rps), errors: r.errors, non2xx: r.non2xx, "session writes": updates });
    }
  }
  for (const row of rows) {
    const raw = results.get(`raw-pg${row.endpoint}`)!;
    const mine = results.get(`ours${row.endpoint}`)!;
    row["vs raw pg"] = `${(Number(row["req/s"]) / raw).toFixed(2)}x`;
    if (row.server === "ours") row.target = `0.9x ${mine / raw >= 0.9 ? "met" : "MISSED"}`;
    if (row.server === "express-session") row["ours vs this"] = `${(mine / Number(row["req/s"])).toFixed(2)}x`;
  }
  console.table(rows);
  for (const { child } of servers.values()) child.kill();
}

if (process.argv[2] === "server") {
  server(process.argv[3] as Kind, process.argv[4]).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
