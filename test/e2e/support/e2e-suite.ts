/**
 * The end-to-end suite for one Django version: one real Django site (served by a child process)
 * and, for each framework integration, the Node app on the same PostgreSQL database.
 *
 * 1. One cookie jar, two servers: log in on Django → Node sees the user; Node increments a
 *    counter → Django sees it; Node logs out → Django sees anonymous; log in again on Django;
 *    Django changes the password → Node sees anonymous; Node logs in → Django sees the user.
 * 2. Headers: for the same settings, Django's and our `Set-Cookie` (attributes) and `Vary`.
 * 3. Messages and CSRF through the site's own views and forms: a form Django rendered posts to
 *    Node past Node's CSRF middleware, Node's message shows on Django after Node's redirect; a
 *    Node form's token passes Django's CsrfViewMiddleware, Django's message shows on Node;
 *    forged and missing tokens are refused by both; a user ended everywhere from Node
 *    (`endSessions`) is anonymous on Django.
 */
import { randomBytes } from "node:crypto";
import { CookieJar } from "./cookie-jar";
import { startDjangoSite, type DjangoSite, type DjangoVersion } from "./django-site";
import { expectSameSetCookie, observe, varyCookie, type Observation } from "./headers";
import { INTEGRATIONS } from "./integrations";
import { openPrisma, openTypeOrm, startNodeApp, type MountIntegration, type NodeApp, type NodeAppSettings, type NodeDatabase } from "./node-app";

/** One configuration, as Django settings and as our options. */
interface Profile {
  name: string;
  cookieName: string;
  /** Django settings applied to the request (serve.py's X-E2E-Settings). */
  django: Record<string, unknown>;
  node: NodeAppSettings;
}

const PROFILES: Profile[] = [
  { name: "Django's defaults", cookieName: "sessionid", django: {}, node: {} },
  {
    name: "expire at browser close",
    cookieName: "sessionid",
    django: { SESSION_EXPIRE_AT_BROWSER_CLOSE: true },
    node: { repository: { expireAtBrowserClose: true } },
  },
  {
    name: "custom domain, path, SameSite=Strict, Secure, cookie age",
    cookieName: "sessionid",
    django: {
      SESSION_COOKIE_DOMAIN: ".example.com",
      SESSION_COOKIE_PATH: "/app",
      SESSION_COOKIE_SAMESITE: "Strict",
      SESSION_COOKIE_SECURE: true,
      SESSION_COOKIE_AGE: 3600,
    },
    node: { middleware: { cookie: { domain: ".example.com", path: "/app", sameSite: "Strict", secure: true } }, repository: { cookieAge: 3600 } },
  },
  {
    name: "__Secure- cookie name, SameSite=None, Secure, not HttpOnly",
    cookieName: "__Secure-sid",
    django: { SESSION_COOKIE_NAME: "__Secure-sid", SESSION_COOKIE_SAMESITE: "None", SESSION_COOKIE_SECURE: true, SESSION_COOKIE_HTTPONLY: false },
    node: { middleware: { cookieName: "__Secure-sid", cookie: { sameSite: "None", secure: true, httpOnly: false } } },
  },
  {
    name: "save every request",
    cookieName: "sessionid",
    django: { SESSION_SAVE_EVERY_REQUEST: true },
    node: { middleware: { saveEveryRequest: true } },
  },
];

/** The requests compared on both servers, in order (later ones send the key the first one set). */
const CASES = ["set", "read", "untouched", "deleted", "unknown key", "short key"] as const;
type Case = (typeof CASES)[number];
type Observations = Record<Case, Observation>;

/** A well-formed session key that no table holds. */
const unknownKey = () => randomBytes(16).toString("hex");

interface Sender {
  (method: "GET" | "POST", path: string, cookie?: string): Promise<Response>;
}

