/**
 * `DjangoCsrf` against real Django's `CsrfViewMiddleware` (test/auth/django_csrf.py): the same
 * verdict and the same reason, word for word, for every case of Django 5.2's rules (safe methods,
 * Origin, Referer on HTTPS, cookie and session secrets, form and header tokens, masked or not);
 * tokens Django's `get_token` issued pass Node's check, and Node's pass Django's — on Django 5.2
 * and on 3.2 (whose cookie may hold a masked token).
 */
import { join } from "node:path";
import { DjangoCsrf, login, maskCsrfSecret, unmaskCsrfToken, type CsrfOptions, type CsrfRequest } from "../../src/auth";
import { ImproperlyConfigured } from "../../src/core/errors";
import type { DjangoVersion } from "../interop/django-bridge";
import { JsonLinesBridge } from "../support/json-lines-bridge";

interface Answer {
  ok?: boolean;
  reason?: string;
  token?: string;
  secret?: string;
}

const SECRET = "abcdefghijABCDEFGHIJ0123456789kl";
const OTHER = "zyxwvutsrqZYXWVUTSRQ9876543210mn";

interface Case {
  name: string;
  settings?: { trusted_origins?: string[]; use_sessions?: boolean; cookie_domain?: string };
  request: { method: string; secure?: boolean; host?: string; origin?: string; referer?: string; cookie?: string; form_token?: string; header_token?: string; session_secret?: string };
}

const https = { secure: true, host: "app.example.com" };
const CASES: Case[] = [
  { name: "GET passes without anything", request: { method: "GET", host: "app.example.com" } },
  { name: "OPTIONS passes", request: { method: "OPTIONS", host: "app.example.com" } },
  { name: "POST without a cookie", request: { method: "POST", host: "app.example.com", form_token: SECRET } },
  { name: "POST without a token", request: { method: "POST", host: "app.example.com", cookie: SECRET } },
  { name: "POST, form token = the secret (unmasked)", request: { method: "POST", host: "app.example.com", cookie: SECRET, form_token: SECRET } },
  { name: "POST, form token masked", request: { method: "POST", host: "app.example.com", cookie: SECRET, form_token: maskCsrfSecret(SECRET) } },
  { name: "POST, form token of another secret", request: { method: "POST", host: "app.example.com", cookie: SECRET, form_token: maskCsrfSecret(OTHER) } },
  { name: "POST, header token masked", request: { method: "POST", host: "app.example.com", cookie: SECRET, header_token: maskCsrfSecret(SECRET) } },
  { name: "PUT, header token wrong", request: { method: "PUT", host: "app.example.com", cookie: SECRET, header_token: OTHER } },
  { name: "DELETE, header token of bad length", request: { method: "DELETE", host: "app.example.com", cookie: SECRET, header_token: "short" } },
  { name: "POST, header token with bad characters", request: { method: "POST", host: "app.example.com", cookie: SECRET, header_token: `${SECRET.slice(0, 31)}!` } },
  { name: "POST, form token with bad length", request: { method: "POST", host: "app.example.com", cookie: SECRET, form_token: "x".repeat(40) } },
  { name: "POST, empty form token falls back to the header", request: { method: "POST", host: "app.example.com", cookie: SECRET, form_token: "", header_token: SECRET } },
  { name: "cookie of bad length", request: { method: "POST", host: "app.example.com", cookie: "abc", form_token: SECRET } },
  { name: "cookie with bad characters", request: { method: "POST", host: "app.example.com", cookie: `${SECRET.slice(0, 31)}-`, form_token: SECRET } },
  { name: "cookie masked (Django < 4.1 wrote those)", request: { method: "POST", host: "app.example.com", cookie: maskCsrfSecret(SECRET), form_token: maskCsrfSecret(SECRET) } },
  { name: "Origin of the host", request: { method: "POST", host: "app.example.com", origin: "http://app.example.com", cookie: SECRET, form_token: SECRET } },
  { name: "Origin https on http", request: { method: "POST", host: "app.example.com", origin: "https://app.example.com", cookie: SECRET, form_token: SECRET } },
  { name: "Origin of another site", request: { method: "POST", host: "app.example.com", origin: "https://evil.example", cookie: SECRET, form_token: SECRET } },
  { name: "Origin null", request: { method: "POST", host: "app.example.com", origin: "null", cookie: SECRET, form_token: SECRET } },
  { name: "Origin trusted exactly", settings: { trusted_origins: ["https://www.example.com"] }, request: { method: "POST", ...https, origin: "https://www.example.com", cookie: SECRET, form_token: SECRET } },
  { name: "Origin trusted by wildcard", settings: { trusted_origins: ["https://*.example.com"] }, request: { method: "POST", ...https, origin: "https://a.b.example.com", cookie: SECRET, form_token: SECRET } },
  { name: "wildcard but another scheme", settings: { trusted_origins: ["https://*.example.com"] }, request: { method: "POST", ...https, origin: "http://a.example.com", cookie: SECRET, form_token: SECRET } },
  { name: "HTTPS without Origin or Referer", request: { method: "POST", ...https, cookie: SECRET, form_token: SECRET } },
  { name: "HTTPS, Referer of the host", request: { method: "POST", ...https, referer: "https://app.example.com/form/", cookie: SECRET, form_token: SECRET } },
  { name: "HTTPS, Referer insecure", request: { method: "POST", ...https, referer: "http://app.example.com/form/", cookie: SECRET, form_token: SECRET } },
  { name: "HTTPS, Referer malformed", request: { method: "POST", ...https, referer: "/relative/path", cookie: SECRET, form_token: SECRET } },
  { name: "HTTPS, Referer of another site", request: { method: "POST", ...https, referer: "https://evil.example/x", cookie: SECRET, form_token: SECRET } },
  { name: "HTTPS, Referer of a trusted origin's host", settings: { trusted_origins: ["https://*.example.com"] }, request: { method: "POST", ...https, referer: "https://other.example.com/", cookie: SECRET, form_token: SECRET } },
  { name: "HTTPS, Referer under CSRF_COOKIE_DOMAIN", settings: { cookie_domain: ".example.com" }, request: { method: "POST", ...https, referer: "https://www.example.com/", cookie: SECRET, form_token: SECRET } },
  { name: "sessions: secret in _csrftoken", settings: { use_sessions: true }, request: { method: "POST", host: "app.example.com", session_secret: SECRET, form_token: maskCsrfSecret(SECRET) } },
  { name: "sessions: no _csrftoken", settings: { use_sessions: true }, request: { method: "POST", host: "app.example.com", cookie: SECRET, form_token: SECRET } },
  { name: "sessions: wrong token", settings: { use_sessions: true }, request: { method: "POST", host: "app.example.com", session_secret: SECRET, header_token: maskCsrfSecret(OTHER) } },
];

