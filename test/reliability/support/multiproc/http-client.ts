import { Agent, request } from "node:http";

/** One answer as the load sees it: status (0 for no answer), JSON body, the session cookie set, and which process served it. */
export interface Answer {
  status: number;
  body: any;
  /** The new `sessionid` value when the response set one ("" when it deleted it), else undefined. */
  cookie: string | undefined;
  pid: number;
  what?: string;
  startedAt: number;
  endedAt: number;
}

/**
 * A small HTTP client for the two stacks. The Node cluster gets a keep-alive pool (the cluster
 * spreads connections over its workers); `fresh` opens a new connection, so that probes reach
 * every worker in turn. gunicorn's sync workers close every connection anyway.
 */
export class StackClient {
  private readonly agent: Agent;
  constructor(
    readonly name: "node" | "django",
    private readonly port: number,
    sockets: number,
    private readonly timeoutMs = 10_000,
  ) {
    this.agent = new Agent({ keepAlive: name === "node", maxSockets: sockets });
  }

  send(method: "GET" | "POST", path: string, sessionKey: string | null, options: { fresh?: boolean } = {}): Promise<Answer> {
    const startedAt = performance.now();
    return new Promise((resolve) => {
      let settled = false;
      const done = (a: Omit<Answer, "startedAt" | "endedAt">) => {
        if (settled) return;
        settled = true;
        resolve({ ...a, startedAt, endedAt: performance.now() });
      };
      const req = request(
        {
          host: "127.0.0.1",
          port: this.port,
          method,
          path,
          agent: options.fresh ? false : this.agent,
          headers: { ...(sessionKey ? { cookie: `sessionid=${sessionKey}` } : {}), ...(method === "POST" ? { "content-length": "0" } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", (e) => done({ status: 0, body: null, cookie: undefined, pid: 0, what: e.message }));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let body: any = null;
            try {
              body = JSON.parse(text);
            } catch {
              body = { text: text.slice(0, 200) };
            }
            const set = ([] as string[]).concat(res.headers["set-cookie"] ?? []).find((c) => c.startsWith("sessionid="));
            const cookie = set === undefined ? undefined : set.slice("sessionid=".length, set.indexOf(";") < 0 ? undefined : set.indexOf(";")).replace(/^""$/, "");
            done({ status: res.statusCode ?? 0, body, cookie, pid: Number(res.headers["x-pid"] ?? 0), what: res.statusCode === 200 || res.statusCode === 201 ? undefined : `${res.statusCode} ${text.slice(0, 80)}` });
          });
        },
      );
      req.setTimeout(this.timeoutMs, () => {
        req.destroy();
        done({ status: 0, body: null, cookie: undefined, pid: 0, what: "CLIENT_TIMEOUT" });
      });
      req.on("error", (e: NodeJS.ErrnoException) => done({ status: 0, body: null, cookie: undefined, pid: 0, what: e.code ?? e.message }));
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
