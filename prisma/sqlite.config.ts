import { defineConfig } from "prisma/config";

// Only `prisma generate` is used (see scripts/prisma-generate.js): Django owns the table, so no
// migrate/db push. `env()` from prisma/config would throw when the variable is unset.
export default defineConfig({
  schema: "sqlite.prisma",
  datasource: { url: process.env.DATABASE_URL ?? "" },
});
