import { SESSION_KEY } from "../../auth/session-auth-hash";
import { toDjangoDateText, type DjangoTimeOptions } from "../../core/django-datetime";
import { ImproperlyConfigured } from "../../core/errors";
import type { SessionData } from "../../core/session-codec";
import type { DjangoSessionRepository } from "../../engines/db";
import { quoteIdent, type SqlExecutor } from "./sql-row-adapter";

/** Options of {@link listSessions} and {@link endSessions}. */
export interface UserSessionsOptions {
  /**
   * The engine the sessions live in (`DjangoSessionRepository`, or `CachedDbSessionRepository`,
   * whose cache entries are deleted too): its codec decodes each row, its `delete` ends one.
   */
  repository: DjangoSessionRepository;
  /** SQL over the same `django_session` (the executor its adapter runs on). */
  executor: SqlExecutor;
  /** The table. @default "django_session" */
  table?: string;
  /** Rows per query: the scan holds at most this many at once. @default 1000 */
  batchSize?: number;
  /** Django's `USE_TZ`/`TIME_ZONE`, for comparing `expire_date` on MySQL and SQLite. */
  time?: DjangoTimeOptions;
  /** The clock that decides which rows are still live. @default () => new Date() */
  now?: () => Date;
  /** Called after each batch with the live rows read so far (anyone's): a progress bar's value. */
  onScanned?: (rows: number) => void;
}

/** One live session of a user. */
export interface UserSession {
  sessionKey: string;
  data: SessionData;
}

function statement(options: UserSessionsOptions): { sql: string; batchSize: number } {
  const { executor } = options;
  if (!executor || typeof executor.query !== "function") throw new ImproperlyConfigured("listSessions/endSessions need the SqlExecutor over django_session (options.executor).");
  if (!options.repository || typeof options.repository.delete !== "function" || !options.repository.codec) {
    throw new ImproperlyConfigured("listSessions/endSessions need the session engine (options.repository: a DjangoSessionRepository or CachedDbSessionRepository).");
  }
  const table = options.table ?? "django_session";
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new ImproperlyConfigured(`batchSize must be a whole number of at least 1 (got ${String(batchSize)}).`);
  const q = quoteIdent(executor.dialect, table);
  const p = (n: number) => (executor.dialect === "postgres" ? `$${n}` : "?");
  // Keyset pagination on the primary key: each batch is one index range scan, however big the table.
  return { sql: `SELECT session_key, session_data FROM ${q} WHERE session_key > ${p(1)} AND expire_date > ${p(2)} ORDER BY session_key LIMIT ${batchSize}`, batchSize };
}

/**
 * The live sessions of one user (`_auth_user_id == String(userId)`): Django's table has no user
 * column, so the table is read in key order, `batchSize` rows at a time (never loaded whole), and
 * each row decoded once. Rows that do not decode (another secret, corrupted) belong to no one.
 */
export async function* listSessions(userId: string | number | bigint, options: UserSessionsOptions): AsyncGenerator<UserSession> {
  const { sql, batchSize } = statement(options);
  const { executor, repository } = options;
  const id = String(userId);
  const now = options.now?.() ?? new Date();
  const bound = executor.dialect === "postgres" ? now : toDjangoDateText(now, options.time);
  let after = "";
  let scanned = 0;
  for (;;) {
    const rows = await executor.query(sql, [after, bound]);
    scanned += rows.length;
    options.onScanned?.(scanned);
    for (const row of rows) {
      const key = String(row.session_key);
      const decoded = repository.codec.decodeDetailed(String(row.session_data));
      if (decoded.ok && String(decoded.data[SESSION_KEY]) === id) yield { sessionKey: key, data: decoded.data };
      after = key;
    }
    if (rows.length < batchSize) return;
  }
}

/**
 * Logs a user out everywhere (Django has no such call; sites loop over `Session.objects`): every
 * live session of `userId` but those in `except` (e.g. the current one) is deleted through the
 * engine — the row, and for cached_db its cache entry, so no process serves it again.
 * `onProgress(scanned sessions of the user so far)` after each deletion. Resolves how many ended.
 */
export async function endSessions(
  userId: string | number | bigint,
  options: UserSessionsOptions & { except?: readonly string[]; onProgress?: (ended: number) => void },
): Promise<number> {
  const keep = new Set(options.except ?? []);
  const doomed: string[] = [];
  // Collected first: deleting while the scan pages through the same key range is safe, but a
  // listing that is not disturbed by its own deletions is simpler to reason about.
  for await (const session of listSessions(userId, options)) if (!keep.has(session.sessionKey)) doomed.push(session.sessionKey);
  let ended = 0;
  for (const key of doomed) {
    await options.repository.delete(key);
    // Counted outside the call: `f?.(++n)` skips its arguments when there is no `f`.
    ended++;
    options.onProgress?.(ended);
  }
  return ended;
}
