import { ImproperlyConfigured } from "../../core/errors";
import { serializeSessionCookie, type SessionCookieSettings } from "../../core/session-cookie";
import { CSRF_SESSION_KEY, CSRF_TOKEN_LENGTH, csrfTokenFormatError, csrfTokenMatches, maskCsrfSecret, newCsrfSecret, unmaskCsrfToken } from "./csrf-token";

// Django's failure reasons (django/middleware/csrf.py), shown in its 403 page and logs.
const REASON_BAD_ORIGIN = (origin: string) => `Origin checking failed - ${origin} does not match any trusted origins.`;
const REASON_NO_REFERER = "Referer checking failed - no Referer.";
const REASON_BAD_REFERER = (referer: string) => `Referer checking failed - ${referer} does not match any trusted origins.`;
const REASON_NO_CSRF_COOKIE = "CSRF cookie not set.";
const REASON_CSRF_TOKEN_MISSING = "CSRF token missing.";
const REASON_MALFORMED_REFERER = "Referer checking failed - Referer is malformed.";
const REASON_INSECURE_REFERER = "Referer checking failed - Referer is insecure while host is secure.";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);

/** Django's CSRF settings, by their Django names. */
export interface CsrfOptions {
  /** `CSRF_TRUSTED_ORIGINS`: `https://app.example.com`, `https://*.example.com`. @default [] */
  trustedOrigins?: readonly string[];
  /** `CSRF_USE_SESSIONS`: the secret lives in the session (`_csrftoken`), not in a cookie. @default false */
  useSessions?: boolean;
  /** `CSRF_COOKIE_NAME`. @default "csrftoken" */
  cookieName?: string;
  /** `CSRF_COOKIE_AGE` in seconds. @default 31449600 (52 weeks) */
  cookieAge?: number;
  /** `CSRF_COOKIE_DOMAIN` (also the Referer's expected host when set). @default null */
  cookieDomain?: string | null;
  /** `CSRF_COOKIE_PATH`. @default "/" */
  cookiePath?: string;
  /** `CSRF_COOKIE_SECURE`. @default false */
  cookieSecure?: boolean;
  /** `CSRF_COOKIE_HTTPONLY`. @default false */
  cookieHttpOnly?: boolean;
  /** `CSRF_COOKIE_SAMESITE`. @default "Lax" */
  cookieSameSite?: SessionCookieSettings["sameSite"];
  /** `SESSION_COOKIE_DOMAIN`: the Referer's expected host with `useSessions`. @default null */
  sessionCookieDomain?: string | null;
  /** `CSRF_HEADER_NAME`, as an HTTP header name (Django's `HTTP_X_CSRFTOKEN`). @default "X-CSRFToken" */
  headerName?: string;
  /**
   * `ALLOWED_HOSTS`, for the host the Origin and Referer must match (`request.get_host()`).
   * `["*"]` accepts whatever Host the request has, which a browser sets to the site it talks to.
   * @default ["*"]
   */
  allowedHosts?: readonly string[];
}

/** What a request offers for the check: the values Django reads from `request`. */
export interface CsrfRequest {
  method: string;
  /** `request.is_secure()`: HTTPS (behind a proxy: as your `SECURE_PROXY_SSL_HEADER` says). */
  secure: boolean;
  /** The `Host` header (`request.get_host()`'s raw host, port included). */
  host: string | undefined;
  /** The port the server was reached on (`request.get_port()`), for the Referer check. @default from `host`, else 443/80 */
  port?: string;
  origin?: string;
  referer?: string;
  /** The `csrfmiddlewaretoken` field of a POST form, when the body was parsed. */
  formToken?: string;
  /** The value of the `headerName` header. */
  headerToken?: string;
  /** The CSRF cookie's value (`request.COOKIES[CSRF_COOKIE_NAME]`). */
  cookie?: string;
  /** With `useSessions`: the session's `_csrftoken`. */
  sessionSecret?: unknown;
}

export type CsrfResult = { ok: true } | { ok: false; reason: string };

/** `request.get_host()` checked against `ALLOWED_HOSTS` (`validate_host`): `null` when not allowed. */
function allowedHost(host: string | undefined, allowed: readonly string[]): string | null {
  if (!host) return null;
  const domain = host.toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
  const ok = allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    return p === "*" || (p.startsWith(".") && (domain.endsWith(p) || domain === p.slice(1))) || domain === p;
  });
  return domain && ok ? host : null;
}

/** `django.utils.http.is_same_domain(host, pattern)`. */
function isSameDomain(host: string, pattern: string): boolean {
  if (!pattern) return false;
  const p = pattern.toLowerCase();
  return (p.startsWith(".") && (host.endsWith(p) || host === p.slice(1))) || p === host;
}

