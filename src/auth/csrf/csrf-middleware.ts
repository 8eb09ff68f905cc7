import { ImproperlyConfigured } from "../../core/errors";
import { readSessionCookie } from "../../core/session-cookie";
import { CSRF_SESSION_KEY, DjangoCsrf, type CsrfOptions, type CsrfResult, type CsrfTokens } from "./csrf";

/** The part of a session the CSRF middleware uses with `useSessions`: this package's `Session`, or the same methods. */
export interface CsrfSession {
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<void>;
}

/** What every framework's CSRF middleware reads from its request before the view runs. */
export interface CsrfMiddlewareRequest {
  method: string;
  secure: boolean;
  host: string | undefined;
  origin: string | undefined;
  referer: string | undefined;
  /** The raw `Cookie` header. */
  cookieHeader: string | string[] | undefined;
  /** The request's session (required with `useSessions`). */
  session?: CsrfSession;
}

/** The tokens the request carries, read by the framework (`request.POST` and `request.META`). */
export interface CsrfSubmittedTokens {
  /** The form's `csrfmiddlewaretoken` (forms only: Django never reads it from a JSON body). */
  formToken?: string | undefined;
  /** The `CSRF_HEADER_NAME` header. */
  headerToken?: string | undefined;
}

/** The 403 body every integration answers with: the reason Django logs (`Forbidden (reason): path`). */
export function csrfFailureBody(reason: string): string {
  return `Forbidden (${reason})`;
}

/** Whether a request's body is one Django parses into `request.POST`. */
export function isFormContentType(contentType: string | undefined): boolean {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  return type === "application/x-www-form-urlencoded" || type === "multipart/form-data";
}

/**
 * One request's CSRF state behind the middleware: Django's `get_token(request)` and
 * `rotate_token(request)`, and the check of `process_view`. Pass it to `login(..., { csrf })` so
 * the secret is rotated on login, as Django's `login()` does.
 */
export class RequestCsrf {
  private cookie: string | null = null;
  private pending: Promise<void> = Promise.resolve();
  private stored: unknown;

  /** @internal */
  constructor(
    private readonly tokens: CsrfTokens,
    private readonly csrf: DjangoCsrf,
    private readonly request: CsrfMiddlewareRequest,
    private readonly sessionSecret: unknown,
    private readonly onCookie: ((setCookie: string) => void) | undefined,
  ) {
    this.stored = sessionSecret;
    // A malformed cookie was replaced by a new secret (process_request): it goes out even on a 403.
    this.flush();
  }

  /** `get_token(request)`: a fresh masked token for a form field or the `X-CSRFToken` header. */
  getToken(): string {
    const token = this.tokens.getToken();
    this.flush();
    return token;
  }

  /** `rotate_token(request)`: a new secret; tokens issued before stop working. */
  rotateToken(): void {
    this.tokens.rotateToken();
    this.flush();
  }

  /** `process_view`'s verdict for the tokens the request carries. */
  check(submitted: CsrfSubmittedTokens): CsrfResult {
    return this.csrf.check({
      method: this.request.method,
      secure: this.request.secure,
      host: this.request.host,
      ...(this.request.origin === undefined ? {} : { origin: this.request.origin }),
      ...(this.request.referer === undefined ? {} : { referer: this.request.referer }),
      ...(this.cookieValue === undefined ? {} : { cookie: this.cookieValue }),
      ...(submitted.formToken === undefined ? {} : { formToken: submitted.formToken }),
      ...(submitted.headerToken === undefined ? {} : { headerToken: submitted.headerToken }),
      sessionSecret: this.sessionSecret,
    });
  }

  /**
   * `process_response`: the `Set-Cookie` to send (the last secret), once the session write of
   * `useSessions` has landed. With cookies, add `Vary: Cookie` too, as Django does.
   */
  async response(): Promise<{ setCookie: string | null }> {
    await this.pending;
    return { setCookie: this.cookie };
  }

  private get cookieValue(): string | undefined {
    return this.csrf.sessionMode ? undefined : readSessionCookie(this.request.cookieHeader, this.csrf.names.cookie);
  }

  // Sent as soon as the secret changes (get_token and rotate_token are synchronous in Django, and
  // login() calls rotate_token without waiting). With useSessions the session write is
  // asynchronous: each integration waits for `response()` before the session middleware commits.
  private flush(): void {
    const { setCookie, sessionSecret } = this.tokens.commit();
    if (setCookie !== null) {
      this.cookie = setCookie;
      this.onCookie?.(setCookie);
    }
    const session = this.request.session;
    // _set_csrf_cookie: the session is written only when the secret differs from what it holds.
    if (sessionSecret !== null && session && sessionSecret !== this.stored) {
      this.stored = sessionSecret;
      this.pending = this.pending.then(() => session.set(CSRF_SESSION_KEY, sessionSecret));
    }
  }
}

/**
 * `CsrfViewMiddleware` for framework integrations: `open()` is `process_request` (the secret from
 * the `csrftoken` cookie or, with `useSessions`, the session's `_csrftoken`) and gives the
 * request's `RequestCsrf`, whose `check()` is `process_view` and `response()` `process_response`.
 * The options are validated here, once.
 */
export class CsrfMiddlewareCore {
  readonly csrf: DjangoCsrf;

  constructor(options: CsrfOptions = {}) {
    if (options === null || typeof options !== "object") {
      throw new ImproperlyConfigured("The CSRF middleware's options must be an object ({ trustedOrigins, useSessions, ... }, Django's CSRF_* settings).");
    }
    this.csrf = new DjangoCsrf(options);
  }

  /** The header the token may come in (`CSRF_HEADER_NAME`), lower-cased as Node keys headers. */
  get headerName(): string {
    return this.csrf.names.header.toLowerCase();
  }

  /** `process_request`. `onCookie` sees each `Set-Cookie` as soon as the secret changes. */
  async open(request: CsrfMiddlewareRequest, onCookie?: (setCookie: string) => void): Promise<RequestCsrf> {
    let sessionSecret: unknown;
    if (this.csrf.sessionMode) {
      if (!request.session) {
        throw new ImproperlyConfigured("The CSRF middleware has useSessions (CSRF_USE_SESSIONS) but the request has no session: mount the session middleware before it.");
      }
      sessionSecret = await request.session.get(CSRF_SESSION_KEY);
    }
    const cookie = this.csrf.sessionMode ? undefined : readSessionCookie(request.cookieHeader, this.csrf.names.cookie);
    const tokens = this.csrf.forRequest({ ...(cookie === undefined ? {} : { cookie }), sessionSecret });
    return new RequestCsrf(tokens, this.csrf, request, sessionSecret, onCookie);
  }
}
