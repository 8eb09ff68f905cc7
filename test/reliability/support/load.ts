import { Agent, request } from "node:http";
import type { SessionCodec } from "../../../src/core/session-codec";
import type { StoredRow } from "./stacks";

/**
 * A keep-alive load generator with exact bookkeeping of every increment.
 *
 * Why per-worker counters: with the default `concurrency: "merge"`, two requests that change the
 * *same* key of one session concurrently are last-writer-wins for that key (each re-applies its
 * own value on a conflict), so two concurrent `n += 1` on one key can both answer 6. That is
 * Django's semantics for a key, not a lost write. So each worker (one keep-alive connection, one
 * request in flight) owns the key `n<worker>` in every session: its increments of a key are
 * serialised by construction, while different workers hit the same session row concurrently (a
 * hot set makes that frequent) and their writes to different keys must all survive the merge.
 *
 * The ledger then knows, per (session, worker), the last value the server acknowledged and how
 * many increments are in doubt (failed or timed out: maybe stored, maybe not). Every answer is
 * checked on the fly: an increment must answer exactly the next value (or, after failures, a
 * value they can explain), a read must see the worker's own last write; at the end the stored
 * row must hold a value between the last acknowledged one and that plus the doubts.
 */
export interface LoadOptions {
  url: string;
  keys: readonly string[];
  workers: number;
  durationMs: number;
  /** Sessions in the hot set. @default 32 */
  hotKeys?: number;
  /** Share of requests that go to the hot set. @default 0.2 */
  hotShare?: number;
  /** Share of requests that are increments (the rest are reads). @default 0.4 */
  incrShare?: number;
  /** Client-side timeout of one request: longer counts as a hang. @default 15000 */
  timeoutMs?: number;
  seed?: number;
  cookieName?: string;
  /** Stops the load early when it returns true (checked before each request). */
  stopWhen?(): boolean;
  /** Bookkeeping to continue (a second phase on the same sessions and workers). @default a new one */
  ledger?: Map<string, LedgerEntry>;
  /** Called about every 250 ms with the counts so far (for fault timelines). */
  onTick?(elapsedMs: number, counts: { ok: number; failed: number }): void;
}

export interface LedgerEntry {
  /** The last value the server acknowledged (an increment's answer, or a read). */
  last: number;
  /** Increments that failed since then: stored or not, nobody knows. */
  doubt: number;
  /** Acknowledged increments (each one answered exactly one more than the one before). */
  acks: number;
}

export interface LoadResult {
  /** `performance.now()` when the load started: `failures[].at` and `successTimes` count from it. */
  startedAt: number;
  durationMs: number;
  requests: number;
  ok: number;
  increments: number;
  reads: number;
  byStatus: Record<string, number>;
  networkErrors: number;
  timeouts: number;
  /** Answers the bookkeeping cannot explain (must be empty). */
  violations: string[];
  violationCount: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** Milliseconds since the start of each failed request's end, with what failed. */
  failures: { at: number; what: string }[];
  ledger: Map<string, LedgerEntry>;
  /** End times of successes (ms since start), for recovery measurements. */
  successTimes: number[];
}

/** xorshift32: the same sequence for the same seed. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

interface HttpAnswer {
  status: number;
  body: string;
  setCookie: string[];
}

function send(agent: Agent, url: string, method: string, path: string, cookie: string | null, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, agent, headers: cookie ? { cookie } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const sc = res.headers["set-cookie"];
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), setCookie: sc ?? [] });
      });
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error("client timeout"), { code: "CLIENT_TIMEOUT" })));
    req.on("error", reject);
    req.end();
  });
}

/** Creates `count` sessions through the app (`POST /create`), `concurrency` at a time; resolves their keys. */
export async function createSessions(url: string, count: number, concurrency = 32, cookieName = "sessionid"): Promise<string[]> {
  const keys: string[] = [];
  let next = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const prefix = `${cookieName}=`;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          next++;
          const answer = await send(agent, url, "POST", "/create", null, 30_000);
          const cookie = answer.setCookie.find((c) => c.startsWith(prefix));
          if (answer.status !== 201 || !cookie) throw new Error(`POST /create answered ${answer.status}: ${answer.body}`);
          keys.push(cookie.slice(prefix.length, cookie.indexOf(";")));
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return keys;
}

