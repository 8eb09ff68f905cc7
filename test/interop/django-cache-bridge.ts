/**
 * Client of test/interop/django_cache_bridge.py: real Django's cached_db or cache session engine
 * on Redis, one process per test file, JSON lines both ways (protocol in the .py).
 * Missing Python, Django, redis-py or django-redis is an error: the tests fail, never skip.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pyJsonDumps, pyJsonLoads } from "../../src/low-level";
import { djangoPython, type DjangoVersion } from "./django-bridge";

export interface CacheBridgeConfig {
  engine: "cached_db" | "cache";
  cache_backend: "django" | "django-redis";
  location: string;
  key_prefix?: string;
  version?: number;
  dialect?: "postgres" | "sqlite" | null;
  name?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  secret_key: string;
}

export class DjangoCacheBridge {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  private stderr = "";
  private exited: Error | null = null;
  ready!: { django: string; python: string; backend: string; redis_py: string };

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {}

  static start(version: DjangoVersion, config: CacheBridgeConfig): Promise<DjangoCacheBridge> {
    const python = djangoPython(version);
    if (python.includes("/") && !existsSync(python)) {
      return Promise.reject(new Error(`Python for Django ${version} not found at ${python} (run scripts/setup-test-env.sh)`));
    }
    const child = spawn(python, [join(__dirname, "django_cache_bridge.py")], {
      env: { ...process.env, DJANGO_CACHE_BRIDGE_CONFIG: JSON.stringify({ ...config, expect: version }), PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const bridge = new DjangoCacheBridge(child);
    return new Promise((resolve, reject) => {
      child.stderr.on("data", (chunk: Buffer) => (bridge.stderr = (bridge.stderr + chunk.toString()).slice(-8000)));
      const fail = (error: Error) => {
        bridge.exited = error;
        reject(error);
        for (const { reject: rejectCall } of bridge.pending.values()) rejectCall(error);
        bridge.pending.clear();
      };
      child.on("error", (error) => fail(new Error(`Cannot run ${python}: ${error.message}`)));
      child.on("exit", (code, signal) => fail(new Error(`Django cache bridge (${python}) exited with ${code ?? signal}:\n${bridge.stderr}`)));
      createInterface({ input: child.stdout }).on("line", (line) => {
        const message = pyJsonLoads(line) as any;
        if (message.ready) {
          bridge.ready = message.ready;
          resolve(bridge);
          return;
        }
        const call = bridge.pending.get(message.id);
        if (!call) return;
        bridge.pending.delete(message.id);
        if (message.error) call.reject(new Error(`${message.error.type}: ${message.error.message}\n${message.error.traceback ?? ""}`));
        else call.resolve(message.result);
      });
    });
  }

  call<T = any>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(pyJsonDumps({ id, op, ...args } as never) + "\n");
    });
  }

  /** Django's view of a session: `SessionStore(key)` loaded (key `null` when it found nothing). */
  load(key: string): Promise<{ key: string | null; data: Record<string, unknown>; types: Record<string, string> }> {
    return this.call("load", { key });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill(), 5000);
    await done;
    clearTimeout(timer);
  }
}
