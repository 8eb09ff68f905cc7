import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { defineModelSuite } from "./prisma-suites";

// The DjangoSession model of prisma/{postgresql,mysql,sqlite}.prisma through the generated clients.
defineModelSuite("prisma_model");

const ROOT = join(__dirname, "..", "..");

/** The text files of a folder, recursively, without what a build or `prisma generate` writes there. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return ["dist", "generated", "node_modules"].includes(entry.name) ? [] : sourceFiles(full);
    return /\.(prisma|ts|md|sql|json)$/.test(entry.name) ? [full] : [];
  });
}

test("every migrations/*.sql file named in prisma/ and examples/ exists", () => {
  const named: string[] = [];
  for (const file of [...sourceFiles(join(ROOT, "prisma")), ...sourceFiles(join(ROOT, "examples"))]) {
    // Concrete names only: `migrations/<dialect>.sql` is a placeholder.
    for (const [path] of readFileSync(file, "utf8").matchAll(/\bmigrations\/[A-Za-z0-9_.-]+\.sql\b/g)) named.push(`${relative(ROOT, file)}: ${path}`);
  }
  // The schemas each name their dialect's DDL (the examples name migrations/postgres.sql).
  for (const schema of ["postgresql", "mysql", "sqlite"]) expect(named.some((entry) => entry.startsWith(`prisma/${schema}.prisma: `))).toBe(true);
  expect(named.filter((entry) => !existsSync(join(ROOT, entry.slice(entry.indexOf(": ") + 2))))).toEqual([]);
});
