/**
 * Django's CsrfViewMiddleware behaviour over real HTTP (127.0.0.1) for every framework's CSRF
 * middleware, in front of the real session middleware on PostgreSQL and MariaDB: cookie and
 * `useSessions` secrets, form field and header tokens, Origin, the 403 reasons, exemption,
 * `get_token`'s cookie, rotation on login(), and tokens issued by real Django 5.2 and 3.2
 * (test/auth/django_csrf.py) both ways.
 */
import { join } from "node:path";
import { CachedDbSessionRepository, DjangoSessionRepository, SqlRowAdapter, silentLogger, type Session, type SessionCacheAdapter } from "../../src";
import { login, unmaskCsrfToken } from "../../src/auth";
import type { RequestCsrf } from "../../src/auth/csrf";
import type { SessionMiddlewareOptions } from "../../src/low-level";
import type { CsrfOptions } from "../../src/auth/csrf";
import type { Dialect } from "../support/databases";
import { JsonLinesBridge } from "../support/json-lines-bridge";
import { openDatabase, type RawDatabase } from "../support/raw-tables";

const SECRET_KEY = "csrf-middleware-secret-key-0123456789";
export const TRUSTED = "https://www.example.com";

/**
 * The routes every framework mounts (form bodies parsed, `POST /exempt` exempt from the check):
 *   GET  /plain   never calls get_token
 *   GET  /token   get_token: the body is the masked token
 *   POST /submit  "ok" (only reached past the check)
 *   POST /exempt  exempt; stores the form's `secret` as the session's `_csrftoken` when given
 *   POST /login   login() with { csrf }: the secret rotates; the body is a fresh token
 */
export type CsrfRoute = (session: Session, csrf: RequestCsrf, form: Record<string, string | undefined>) => Promise<string>;
export const CSRF_ROUTES: Record<string, CsrfRoute> = {
  "GET /plain": async () => "plain",
  "GET /token": async (_session, csrf) => csrf.getToken(),
  "POST /submit": async () => "ok",
  "POST /exempt": async (session, _csrf, form) => {
    if (form.secret) await session.set("_csrftoken", form.secret);
    return "exempt";
  },
  "POST /login": async (session, csrf) => {
    await login(session, { id: 7, password: "pbkdf2_sha256$1000$salt$hash" }, { secretKey: SECRET_KEY, csrf });
    return csrf.getToken();
  },
};

export interface CsrfApp {
  origin: string;
  close(): Promise<void>;
}
/** Serves CSRF_ROUTES behind the framework's session and CSRF middleware (exempt: POST /exempt). */
export type MountCsrf = (session: SessionMiddlewareOptions, csrf: CsrfOptions) => Promise<CsrfApp>;

interface Answer {
  status: number;
  body: string;
  setCookie: string[];
  vary: string | null;
}

interface Send {
  cookie?: string;
  form?: Record<string, string>;
  json?: object;
  headers?: Record<string, string>;
}

const csrfCookieOf = (answer: Answer) => answer.setCookie.filter((c) => c.startsWith("csrftoken="));
const valueOf = (setCookie: string) => /^[^=]+=([^;]*)/.exec(setCookie)?.[1] ?? "";
const sessionidOf = (answer: Answer) => valueOf(answer.setCookie.find((c) => c.startsWith("sessionid=")) ?? "");

/** Where the sessions live: Django's db engine on a database, or cached_db with a cache in front. */
export interface CsrfSessionSetup {
  dialect: Dialect;
  /** cached_db's cache (e.g. a RedisSessionCache); db engine without one. */
  cache?: () => SessionCacheAdapter;
}

