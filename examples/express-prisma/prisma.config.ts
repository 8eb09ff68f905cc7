// `prisma generate --config prisma.config.ts` (Prisma 7 reads the datasource URL from here).
// Only `generate` is used: Django owns the tables, so no `migrate` / `db push`.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "schema.prisma",
  datasource: { url: process.env.DATABASE_URL ?? "" },
});