const ledgerKey = (sessionKey: string, worker: number) => `${sessionKey}|${worker}`;

/** Runs the load; never throws for a failed request (they are counted). */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const hotKeys = Math.min(options.hotKeys ?? 32, options.keys.length);
  const hotShare = options.hotShare ?? 0.2;
  const incrShare = options.incrShare ?? 0.4;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const cookieName = options.cookieName ?? "sessionid";
  const ledger = options.ledger ?? new Map<string, LedgerEntry>();
  const byStatus: Record<string, number> = {};
  const violations: string[] = [];
  let violationCount = 0;
  const failures: LoadResult["failures"] = [];
  const successTimes: number[] = [];
  // Latency histogram in 0.1 ms buckets up to 60 s (no per-request array).
  const histogram = new Uint32Array(600_001);
  let maxLatency = 0;
  let requests = 0;
  let ok = 0;
  let increments = 0;
  let reads = 0;
  let networkErrors = 0;
  let timeouts = 0;
  let failed = 0;
  const start = performance.now();
  const deadline = start + options.durationMs;
  const violate = (text: string) => {
    violationCount++;
    if (violations.length < 20) violations.push(text);
  };
  const ticker = options.onTick ? setInterval(() => options.onTick!(performance.now() - start, { ok, failed }), 250) : null;

  const worker = async (w: number) => {
    const random = prng((options.seed ?? 1) * 7919 + w);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (performance.now() < deadline && !options.stopWhen?.()) {
        const key = random() < hotShare ? options.keys[Math.floor(random() * hotKeys)] : options.keys[Math.floor(random() * options.keys.length)];
        const incr = random() < incrShare;
        const id = ledgerKey(key, w);
        let entry = ledger.get(id);
        if (!entry) ledger.set(id, (entry = { last: 0, doubt: 0, acks: 0 }));
        const t0 = performance.now();
        requests++;
        let answer: HttpAnswer | null = null;
        let problem: string | null = null;
        try {
          answer = await send(agent, options.url, incr ? "POST" : "GET", `/${incr ? "incr" : "read"}?w=${w}`, `${cookieName}=${key}`, timeoutMs);
        } catch (error) {
          const code = (error as { code?: string }).code ?? "ERROR";
          if (code === "CLIENT_TIMEOUT") timeouts++;
          else networkErrors++;
          problem = code;
        }
        const t1 = performance.now();
        const latency = t1 - t0;
        histogram[Math.min(600_000, Math.round(latency * 10))]++;
        if (latency > maxLatency) maxLatency = latency;
        if (answer) byStatus[answer.status] = (byStatus[answer.status] ?? 0) + 1;
        if (answer && answer.status === 200) {
          ok++;
          if (successTimes.length < 2_000_000) successTimes.push(t1 - start);
          const n = (JSON.parse(answer.body) as { n: number }).n;
          if (incr) {
            increments++;
            // Exactly the next value, or (after failed increments) one that some of them explain.
            if (n < entry.last + 1 || n > entry.last + 1 + entry.doubt) violate(`incr ${key.slice(0, 6)}…|w${w}: answered ${n}, expected ${entry.last + 1}${entry.doubt ? `..${entry.last + 1 + entry.doubt}` : ""}`);
            entry.last = n;
            entry.doubt = 0;
            entry.acks++;
          } else {
            reads++;
            if (n < entry.last || n > entry.last + entry.doubt) violate(`read ${key.slice(0, 6)}…|w${w}: saw ${n}, expected ${entry.last}${entry.doubt ? `..${entry.last + entry.doubt}` : ""}`);
            if (n > entry.last) {
              entry.doubt -= n - entry.last;
              entry.last = n;
            }
          }
        } else {
          failed++;
          if (incr) entry.doubt++;
          if (failures.length < 200_000) failures.push({ at: t1 - start, what: problem ?? `${answer!.status} ${answer!.body.slice(0, 80)}` });
          // A failed request must not turn into a busy loop against a dead database.
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    } finally {
      agent.destroy();
    }
  };

  try {
    await Promise.all(Array.from({ length: options.workers }, (_, w) => worker(w)));
  } finally {
    if (ticker) clearInterval(ticker);
  }
  const percentile = (p: number) => {
    const total = histogram.reduce((a, b) => a + b, 0);
    let seen = 0;
    for (let i = 0; i < histogram.length; i++) {
      seen += histogram[i];
      if (seen >= total * p) return i / 10;
    }
    return maxLatency;
  };
  return {
    startedAt: start,
    durationMs: performance.now() - start,
    requests,
    ok,
    increments,
    reads,
    byStatus,
    networkErrors,
    timeouts,
    violations,
    violationCount,
    latencyMs: { p50: percentile(0.5), p99: percentile(0.99), max: Math.round(maxLatency * 10) / 10 },
    failures,
    ledger,
    successTimes,
  };
}

