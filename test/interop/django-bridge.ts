/**
 * Client of test/interop/django-bridge.py: one real-Django process per test file, fed batches of
 * JSON requests on stdin, answering one JSON line per request on stdout (protocol in the .py).
 *
 * Requests and responses are Python JSON, written with `pyJsonDumps` and read with
 * `pyJsonLoads`, so NaN, Infinity and integers past 2^53 survive both ways.
 *
 * Missing Python or Django is an error (the interop tests must fail, not skip).
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import { pyJsonDumps, pyJsonLoads } from "../../src/low-level";

export type DjangoVersion = "3.2" | "5.2";

/** The Python that runs Django `version`: `$DJANGO32_PYTHON` / `$DJANGO52_PYTHON`, or the defaults set up by scripts/setup-test-env.sh. */
export function djangoPython(version: DjangoVersion): string {
  if (version === "3.2") return process.env.DJANGO32_PYTHON || "/usr/bin/python3";
  return process.env.DJANGO52_PYTHON || path.join(__dirname, "../../.venv-django52/bin/python");
}

/** Fields every op accepts (see the .py for their meaning). */
export interface BridgeRequestBase {
  secretKey?: string;
  secretKeyFallbacks?: string[];
  hashingAlgorithm?: "sha1" | "sha256";
  /** Seconds since the epoch; freezes `time.time()` for this request. */
  now?: number;
  storeClass?: string;
  cookieAge?: number;
}

export type BridgeRequest = BridgeRequestBase &
  (
    | { op: "hello" }
    | { op: "encode"; data: unknown }
    | { op: "decode"; encoded: string }
    | { op: "legacy_encode"; data: unknown }
    | { op: "cookie_encode"; data: unknown }
    | { op: "cookie_decode"; encoded: string }
    | { op: "dumps"; obj: unknown; salt?: string; compress?: boolean; key?: string }
    | { op: "loads"; signed: string; salt?: string; maxAge?: number; key?: string; fallbackKeys?: string[] }
    // Ops added to the bridge later.
    | { op: string; [field: string]: unknown }
  );

/** A response; which fields are set depends on the op. */
export interface BridgeResponse {
  id: number;
  ok: boolean;
  error?: { type: string; message: string };
  encoded?: string;
  signed?: string;
  /** What Django returned from a read. */
  result?: unknown;
  /** `json.dumps(result, separators=(",", ":"))`: Python's exact JSON text of it. */
  resultJson?: string;
  /** The exception class a read raised instead (e.g. 3.2's `Error` from binascii). */
  raises?: string;
  message?: string;
  /** Messages logged on `django.security.*` during a `decode`. */
  logged?: string[];
  /** signed_cookies: `modified` after `load()` (true when the cookie was rejected). */
  modified?: boolean;
  [field: string]: unknown;
}

export interface BridgeInfo {
  django: string;
  python: string;
  zlib: string;
  ops: string[];
}

const SCRIPT = path.join(__dirname, "django-bridge.py");

export class DjangoBridge {
  private nextId = 1;
  private buffer = "";
  private stderr = "";
  private exited: Error | null = null;
  private readonly pending = new Map<number, { resolve: (r: BridgeResponse) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly info: BridgeInfo,
  ) {}

  /** Spawns the bridge and waits for its ready line; rejects if Python or Django is missing or the version is not `expect`. */
  static start(version: DjangoVersion, options: { python?: string; env?: Record<string, string> } = {}): Promise<DjangoBridge> {
    const python = options.python ?? djangoPython(version);
    return new Promise((resolve, reject) => {
      const child = spawn(python, [SCRIPT], {
        stdio: ["pipe", "pipe", "pipe"],
        env: { ...process.env, PYTHONUNBUFFERED: "1", PYTHONIOENCODING: "ascii", ...options.env },
      });
      let bridge: DjangoBridge | null = null;
      let early = "";
      let stderr = "";
      const fail = (why: string) => {
        child.kill();
        reject(new Error(`Django ${version} bridge (${python} ${SCRIPT}) ${why}${stderr ? `\n${stderr}` : ""}`));
      };
      child.on("error", (error) => fail(`could not start: ${error.message}. Run scripts/setup-test-env.sh or set DJANGO${version.replace(".", "")}_PYTHON.`));
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (chunk: string) => {
        stderr += chunk;
        if (bridge) bridge.stderr += chunk;
      });
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk: string) => {
        if (bridge) return bridge.onData(chunk);
        early += chunk;
        const nl = early.indexOf("\n");
        if (nl < 0) return;
        let hello: BridgeResponse & Partial<BridgeInfo>;
        try {
          hello = pyJsonLoads(early.slice(0, nl)) as unknown as BridgeResponse & Partial<BridgeInfo>;
        } catch {
          return fail(`printed something other than its ready line: ${early.slice(0, 200)}`);
        }
        if (!hello.ready || !hello.django?.startsWith(`${version}.`)) return fail(`runs Django ${String(hello.django)}, expected ${version}.x`);
        bridge = new DjangoBridge(child, { django: hello.django, python: hello.python!, zlib: hello.zlib!, ops: hello.ops! });
        bridge.stderr = stderr;
        child.removeAllListeners("error");
        child.on("error", (error) => bridge!.onExit(error));
        resolve(bridge);
        const rest = early.slice(nl + 1);
        if (rest) bridge.onData(rest);
      });
      child.on("exit", (code, signal) => {
        if (bridge) bridge.onExit(new Error(`exited with ${signal ?? code}`));
        else fail(`exited with ${signal ?? code} before it was ready`);
      });
    });
  }

  /** Sends every request at once and resolves with the responses in the same order. */
  batch(requests: readonly BridgeRequest[]): Promise<BridgeResponse[]> {
    if (this.exited) return Promise.reject(this.exited);
    const promises: Promise<BridgeResponse>[] = [];
    const lines: string[] = [];
    for (const request of requests) {
      const id = this.nextId++;
      promises.push(new Promise((resolve, reject) => this.pending.set(id, { resolve, reject })));
      lines.push(pyJsonDumps({ ...request, id }));
    }
    this.child.stdin.write(`${lines.join("\n")}\n`);
    return Promise.all(promises);
  }

  /** One request. */
  async call(request: BridgeRequest): Promise<BridgeResponse> {
    const [response] = await this.batch([request]);
    return response;
  }

  /** Like `batch`, but rejects if any op failed in the bridge itself. */
  async batchOk(requests: readonly BridgeRequest[]): Promise<BridgeResponse[]> {
    const responses = await this.batch(requests);
    const failed = responses.map((r, i) => ({ r, i })).filter(({ r }) => !r.ok);
    if (failed.length > 0) {
      const first = failed[0];
      throw new Error(`${failed.length} bridge op(s) failed; first: #${first.i} ${JSON.stringify(requests[first.i]).slice(0, 200)} -> ${first.r.error?.type}: ${first.r.error?.message}`);
    }
    return responses;
  }

  /** Closes stdin and waits for the process to exit. */
  close(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.stdin.end();
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (!line.trim()) continue;
      const response = pyJsonLoads(line) as unknown as BridgeResponse;
      const waiter = this.pending.get(response.id);
      if (!waiter) {
        this.onExit(new Error(`unexpected response ${line.slice(0, 200)}`));
        continue;
      }
      this.pending.delete(response.id);
      waiter.resolve(response);
    }
  }

  private onExit(error: Error): void {
    this.exited = new Error(`Django ${this.info.django} bridge ${error.message}${this.stderr ? `\n${this.stderr}` : ""}`);
    for (const waiter of this.pending.values()) waiter.reject(this.exited);
    this.pending.clear();
  }
}
