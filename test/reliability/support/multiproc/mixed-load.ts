import type { SessionCodec } from "../../../../src/core/session-codec";
import { prng } from "../load";
import type { Answer, StackClient } from "./http-client";

/**
 * The load of the multi-process runs: both stacks on the same sessions, with exact bookkeeping.
 *
 * Counter sessions come in three groups. Each counter (`n0`, `d0`, ...) has one owner, a lane
 * that increments it one request at a time, so every acknowledged increment must stay; other
 * lanes of the same session run at the same time on other processes:
 *   node    two Node lanes write n0 and n1; a Django lane reads the session
 *   django  a Django lane writes d0; a Node lane reads the session
 *   mixed   a Node lane writes n0 while a Django lane writes d0
 * Django saves the whole session it loaded (a blind UPDATE), so in `mixed` a Django save can
 * put back an older n0: those losses are counted apart ("erased by Django's blind saves") when a
 * Django write of the session that ended after the lost acknowledgement saved an older n0 (its
 * answer says what it saved). Every other loss is a loss of the stack that owns the counter.
 *
 * Auth lanes log in (a new key, `cycle_key()`) and out (`flush()`) on either stack, and probe
 * every ended key afterwards on both stacks (new connections, so the cluster's workers take
 * turns): an ended key that still shows its user, or an old key that still shows its data after
 * the login cycled it away, is a session served after its end.
 */
export interface MixedLoadOptions {
  node: StackClient;
  django: StackClient;
  codec: SessionCodec;
  /** Counter sessions per group. */
  sessionsPerGroup: number;
  authLanes: number;
  /** Node processes, for how many probes reach each of them in the sweeps. */
  nodeWorkers: number;
  seed?: number;
}

type Stack = "node" | "django";
type Group = "node" | "django" | "mixed";

interface Counter {
  name: string;
  owner: Stack;
  last: number;
  doubt: number;
  acks: number;
  /** Acknowledged values, and when the request of each was sent (ms, performance.now()): its row may be written any time after. */
  ackValues: number[];
  ackTimes: number[];
  /** When each acknowledgement arrived. */
  answeredAt: number[];
}

interface CounterSession {
  key: string;
  group: Group;
  counters: Counter[];
  /** Django writes of this session: when they ended (Infinity while in flight) and what they saved (the blind saves that may erase a Node counter). */
  djangoWrites: { end: number; saved: Record<string, unknown> | null }[];
}

interface Ended {
  key: string;
  /** What the ended session showed: its user, or (an old key cycled away by a login) its data. */
  uid: string | null;
  endedAt: number;
  by: Stack;
  how: "logout" | "login cycled the key";
}

export interface StaleServe {
  stack: Stack;
  pid: number;
  what: string;
  /** ms after the end (or the acknowledgement) it contradicts. */
  lateMs: number;
  at: number;
}

export interface MixedLoadReport {
  requests: Record<Stack, number>;
  ok: Record<Stack, number>;
  /** Failed requests per stack by kind (status and message, or the client's error). */
  errors: Record<Stack, Record<string, number>>;
  /** Increments acknowledged, per stack that owns the counter. */
  acknowledged: Record<Stack, number>;
  lost: Record<Stack, number>;
  /** Node's increments that a concurrent Django save put back (Django's blind save). */
  erasedByDjangoBlindSave: number;
  phantom: number;
  /** Each loss: when it was seen, the counter's group and name, how many, and whether a Django blind save explains it. */
  losses: { at: number; what: string; count: number; blind: boolean }[];
  /** Reads older than an increment acknowledged before the read started, per serving stack. */
  staleReads: Record<Stack, StaleServe[]>;
  logins: number;
  logouts: number;
  endedSessions: number;
  /** Ended sessions (distinct keys) that some process still served afterwards, per serving stack. */
  endedServed: Record<Stack, StaleServe[]>;
  probes: Record<Stack, number>;
  /** Processes that answered, per stack (the cluster's workers, gunicorn's workers). */
  pids: Record<Stack, number[]>;
  latencyMs: Record<Stack, { p50: number; p99: number }>;
  /** Failed requests: when they were sent and answered, by which stack, what failed. */
  failures: { at: number; end: number; stack: Stack; what: string }[];
}

