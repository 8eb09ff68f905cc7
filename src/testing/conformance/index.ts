export { conformanceCases, defineConformanceSuite, type ConformanceRunner } from "./suite";
export type {
  ConformanceCase,
  ConformanceContext,
  ConformanceEngineOptions,
  EngineConformanceContext,
  EngineKind,
  RawSessionCache,
  RawSessionTable,
} from "./types";
