import { DjangoSessionRepository, silentLogger } from "../../src";
import { openStack, type DatabaseLocation, type Orm, type Stack } from "../../test/reliability/support/stacks";

/** One worker of the connection soak: what a Node process of a site does, over an ORM's pool. */
export interface SoakWorkerSpec {
  orm: Orm;
  location: DatabaseLocation;
  /** The ORM pool's size: the bound its connections must stay under. */
  poolSize: number;
  /** Concurrent request loops (more than the pool, so that requests queue for connections). */
  loops: number;
  sessions: number;
  pauseMs: number;
}

export interface WorkerStats {
  ops: number;
  errors: number;
  errorKinds: Record<string, number>;
  /** Date.now() of the last successful request and of the first error since the last take (comparable across processes). */
  lastOkAt: number;
  firstErrorAt: number | null;
}

const kindOf = (error: unknown) => {
  const e = error as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  return String(e.cause?.code ?? e.code ?? e.name ?? "error");
};

/** The work of one worker, in whichever process runs it. */
export class SoakWork {
  private running = true;
  private loops: Promise<void>[] = [];
  private stats: WorkerStats = { ops: 0, errors: 0, errorKinds: {}, lastOkAt: 0, firstErrorAt: null };

  private constructor(
    readonly stack: Stack,
    private readonly repository: DjangoSessionRepository,
    private readonly keys: string[],
  ) {}

  static async start(spec: SoakWorkerSpec): Promise<SoakWork> {
    // storageTimeout below the pool's acquire timeout is not needed: the stacks bound acquisition (5 s).
    const stack = await openStack(spec.orm, spec.location, { size: spec.poolSize });
    const repository = new DjangoSessionRepository({ secretKey: "soak-secret-key-5e2a9c1d7b3f4e6a8c0d", adapter: stack.adapter, logger: silentLogger, storageTimeout: 5 });
    const keys: string[] = [];
    for (let i = 0; i < spec.sessions; i++) {
      const session = repository.get();
      await session.set("count", 0);
      await session.save();
      if (session.sessionKey) keys.push(session.sessionKey);
    }
    const work = new SoakWork(stack, repository, keys);
    work.loops = Array.from({ length: spec.loops }, (_, i) => work.loop(i, spec.pauseMs));
    return work;
  }

  private async loop(offset: number, pauseMs: number): Promise<void> {
    for (let i = offset; this.running; i += 7) {
      const key = this.keys[i % this.keys.length] ?? "";
      try {
        const session = this.repository.get(key);
        await session.set("count", Number((await session.get("count")) ?? 0) + 1);
        await session.save();
        this.stats.ops++;
        this.stats.lastOkAt = Date.now();
      } catch (error) {
        this.stats.errors++;
        this.stats.firstErrorAt ??= Date.now();
        const kind = kindOf(error);
        this.stats.errorKinds[kind] = (this.stats.errorKinds[kind] ?? 0) + 1;
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  /** The counters since the last call. */
  take(): WorkerStats {
    const taken = this.stats;
    this.stats = { ops: 0, errors: 0, errorKinds: {}, lastOkAt: taken.lastOkAt, firstErrorAt: null };
    return taken;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await this.stack.close();
  }
}
