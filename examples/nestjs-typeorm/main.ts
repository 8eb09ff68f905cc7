// NestJS (Express platform) + TypeORM + django-session: the Django site's logins and sessions,
// read and written in Node. See README.md next to this file.
import "reflect-metadata";
import { NestFactory } from "@nestjs/core";
import type { NestExpressApplication } from "@nestjs/platform-express";
import { AppModule } from "./app.module";
import { settings } from "./settings";

async function main() {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { logger: ["error", "warn"] });
  await app.listen(settings.port, settings.host);
  console.log(`nestjs-typeorm example listening on http://${settings.host}:${settings.port}/`);

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    // app.close() runs the shutdown hooks (the DataSource is destroyed), then we exit.
    process.once(signal, () => void app.close().then(() => process.exit(0)));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
