import type { SessionLogger } from "../../core/logger";
import type { SessionEngine } from "../../engines/base";
import type { DjangoSessionRepository, DjangoSessionRepositoryOptions } from "../../engines/db";
import type { SessionRow } from "../../engines/row-adapter";

/**
 * The table as stored, read and written with SQL that does not go through the adapter under
 * test, so the suite checks what really reached the database.
 */
export interface RawSessionTable {
  getRow(sessionKey: string): Promise<{ sessionData: string; expireDate: Date } | null>;
  count(): Promise<number>;
  /** Inserts a row the way Django's `Session.objects.save` would. */
  insert(row: SessionRow): Promise<void>;
  delete(sessionKey: string): Promise<void>;
  /** Empties the table. */
  truncate(): Promise<void>;
}

/**
 * Which of Django's engines is under test. It decides the cases that apply, as Django's own test
 * classes do: `CookieSessionTests` drops what needs a server-side store, only engines with a
 * table run `DatabaseSessionTests`.
 */
export type EngineKind = "db" | "cached_db" | "cache" | "signed_cookies";

/** The options the suite makes each engine with: spread them into your engine's constructor. */
export interface ConformanceEngineOptions {
  secretKey: string;
  logger: SessionLogger;
  now?: () => number;
  cookieAge?: number;
  expireAtBrowserClose?: boolean;
  oldestDjangoVersion?: "3.2" | "4.2" | "5.2";
  generateKey?: () => string;
}

/** A cache as stored, read around the engine under test (for `cached_db` and `cache`). */
export interface RawSessionCache {
  /** Whether the engine's cache entry for this session key exists. */
  has(sessionKey: string): Promise<boolean>;
}

export interface EngineConformanceContext {
  kind: EngineKind;
  /** An engine over the store under test, made with the suite's options. */
  engine(options: ConformanceEngineOptions): SessionEngine;
  /** `db` and `cached_db`: the table as stored. */
  table?: RawSessionTable;
  /** `cached_db` and `cache`: the cache as stored. */
  cache?: RawSessionCache;
}

/** The db engine's context (the suite's first form, kept): a repository factory and its table. */
export interface ConformanceContext {
  /** A repository over the adapter under test; the suite passes `secretKey`, clocks, loggers. */
  repository(options: Omit<DjangoSessionRepositoryOptions, "adapter">): DjangoSessionRepository;
  table: RawSessionTable;
}

/** The context a case runs with: the engine's, with `table` present for the cases that need it. */
export interface CaseContext extends EngineConformanceContext {
  table: RawSessionTable;
}

export interface ConformanceCase {
  /** The Django test it ports (`tests/sessions_tests/tests.py`), or ours when prefixed `extra:`. */
  name: string;
  /** The engines it applies to. */
  kinds: readonly EngineKind[];
  run(context: EngineConformanceContext): Promise<void>;
}
