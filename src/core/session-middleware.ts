import { ImproperlyConfigured, SessionInterrupted, UpdateError } from "./errors";
import type { Session } from "./session";
import { readSessionCookie, serializeSessionCookie, serializeSessionCookieDeletion, type SessionCookieSettings } from "./session-cookie";

/** Anything that hands out a lazy session for a cookie's key (`DjangoSessionRepository`). */
export interface SessionSource {
  get<T extends Record<string, unknown> = Record<string, unknown>>(sessionKey?: string | null): Session<T>;
}

/**
 * Options of every framework integration, named after Django's settings. The expiry settings
 * (`cookieAge`, `expireAtBrowserClose`) belong to the repository, whose sessions compute their
 * own `Max-Age`, so they are set there once.
 */
export interface SessionMiddlewareOptions {
  /** Where sessions come from: a `DjangoSessionRepository`. */
  repository: SessionSource;
  /** `SESSION_COOKIE_NAME`. @default "sessionid" */
  cookieName?: string;
  cookie?: {
    /** `SESSION_COOKIE_DOMAIN`, e.g. ".example.com" to share with subdomains. @default null (host-only) */
    domain?: string | null;
    /** `SESSION_COOKIE_PATH`. @default "/" */
    path?: string;
    /** `SESSION_COOKIE_SECURE`. @default false */
    secure?: boolean;
    /** `SESSION_COOKIE_HTTPONLY`. @default true */
    httpOnly?: boolean;
    /** `SESSION_COOKIE_SAMESITE`: "Lax", "Strict", "None", or false for no attribute. @default "Lax" */
    sameSite?: "Lax" | "Strict" | "None" | "lax" | "strict" | "none" | false | null;
  };
  /** `SESSION_SAVE_EVERY_REQUEST`: save (and slide the expiry) on every request. @default false */
  saveEveryRequest?: boolean;
  /** Clock in epoch milliseconds, for `expires`. @default Date.now */
  now?: () => number;
}