/** `urlsplit(url)`'s scheme and netloc, or `null` where Python raises ValueError. */
function splitUrl(url: string): { scheme: string; netloc: string } | null {
  const [, scheme = "", rest = url] = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/.exec(url) ?? [];
  const [, netloc = ""] = rest.startsWith("//") ? (/^\/\/([^/?#]*)/.exec(rest) ?? []) : [];
  // urlsplit refuses an unbalanced IPv6 bracket.
  if (netloc.includes("[") !== netloc.includes("]")) return null;
  return { scheme: scheme.toLowerCase(), netloc };
}

/** "X-Csrftoken": Python's `str.title()` of a header name, as Django's message spells it. */
function titled(name: string): string {
  return name.toLowerCase().replace(/(^|[^a-z])([a-z])/g, (_, before: string, letter: string) => before + letter.toUpperCase());
}

/**
 * `CsrfViewMiddleware`, framework-neutral: `check()` is its `process_view` (safe methods pass; the
 * Origin against the host and `CSRF_TRUSTED_ORIGINS`; on HTTPS without Origin, the Referer; then
 * the form or header token, masked or not, against the secret of the cookie or the session),
 * answering Django's exact reason; `forRequest()` gives `get_token` and `rotate_token` and the
 * cookie (or session value) to send, as `process_response` does.
 */
export class DjangoCsrf {
  private readonly trustedOrigins: readonly string[];
  private readonly useSessions: boolean;
  private readonly cookie: SessionCookieSettings;
  private readonly cookieAge: number;
  private readonly cookieDomain: string | null;
  private readonly sessionCookieDomain: string | null;
  private readonly headerName: string;
  private readonly allowedHosts: readonly string[];

  constructor(options: CsrfOptions = {}) {
    const origins = options.trustedOrigins ?? [];
    for (const origin of origins) {
      // Django's check (4.0+): every entry must have a scheme.
      if (typeof origin !== "string" || !origin.includes("://")) {
        throw new ImproperlyConfigured(`DjangoCsrf: trustedOrigins entries must start with a scheme, e.g. "https://${String(origin)}" (CSRF_TRUSTED_ORIGINS, Django's 4_0.E001).`);
      }
    }
    this.trustedOrigins = origins;
    this.useSessions = options.useSessions ?? false;
    this.cookieAge = options.cookieAge ?? 31_449_600;
    this.cookieDomain = options.cookieDomain ?? null;
    this.sessionCookieDomain = options.sessionCookieDomain ?? null;
    this.headerName = options.headerName ?? "X-CSRFToken";
    this.allowedHosts = options.allowedHosts ?? ["*"];
    this.cookie = {
      name: options.cookieName ?? "csrftoken",
      domain: this.cookieDomain,
      path: options.cookiePath ?? "/",
      secure: options.cookieSecure ?? false,
      httpOnly: options.cookieHttpOnly ?? false,
      sameSite: options.cookieSameSite ?? "Lax",
    };
  }

  /** The cookie's name (`CSRF_COOKIE_NAME`) and the header to read the token from. */
  get names(): { cookie: string; header: string } {
    return { cookie: this.cookie.name, header: this.headerName };
  }

  /** `_get_secret`: the request's secret, `null` if none, or Django's reason for a malformed cookie. */
  private secretOf(request: Pick<CsrfRequest, "cookie" | "sessionSecret">): { secret: string | null } | { malformed: string } {
    let secret: string | null;
    if (this.useSessions) {
      secret = typeof request.sessionSecret === "string" ? request.sessionSecret : null;
    } else {
      secret = request.cookie ?? null;
      if (secret !== null) {
        const error = csrfTokenFormatError(secret);
        if (error) return { malformed: error };
      }
    }
    if (secret !== null && secret.length === CSRF_TOKEN_LENGTH) secret = unmaskCsrfToken(secret);
    return { secret };
  }

  private originVerified(request: CsrfRequest, origin: string): boolean {
    const host = allowedHost(request.host, this.allowedHosts);
    if (host !== null && origin === `${request.secure ? "https" : "http"}://${host}`) return true;
    if (this.trustedOrigins.some((trusted) => !trusted.includes("*") && trusted === origin)) return true;
    const parsed = splitUrl(origin);
    if (!parsed) return false;
    return this.trustedOrigins.some((trusted) => {
      if (!trusted.includes("*")) return false;
      const t = splitUrl(trusted);
      return t !== null && t.scheme === parsed.scheme && isSameDomain(parsed.netloc, t.netloc.replace(/^\*+/, ""));
    });
  }

  private refererReason(request: CsrfRequest): string | null {
    if (request.referer === undefined) return REASON_NO_REFERER;
    const referer = splitUrl(request.referer);
    if (!referer || referer.scheme === "" || referer.netloc === "") return REASON_MALFORMED_REFERER;
    if (referer.scheme !== "https") return REASON_INSECURE_REFERER;
    const trustedHosts = this.trustedOrigins.map((o) => (splitUrl(o)?.netloc ?? "").replace(/^\*+/, ""));
    if (trustedHosts.some((host) => isSameDomain(referer.netloc, host))) return null;
    let good = this.useSessions ? this.sessionCookieDomain : this.cookieDomain;
    if (good === null) {
      good = allowedHost(request.host, this.allowedHosts);
      if (good === null) return REASON_BAD_REFERER(request.referer);
    } else {
      const port = request.port ?? (/:(\d+)$/.exec(request.host ?? "")?.[1] ?? (request.secure ? "443" : "80"));
      if (port !== "443" && port !== "80") good = `${good}:${port}`;
    }
    return isSameDomain(referer.netloc, good) ? null : REASON_BAD_REFERER(request.referer);
  }

  /** `process_view`: whether Django's middleware would let this request through, and why not. */
  check(request: CsrfRequest): CsrfResult {
    if (SAFE_METHODS.has(request.method.toUpperCase())) return { ok: true };
    if (request.origin !== undefined) {
      if (!this.originVerified(request, request.origin)) return { ok: false, reason: REASON_BAD_ORIGIN(request.origin) };
    } else if (request.secure) {
      const reason = this.refererReason(request);
      if (reason) return { ok: false, reason };
    }
    const found = this.secretOf(request);
    if ("malformed" in found) return { ok: false, reason: `CSRF cookie ${found.malformed}.` };
    if (found.secret === null) return { ok: false, reason: REASON_NO_CSRF_COOKIE };
    let token = request.method.toUpperCase() === "POST" ? (request.formToken ?? "") : "";
    let source = "POST";
    if (token === "") {
      if (request.headerToken === undefined) return { ok: false, reason: REASON_CSRF_TOKEN_MISSING };
      token = request.headerToken;
      source = `the '${titled(this.headerName)}' HTTP header`;
    }
    const format = csrfTokenFormatError(token);
    if (format) return { ok: false, reason: `CSRF token from ${source} ${format}.` };
    if (!csrfTokenMatches(token, found.secret)) return { ok: false, reason: `CSRF token from ${source} incorrect.` };
    return { ok: true };
  }

  /** The request's token state: `getToken()`, `rotateToken()` and what to send back. */
  forRequest(request: Pick<CsrfRequest, "cookie" | "sessionSecret">): CsrfTokens {
    const found = this.secretOf(request);
    return new CsrfTokens("malformed" in found ? null : found.secret, "malformed" in found, this);
  }

  /** @internal The `Set-Cookie` for a secret (`process_response` → `_set_csrf_cookie`). */
  cookieHeader(secret: string): string {
    return serializeSessionCookie(this.cookie, secret, this.cookieAge, Date.now());
  }

  /** @internal */
  get sessionMode(): boolean {
    return this.useSessions;
  }
}

/** One request's CSRF secret, as `request.META["CSRF_COOKIE"]` holds it. */
export class CsrfTokens {
  private needsUpdate: boolean;

  /** @internal */
  constructor(
    private secret: string | null,
    malformed: boolean,
    private readonly csrf: DjangoCsrf,
  ) {
    // process_request: a malformed cookie is replaced by a new secret at once.
    this.needsUpdate = malformed;
    if (malformed) this.secret = newCsrfSecret();
  }

  /** `get_token(request)`: a fresh masked token for a form or the `X-CSRFToken` header; the secret is sent. */
  getToken(): string {
    if (this.secret === null) this.secret = newCsrfSecret();
    this.needsUpdate = true;
    return maskCsrfSecret(this.secret);
  }

  /** `rotate_token(request)`: a new secret (Django's `login()` does this), sent with the response. */
  rotateToken(): void {
    this.secret = newCsrfSecret();
    this.needsUpdate = true;
  }

  /**
   * `process_response`: with cookies, the `Set-Cookie` header to send (and `Vary: Cookie`); with
   * `useSessions`, the value to store as the session's `_csrftoken`. `null` when nothing changed.
   */
  commit(): { setCookie: string | null; sessionSecret: string | null } {
    if (!this.needsUpdate || this.secret === null) return { setCookie: null, sessionSecret: null };
    this.needsUpdate = false;
    return this.csrf.sessionMode ? { setCookie: null, sessionSecret: this.secret } : { setCookie: this.csrf.cookieHeader(this.secret), sessionSecret: null };
  }
}

export { CSRF_SESSION_KEY };
