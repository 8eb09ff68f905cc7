import { CreateError, ImproperlyConfigured, SessionCreateExhausted } from "../core/errors";
import { consoleLogger, type SessionLogger } from "../core/logger";
import { Session, type SessionBackend, type SessionSettings } from "../core/session";
import type { SessionData } from "../core/session-codec";
import { MAX_SESSION_KEY_LENGTH } from "../core/session-key";
import { positiveInteger, resolveEngineSettings, type DjangoSessionSettings } from "./settings";

/** What every engine takes besides the Django settings. */
export interface SessionEngineOptions extends DjangoSessionSettings {
  /** Where unreadable data and storage trouble are reported. @default consoleLogger */
  logger?: SessionLogger;
  /** Keys `create()` tries before `SessionCreateExhausted`. @default the engine's own (db 100, cache 10000 as Django) */
  maxCreateAttempts?: number;
}

// A key that cannot be stored (too long for varchar(40), or bytes some stores reject outright,
// like NUL on PostgreSQL) is answered without a query.
const PLAUSIBLE_KEY = /^[\x21-\x7e]+$/;

/**
 * What Django's `SessionBase` does for every engine: the settings, the lazy `Session` it hands
 * out, key generation with collision retry, and the rule that a key no store can hold costs no
 * round trip. Each engine adds `load`, `save`, `exists` and `delete`.
 */
export abstract class SessionEngine implements SessionBackend {
  protected readonly settings: SessionSettings;
  protected readonly generateKey: () => string;
  protected readonly now: () => number;
  protected readonly logger: SessionLogger;
  protected readonly maxCreateAttempts: number;

  protected constructor(options: SessionEngineOptions, defaults: { engine: string; maxCreateAttempts: number }) {
    if (!options || typeof options !== "object") throw new ImproperlyConfigured(`${defaults.engine} needs options; see its documentation.`);
    const resolved = resolveEngineSettings(options);
    this.settings = resolved.session;
    this.generateKey = resolved.generateKey;
    this.now = resolved.now;
    this.logger = options.logger ?? consoleLogger;
    this.maxCreateAttempts = positiveInteger("maxCreateAttempts", options.maxCreateAttempts, defaults.maxCreateAttempts);
  }

  /**
   * The session for a cookie's key (or `null` for a new one). Lazy: nothing is read until its
   * data is touched; an unknown, invalid or expired key loads as an empty session and never
   * creates anything.
   */
  get<T extends Record<string, unknown> = Record<string, unknown>>(sessionKey?: string | null): Session<T> {
    return new Session<T>(sessionKey, this, this.settings);
  }

  /** Whether any store could hold this key; when not, engines answer without a round trip. */
  protected plausible(key: string | null | undefined): key is string {
    return !!key && key.length <= MAX_SESSION_KEY_LENGTH && PLAUSIBLE_KEY.test(key);
  }

  /**
   * Django's `create()`: a fresh key saved with `mustCreate`, again on a collision (the store's
   * own insert-if-absent detects it, so no `exists()` round trip first).
   */
  async create(session: Session<any>): Promise<void> {
    for (let attempt = 1; attempt <= this.maxCreateAttempts; attempt++) {
      session.setSessionKeyForBackend(this.generateKey());
      try {
        await this.save(session, true);
        this.created(attempt);
        return;
      } catch (error) {
        if (error instanceof CreateError) continue;
        throw error;
      }
    }
    throw new SessionCreateExhausted(this.maxCreateAttempts, this.exhaustedMessage());
  }

  /** The message of `SessionCreateExhausted` (the cache engine uses Django's own). */
  protected exhaustedMessage(): string | undefined {
    return undefined;
  }

  /** After a successful create, with the number of keys it took. */
  protected created(_attempts: number): void {}

  abstract load(session: Session<any>): Promise<SessionData | null>;
  abstract save(session: Session<any>, mustCreate: boolean): Promise<void>;
  abstract exists(sessionKey: string): Promise<boolean>;
  abstract delete(sessionKey: string, session?: Session<any>): Promise<void>;

  /** Django's `clear_expired()`: engines whose store expires by itself have nothing to do. */
  async clearExpired(): Promise<number> {
    return 0;
  }
}
