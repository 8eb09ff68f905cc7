import { cookieAttributes } from "../support/http";
import { DjangoSessionRepository, SqlRowAdapter, silentLogger, type Session } from "../../src";
import { SESSION_INTERRUPTED_MESSAGE } from "../../src/low-level";
import { type SessionMiddlewareOptions } from "../../src/low-level";
import type { SqlExecutor } from "../../src/adapters/sql/sql-row-adapter";
import type { Dialect } from "../support/databases";
import { openDatabase, type RawDatabase } from "../support/raw-tables";

/**
 * Django's SessionMiddleware behaviour (spec §8), checked over HTTP for every framework
 * integration: one list of scenarios, each framework supplies a way to mount routes and send
 * requests in-process. Routes are framework-neutral functions of the request's session.
 */

/** What a route answers; the integration's test file turns it into the framework's reply. */
export interface RouteReply {
  status?: number;
  body?: string;
  /** Extra headers, in order (several Set-Cookie allowed). */
  headers?: [string, string][];
}
export type Route = (session: Session, url: URL) => Promise<RouteReply | void>;
export type Routes = Record<string, Route>;

export interface HttpResult {
  status: number;
  body: string;
  setCookie: string[];
  vary: string | undefined;
  contentType: string | undefined;
}

export interface MountedApp {
  get(path: string, cookie?: string): Promise<HttpResult>;
  close(): Promise<void>;
}

/** Mounts the integration with these options and a catch-all GET route dispatching on `routes`. */
export type MountApp = (options: SessionMiddlewareOptions, routes: Routes) => Promise<MountedApp>;

export const NOW = 1700000000_000;

/** Attribute map of a Set-Cookie header (see test/support/http.ts). */
export const attrs = cookieAttributes;

export const sessionCookies = (result: HttpResult) => result.setCookie.filter((c) => c.startsWith("sessionid="));
export const sessionKeyOf = (result: HttpResult) => {
  const cookies = sessionCookies(result);
  expect(cookies).toHaveLength(1);
  return cookies[0].slice("sessionid=".length).split(";")[0];
};

/** Django's deletion header, as an attribute map (spec §8). */
export const DELETION = { "": 'sessionid=""', expires: "Thu, 01 Jan 1970 00:00:00 GMT", "max-age": "0", path: "/", samesite: "Lax" };

/** A raw SqlExecutor that counts the statements it runs. */
function counting(executor: SqlExecutor) {
  const counter = { queries: 0 };
  const wrapped: SqlExecutor = {
    dialect: executor.dialect,
    query: (sql, params) => (counter.queries++, executor.query(sql, params)),
    execute: (sql, params) => (counter.queries++, executor.execute(sql, params)),
    isUniqueViolation: (error) => executor.isUniqueViolation(error),
  };
  return { executor: wrapped, counter };
}

// Cookie headers a browser, a proxy or an attacker may send; none may turn into a 500.
export const MALFORMED_COOKIES = [
  "sessionid",
  "=sessionid",
  ";;;;",
  "sessionid==",
  'sessionid="unterminated',
  'sessionid="\\"',
  "sessionid=%zz%E0%A4%A",
  `sessionid=${"a".repeat(4000)}`,
  "sessionid=\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9", // Latin-1 bytes
  "sessionid=\u00c3\u00a9\u00c3\u00a9\u00c3\u00a9\u00c3\u00a9", // UTF-8 "éééé" read as Latin-1
  'sessionid="\\377\\376\\375\\374\\373\\372\\371\\370"', // Python octal escapes → non-ASCII
  "sessionid=abcdefgh'; DROP TABLE django_session; --",
  "sessionid=abc\tdefghij",
  "__proto__=1; constructor=2; sessionid=toString",
];

/**
 * Runs the scenarios for one framework on one database. `mount` builds the app; the repository
 * is real (Django's table, the raw driver through `SqlRowAdapter`), with a counting executor.
 */