async function observeAll(send: Sender, prefix: "/dj" | "/node", cookieName: string): Promise<Observations> {
  const c = (value: string) => `${cookieName}=${value}`;
  const set = await observe(await send("POST", `${prefix}/counter`), cookieName);
  if (!set.key) throw new Error(`no session cookie set by ${prefix}/counter: ${JSON.stringify(set.sessionCookies)} (status ${set.status})`);
  const read = await observe(await send("GET", `${prefix}/counter`, c(set.key)), cookieName);
  const untouched = await observe(await send("GET", `${prefix}/ping`, c(set.key)), cookieName);
  const deleted = await observe(await send("POST", `${prefix}/logout`, c(set.key)), cookieName);
  const unknown = await observe(await send("GET", `${prefix}/counter`, c(unknownKey())), cookieName);
  // Shorter than 8 characters: validation turns it into no key, the session is empty, and the
  // cookie was sent, so Django deletes it even though the view never touched the session.
  const short = await observe(await send("GET", `${prefix}/ping`, c("abc")), cookieName);
  return { set, read, untouched, deleted, "unknown key": unknown, "short key": short };
}

/**
 * Cookie headers a browser, a proxy or an attacker may send, with `A` and `B` the keys of two live
 * sessions (counter 1 and 2). Django's cookie parsing (spec §8: split on ";", first "=", strip,
 * unquote, last one wins) and key validation decide which session is read and whether the
 * cookie is deleted; ours must decide the same.
 */
const COOKIE_HEADERS: [label: string, header: (a: string, b: string) => string][] = [
  ["two session cookies: the last one wins", (a, b) => `sessionid=${a}; sessionid=${b}`],
  ["a quoted key", (a) => `sessionid="${a}"`],
  ["spaces around name and value", (a) => ` sessionid = ${a} `],
  ["empty value", () => "sessionid="],
  ["no value, no '='", () => "sessionid"],
  ["an unknown key of 8 characters", () => "sessionid=abcdefgh"],
  ["the key upper-cased", (a) => `sessionid=${a.toUpperCase()}`],
  ["a non-ASCII byte after the key", (a) => `sessionid=${a}é`],
  ["Python octal escapes in quotes", () => String.raw`sessionid="\377\376\375\374\373\372\371\370"`],
  ["a character outside the key alphabet", (a) => `sessionid=${a.slice(0, 31)}!`],
  ["41 characters (longer than the column)", () => `sessionid=${"a".repeat(41)}`],
  ["4000 characters", () => `sessionid=${"a".repeat(4000)}`],
  ["stray semicolons", (a) => `;;sessionid=${a};;`],
  ["a quoted ';' in another cookie before it", (a) => `foo="a;b"; sessionid=${a}`],
  ["comma-separated (not a separator)", (a) => `foo=1, sessionid=${a}`],
  ["an RFC 2109 $Version attribute", (a) => `$Version=1; sessionid=${a}`],
  ["SQL in the key", () => "sessionid=abcdefgh'; DROP TABLE django_session; --"],
  ["a tab inside the value", () => "sessionid=abc\tdefghij"],
  ["prototype names", () => "__proto__=1; constructor=2; sessionid=toString"],
];

/**
 * Known, intended divergences: Django 3.2 (and 4.2) add `Vary: Cookie` only when the session was
 * accessed or the cookie deleted, not when SESSION_SAVE_EVERY_REQUEST sets the cookie of an
 * untouched session; we follow 5.2, which adds it whenever it sets the cookie (spec §8 step 5).
 */
function expectedVaryDivergence(version: DjangoVersion, profile: Profile, kase: Case): boolean {
  return version === "3.2" && profile.django.SESSION_SAVE_EVERY_REQUEST === true && kase === "untouched";
}

