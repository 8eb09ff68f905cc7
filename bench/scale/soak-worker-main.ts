// A soak worker in a process of its own (bench/scale/connection-soak.ts forks it with --expose-gc),
// so that its RSS and heap are its own. Argument: a SoakWorkerSpec as JSON. It sends {ready} once
// its sessions exist; then answers the requests memory (after a full GC), stats and stop.
import { SoakWork, type SoakWorkerSpec } from "./soak-worker";

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? "{}") as SoakWorkerSpec;
  const work = await SoakWork.start(spec);
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on("message", (message: { id: number; type: string }) => {
    const reply = (value: unknown) => process.send?.({ id: message.id, value });
    if (message.type === "stats") return reply(work.take());
    if (message.type === "memory") {
      gc?.();
      const m = process.memoryUsage();
      return reply({ rssMb: Math.round((m.rss / 1048576) * 10) / 10, heapUsedMb: Math.round((m.heapUsed / 1048576) * 10) / 10 });
    }
    if (message.type === "stop") {
      void work.stop().then(() => {
        reply(true);
        process.disconnect();
      });
    }
  });
  process.send?.({ ready: { name: work.stack.name } });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