export class MixedLoad {
  private readonly rand: () => number;
  private readonly sessions: CounterSession[] = [];
  private readonly ended: Ended[] = [];
  private readonly servedKeys = new Set<string>();
  private stopping = false;
  private readonly r: MixedLoadReport;
  private readonly latencies: Record<Stack, number[]> = { node: [], django: [] };
  private readonly pids: Record<Stack, Set<number>> = { node: new Set(), django: new Set() };

  constructor(private readonly o: MixedLoadOptions) {
    this.rand = prng(o.seed ?? 14);
    const stacks = () => ({ node: 0, django: 0 });
    this.r = {
      requests: stacks(),
      ok: stacks(),
      errors: { node: {}, django: {} },
      acknowledged: stacks(),
      lost: stacks(),
      erasedByDjangoBlindSave: 0,
      phantom: 0,
      losses: [],
      staleReads: { node: [], django: [] },
      logins: 0,
      logouts: 0,
      endedSessions: 0,
      endedServed: { node: [], django: [] },
      probes: stacks(),
      pids: { node: [], django: [] },
      latencyMs: { node: { p50: 0, p99: 0 }, django: { p50: 0, p99: 0 } },
      failures: [],
    };
  }

  private client(stack: Stack): StackClient {
    return stack === "node" ? this.o.node : this.o.django;
  }

  private async send(stack: Stack, method: "GET" | "POST", path: string, key: string | null, fresh = false): Promise<Answer> {
    const a = await this.client(stack).send(method, path, key, { fresh });
    this.r.requests[stack]++;
    if (a.pid) this.pids[stack].add(a.pid);
    if (a.status === 200 || a.status === 201) {
      this.r.ok[stack]++;
      this.latencies[stack].push(a.endedAt - a.startedAt);
    } else {
      const kind = (a.what ?? String(a.status)).replace(/\d{3,}/g, "N").slice(0, 70);
      this.r.errors[stack][kind] = (this.r.errors[stack][kind] ?? 0) + 1;
      if (this.r.failures.length < 5000) this.r.failures.push({ at: a.startedAt, end: a.endedAt, stack, what: kind });
    }
    return a;
  }

  /** Creates the counter sessions (half on each stack). */
  async setUp(): Promise<void> {
    const groups: Group[] = ["node", "django", "mixed"];
    for (const group of groups) {
      for (let i = 0; i < this.o.sessionsPerGroup; i++) {
        const by: Stack = i % 2 === 0 ? "node" : "django";
        const a = await this.send(by, "POST", "/create", null);
        if (a.status !== 201 || !a.cookie) throw new Error(`could not create a session on ${by}: ${a.what}`);
        const counter = (name: string, owner: Stack): Counter => ({ name, owner, last: 0, doubt: 0, acks: 0, ackValues: [], ackTimes: [], answeredAt: [] });
        const counters = group === "node" ? [counter("n0", "node"), counter("n1", "node")] : group === "django" ? [counter("d0", "django")] : [counter("n0", "node"), counter("d0", "django")];
        this.sessions.push({ key: a.cookie, group, counters, djangoWrites: [] });
      }
    }
  }

  /** Runs every lane until `stop()`. */
  async run(): Promise<void> {
    const lanes: Promise<void>[] = [];
    for (const s of this.sessions) {
      for (const c of s.counters) lanes.push(this.writer(s, c));
      if (s.group === "node") lanes.push(this.reader(s, "django"));
      if (s.group === "django") lanes.push(this.reader(s, "node"));
    }
    for (let i = 0; i < this.o.authLanes; i++) lanes.push(this.authLane(i));
    lanes.push(this.prober());
    await Promise.all(lanes);
  }

  stop(): void {
    this.stopping = true;
  }

