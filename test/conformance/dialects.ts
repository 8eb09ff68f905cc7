import type { Dialect } from "../support/databases";

const ALL: readonly Dialect[] = ["postgres", "mysql", "sqlite"];

/**
 * The dialects the conformance files run: all three, unless CONFORMANCE_DIALECTS names some
 * (comma-separated). scripts/test-node-lines.js sets `sqlite` to run one conformance pass per ORM
 * on each newer Node line (`npm test` covers PostgreSQL and MariaDB on Node 20, and the drivers
 * are plain JavaScript). Unselected dialects are not defined at all, so nothing shows as skipped;
 * an unknown name throws, so a typo cannot make a run pass by testing nothing.
 */
export function conformanceDialects(): Dialect[] {
  const selected = process.env.CONFORMANCE_DIALECTS;
  if (!selected) return [...ALL];
  const names = selected.split(",").map((name) => name.trim());
  const unknown = names.filter((name) => !ALL.includes(name as Dialect));
  if (unknown.length > 0 || names.length === 0) {
    throw new Error(`CONFORMANCE_DIALECTS=${selected}: unknown ${unknown.join(", ")} (choose from ${ALL.join(", ")})`);
  }
  return ALL.filter((dialect) => names.includes(dialect));
}
