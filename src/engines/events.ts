import type { DecodeFailureReason } from "../core/session-codec";

/**
 * What a repository reports, for metrics and logs. Payloads never hold session keys, data or
 * secrets. Only the handlers you pass are called; with none, nothing is computed (and the
 * `expired` / `missing` distinction, which costs one extra query, is only made when one of the
 * two has a handler).
 */
export interface SessionEvents {
  /** A session was read: from the database, or the cache (`cached_db`). */
  loaded(event: { source: "db" | "cache" }): void;
  /** No row has the key. */
  missing(event: Record<string, never>): void;
  /** A row has the key, but it has expired. */
  expired(event: Record<string, never>): void;
  /** The row's data did not decode; the session reads as empty. */
  invalid(event: { reason: DecodeFailureReason }): void;
  /** A new session was inserted (after `attempts` tries: more than 1 means key collisions). */
  created(event: { attempts: number }): void;
  /** A session was written. `merged`: it first lost a compare-and-swap and was merged. */
  saved(event: { merged: boolean }): void;
  /** A save lost the compare-and-swap race and re-applied its changes (`attempt`: 1, 2, …). */
  conflict(event: { attempt: number }): void;
  /** The row vanished before the save (a logout elsewhere): `UpdateError`. */
  interrupted(event: Record<string, never>): void;
  /** The data was signed with `secretKeyFallbacks[keyIndex - 1]`; `resigned` once rewritten with the current key. */
  fallbackSecret(event: { keyIndex: number; resigned: boolean }): void;
  /** A cache call failed (the request went on). */
  cacheError(event: { action: string; message: string }): void;
  /** `clearExpired()` finished. */
  cleared(event: { deleted: number }): void;
  /** Sliding expiry moved `expire_date` forward without rewriting the data. */
  touched(event: Record<string, never>): void;
}

export type SessionEventHandlers = Partial<SessionEvents>;
