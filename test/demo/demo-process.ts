import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";

// `npm run demo` as a user runs it: `node demo/server.js` in a child process, stopped by Ctrl-C
// (SIGINT), and Debian's Chromium driven by playwright-core (the machine cannot download one).
export const ROOT = join(__dirname, "..", "..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// Each start gets its own two ports: a Django side that is still exiting keeps its port a moment.
let nextPort = 18600 + (process.pid % 100) * 20;

export interface RunningDemo {
  output: string;
  nodeUrl: string;
  djangoUrl: string;
  stop(): Promise<void>;
}

export function ensureBuilt(): void {
  if (!existsSync(join(ROOT, "dist", "cjs", "index.js"))) {
    expect(spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" }).status).toBe(0);
  }
}

/** Starts the demo on `db` with `env` (DEMO_PYTHON unset unless given) and waits for "Ctrl-C". */
export async function startDemo(db: string, env: Record<string, string> = {}): Promise<RunningDemo> {
  const port = nextPort;
  nextPort += 2;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DEMO_PORT: String(port), DEMO_DB: db, ...env };
  if (!("DEMO_PYTHON" in env)) delete childEnv.DEMO_PYTHON;
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, "demo", "server.js")], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  const running: RunningDemo = {
    output: "",
    nodeUrl: `http://127.0.0.1:${port}`,
    djangoUrl: `http://127.0.0.1:${port + 1}`,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGINT"); // Ctrl-C: the demo stops both sides itself
      await exited;
    },
  };
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      running.output += String(chunk);
      if (running.output.includes("Ctrl-C")) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`the demo exited (${code}): ${running.output}`)));
  });
  return running;
}

/** No Node stack frame and no Python traceback: a demo's output is read by a person. */
export function expectNoStackTrace(output: string): void {
  expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(output).not.toContain("Traceback");
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