function nodeOptions(settings: Case["settings"] = {}): CsrfOptions {
  return { trustedOrigins: settings.trusted_origins ?? [], useSessions: settings.use_sessions ?? false, cookieDomain: settings.cookie_domain ?? null };
}
function nodeRequest(r: Case["request"]): CsrfRequest {
  return {
    method: r.method,
    secure: r.secure ?? false,
    host: r.host,
    ...(r.origin === undefined ? {} : { origin: r.origin }),
    ...(r.referer === undefined ? {} : { referer: r.referer }),
    ...(r.cookie === undefined ? {} : { cookie: r.cookie }),
    ...(r.form_token === undefined ? {} : { formToken: r.form_token }),
    ...(r.header_token === undefined ? {} : { headerToken: r.header_token }),
    ...(r.session_secret === undefined ? {} : { sessionSecret: r.session_secret }),
  };
}

describe("real Django 5.2's CsrfViewMiddleware", () => {
  let django: JsonLinesBridge<Answer>;
  beforeAll(() => {
    django = new JsonLinesBridge<Answer>("5.2", join(__dirname, "django_csrf.py"));
  });
  afterAll(() => django.close());

  test.each(CASES)("$name: the same verdict and reason", async ({ settings, request }) => {
    const expected = await django.request({ op: "check", settings: settings ?? {}, request });
    const node = new DjangoCsrf(nodeOptions(settings)).check(nodeRequest(request));
    expect(node).toEqual(expected.ok ? { ok: true } : { ok: false, reason: expected.reason });
  });

  test("every verdict above is not the same: the table covers passes and each kind of refusal", async () => {
    const reasons = new Set<string>();
    for (const { settings, request } of CASES) {
      const result = new DjangoCsrf(nodeOptions(settings)).check(nodeRequest(request));
      reasons.add(result.ok ? "ok" : result.reason.replace(/ - .*/, ""));
    }
    expect(reasons.size).toBeGreaterThanOrEqual(8);
  });
});