export function describeDjangoE2E(version: DjangoVersion, database: string): void {
  const secretKey = `e2e-${version}-${randomBytes(12).toString("hex")}`;
  const integrations = Object.entries(INTEGRATIONS) as [string, { mount: MountIntegration; orm: "typeorm" | "prisma" }][];
  const password = (name: string, generation: number) => `pw-${name}-${generation}-${version}`;

  let site: DjangoSite;
  const djangoHeaders = new Map<string, Observations>();
  const djangoCookieHeaders = new Map<string, Observation>();
  /** Two live Django sessions (counter 1 and 2) for COOKIE_HEADERS. */
  let liveKeys: [string, string];
  const users = new Map<string, { id: number; username: string }>();

  /** A request to Django outside any jar, with a Cookie header and settings of our choosing. */
  const djangoSend = (settings: Record<string, unknown>): Sender => (method, path, cookie) => {
    const headers: Record<string, string> = {};
    if (cookie !== undefined) headers.cookie = cookie;
    if (Object.keys(settings).length) headers["x-e2e-settings"] = JSON.stringify(settings);
    return fetch(site.origin + path, { method, headers, redirect: "manual" });
  };

  beforeAll(async () => {
    site = await startDjangoSite(version, database, secretKey);
    for (const [name] of integrations) {
      const form = new URLSearchParams({ username: `${name}-user`, password: password(name, 1) });
      const response = await fetch(`${site.origin}/dj/users`, { method: "POST", body: form });
      if (response.status !== 200) throw new Error(`creating the user on Django: ${response.status} ${await response.text()}`);
      const created = (await response.json()) as { id: number; username: string };
      users.set(name, { id: created.id, username: created.username });
    }
    for (const profile of PROFILES) djangoHeaders.set(profile.name, await observeAll(djangoSend(profile.django), "/dj", profile.cookieName));
    const send = djangoSend({});
    const first = await observe(await send("POST", "/dj/counter"), "sessionid");
    const second = await observe(await send("POST", "/dj/counter"), "sessionid");
    await observe(await send("POST", "/dj/counter", `sessionid=${second.key}`), "sessionid");
    liveKeys = [first.key!, second.key!];
    for (const [label, header] of COOKIE_HEADERS) {
      djangoCookieHeaders.set(label, await observe(await send("GET", "/dj/counter", header(...liveKeys)), "sessionid"));
    }
  }, 120_000);

  afterAll(async () => {
    await site?.stop();
  });

  test(`the site runs real Django ${version}`, () => {
    expect(site.djangoVersion.startsWith(`${version}.`)).toBe(true);
  });

  describe.each(integrations)("%s", (name, { mount, orm }) => {
    let db: NodeDatabase;
    let app: NodeApp;

    beforeAll(async () => {
      if (!site) throw new Error("the Django site did not start");
      db = orm === "typeorm" ? await openTypeOrm(site.databaseUrl) : await openPrisma(site.databaseUrl);
      // Django's forms post here with Django's Origin, as a browser sends it.
      app = await startNodeApp(mount, version, secretKey, db, site.origin, { csrf: { trustedOrigins: [site.origin] } });
    }, 60_000);

    afterAll(async () => {
      await app?.close();
      await db?.close();
    });

    test(`one cookie jar across Django ${version} and ${name} (${orm}): login, counter, logout, password change`, async () => {
      const jar = new CookieJar();
      const user = users.get(name)!;
      const dj = site.origin;
      const node = app.origin;
      const form = (fields: Record<string, string>) => ({ method: "POST", body: new URLSearchParams(fields) });
      const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });
      const sessionid = () => jar.get("sessionid")?.value;

      // Log in on Django → Node sees the user.
      const djLogin = await json(await jar.fetch(`${dj}/dj/login`, form({ username: user.username, password: password(name, 1) })));
      expect(djLogin).toEqual({ status: 200, body: { ok: true, user } });
      const djangoKey = sessionid();
      expect(djangoKey).toMatch(/^[a-z0-9]{32}$/);
      const seen = await json(await jar.fetch(`${node}/node/whoami`));
      expect(seen.status).toBe(200);
      expect(seen.body.user).toEqual(user);
      expect(seen.body.reason).toBe("verified");
      expect(seen.body.session).toMatchObject({ _auth_user_id: String(user.id), _auth_user_backend: "django.contrib.auth.backends.ModelBackend" });

      // Node increments a counter → Django sees it, and still sees the user.
      expect(await json(await jar.fetch(`${node}/node/counter`, { method: "POST" }))).toEqual({ status: 200, body: { counter: 1 } });
      expect(await json(await jar.fetch(`${node}/node/counter`, { method: "POST" }))).toEqual({ status: 200, body: { counter: 2 } });
      expect(sessionid()).toBe(djangoKey); // saved under the same key
      expect(await json(await jar.fetch(`${dj}/dj/counter`))).toEqual({ status: 200, body: { counter: 2 } });
      const djAfterCounter = await json(await jar.fetch(`${dj}/dj/whoami`));
      expect(djAfterCounter.body.user).toEqual(user);
      expect(djAfterCounter.body.session.counter).toBe(2);

      // Node logs out → the cookie is deleted, the row is gone, Django sees an anonymous user.
      const nodeLogout = await jar.fetch(`${node}/node/logout`, { method: "POST" });
      expect(nodeLogout.status).toBe(200);
      expect(sessionid()).toBeUndefined();
      expect(await db.query("SELECT 1 FROM django_session WHERE session_key = $1", [djangoKey])).toEqual([]);
      const djAnonymous = await json(await jar.fetch(`${dj}/dj/whoami`));
      expect(djAnonymous.body.user).toBeNull();
      // Even replaying the old cookie by hand.
      const replay = await json(await fetch(`${dj}/dj/whoami`, { headers: { cookie: `sessionid=${djangoKey}` } }));
      expect(replay.body).toMatchObject({ user: null, session: {} });

      // Log in again on Django; Node agrees.
      expect((await json(await jar.fetch(`${dj}/dj/login`, form({ username: user.username, password: password(name, 1) })))).status).toBe(200);
      const secondKey = sessionid();
      expect(secondKey).toMatch(/^[a-z0-9]{32}$/);
      expect(secondKey).not.toBe(djangoKey);
      expect((await json(await jar.fetch(`${node}/node/whoami`))).body.user).toEqual(user);

      // Django changes the password (no update_session_auth_hash) → Node sees anonymous and
      // deletes the cookie: the stored hash no longer matches, so getUser flushed the session.
      expect(await json(await jar.fetch(`${dj}/dj/password`, form({ password: password(name, 2) })))).toEqual({ status: 200, body: { ok: true } });
      const stale = await json(await jar.fetch(`${node}/node/whoami`));
      expect(stale.body).toEqual({ user: null, reason: "hash-mismatch", session: {} });
      expect(sessionid()).toBeUndefined();
      expect(await db.query("SELECT 1 FROM django_session WHERE session_key = $1", [secondKey])).toEqual([]);

      // Node logs in (the old password no longer works) → Django sees the user.
      expect((await json(await jar.fetch(`${node}/node/login`, form({ username: user.username, password: password(name, 1) })))).status).toBe(401);
      expect(sessionid()).toBeUndefined();
      const nodeLogin = await json(await jar.fetch(`${node}/node/login`, form({ username: user.username, password: password(name, 2) })));
      expect(nodeLogin).toEqual({ status: 200, body: { ok: true, user, session: "cycled" } });
      const nodeKey = sessionid();
      expect(nodeKey).toMatch(/^[a-z0-9]{32}$/);
      const djSeesNodeLogin = await json(await jar.fetch(`${dj}/dj/whoami`));
      expect(djSeesNodeLogin.body.user).toEqual(user);
      expect(djSeesNodeLogin.body.session).toMatchObject({ _auth_user_id: String(user.id), _auth_user_backend: "django.contrib.auth.backends.ModelBackend" });
      expect(djSeesNodeLogin.body.session._auth_user_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(sessionid()).toBe(nodeKey); // Django neither cycled nor flushed it
      // And Django's session keeps working for Node: a counter written by Django, read by Node.
      expect((await json(await jar.fetch(`${dj}/dj/counter`, { method: "POST" }))).body).toEqual({ counter: 1 });
      expect((await json(await jar.fetch(`${node}/node/counter`))).body).toEqual({ counter: 1 });

      // An anonymous session Django started, logged into on Node: the key is cycled (no session
      // fixation) and the anonymous data survives, as with Django's own login.
      expect((await jar.fetch(`${node}/node/logout`, { method: "POST" })).status).toBe(200);
      expect(sessionid()).toBeUndefined();
      expect((await json(await jar.fetch(`${dj}/dj/counter`, { method: "POST" }))).body).toEqual({ counter: 1 });
      const anonymousKey = sessionid();
      expect(anonymousKey).toMatch(/^[a-z0-9]{32}$/);
      const onAnonymous = await json(await jar.fetch(`${node}/node/login`, form({ username: user.username, password: password(name, 2) })));
      expect(onAnonymous.body).toEqual({ ok: true, user, session: "cycled" });
      expect(sessionid()).toMatch(/^[a-z0-9]{32}$/);
      expect(sessionid()).not.toBe(anonymousKey);
      expect(await db.query("SELECT 1 FROM django_session WHERE session_key = $1", [anonymousKey])).toEqual([]);
      const djSeesBoth = await json(await jar.fetch(`${dj}/dj/whoami`));
      expect(djSeesBoth.body.user).toEqual(user);
      expect(djSeesBoth.body.session.counter).toBe(1);
    }, 60_000);

    test(`Django ${version} and ${name}: forms and messages both ways under CSRF, and a user ended everywhere from Node`, async () => {
      const jar = new CookieJar();
      const dj = site.origin;
      const node = app.origin;
      const tokenIn = (html: string) => /name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"/.exec(html)?.[1] ?? "";
      const post = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
        jar.fetch(url, { method: "POST", body: new URLSearchParams(fields), headers });
      const fromDjango = { origin: dj };

      // A page Django rendered ({% csrf_token %}) with a form posting to Node.
      const djangoPage = await jar.fetch(`${dj}/dj/form?action=${encodeURIComponent(`${node}/node/note`)}`);
      const djangoHtml = await djangoPage.text();
      expect(djangoHtml).toContain(`action="${node}/node/note"`);
      const djangoToken = tokenIn(djangoHtml);
      expect(djangoToken).toMatch(/^[A-Za-z0-9]{64}$/);
      // Django 3.2's cookie holds a masked token (64 characters), 4.1+ the secret (32).
      expect(jar.get("csrftoken")?.value).toMatch(version === "3.2" ? /^[A-Za-z0-9]{64}$/ : /^[A-Za-z0-9]{32}$/);

      // Node's middleware refuses a forged or missing token, with Django's reasons.
      const forged = `${djangoToken.slice(32)}${djangoToken.slice(0, 32)}`;
      const refusedForged = await post(`${node}/node/note`, { csrfmiddlewaretoken: forged, note: "forged" }, fromDjango);
      expect([refusedForged.status, await refusedForged.text()]).toEqual([403, "Forbidden (CSRF token from POST incorrect.)"]);
      const refusedMissing = await post(`${node}/node/note`, { note: "missing" }, fromDjango);
      expect([refusedMissing.status, await refusedMissing.text()]).toEqual([403, "Forbidden (CSRF token missing.)"]);

      // Django's token passes; Node adds a message and redirects to a Django page, which shows it.
      const posted = await post(`${node}/node/note`, { csrfmiddlewaretoken: djangoToken, note: "from the Django form" }, fromDjango);
      expect(posted.status).toBe(302);
      expect(posted.headers.get("location")).toBe(`${dj}/dj/messages`);
      const shown = await (await jar.fetch(`${dj}/dj/messages`)).text();
      expect(shown).toContain(`<li class="success">Saved on Node: from the Django form</li>`);
      // Iterating Django's storage consumed it.
      expect(await (await jar.fetch(`${dj}/dj/messages`)).text()).not.toContain("Saved on Node");

      // A form Node rendered with a Node-issued token passes Django's CsrfViewMiddleware; Django's
      // message, added in that view, shows on the Node page it redirects to.
      const nodeHtml = await (await jar.fetch(`${node}/node/form`)).text();
      const nodeToken = tokenIn(nodeHtml);
      const action = (/action="([^"]+)"/.exec(nodeHtml)?.[1] ?? "").replace(/&#38;/g, "&");
      expect(action).toBe(`${dj}/dj/submit?next=${encodeURIComponent(`${node}/node/messages`)}`);
      const refusedByDjango = await post(action, { csrfmiddlewaretoken: forged, note: "forged" });
      expect(refusedByDjango.status).toBe(403);
      expect((await post(action, { note: "missing" })).status).toBe(403);
      const submitted = await post(action, { csrfmiddlewaretoken: nodeToken, note: "from the Node form" });
      expect(submitted.status).toBe(302);
      expect(submitted.headers.get("location")).toBe(`${node}/node/messages`);
      const onNode = await (await jar.fetch(`${node}/node/messages`)).text();
      expect(onNode).toContain(`<li class="success">Saved on Django: from the Node form</li>`);
      expect(await (await jar.fetch(`${node}/node/messages`)).text()).not.toContain("Saved on Django");

      // A user logged in on Django in two browsers, ended everywhere from Node: anonymous on Django.
      const username = `${name}-ended-${version}`;
      const created = await post(`${dj}/dj/users`, { username, password: "pw-ended" });
      const { id } = (await created.json()) as { id: number };
      const browsers = [new CookieJar(), new CookieJar()];
      for (const browser of browsers) {
        const loggedIn = await browser.fetch(`${dj}/dj/login`, { method: "POST", body: new URLSearchParams({ username, password: "pw-ended" }) });
        expect(loggedIn.status).toBe(200);
      }
      for (const browser of browsers) expect(((await (await browser.fetch(`${dj}/dj/whoami`)).json()) as { user: unknown }).user).toEqual({ id, username });
      const ended = await post(`${node}/node/end-sessions`, { user_id: String(id) });
      expect(await ended.json()).toEqual({ ended: 2 });
      for (const browser of browsers) expect(((await (await browser.fetch(`${dj}/dj/whoami`)).json()) as { user: unknown }).user).toBeNull();
    }, 60_000);

    test.each(PROFILES.map((p) => [p.name, p] as const))("Set-Cookie and Vary as Django sends them: %s", async (_profileName, profile) => {
      const django = djangoHeaders.get(profile.name)!;
      const profileApp = await startNodeApp(mount, version, secretKey, db, site.origin, profile.node);
      let ours: Observations;
      try {
        const send: Sender = (method, path, cookie) =>
          fetch(profileApp.origin + path, { method, headers: cookie === undefined ? {} : { cookie }, redirect: "manual" });
        ours = await observeAll(send, "/node", profile.cookieName);
      } finally {
        await profileApp.close();
      }
      for (const kase of CASES) {
        const what = `${profile.name}: ${kase}`;
        expect({ what, status: ours[kase].status }).toEqual({ what, status: django[kase].status });
        expectSameSetCookie(django[kase], ours[kase], what);
        if (expectedVaryDivergence(version, profile, kase)) {
          expect({ what, django: varyCookie(django[kase]), ours: varyCookie(ours[kase]) }).toEqual({ what, django: false, ours: true });
        } else {
          expect({ what, varyCookie: varyCookie(ours[kase]) }).toEqual({ what, varyCookie: varyCookie(django[kase]) });
        }
      }
    }, 30_000);

    test("odd Cookie headers: the same session read, the same Set-Cookie and Vary as Django", async () => {
      for (const [label, header] of COOKIE_HEADERS) {
        const django = djangoCookieHeaders.get(label)!;
        const ours = await observe(await fetch(`${app.origin}/node/counter`, { headers: { cookie: header(...liveKeys) } }), "sessionid");
        expect({ label, status: ours.status, body: ours.body }).toEqual({ label, status: django.status, body: django.body });
        expectSameSetCookie(django, ours, label);
        expect({ label, varyCookie: varyCookie(ours) }).toEqual({ label, varyCookie: varyCookie(django) });
      }
    }, 30_000);
  });
}