export function describeCsrfMiddleware(framework: string, mount: MountCsrf, setups: CsrfSessionSetup[] = [{ dialect: "postgres" }, { dialect: "mysql" }]): void {
  const cases = setups.map((setup) => ({ ...setup, label: `${setup.cache ? "cached_db" : "db"} on ${setup.dialect}` }));
  describe.each(cases)(`${framework}: CSRF middleware, $label sessions`, ({ dialect, cache }) => {
    let db: RawDatabase;
    let cookieApp: CsrfApp;
    let sessionApp: CsrfApp;
    const django = new Map<string, JsonLinesBridge<{ ok?: boolean; reason?: string; token?: string; secret?: string }>>();

    beforeAll(async () => {
      db = await openDatabase(dialect, `ds_csrfmw_${framework}`);
      await db.recreate();
      const options = { secretKey: SECRET_KEY, adapter: new SqlRowAdapter(db.executor), logger: silentLogger };
      const repository = cache ? new CachedDbSessionRepository({ ...options, cache: cache() }) : new DjangoSessionRepository(options);
      cookieApp = await mount({ repository }, { trustedOrigins: [TRUSTED] });
      sessionApp = await mount({ repository }, { useSessions: true });
      for (const version of ["5.2", "3.2"] as const) django.set(version, new JsonLinesBridge(version, join(__dirname, "..", "auth", "django_csrf.py")));
    }, 60_000);
    afterAll(async () => {
      for (const bridge of django.values()) bridge.close();
      await cookieApp?.close();
      await sessionApp?.close();
      await db?.close();
    });

    async function send(app: CsrfApp, method: string, path: string, options: Send = {}): Promise<Answer> {
      const headers: Record<string, string> = { ...options.headers };
      if (options.cookie !== undefined) headers.cookie = options.cookie;
      let body: string | undefined;
      if (options.form) {
        headers["content-type"] = "application/x-www-form-urlencoded";
        body = new URLSearchParams(options.form).toString();
      } else if (options.json) {
        headers["content-type"] = "application/json";
        body = JSON.stringify(options.json);
      } else if (method !== "GET") {
        // An empty form post, as a browser sends one.
        headers["content-type"] = "application/x-www-form-urlencoded";
        body = "";
      }
      const response = await fetch(app.origin + path, { method, headers, body, redirect: "manual" });
      return { status: response.status, body: await response.text(), setCookie: response.headers.getSetCookie(), vary: response.headers.get("vary") };
    }

    /** A token and its cookie, as a browser gets them from a page with a form. */
    async function issued(): Promise<{ token: string; cookie: string }> {
      const page = await send(cookieApp, "GET", "/token");
      const [setCookie] = csrfCookieOf(page);
      return { token: page.body, cookie: `csrftoken=${valueOf(setCookie ?? "")}` };
    }

    test("get_token sets Django's cookie (52 weeks, Lax, not HttpOnly) and Vary: Cookie; a page without it sets none", async () => {
      const plain = await send(cookieApp, "GET", "/plain");
      expect([plain.status, plain.body, csrfCookieOf(plain)]).toEqual([200, "plain", []]);
      const page = await send(cookieApp, "GET", "/token");
      expect(page.status).toBe(200);
      const [setCookie, ...more] = csrfCookieOf(page);
      expect(more).toEqual([]);
      expect(setCookie).toMatch(/^csrftoken=[A-Za-z0-9]{32}; Max-Age=31449600; Path=\/; Expires=[^;]+; SameSite=Lax$/);
      expect(page.body).toMatch(/^[A-Za-z0-9]{64}$/);
      expect(unmaskCsrfToken(page.body)).toBe(valueOf(setCookie ?? ""));
      expect(page.vary).toMatch(/Cookie/);
      // A page that sends the cookie back and uses the token refreshes it with the same secret (Django 4.1+).
      const again = await send(cookieApp, "GET", "/token", { cookie: `csrftoken=${valueOf(setCookie ?? "")}` });
      expect(csrfCookieOf(again).map(valueOf)).toEqual([valueOf(setCookie ?? "")]);
      expect(again.body).not.toBe(page.body); // masked afresh
    });

    test("the token passes as the csrfmiddlewaretoken field and as the X-CSRFToken header; safe methods need none", async () => {
      const { token, cookie } = await issued();
      expect(await send(cookieApp, "POST", "/submit", { cookie, form: { csrfmiddlewaretoken: token } })).toMatchObject({ status: 200, body: "ok" });
      expect(await send(cookieApp, "POST", "/submit", { cookie, headers: { "x-csrftoken": token } })).toMatchObject({ status: 200, body: "ok" });
      expect(await send(cookieApp, "POST", "/submit", { cookie, form: { csrfmiddlewaretoken: unmaskCsrfToken(token) } })).toMatchObject({ status: 200 });
      expect((await send(cookieApp, "GET", "/plain")).status).toBe(200);
    });

    test("refusals answer 403 with Django's reason", async () => {
      const { token, cookie } = await issued();
      const other = (await issued()).token;
      const cases: [string, Send, string][] = [
        ["no cookie", { form: { csrfmiddlewaretoken: token } }, "CSRF cookie not set."],
        ["no token", { cookie }, "CSRF token missing."],
        ["a token of another secret", { cookie, form: { csrfmiddlewaretoken: other } }, "CSRF token from POST incorrect."],
        ["a wrong header", { cookie, headers: { "x-csrftoken": other } }, "CSRF token from the 'X-Csrftoken' HTTP header incorrect."],
        ["a short token", { cookie, form: { csrfmiddlewaretoken: "abc" } }, "CSRF token from POST has incorrect length."],
        ["a token in a JSON body (Django reads forms only)", { cookie, json: { csrfmiddlewaretoken: token } }, "CSRF token missing."],
        ["another site's Origin", { cookie, form: { csrfmiddlewaretoken: token }, headers: { origin: "https://evil.example" } }, "Origin checking failed - https://evil.example does not match any trusted origins."],
        ["Origin null", { cookie, form: { csrfmiddlewaretoken: token }, headers: { origin: "null" } }, "Origin checking failed - null does not match any trusted origins."],
      ];
      for (const [what, options, reason] of cases) {
        const answer = await send(cookieApp, "POST", "/submit", options);
        expect({ what, status: answer.status, body: answer.body }).toEqual({ what, status: 403, body: `Forbidden (${reason})` });
      }
    });

    test("an Origin of the host or of trustedOrigins (CSRF_TRUSTED_ORIGINS) passes", async () => {
      const { token, cookie } = await issued();
      for (const origin of [cookieApp.origin, TRUSTED]) {
        const answer = await send(cookieApp, "POST", "/submit", { cookie, form: { csrfmiddlewaretoken: token }, headers: { origin } });
        expect({ origin, status: answer.status }).toEqual({ origin, status: 200 });
      }
    });

    test("a malformed cookie is refused and replaced by a new secret, even on the 403", async () => {
      const answer = await send(cookieApp, "POST", "/submit", { cookie: "csrftoken=not-a-token", form: { csrfmiddlewaretoken: "x".repeat(32) } });
      expect([answer.status, answer.body]).toEqual([403, "Forbidden (CSRF cookie has incorrect length.)"]);
      expect(csrfCookieOf(answer).map(valueOf)).toEqual([expect.stringMatching(/^[A-Za-z0-9]{32}$/)]);
    });

    test("an exempt route (@csrf_exempt) is not checked", async () => {
      expect(await send(cookieApp, "POST", "/exempt")).toMatchObject({ status: 200, body: "exempt" });
    });

    test.each(["5.2", "3.2"])("tokens Django %s issued pass; Node's pass Django's middleware; forged ones fail both", async (version) => {
      const bridge = django.get(version)!;
      const { token, secret } = await bridge.request({ op: "token", request: { method: "GET", host: "127.0.0.1" } });
      const cookie = `csrftoken=${secret}`;
      expect(await send(cookieApp, "POST", "/submit", { cookie, form: { csrfmiddlewaretoken: token! } })).toMatchObject({ status: 200 });
      expect(await send(cookieApp, "POST", "/submit", { cookie, headers: { "x-csrftoken": token! } })).toMatchObject({ status: 200 });
      const ours = await issued();
      const forged = (await issued()).token;
      const host = new URL(cookieApp.origin).host;
      const accepted = await bridge.request({ op: "check", request: { method: "POST", host, cookie: valueOf(ours.cookie), form_token: ours.token } });
      expect(accepted.ok).toBe(true);
      const refused = await bridge.request({ op: "check", request: { method: "POST", host, cookie: valueOf(ours.cookie), form_token: forged } });
      // Django 3.2 gives one reason for both; 4.1+ says which.
      expect(refused.reason).toBe(version === "3.2" ? "CSRF token missing or incorrect." : "CSRF token from POST incorrect.");
      expect((await send(cookieApp, "POST", "/submit", { cookie: ours.cookie, form: { csrfmiddlewaretoken: forged } })).status).toBe(403);
    });

    test("login() with { csrf } rotates the secret: the old token stops working, the new one works", async () => {
      const { token, cookie } = await issued();
      const loggedIn = await send(cookieApp, "POST", "/login", { cookie, form: { csrfmiddlewaretoken: token } });
      expect(loggedIn.status).toBe(200);
      const [rotated, ...more] = csrfCookieOf(loggedIn);
      expect(more).toEqual([]);
      expect(valueOf(rotated ?? "")).not.toBe(valueOf(cookie));
      const newCookie = `csrftoken=${valueOf(rotated ?? "")}; sessionid=${sessionidOf(loggedIn)}`;
      expect((await send(cookieApp, "POST", "/submit", { cookie: newCookie, form: { csrfmiddlewaretoken: token } })).body).toBe("Forbidden (CSRF token from POST incorrect.)");
      expect((await send(cookieApp, "POST", "/submit", { cookie: newCookie, form: { csrfmiddlewaretoken: loggedIn.body } })).status).toBe(200);
    });

    test("useSessions (CSRF_USE_SESSIONS): the secret is the session's _csrftoken, no csrftoken cookie", async () => {
      const page = await send(sessionApp, "GET", "/token");
      expect(csrfCookieOf(page)).toEqual([]);
      const key = sessionidOf(page);
      expect(key).toMatch(/^[a-z0-9]{32}$/);
      const cookie = `sessionid=${key}`;
      expect(await send(sessionApp, "POST", "/submit", { cookie, form: { csrfmiddlewaretoken: page.body } })).toMatchObject({ status: 200, body: "ok" });
      expect((await send(sessionApp, "POST", "/submit", { cookie })).body).toBe("Forbidden (CSRF token missing.)");
      // A csrftoken cookie does not stand in for the session's secret.
      const withCookieOnly = await send(sessionApp, "POST", "/submit", { cookie: `csrftoken=${unmaskCsrfToken(page.body)}`, form: { csrfmiddlewaretoken: page.body } });
      expect(withCookieOnly.body).toBe("Forbidden (CSRF cookie not set.)");
      // The row holds the secret (read by a fresh request through the repository: same token works again).
      const again = await send(sessionApp, "GET", "/token", { cookie });
      expect(unmaskCsrfToken(again.body)).toBe(unmaskCsrfToken(page.body));
    });

    test.each(["5.2", "3.2"])("useSessions: a session holding the secret Django %s's get_token stored accepts Django's token", async (version) => {
      const bridge = django.get(version)!;
      const { token, secret } = await bridge.request({ op: "token", settings: { use_sessions: true }, request: { method: "GET", host: "127.0.0.1" } });
      const seeded = await send(sessionApp, "POST", "/exempt", { form: { secret: secret! } });
      const cookie = `sessionid=${sessionidOf(seeded)}`;
      expect(await send(sessionApp, "POST", "/submit", { cookie, form: { csrfmiddlewaretoken: token! } })).toMatchObject({ status: 200 });
      const forged = (await issued()).token;
      expect((await send(sessionApp, "POST", "/submit", { cookie, form: { csrfmiddlewaretoken: forged } })).status).toBe(403);
    });

    test("useSessions: login() rotates the session's secret", async () => {
      const page = await send(sessionApp, "GET", "/token");
      const loggedIn = await send(sessionApp, "POST", "/login", { cookie: `sessionid=${sessionidOf(page)}`, form: { csrfmiddlewaretoken: page.body } });
      expect(loggedIn.status).toBe(200);
      const cookie = `sessionid=${sessionidOf(loggedIn)}`;
      expect(unmaskCsrfToken(loggedIn.body)).not.toBe(unmaskCsrfToken(page.body));
      expect((await send(sessionApp, "POST", "/submit", { cookie, form: { csrfmiddlewaretoken: page.body } })).status).toBe(403);
      expect((await send(sessionApp, "POST", "/submit", { cookie, form: { csrfmiddlewaretoken: loggedIn.body } })).status).toBe(200);
    });
  });
}