describe.each<DjangoVersion>(["5.2", "3.2"])("tokens across the stacks, Django %s", (version) => {
  let django: JsonLinesBridge<Answer>;
  beforeAll(() => {
    django = new JsonLinesBridge<Answer>(version, join(__dirname, "django_csrf.py"));
  });
  afterAll(() => django.close());
  const csrf = new DjangoCsrf();

  test("a token Django's get_token issued (and its cookie) passes Node's check; a forged one fails both", async () => {
    const { token, secret } = await django.request({ op: "token", request: { method: "GET", host: "app.example.com" } });
    expect(token).toHaveLength(64);
    const request = { method: "POST", secure: false, host: "app.example.com", cookie: secret!, formToken: token! };
    expect(csrf.check(request)).toEqual({ ok: true });
    expect(csrf.check({ ...request, formToken: maskCsrfSecret(OTHER) }).ok).toBe(false);
    const djangoForged = await django.request({ op: "check", request: { method: "POST", host: "app.example.com", cookie: secret, form_token: maskCsrfSecret(OTHER) } });
    expect(djangoForged.ok).toBeUndefined();
  });

  test("Node's getToken and its Set-Cookie pass Django's middleware, as form field and as header", async () => {
    const tokens = csrf.forRequest({});
    const token = tokens.getToken();
    const { setCookie } = tokens.commit();
    const cookie = /^csrftoken=([A-Za-z0-9]+);/.exec(setCookie!)![1]!;
    expect(setCookie).toMatch(/Max-Age=31449600/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(unmaskCsrfToken(token)).toBe(cookie);
    for (const where of ["form_token", "header_token"] as const) {
      const answer = await django.request({ op: "check", request: { method: "POST", host: "app.example.com", cookie, [where]: token } });
      expect([where, answer.ok]).toEqual([where, true]);
    }
  });

  test("rotateToken (Django's login does it) makes the old tokens fail on both stacks", async () => {
    const tokens = csrf.forRequest({});
    const old = tokens.getToken();
    const oldCookie = /^csrftoken=([A-Za-z0-9]+);/.exec(tokens.commit().setCookie!)![1]!;
    tokens.rotateToken();
    const newCookie = /^csrftoken=([A-Za-z0-9]+);/.exec(tokens.commit().setCookie!)![1]!;
    expect(newCookie).not.toBe(oldCookie);
    expect(csrf.check({ method: "POST", secure: false, host: "h", cookie: newCookie, formToken: old }).ok).toBe(false);
    const answer = await django.request({ op: "check", request: { method: "POST", host: "h", cookie: newCookie, form_token: old } });
    expect(answer.ok).toBeUndefined();
  });
});

describe("login() rotates the CSRF secret, as Django's does", () => {
  test("the token from before the login fails after it", async () => {
    const csrf = new DjangoCsrf();
    const tokens = csrf.forRequest({ cookie: SECRET });
    const before = tokens.getToken();
    const data = new Map<string, unknown>();
    const session = {
      get: async (k: string) => data.get(k),
      has: async (k: string) => data.has(k),
      set: async (k: string, v: unknown) => void data.set(k, v),
      flush: async () => data.clear(),
      cycleKey: async () => undefined,
    };
    await login(session, { id: 7, password: "pbkdf2_sha256$1000$salt$hash" }, { secretKey: "login-csrf-secret-key-0123456789abcdef", csrf: tokens });
    const cookie = /^csrftoken=([A-Za-z0-9]+);/.exec(tokens.commit().setCookie!)![1]!;
    expect(cookie).not.toBe(SECRET);
    expect(csrf.check({ method: "POST", secure: false, host: "h", cookie, formToken: before })).toEqual({ ok: false, reason: "CSRF token from POST incorrect." });
    expect(csrf.check({ method: "POST", secure: false, host: "h", cookie, formToken: tokens.getToken() })).toEqual({ ok: true });
  });
});

describe("CSRF_USE_SESSIONS and configuration", () => {
  test("with useSessions the secret goes to the session, not a cookie; a malformed cookie is replaced", () => {
    const csrf = new DjangoCsrf({ useSessions: true });
    const tokens = csrf.forRequest({ sessionSecret: SECRET });
    const token = tokens.getToken();
    expect(unmaskCsrfToken(token)).toBe(SECRET);
    expect(tokens.commit()).toEqual({ setCookie: null, sessionSecret: SECRET });
    const replaced = new DjangoCsrf().forRequest({ cookie: "not-a-token" }).commit();
    expect(replaced.setCookie).toMatch(/^csrftoken=[A-Za-z0-9]{32};/);
    expect(new DjangoCsrf().forRequest({ cookie: SECRET }).commit()).toEqual({ setCookie: null, sessionSecret: null });
  });

  test("trusted origins without a scheme are refused at construction, as Django's system check does", () => {
    expect(() => new DjangoCsrf({ trustedOrigins: ["example.com"] })).toThrow(ImproperlyConfigured);
    expect(() => new DjangoCsrf({ trustedOrigins: ["example.com"] })).toThrow(/https:\/\/example\.com/);
  });
});
