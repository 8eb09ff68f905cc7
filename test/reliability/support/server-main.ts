// The load app in a process of its own (see soak.ts): its memory figures are the server's alone.
// Argument: {"orm": "typeorm" | "prisma", "location": DatabaseLocation}. IPC requests: ready,
// memory (after a full GC), logged, close.
import { startLoadApp } from "./app";
import { openStack, type DatabaseLocation, type Orm } from "./stacks";

async function main(): Promise<void> {
  const { orm, location } = JSON.parse(process.argv[2]) as { orm: Orm; location: DatabaseLocation };
  const stack = await openStack(orm, location, { size: 10 });
  const app = await startLoadApp(stack.adapter);
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on("message", async (message: { id: number; type: string }) => {
    const reply = (value: unknown) => process.send!({ id: message.id, value });
    switch (message.type) {
      case "ready":
        return reply({ url: app.url, name: stack.name });
      case "memory": {
        gc?.();
        const m = process.memoryUsage();
        return reply({ rssMb: Math.round((m.rss / 1048576) * 10) / 10, heapUsedMb: Math.round((m.heapUsed / 1048576) * 10) / 10 });
      }
      case "logged":
        return reply(app.logger.records.map((r) => `${r.level} ${r.message} ${JSON.stringify(r.context)}`));
      case "close":
        await app.close();
        await stack.close();
        reply(true);
        process.disconnect();
        return;
    }
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