  private async writer(s: CounterSession, c: Counter): Promise<void> {
    while (!this.stopping) {
      if (this.rand() < 0.25) {
        await this.read(s, c.owner);
        continue;
      }
      // In flight until answered: a Django save lands before its answer does.
      const write: CounterSession["djangoWrites"][number] = { end: Infinity, saved: null };
      if (c.owner === "django") s.djangoWrites.push(write);
      const a = await this.send(c.owner, "POST", `/incr?k=${c.name}`, s.key);
      write.end = a.endedAt;
      write.saved = a.status === 200 ? (a.body?.saved ?? null) : null;
      if (a.status !== 200 || typeof a.body?.n !== "number") {
        c.doubt++; // maybe stored, maybe not
        if (a.status === 0 || a.status >= 500) await sleep(50);
        continue;
      }
      this.acknowledge(s, c, a.body.n, a.startedAt, a.endedAt);
    }
  }

  private acknowledge(s: CounterSession, c: Counter, n: number, sentAt: number, at: number): void {
    if (n < c.last + 1) this.lose(s, c, c.last + 1 - n, n);
    else if (n > c.last + 1 + c.doubt) this.r.phantom += n - (c.last + 1 + c.doubt);
    c.last = n;
    c.doubt = 0;
    c.acks++;
    this.r.acknowledged[c.owner]++;
    c.ackValues.push(n);
    c.ackTimes.push(sentAt);
    c.answeredAt.push(at);
  }

  /** `count` acknowledged increments of `c` are gone, the first of them the one that answered `firstLost`. */
  private lose(s: CounterSession, c: Counter, count: number, firstLost: number): void {
    let i = c.ackValues.length;
    while (i > 0 && c.ackValues[i - 1]! >= firstLost) i--;
    const firstLostAt = c.ackTimes[i] ?? Infinity;
    // Django saves the whole session it loaded (from its cache too, however old): a Django write
    // of the session that ended after the first lost increment was sent and saved an older value
    // (or was not answered, so what it saved is unknown) may have put it back.
    const blind =
      s.group === "mixed" &&
      c.owner === "node" &&
      s.djangoWrites.some((w) => w.end > firstLostAt && (w.saved === null || typeof w.saved[c.name] !== "number" || (w.saved[c.name] as number) < firstLost));
    if (blind) this.r.erasedByDjangoBlindSave += count;
    else this.r.lost[c.owner] += count;
    if (this.r.losses.length < 200) this.r.losses.push({ at: performance.now(), what: `${s.group} ${c.name} back to ${firstLost - 1}`, count, blind });
  }

  /** The value of `c` acknowledged last before `t`. */
  private ackedBefore(c: Counter, t: number): number {
    for (let i = c.answeredAt.length - 1; i >= 0; i--) if (c.answeredAt[i]! < t) return c.ackValues[i]!;
    return 0;
  }

  private async reader(s: CounterSession, stack: Stack): Promise<void> {
    while (!this.stopping) await this.read(s, stack);
  }

  private async read(s: CounterSession, stack: Stack, fresh = false): Promise<void> {
    const a = await this.send(stack, "GET", "/read", s.key, fresh);
    if (a.status !== 200) return void (await sleep(a.status === 0 || a.status >= 500 ? 50 : 0));
    for (const c of s.counters) {
      // Django's blind saves may put back a Node counter of a mixed session: counted as losses.
      if (s.group === "mixed" && c.owner === "node") continue;
      const seen = typeof a.body?.data?.[c.name] === "number" ? (a.body.data[c.name] as number) : 0;
      const floor = this.ackedBefore(c, a.startedAt);
      if (seen < floor) {
        const i = c.ackValues.lastIndexOf(floor);
        this.r.staleReads[stack].push({ stack, pid: a.pid, what: `${s.group} ${c.name}: ${seen} < ${floor}`, lateMs: Math.round(a.startedAt - (c.answeredAt[i] ?? 0)), at: a.startedAt });
      }
    }
  }