export interface Verification {
  sessions: number;
  rows: number;
  /** Sessions whose row is gone. */
  missing: number;
  /** Rows that are not one of the sessions (a lost session silently replaced by a new one). */
  extra: number;
  /** Rows that no longer decode, or lost their `created` marker (overwritten with an empty session). */
  corrupted: number;
  /** Acknowledged increments not in the stored rows (must be 0). */
  lost: number;
  /** Stored values above anything requested (must be 0). */
  phantom: number;
  /** In-doubt increments that turned out to be stored. */
  inDoubtStored: number;
  /** In-doubt increments that turned out not to be stored. */
  inDoubtDropped: number;
  /** Acknowledged increments in total (the ledger's `acks`). */
  acknowledged: number;
  details: string[];
}

/** Compares the stored rows with the ledger (see `runLoad`). */
export function verifyRows(keys: readonly string[], rows: readonly StoredRow[], ledger: ReadonlyMap<string, LedgerEntry>, codec: SessionCodec): Verification {
  const byKey = new Map(rows.map((r) => [r.sessionKey, r]));
  const expected = new Set(keys);
  const v: Verification = { sessions: keys.length, rows: rows.length, missing: 0, extra: 0, corrupted: 0, lost: 0, phantom: 0, inDoubtStored: 0, inDoubtDropped: 0, acknowledged: 0, details: [] };
  const note = (text: string) => v.details.length < 20 && v.details.push(text);
  for (const row of rows) if (!expected.has(row.sessionKey)) v.extra++;
  const decoded = new Map<string, Record<string, unknown>>();
  for (const key of keys) {
    const row = byKey.get(key);
    if (!row) {
      v.missing++;
      note(`session ${key.slice(0, 6)}… has no row`);
      continue;
    }
    const result = codec.decodeDetailed(row.sessionData);
    if (!result.ok || result.data.created !== 1) {
      v.corrupted++;
      note(`session ${key.slice(0, 6)}… ${result.ok ? "lost its data" : `does not decode (${result.reason})`}`);
      continue;
    }
    decoded.set(key, result.data);
  }
  for (const [id, e] of ledger) {
    v.acknowledged += e.acks;
    const [key, w] = id.split("|");
    const data = decoded.get(key);
    if (!data) continue;
    const stored = (data[`n${w}`] as number | undefined) ?? 0;
    if (stored < e.last) {
      v.lost += e.last - stored;
      note(`session ${key.slice(0, 6)}… worker ${w}: stored ${stored}, acknowledged ${e.last}`);
    } else if (stored > e.last + e.doubt) {
      v.phantom += stored - e.last - e.doubt;
      note(`session ${key.slice(0, 6)}… worker ${w}: stored ${stored}, at most ${e.last + e.doubt} requested`);
    } else {
      v.inDoubtStored += stored - e.last;
      v.inDoubtDropped += e.last + e.doubt - stored;
    }
  }
  return v;
}