/** Options resolved and validated once, at start-up. */
export interface ResolvedSessionMiddlewareOptions {
  repository: SessionSource;
  cookie: SessionCookieSettings;
  saveEveryRequest: boolean;
  now: () => number;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Validates the options with messages that say how to fix them (Django's settings names in brackets). */
export function resolveSessionMiddlewareOptions(options: SessionMiddlewareOptions): ResolvedSessionMiddlewareOptions {
  if (!options || typeof options !== "object") {
    throw new ImproperlyConfigured("The session middleware needs options: { repository }.");
  }
  if (!options.repository || typeof options.repository.get !== "function") {
    throw new ImproperlyConfigured("The session middleware needs `repository`: a DjangoSessionRepository (new DjangoSessionRepository({ secretKey, adapter })).");
  }
  const name = options.cookieName ?? "sessionid";
  if (typeof name !== "string" || !TOKEN.test(name)) {
    throw new ImproperlyConfigured(`cookieName (SESSION_COOKIE_NAME) must be a cookie token such as "sessionid" (got ${JSON.stringify(name)}).`);
  }
  const c = options.cookie ?? {};
  const domain = c.domain ?? null;
  if (domain !== null && (typeof domain !== "string" || !/^\.?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(domain))) {
    throw new ImproperlyConfigured(`cookie.domain (SESSION_COOKIE_DOMAIN) must be a host name such as ".example.com", or null (got ${JSON.stringify(domain)}).`);
  }
  const path = c.path ?? "/";
  if (typeof path !== "string" || !path.startsWith("/") || /[;\x00-\x1f\x7f]/.test(path)) {
    throw new ImproperlyConfigured(`cookie.path (SESSION_COOKIE_PATH) must start with "/" and contain no ";" or control characters (got ${JSON.stringify(path)}).`);
  }
  const sameSite = c.sameSite === undefined ? "Lax" : c.sameSite === null ? false : c.sameSite;
  if (sameSite !== false && (typeof sameSite !== "string" || !["lax", "strict", "none"].includes(sameSite.toLowerCase()))) {
    // Django raises ValueError('samesite must be "lax", "none", or "strict".') at set_cookie time.
    throw new ImproperlyConfigured(`cookie.sameSite (SESSION_COOKIE_SAMESITE) must be "Lax", "Strict", "None" or false (got ${JSON.stringify(c.sameSite)}).`);
  }
  const secure = c.secure ?? false;
  if (sameSite !== false && sameSite.toLowerCase() === "none" && !secure) {
    // Django lets this through, and every current browser then drops the cookie.
    throw new ImproperlyConfigured('cookie.sameSite "None" needs cookie.secure: true (SESSION_COOKIE_SECURE = True); browsers reject SameSite=None cookies without Secure.');
  }
  for (const [key, value] of [["cookie.secure", c.secure], ["cookie.httpOnly", c.httpOnly], ["saveEveryRequest", options.saveEveryRequest]] as const) {
    if (value !== undefined && typeof value !== "boolean") throw new ImproperlyConfigured(`${key} must be true or false (got ${JSON.stringify(value)}).`);
  }
  return {
    repository: options.repository,
    cookie: { name, domain, path, secure, httpOnly: c.httpOnly ?? true, sameSite },
    saveEveryRequest: options.saveEveryRequest ?? false,
    now: options.now ?? Date.now,
  };
}

/** The session of one request, and whether its request carried the cookie. */
export interface RequestSession<T extends Record<string, unknown> = Record<string, unknown>> {
  session: Session<T>;
  /** `SESSION_COOKIE_NAME in request.COOKIES` (even with an empty value). */
  hadCookie: boolean;
}

/** What the integration must do to the response. */
export interface SessionCommit {
  /** A `Set-Cookie` header value to append, if any. */
  setCookie: string | null;
  /** Whether to add `Cookie` to `Vary` (see `addVaryCookie`). */
  varyCookie: boolean;
}

/**
 * Django's `SessionMiddleware`, framework-free: `open()` on the request, `commit()` before the
 * response is sent. Each framework integration is a thin wrapper around this one implementation.
 */
export class SessionMiddlewareCore {
  readonly options: ResolvedSessionMiddlewareOptions;

  constructor(options: SessionMiddlewareOptions) {
    this.options = resolveSessionMiddlewareOptions(options);
  }

  /** `process_request`: a lazy session for the request's cookie; nothing is read yet. */
  open<T extends Record<string, unknown> = Record<string, unknown>>(cookieHeader: string | string[] | undefined): RequestSession<T> {
    const key = readSessionCookie(cookieHeader, this.options.cookie.name);
    return { session: this.options.repository.get<T>(key), hadCookie: key !== undefined };
  }

  /**
   * Whether `commit()` may change the response even if the handler never uses the session: the
   * request sent a cookie that names no valid key (Django deletes it), or `saveEveryRequest`
   * re-saves the session the cookie names. Otherwise a session nobody uses commits to nothing,
   * and an integration may let the response pass straight through.
   */
  commitsUnused(request: RequestSession<any>): boolean {
    return request.hadCookie && (this.options.saveEveryRequest || request.session.isEmpty());
  }

  /**
   * Whether `commit()` would do nothing (no save, no `Set-Cookie`, no `Vary`), decided without
   * awaiting: the session was neither accessed, modified nor loaded, and `commitsUnused` is false.
   */
  idle(request: RequestSession<any>): boolean {
    const { session } = request;
    return !session.accessed && !session.modified && !session.loaded && !this.commitsUnused(request);
  }

  /**
   * `process_response` (Django 5.2): delete the cookie when a request that sent one ends with an
   * empty session; otherwise save and set the cookie when modified (or `saveEveryRequest`), but
   * never for a 5xx response; `Vary: Cookie` when the session was accessed or the cookie is set
   * or deleted. Throws `SessionInterrupted` (HTTP 400) when the session was deleted meanwhile.
   */
  async commit(request: RequestSession<any>, status: number): Promise<SessionCommit> {
    const { session, hadCookie } = request;
    const { cookie, saveEveryRequest, now } = this.options;
    const accessed = session.accessed;
    const modified = session.modified;
    const empty = session.isEmpty();
    if (hadCookie && empty) {
      return { setCookie: serializeSessionCookieDeletion(cookie), varyCookie: true };
    }
    let varyCookie = accessed;
    let setCookie: string | null = null;
    if (!modified && !saveEveryRequest && !empty && status < 500 && session.loaded && (await session.touch())) {
      // Sliding expiry moved the row's expire_date: move the cookie's along with it.
      const maxAge = session.getExpireAtBrowserClose() ? null : session.getExpiryAge();
      return { setCookie: serializeSessionCookie(cookie, session.sessionKey!, maxAge, now()), varyCookie: true };
    }
    if ((modified || saveEveryRequest) && !empty && status < 500) {
      // The expiry getters need the data (a session can be marked modified without a load).
      await session.load();
      const maxAge = session.getExpireAtBrowserClose() ? null : session.getExpiryAge();
      try {
        // SESSION_SAVE_EVERY_REQUEST writes unmodified sessions too; otherwise the services' rule.
        if (saveEveryRequest) await session.save();
        else await session.saveIfModified();
      } catch (error) {
        if (error instanceof UpdateError) throw new SessionInterrupted({ cause: error });
        throw error;
      }
      setCookie = serializeSessionCookie(cookie, session.sessionKey!, maxAge, now());
      varyCookie = true;
    }
    return { setCookie, varyCookie };
  }
}
