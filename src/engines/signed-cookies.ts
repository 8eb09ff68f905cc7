import { integerExpiryOnly } from "../core/expiry";
import { DjangoSessionError } from "../core/errors";
import { Session, type SessionBackend, type SessionSettings } from "../core/session";
import { DEFAULT_COOKIE_AGE, SignedCookieCodec, type SessionData, type SignedCookieCodecOptions } from "../core/session-codec";

/**
 * Browsers drop a cookie whose name and value exceed 4096 bytes, silently: the user is then
 * logged out for no visible reason. Django does not check; we refuse to write such a cookie.
 */
export const MAX_COOKIE_BYTES = 4093;

/** The session no longer fits in a cookie (Django would send it and the browser would drop it). */
export class SessionCookieTooLarge extends DjangoSessionError {
  constructor(bytes: number) {
    super(
      "ERR_COOKIE_TOO_LARGE",
      `The signed session cookie would be ${bytes} bytes, over the ${MAX_COOKIE_BYTES} bytes browsers keep; store less in the session or use a database-backed store.`,
    );
  }
}

/** Options of `SignedCookieSessionStore`, named after Django's settings. */
export interface SignedCookieSessionStoreOptions extends SignedCookieCodecOptions {
  /** `SESSION_EXPIRE_AT_BROWSER_CLOSE`. @default false */
  expireAtBrowserClose?: boolean;
  /** `SESSION_COOKIE_NAME`, counted in the 4 KB limit. @default "sessionid" */
  cookieName?: string;
  /** Store custom expiry dates as integer seconds (Django 3.2 readers). @default "4.2" */
  oldestDjangoVersion?: "3.2" | "4.2" | "5.2";
}

/**
 * Django's `signed_cookies` engine (spec §7.5): the cookie value is the whole session, signed
 * with its own salt and checked against `cookieAge`. Hand it to a framework integration as the
 * `repository`. As in Django: a bad or expired cookie loads as an empty session marked modified,
 * so an accessed session is replaced by a fresh signed `{}`; `exists()` is always false; there is
 * no server-side revocation; custom `_session_expiry` is not enforced on read (ticket #19201).
 */
export class SignedCookieSessionStore implements SessionBackend {
  readonly codec: SignedCookieCodec;
  private readonly settings: SessionSettings;
  private readonly cookieName: string;

  constructor(options: SignedCookieSessionStoreOptions) {
    this.codec = new SignedCookieCodec(options);
    const integerExpiry = integerExpiryOnly(options.oldestDjangoVersion);
    this.cookieName = options.cookieName ?? "sessionid";
    this.settings = {
      cookieAge: options.cookieAge ?? DEFAULT_COOKIE_AGE,
      expireAtBrowserClose: options.expireAtBrowserClose ?? false,
      integerExpiryOnly: integerExpiry,
      now: options.now ?? Date.now,
    };
  }

  /** The session held by a cookie value (`null`/absent for a new one). Lazy, like Django's. */
  get<T extends Record<string, unknown> = Record<string, unknown>>(cookieValue?: string | null): Session<T> {
    return new Session<T>(cookieValue, this, this.settings);
  }

  async load(session: Session<any>): Promise<SessionData | null> {
    const result = this.codec.decodeDetailed(session.sessionKey!);
    if (result.ok) return result.data;
    // Django: any failure calls create(), which only marks the session modified; the bad value
    // stays as the key, so the middleware answers with a fresh signed {} cookie.
    session.modified = true;
    return {};
  }

  async create(session: Session<any>): Promise<void> {
    session.modified = true;
  }

  async save(session: Session<any>): Promise<void> {
    const value = this.codec.encode(await session.dataForSave(false));
    const bytes = Buffer.byteLength(this.cookieName) + 1 + value.length;
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