export function describeSessionIntegration(framework: string, dialect: Dialect, mount: MountApp): void {
  describe(`${framework} on ${dialect}: Django's SessionMiddleware over HTTP`, () => {
    let db: RawDatabase;
    let counter: { queries: number };
    let clock = NOW;
    let repository: DjangoSessionRepository;
    let app: MountedApp;
    let everyRequest: MountedApp;
    let browserClose: MountedApp;

    const routes = (): Routes => ({
      "/noop": async () => {},
      "/read": async (session) => ({ body: JSON.stringify((await session.get("value")) ?? null) }),
      "/set": async (session, url) => {
        await session.set("value", url.searchParams.get("value") ?? "set");
      },
      "/mark": async (session) => {
        // Marked modified without any data access (Django: `request.session.modified = True`).
        session.markModified("value");
      },
      "/flush": async (session) => {
        await session.flush();
      },
      "/status": async (session, url) => {
        await session.set("value", "must not be saved");
        return { status: Number(url.searchParams.get("code")) };
      },
      "/throw": async (session) => {
        await session.set("value", "must not be saved");
        throw new Error("handler failed");
      },
      "/delete-row": async (session) => {
        await session.set("value", "too late");
        // Another request (a logout on the Django site) deletes the row meanwhile.
        await db.table.delete(session.sessionKey!);
      },
      "/headers": async (session) => {
        await session.set("value", "with headers");
        return { headers: [["Set-Cookie", "csrftoken=abc; Path=/"], ["Set-Cookie", "theme=dark; Path=/"], ["Vary", "Accept-Encoding"]] };
      },
      "/vary-read": async (session) => {
        await session.get("value");
        return { headers: [["Vary", "Accept-Encoding"]] };
      },
      "/vary-star": async (session) => {
        await session.get("value");
        return { headers: [["Vary", "*"]] };
      },
    });

    /** A stored session with value `value`, created through the app; returns its key. */
    async function createSession(value: string): Promise<string> {
      const result = await app.get(`/set?value=${value}`);
      expect(result.status).toBe(200);
      return sessionKeyOf(result);
    }

    async function storedValue(key: string): Promise<unknown> {
      const row = await db.table.getRow(key);
      return row === null ? null : repository.codec.decode(row.sessionData).value;
    }

    beforeAll(async () => {
      db = await openDatabase(dialect, `ds_http_${framework}`);
      await db.recreate();
      const wrapped = counting(db.executor);
      counter = wrapped.counter;
      const adapter = new SqlRowAdapter(wrapped.executor);
      const repositoryOptions = { secretKey: "http-integration-secret", adapter, logger: silentLogger, now: () => clock };
      repository = new DjangoSessionRepository(repositoryOptions);
      app = await mount({ repository, now: () => clock }, routes());
      everyRequest = await mount({ repository, now: () => clock, saveEveryRequest: true }, routes());
      browserClose = await mount({ repository: new DjangoSessionRepository({ ...repositoryOptions, expireAtBrowserClose: true }), now: () => clock }, routes());
    });
    afterAll(async () => {
      await Promise.all([app, everyRequest, browserClose].filter(Boolean).map((a) => a.close()));
      await db?.close();
    });
    beforeEach(() => {
      clock = NOW;
      counter.queries = 0;
    });

    test("a modified session is saved and its cookie set with Django's attributes, with Vary: Cookie", async () => {
      const result = await app.get("/set?value=hello");
      expect(result.status).toBe(200);
      const key = sessionKeyOf(result);
      expect(attrs(sessionCookies(result)[0])).toEqual({
        "": `sessionid=${key}`,
        expires: "Tue, 28 Nov 2023 22:13:20 GMT",
        httponly: true,
        "max-age": "1209600",
        path: "/",
        samesite: "Lax",
      });
      expect(result.vary).toBe("Cookie");
      expect(await storedValue(key)).toBe("hello");
      // And the next request reads it back through the cookie, without setting it again.
      const again = await app.get("/read", `sessionid=${key}`);
      expect(again.body).toBe('"hello"');
      expect(again.setCookie).toEqual([]);
      expect(again.vary).toBe("Cookie");
    });

    test("flush() on a request that sent the cookie deletes it with Django's exact attributes, and the row", async () => {
      const key = await createSession("logged-in");
      const result = await app.get("/flush", `sessionid=${key}`);
      expect(result.status).toBe(200);
      expect(sessionCookies(result).map(attrs)).toEqual([DELETION]);
      expect(result.vary).toBe("Cookie");
      expect(await db.table.getRow(key)).toBeNull();
    });

    test("flush() without a cookie sets nothing but Vary (test_flush_empty_without_session_cookie_doesnt_set_cookie)", async () => {
      const result = await app.get("/flush");
      expect(result.setCookie).toEqual([]);
      expect(result.vary).toBe("Cookie");
    });

    test("a 7-character cookie is deleted even though the handler never touched the session, with no query", async () => {
      const result = await app.get("/noop", "sessionid=1234567");
      expect(result.status).toBe(200);
      expect(sessionCookies(result).map(attrs)).toEqual([DELETION]);
      expect(result.vary).toBe("Cookie");
      expect(counter.queries).toBe(0);
    });

    test("a handler that does not touch the session costs no query and sets neither Set-Cookie nor Vary", async () => {
      const key = await createSession("untouched");
      counter.queries = 0;
      for (const cookie of [undefined, `sessionid=${key}`, "sessionid=unknownkeyunknownkey12345678"]) {
        const result = await app.get("/noop", cookie);
        expect(result.status).toBe(200);
        expect(result.setCookie).toEqual([]);
        expect(result.vary).toBeUndefined();
      }
      expect(counter.queries).toBe(0);
    });

    test("a session marked modified without any data access is still loaded, saved and its cookie sent", async () => {
      const key = await createSession("marked");
      counter.queries = 0;
      clock = NOW + 60_000;
      const result = await app.get("/mark", `sessionid=${key}`);
      expect(result.status).toBe(200);
      expect(sessionKeyOf(result)).toBe(key);
      expect(result.vary).toBe("Cookie");
      expect(await storedValue(key)).toBe("marked");
      expect((await db.table.getRow(key))!.expireDate.getTime()).toBe(NOW + 60_000 + 1209600_000);
      expect(counter.queries).toBe(2); // the load, then the save
    });

    test("reading the session adds Cookie to an existing Vary, without setting a cookie", async () => {
      const key = await createSession("vary");
      const result = await app.get("/vary-read", `sessionid=${key}`);
      expect(result.vary).toBe("Accept-Encoding, Cookie");
      expect(result.setCookie).toEqual([]);
      expect((await app.get("/vary-star", `sessionid=${key}`)).vary).toBe("*");
    });

    test.each([500, 503])("a %i response saves nothing and sets no cookie (test_session_save_on_5xx)", async (code) => {
      const before = await db.table.count();
      const fresh = await app.get(`/status?code=${code}`);
      expect(fresh.status).toBe(code);
      expect(fresh.setCookie).toEqual([]);
      expect(await db.table.count()).toBe(before);
      const key = await createSession("kept");
      const existing = await app.get(`/status?code=${code}`, `sessionid=${key}`);
      expect(existing.status).toBe(code);
      expect(existing.setCookie).toEqual([]);
      expect(await storedValue(key)).toBe("kept");
    });

    test("a 4xx response still saves, as Django does below 500", async () => {
      const result = await app.get("/status?code=404");
      expect(result.status).toBe(404);
      expect(await storedValue(sessionKeyOf(result))).toBe("must not be saved");
    });

    test("a handler that throws saves nothing", async () => {
      const before = await db.table.count();
      const fresh = await app.get("/throw");
      expect(fresh.status).toBe(500);
      expect(fresh.setCookie).toEqual([]);
      expect(await db.table.count()).toBe(before);
      const key = await createSession("kept");
      const existing = await app.get("/throw", `sessionid=${key}`);
      expect(existing.status).toBe(500);
      expect(existing.setCookie).toEqual([]);
      expect(await storedValue(key)).toBe("kept");
    });

    test("a session deleted during the request gives 400 with Django's message, no cookie, and no resurrected row", async () => {
      const key = await createSession("about to be deleted");
      const result = await app.get("/delete-row", `sessionid=${key}`);
      expect(result.status).toBe(400);
      expect(result.body).toBe(SESSION_INTERRUPTED_MESSAGE);
      expect(result.contentType).toMatch(/^text\/plain/);
      expect(sessionCookies(result)).toEqual([]);
      expect(await db.table.getRow(key)).toBeNull();
    });

    test("saveEveryRequest re-saves an untouched session, slides its expiry and re-sends the cookie", async () => {
      const key = await createSession("sliding");
      clock = NOW + 3600_000;
      const result = await everyRequest.get("/noop", `sessionid=${key}`);
      expect(sessionKeyOf(result)).toBe(key);
      expect(attrs(sessionCookies(result)[0])).toMatchObject({ expires: "Tue, 28 Nov 2023 23:13:20 GMT", "max-age": "1209600" });
      expect(result.vary).toBe("Cookie");
      expect((await db.table.getRow(key))!.expireDate.getTime()).toBe(NOW + 3600_000 + 1209600_000);
    });

    test("expireAtBrowserClose (set on the repository) sends a session cookie: no Max-Age, no expires", async () => {
      const result = await browserClose.get("/set?value=short-lived");
      const key = sessionKeyOf(result);
      expect(attrs(sessionCookies(result)[0])).toEqual({ "": `sessionid=${key}`, httponly: true, path: "/", samesite: "Lax" });
    });

    test("the handler's own Set-Cookie headers are kept and its Vary is merged", async () => {
      const result = await app.get("/headers");
      expect(result.setCookie).toEqual(expect.arrayContaining(["csrftoken=abc; Path=/", "theme=dark; Path=/"]));
      expect(result.setCookie).toHaveLength(3);
      expect(await storedValue(sessionKeyOf(result))).toBe("with headers");
      expect(result.vary).toBe("Accept-Encoding, Cookie");
    });

    test("several sessionid cookies: the last one wins, as in Django's parse_cookie", async () => {
      const first = await createSession("first");
      const last = await createSession("last");
      expect((await app.get("/read", `sessionid=${first}; other=1; sessionid=${last}`)).body).toBe('"last"');
      expect((await app.get("/read", `sessionid=${last}; sessionid=${first}`)).body).toBe('"first"');
    });

    test.each(MALFORMED_COOKIES.map((c) => [c.length > 60 ? `${c.slice(0, 57)}...` : c, c]))("malformed Cookie %j is never a 500", async (_, cookie) => {
      const read = await app.get("/read", cookie);
      expect(read.status).toBe(200);
      expect(read.body).toBe("null");
      const write = await app.get("/set?value=fresh", cookie);
      expect(write.status).toBe(200);
      const key = sessionKeyOf(write);
      expect(cookie).not.toContain(key);
      expect(await storedValue(key)).toBe("fresh");
    });
  });
}
