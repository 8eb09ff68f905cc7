import { MAX_COOKIE_BYTES, SessionCookieTooLarge } from "../core/errors";
import { platform } from "../core/platform";
import type { Session } from "../core/session";
import { SignedCookieCodec, type SessionData, type SignedCookieCodecOptions } from "../core/session-codec";
import { SessionEngine, type SessionEngineOptions } from "./base";

/** Options of `SignedCookieSessionStore`, named after Django's settings. */
export interface SignedCookieSessionStoreOptions extends SignedCookieCodecOptions, Omit<SessionEngineOptions, "generateKey" | "maxCreateAttempts"> {
  /** `SESSION_COOKIE_NAME`, counted in the 4 KB limit. @default "sessionid" */
  cookieName?: string;
}

/**
 * Django's `signed_cookies` engine (spec §7.5): the cookie value is the whole session, signed
 * with its own salt and checked against `cookieAge`. Hand it to a framework integration as the
 * `repository`. As in Django: a bad or expired cookie loads as an empty session marked modified,
 * so an accessed session is replaced by a fresh signed `{}`; `exists()` is always false; there is
 * no server-side revocation; custom `_session_expiry` is not enforced on read (ticket #19201).
 */
export class SignedCookieSessionStore extends SessionEngine {
  readonly codec: SignedCookieCodec;
  private readonly cookieName: string;

  constructor(options: SignedCookieSessionStoreOptions) {
    super(options, { engine: "SignedCookieSessionStore", maxCreateAttempts: 1 });
    this.codec = new SignedCookieCodec(options);
    this.cookieName = options.cookieName ?? "sessionid";
  }

  async load(session: Session<any>): Promise<SessionData | null> {
    const result = this.codec.decodeDetailed(session.sessionKey!);
    if (result.ok) return result.data;
    // Django: any failure calls create(), which only marks the session modified; the bad value
    // stays as the key, so the middleware answers with a fresh signed {} cookie.
    session.modified = true;
    return {};
  }

  // Django: the key is the data, made at save time; creating one only marks the session modified.
  override async create(session: Session<any>): Promise<void> {
    session.modified = true;
  }

  async save(session: Session<any>): Promise<void> {
    const value = this.codec.encode(await session.dataForSave(false));
    const bytes = platform.utf8Length(this.cookieName) + 1 + value.length;
    if (bytes > MAX_COOKIE_BYTES) throw new SessionCookieTooLarge(bytes);
    session.setSessionKeyForBackend(value);
    session.modified = true;
  }

  async exists(): Promise<boolean> {
    return false;
  }

  async delete(_sessionKey: string, session?: Session<any>): Promise<void> {
    // Django: the key becomes "" (so None), the data {} and the session modified.
    if (session) {
      session.clear();
      session.setSessionKeyForBackend(null);
    }
  }
}