  private async authLane(lane: number): Promise<void> {
    let round = 0;
    while (!this.stopping) {
      round++;
      const pick = (): Stack => (this.rand() < 0.5 ? "node" : "django");
      const uid = `u${lane}.${round}`;
      const created = await this.send(pick(), "POST", "/create", null);
      if (created.status !== 201 || !created.cookie) {
        await sleep(50);
        continue;
      }
      const by = pick();
      const login = await this.send(by, "POST", `/login?uid=${uid}`, created.cookie);
      if (login.status !== 200 || !login.cookie) continue;
      this.r.logins++;
      this.end({ key: created.cookie, uid: null, endedAt: login.endedAt, by, how: "login cycled the key" });
      const key = login.cookie;
      for (let i = 0; i < 2 && !this.stopping; i++) await this.send(pick(), "GET", "/read", key);
      const outBy = pick();
      const out = await this.send(outBy, "POST", "/logout", key);
      if (out.status !== 200) continue;
      this.r.logouts++;
      const ended: Ended = { key, uid, endedAt: out.endedAt, by: outBy, how: "logout" };
      this.end(ended);
      await this.probe(ended, "node", true);
      await this.probe(ended, "django", true);
    }
  }

  private end(e: Ended): void {
    this.ended.push(e);
    this.r.endedSessions++;
  }

  /** Asks `stack` for an ended session: it must be anonymous and empty. */
  private async probe(e: Ended, stack: Stack, fresh: boolean): Promise<void> {
    const a = await this.send(stack, "GET", "/read", e.key, fresh);
    this.r.probes[stack]++;
    if (a.status !== 200 || a.startedAt <= e.endedAt) return;
    const data = a.body?.data ?? {};
    const served = e.uid !== null ? data.uid === e.uid : data.created === 1;
    if (served && !this.servedKeys.has(`${stack} ${e.key}`)) {
      this.servedKeys.add(`${stack} ${e.key}`);
      this.r.endedServed[stack].push({ stack, pid: a.pid, what: `${e.how} on ${e.by}`, lateMs: Math.round(a.startedAt - e.endedAt), at: a.startedAt });
    }
  }

  /** Keeps asking both stacks for sessions ended earlier in the run (seconds, not milliseconds, after their end). */
  private async prober(): Promise<void> {
    while (!this.stopping) {
      await sleep(20);
      if (this.ended.length === 0) continue;
      const e = this.ended[Math.floor(this.rand() * this.ended.length)]!;
      await this.probe(e, this.rand() < 0.5 ? "node" : "django", true);
    }
  }

  /**
   * After the load (and any fault): every ended session and every counter session asked of
   * every process (the Node cluster's workers take new connections in turn; gunicorn's too).
   */
  async sweep(options: { endedLimit?: number } = {}): Promise<void> {
    const ended = this.ended.slice(-(options.endedLimit ?? 3000));
    const node = Math.max(2, this.o.nodeWorkers * 2);
    for (let i = 0; i < ended.length; i += 8) {
      await Promise.all(ended.slice(i, i + 8).map(async (e) => {
        for (let j = 0; j < node; j++) await this.probe(e, "node", true);
        for (let j = 0; j < 2; j++) await this.probe(e, "django", true);
      }));
    }
    for (const s of this.sessions) {
      for (let j = 0; j < node; j++) await this.read(s, "node", true);
      for (let j = 0; j < 2; j++) await this.read(s, "django", true);
    }
  }

  /** Compares every counter with its stored row (read by the run, outside both stacks). */
  verify(rows: Map<string, string>): { missing: number } {
    let missing = 0;
    for (const s of this.sessions) {
      const stored = rows.get(s.key);
      if (stored === undefined) {
        missing++;
        continue;
      }
      const data = this.o.codec.decode(stored);
      for (const c of s.counters) {
        const v = typeof data[c.name] === "number" ? (data[c.name] as number) : 0;
        if (v < c.last) this.lose(s, c, c.last - v, v + 1);
        else if (v > c.last + c.doubt) this.r.phantom += v - c.last - c.doubt;
      }
    }
    return { missing };
  }

  report(): MixedLoadReport {
    for (const stack of ["node", "django"] as Stack[]) {
      const l = this.latencies[stack].sort((a, b) => a - b);
      const q = (p: number) => Math.round((l[Math.min(l.length - 1, Math.floor(p * l.length))] ?? 0) * 10) / 10;
      this.r.latencyMs[stack] = { p50: q(0.5), p99: q(0.99) };
      this.r.pids[stack] = [...this.pids[stack]].sort((a, b) => a - b);
    }
    return this.r;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
