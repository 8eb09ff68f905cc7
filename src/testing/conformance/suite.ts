import { databaseCases } from "./cases/database";
import { engineSpecificCases } from "./cases/engine-specific";
import { expiryAndDecodeCases } from "./cases/expiry-and-decode";
import { lifecycleCases } from "./cases/lifecycle";
import { mappingCases } from "./cases/mapping";
import { ourCases } from "./cases/ours";
import { ALL } from "./helpers";
import type { ConformanceCase, ConformanceContext, EngineConformanceContext, EngineKind } from "./types";

/**
 * Every case, in order: Django's `SessionTestsMixin`, its database tests, ours, then the
 * engine-specific ones. `kinds` says which engines each applies to.
 */
export const conformanceCases: readonly ConformanceCase[] = [
  ...mappingCases,
  ...lifecycleCases,
  ...expiryAndDecodeCases,
  ...databaseCases,
  ...ourCases,
  ...engineSpecificCases,
];

/** The minimal runner surface the suite needs (Jest, Vitest, Mocha and node:test all fit). */
export interface ConformanceRunner {
  describe(name: string, body: () => void): void;
  test(name: string, body: () => Promise<void>): void;
}

/**
 * Registers the suite for one engine with your runner, every case that applies to it:
 * `defineConformanceSuite("cache/redis", { describe, test }, "cache", () => context)`. `context`
 * is called before each case (truncate there if you like; cases do not depend on an empty store
 * unless they empty it themselves). The first form, `defineConformanceSuite(name, runner,
 * () => ({ repository, table }))`, runs the db engine's cases.
 */
export function defineConformanceSuite(name: string, runner: ConformanceRunner, context: () => ConformanceContext | Promise<ConformanceContext>): void;
export function defineConformanceSuite(
  name: string,
  runner: ConformanceRunner,
  kind: EngineKind,
  context: () => Omit<EngineConformanceContext, "kind"> | Promise<Omit<EngineConformanceContext, "kind">>,
): void;
export function defineConformanceSuite(
  name: string,
  runner: ConformanceRunner,
  kindOrContext: EngineKind | (() => ConformanceContext | Promise<ConformanceContext>),
  engineContext?: () => Omit<EngineConformanceContext, "kind"> | Promise<Omit<EngineConformanceContext, "kind">>,
): void {
  const kind: EngineKind = typeof kindOrContext === "string" ? kindOrContext : "db";
  if (!ALL.includes(kind)) throw new TypeError(`defineConformanceSuite: kind must be one of ${ALL.join(", ")} (got ${JSON.stringify(kind)}).`);
  const context = async (): Promise<EngineConformanceContext> => {
    if (typeof kindOrContext === "string") return { ...(await engineContext!()), kind };
    const legacy = await kindOrContext();
    return { kind, table: legacy.table, engine: (options) => legacy.repository(options) };
  };
  runner.describe(name, () => {
    for (const c of conformanceCases) {
      if (c.kinds.includes(kind)) runner.test(c.name, async () => c.run(await context()));
    }
  });
}
