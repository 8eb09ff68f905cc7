import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Throwaway database servers for the fault tests: a PostgreSQL cluster, a MariaDB server and a
 * Redis server of our own, in a temporary folder, on a free loopback port, that the tests may stop,
 * kill and restart. The shared instances on 5432/3306/6379 are never touched.
 *
 * Every server runs under coreutils `timeout`, so it dies after `maxLifetimeSeconds` even if the
 * test process is killed before it can clean up; `stop()` ends it by its process id and removes the
 * folder. Only processes started here are ever signalled.
 */
export interface Instance {
  readonly kind: "postgres" | "mariadb" | "redis";
  readonly port: number;
  readonly dir: string;
  /** Connection details on 127.0.0.1. */
  readonly url: string;
  /** Starts the server (again) on the same port and data; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops the server: `fast` is a clean shutdown, `kill` is SIGKILL (crash). Resolves when it is gone. */
  halt(mode?: "fast" | "kill"): Promise<void>;
  /** Freezes the server (SIGSTOP): its connections stay open and nothing answers, like a hung host. */
  pause(): void;
  /** Lets a paused server run again (SIGCONT). */
  resume(): void;
  /** Halts it and removes its folder. */
  stop(): Promise<void>;
  readonly running: boolean;
}

const ALL = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort: the process is leaving without stop() (a failed test run). Only our own children.
  process.on("exit", () => {
    for (const child of ALL) {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, "127.0.0.1", () => done(true));
  });
}

async function waitFor(what: string, ready: () => Promise<boolean>, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited during start-up (${child.exitCode ?? child.signalCode}):\n${log()}`);
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start within ${timeoutMs} ms:\n${log()}`);
}

function userIds(name: string): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null; // not root: run as ourselves
  const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
  return { uid, gid };
}

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-30).join("\n");
  } catch {
    return "(no log)";
  }
}

function postgresBin(name: string): string {
  const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const path = `/usr/lib/postgresql/${v}/bin/${name}`;
    if (existsSync(path)) return path;
  }
  throw new Error(`PostgreSQL's ${name} not found under /usr/lib/postgresql/*/bin`);
}

interface ServerSpec {
  kind: Instance["kind"];
  dir: string;
  port: number;
  url: string;
  owner: { uid: number; gid: number } | null;
  command: string;
  args: string[];
  log: string;
  maxLifetimeSeconds: number;
  ready(port: number): Promise<boolean>;
  startTimeoutMs: number;
}

function managed(spec: ServerSpec): Instance {
  installExitHook();
  let child: ChildProcess | null = null;
  let paused = false;
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child?.pid !== undefined) process.kill(-child.pid, signal);
  };
  const running = () => child !== null && child.exitCode === null && child.signalCode === null;
  const instance: Instance = {
    kind: spec.kind,
    port: spec.port,
    dir: spec.dir,
    url: spec.url,
    get running() {
      return running();
    },
    async start() {
      if (running()) return;
      // `timeout` bounds the server's life and, on its own signal, forwards it to the server.
      const out = openSync(spec.log, "a");
      const c = spawn("timeout", ["-k", "5", String(spec.maxLifetimeSeconds), spec.command, ...spec.args], {
        stdio: ["ignore", out, out],
        ...(spec.owner ?? {}),
      });
      closeSync(out);
      child = c;
      ALL.add(c);
      c.once("exit", () => ALL.delete(c));
      await waitFor(spec.kind, () => spec.ready(spec.port), c, spec.startTimeoutMs, () => tail(spec.log));
    },
    pause() {
      if (!running() || paused) return;
      signalGroup("SIGSTOP");
      paused = true;
    },
    resume() {
      if (!paused) return;
      signalGroup("SIGCONT");
      paused = false;
    },
    async halt(mode = "fast") {
      const c = child;
      if (!c || !running()) return;
      if (paused) instance.resume(); // a stopped process would not act on the signal
      const gone = new Promise<void>((resolve) => c.once("exit", () => resolve()));
      // `timeout` leads a process group of its own (its pid is the group id): the server and, for
      // PostgreSQL, its backends. SIGKILL to that group is a crash; otherwise timeout forwards
      // the signal (PostgreSQL: SIGINT, a fast shutdown; MariaDB and Redis: SIGTERM, a clean one).
      const group = -c.pid!;
      if (mode === "kill") process.kill(group, "SIGKILL");
      else c.kill(spec.kind === "postgres" ? "SIGINT" : "SIGTERM");
      const killer = setTimeout(() => {
        try {
          process.kill(group, "SIGKILL");
        } catch {
          // already gone
        }
      }, 20_000);
      await gone;
      clearTimeout(killer);
      // A killed server's processes are reaped by init, not by us: a new postmaster refuses to
      // start while its old pid (even a zombie) exists, so wait until the whole group is gone.
      for (let i = 0; i < 200 && groupMembers(-group).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
      // Wait until the port is really closed (PostgreSQL backends linger briefly after a crash).
      for (let i = 0; i < 100 && (await accepts(spec.port)); i++) await new Promise((r) => setTimeout(r, 100));
    },
    async stop() {
      await instance.halt("fast");
      rmSync(spec.dir, { recursive: true, force: true });
    },
  };
  return instance;
}

/** Process ids in process group `pgid` (Linux /proc), zombies included. */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after "(comm)": state, ppid, pgrp, ...
      const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      if (pgrp === pgid) out.push(Number(entry));
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

function tempDir(prefix: string, owner: { uid: number; gid: number } | null): string {
  const dir = mkdtempSync(join(tmpdir(), `django-session-${prefix}-`));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return dir;
}

