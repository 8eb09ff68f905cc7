import assert from "node:assert/strict";
import type { SessionLogger } from "../../core/logger";
import type { DjangoSessionRepository } from "../../engines/db";
import type { CaseContext, ConformanceCase, ConformanceEngineOptions, EngineConformanceContext, EngineKind } from "./types";

export const SECRET = "conformance-suite-secret-key-0123456789";
export const COOKIE_AGE = 1209600;

export function collectingLogger(): SessionLogger & { messages: string[] } {
  const messages: string[] = [];
  return { messages, warn: (message) => messages.push(message) };
}

export async function rejects(promise: Promise<unknown>, check: (error: unknown) => boolean, message: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.ok(check(error), `${message}: got ${String(error)}`);
    return;
  }
  assert.fail(`${message}: nothing was thrown`);
}

export const ALL: readonly EngineKind[] = ["db", "cached_db", "cache", "signed_cookies"];
/** Django's `CookieSessionTests` drops these: the session lives in the client, nothing to query. */
export const STORED: readonly EngineKind[] = ["db", "cached_db", "cache"];
/** `DatabaseSessionTests` and ours about the row: engines with a table. */
export const TABLE: readonly EngineKind[] = ["db", "cached_db"];

/**
 * A group of cases, in the order they are declared: `const { cases, test } = caseGroup();`, then
 * `test(name, run, kinds)` for each case (every engine when `kinds` is left out).
 */
export function caseGroup(): { cases: ConformanceCase[]; test: (name: string, run: (ctx: CaseContext) => Promise<void>, kinds?: readonly EngineKind[]) => void } {
  const cases: ConformanceCase[] = [];
  const test = (name: string, run: (ctx: CaseContext) => Promise<void>, kinds: readonly EngineKind[] = ALL) => {
    cases.push({ name, kinds, run });
  };
  return { cases, test };
}

export const eng = (ctx: EngineConformanceContext, options: Partial<ConformanceEngineOptions> = {}) =>
  ctx.engine({ secretKey: SECRET, logger: collectingLogger(), ...options });
/** The db engine (or cached_db, built on it), for the cases about the row. */
export const repo = (ctx: EngineConformanceContext, options: Partial<ConformanceEngineOptions> = {}) => eng(ctx, options) as DjangoSessionRepository;

/** What reached the store(s) behind the engine: the row and/or the cache entry. */
export async function assertStored(ctx: EngineConformanceContext, sessionKey: string, expected: boolean, what: string): Promise<void> {
  if (ctx.table) assert.equal((await ctx.table.getRow(sessionKey)) !== null, expected, `${what}: the row ${expected ? "is" : "is not"} in the table`);
  if (ctx.cache) assert.equal(await ctx.cache.has(sessionKey), expected, `${what}: the entry ${expected ? "is" : "is not"} in the cache`);
}