/**
 * A PostgreSQL cluster of our own: `initdb` into a temp folder (as the `postgres` user when run as
 * root), `trust` authentication, loopback only, unix socket in the folder, no fsync (it is
 * thrown away). Database `django_session`.
 */
export async function startPostgres(options: { maxLifetimeSeconds?: number; maxConnections?: number } = {}): Promise<Instance> {
  const owner = userIds("postgres");
  const dir = tempDir("pg", owner);
  const data = join(dir, "data");
  execFileSync(postgresBin("initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"], {
    stdio: "ignore",
    ...(owner ?? {}),
  });
  const port = await freePort();
  const log = join(dir, "postgres.log");
  const instance = managed({
    kind: "postgres",
    dir,
    port,
    url: `postgresql://postgres@127.0.0.1:${port}/django_session`,
    owner,
    command: postgresBin("postgres"),
    args: [
      "-D", data, "-p", String(port), "-k", dir,
      "-c", "listen_addresses=127.0.0.1",
      "-c", `max_connections=${options.maxConnections ?? 60}`,
      // fsync off: the data survives a killed server (the WAL is written to the OS at each
      // commit), not a crashed machine, which is all these tests need. synchronous_commit must
      // stay on: off, a crash loses acknowledged commits (the tests catch it as lost increments).
      "-c", "fsync=off", "-c", "full_page_writes=off",
      "-c", "logging_collector=off", "-c", `log_destination=stderr`,
    ],
    log,
    maxLifetimeSeconds: options.maxLifetimeSeconds ?? 900,
    startTimeoutMs: 30_000,
    ready: async (p) => {
      if (!(await accepts(p))) return false;
      try {
        execFileSync(postgresBin("pg_isready"), ["-q", "-h", "127.0.0.1", "-p", String(p), "-U", "postgres"], { stdio: "ignore" });
        return true;
      } catch {
        return false;
      }
    },
  });
  await instance.start();
  execFileSync(postgresBin("psql"), ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-qc", "CREATE DATABASE django_session"], { stdio: "ignore" });
  return instance;
}

/**
 * A MariaDB server of our own: `mariadb-install-db` into a temp folder, then `mariadbd` on a free
 * loopback port with `--skip-grant-tables` (any user, no password), socket in the folder, no binary
 * log, the redo log written to the OS at each commit but flushed once a second (survives a killed
 * server, not a crashed machine). Database `django_session`.
 */
export async function startMariaDb(options: { maxLifetimeSeconds?: number; maxConnections?: number } = {}): Promise<Instance> {
  const owner = userIds("mysql");
  const dir = tempDir("mariadb", owner);
  const data = join(dir, "data");
  execFileSync("mariadb-install-db", [`--datadir=${data}`, "--user=mysql", "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"], {
    stdio: "ignore",
  });
  if (owner) execFileSync("chown", ["-R", `${owner.uid}:${owner.gid}`, dir]);
  const port = await freePort();
  const log = join(dir, "mariadb.err");
  const instance = managed({
    kind: "mariadb",
    dir,
    port,
    url: `mysql://root@127.0.0.1:${port}/django_session`,
    owner: null, // mariadbd switches to --user=mysql itself
    command: "/usr/sbin/mariadbd",
    args: [
      "--no-defaults",
      `--datadir=${data}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      `--socket=${join(dir, "sock")}`,
      `--pid-file=${join(dir, "mariadb.pid")}`,
      `--log-error=${log}`,
      "--user=mysql",
      "--skip-grant-tables",
      "--skip-name-resolve",
      "--skip-log-bin",
      `--max-connections=${options.maxConnections ?? 60}`,
      "--innodb-buffer-pool-size=32M",
      "--innodb-log-file-size=16M",
      "--innodb-flush-log-at-trx-commit=2",
      "--character-set-server=utf8mb4",
    ],
    log,
    maxLifetimeSeconds: options.maxLifetimeSeconds ?? 900,
    startTimeoutMs: 60_000,
    ready: async (p) => {
      if (!(await accepts(p))) return false;
      try {
        execFileSync("mariadb-admin", ["--no-defaults", "-h", "127.0.0.1", "-P", String(p), "-uroot", "--connect-timeout=2", "ping"], { stdio: "ignore" });
        return true;
      } catch {
        return false;
      }
    },
  });
  await instance.start();
  execFileSync("mariadb", ["--no-defaults", "-h", "127.0.0.1", "-P", String(port), "-uroot", "-e", "CREATE DATABASE IF NOT EXISTS django_session CHARACTER SET utf8mb4"], {
    stdio: "ignore",
  });
  return instance;
}

/**
 * A Redis server of our own: loopback only, on a free port; with `persistent`, an append-only
 * file synced on every write (its data survives a restart, as a production Redis's would).
 */
export async function startRedis(options: { maxLifetimeSeconds?: number; persistent?: boolean } = {}): Promise<Instance> {
  const owner = userIds("redis") ?? null;
  const dir = tempDir("redis", owner);
  const port = await freePort();
  const log = join(dir, "redis.log");
  const instance = managed({
    kind: "redis",
    dir,
    port,
    url: `redis://127.0.0.1:${port}`,
    owner,
    command: "redis-server",
    args: [
      "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir, "--protected-mode", "yes",
      ...(options.persistent ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]),
    ],
    log,
    maxLifetimeSeconds: options.maxLifetimeSeconds ?? 900,
    startTimeoutMs: 15_000,
    ready: accepts,
  });
  await instance.start();
  return instance;
}
