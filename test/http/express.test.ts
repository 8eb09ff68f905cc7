import express5 from "express";
import express4 from "express4";
import type { Express, NextFunction, Request, Response } from "express";
import { STATUS_CODES } from "node:http";
import { Readable } from "node:stream";
import request from "supertest";
import { DjangoSessionRepository, SessionCodec, SqlRowAdapter, silentLogger, type DjangoSessionRepositoryOptions } from "../../src";
import { SESSION_INTERRUPTED_MESSAGE } from "../../src/low-level";
import { djangoSession, getSession, type DjangoSessionOptions } from "../../src/integrations/express";
import { openPostgres, openSqlite, type RawDatabase } from "../support/raw-tables";
import { DELETED_COOKIE, cookieAttributes, countingExecutor, recordingLogger, sessionCookie, setCookies } from "../support/http";

// The data type of req.session, declared once as an application would (module augmentation).
declare module "../../src/integrations/express" {
  interface DjangoSessionData {
    cart?: number[];
  }
}

const NOW = 1700000000_000;
const AGE = 1209600;
const SECRET = "express-secret";

/**
 * The cookie Django's SessionMiddleware sets for a saved session at NOW (spec §8): the key, then
 * `expires` (NOW + SESSION_COOKIE_AGE), HttpOnly, Max-Age, Path=/ and SameSite=Lax. Returns the key.
 */
function expectDjangoSessionCookie(headers: Record<string, unknown>): string {
  const header = sessionCookie(headers);
  expect(header).toMatch(/^sessionid=[a-z0-9]{32}; /);
  const key = header!.slice("sessionid=".length, header!.indexOf(";"));
  expect(cookieAttributes(header!)).toEqual({ "": `sessionid=${key}`, expires: "Tue, 28 Nov 2023 22:13:20 GMT", httponly: true, "max-age": String(AGE), path: "/", samesite: "Lax" });
  return key;
}

type Flavor = { name: string; express: typeof express5; open: () => Promise<RawDatabase> };
const flavors: Flavor[] = [
  { name: "Express 5 on SQLite", express: express5, open: () => openSqlite("http-express5") },
  { name: "Express 4 on SQLite", express: express4, open: () => openSqlite("http-express4") },
  { name: "Express 5 on PostgreSQL", express: express5, open: () => openPostgres("ds_http_express") },
];

describe.each(flavors)("$name", ({ express, open }) => {
  let db: RawDatabase;
  let executor: ReturnType<typeof countingExecutor>;
  let clock = NOW;
  beforeAll(async () => {
    db = await open();
    await db.recreate();
    executor = countingExecutor(db.executor);
  });
  afterAll(() => db.close());
  beforeEach(() => {
    clock = NOW;
    executor.statements.length = 0;
  });

  function repository(options: Partial<DjangoSessionRepositoryOptions> = {}) {
    return new DjangoSessionRepository({ secretKey: SECRET, adapter: new SqlRowAdapter(executor), logger: silentLogger, now: () => clock, ...options });
  }

  /** Express 4 does not catch a rejected handler: forward it to next(), as Express 4 apps do. */
  const route =
    (handler: (req: Request, res: Response) => Promise<unknown>) =>
    (req: Request, res: Response, next: NextFunction): void =>
      void handler(req, res).catch(next);

  /** An app with the routes the tests call; `options` go to djangoSession(). */
  function app(options: Partial<DjangoSessionOptions> = {}, repositoryOptions: Partial<DjangoSessionRepositoryOptions> = {}): Express {
    const a = express();
    a.use(djangoSession({ repository: repository(repositoryOptions), now: () => clock, ...options }));
    a.get("/set", route(async (req, res) => {
      await req.session.set("foo", req.query.value ?? "bar");
      res.send("set");
    }));
    a.get("/get", route(async (req, res) => {
      res.json({ foo: (await req.session.get("foo")) ?? null });
    }));
    a.get("/untouched", (_req, res) => {
      res.send("untouched");
    });
    // Which of the response's sending methods are the middleware's own (none: passed straight through).
    a.get("/wrapped", route(async (req, res) => {
      if (req.query.read) await req.session.get("foo");
      const wrapped = ["writeHead", "flushHeaders", "write", "end", "headersSent"].filter((name) => Object.prototype.hasOwnProperty.call(res, name));
      res.setHeader("Content-Type", "application/json");
      const writeReturned = res.write(" ");
      res.end(JSON.stringify({ wrapped, writeReturned }));
    }));
    a.get("/flush", route(async (req, res) => {
      await req.session.flush();
      res.send("flushed");
    }));
    a.get("/status/:code", route(async (req, res) => {
      await req.session.set("foo", "not saved");
      res.status(Number(req.params.code)).send("failed");
    }));
    a.get("/vary", route(async (req, res) => {
      res.set("Vary", "Accept-Encoding");
      await req.session.get("foo");
      res.send("vary");
    }));
    a.get("/other-cookies", route(async (req, res) => {
      res.cookie("csrftoken", "abc");
      res.append("Set-Cookie", "theme=dark; Path=/");
      await req.session.set("foo", "bar");
      res.send("cookies");
    }));
    a.get("/stream", route(async (req, res) => {
      await req.session.set("foo", "streamed");
      res.write("a");
      res.write("b");
      res.end("c");
    }));
    a.get("/pipe", route(async (req, res) => {
      await req.session.set("foo", "piped");
      res.setHeader("Content-Type", "text/plain");
      Readable.from(["x".repeat(100_000), "y".repeat(100_000), "z"]).pipe(res);
    }));
    a.get("/late-set", route(async (req, res) => {
      res.write("headers are out; ");
      await req.session.set("foo", "too late");
      res.end("set after the first write");
    }));
    a.get("/write-head", route(async (req, res) => {
      await req.session.set("foo", "bar");
      res.writeHead(201, { "Set-Cookie": "first=1", Vary: "Origin", "Content-Type": "text/plain" });
      res.end("created");
    }));
    a.get("/flush-headers", route(async (req, res) => {
      await req.session.set("foo", "flushed headers");
      res.flushHeaders();
      setTimeout(() => res.end("late body"), 5);
    }));
    a.get("/write-head-503", route(async (req, res) => {
      await req.session.set("foo", "not saved");
      res.writeHead(503, "Busy", ["Vary", "Accept", "Set-Cookie", "a=1", "Set-Cookie", "b=2"]);
      res.end();
    }));
    a.get("/interrupted", route(async (req, res) => {
      const key = req.session.sessionKey!;
      await req.session.set("foo", "after logout");
      await db.table.delete(key); // a logout in a concurrent request
      res.setHeader("X-Handler", "1");
      res.cookie("csrftoken", "abc");
      res.send("should not be seen");
    }));
    a.get("/throw", route(async (req, _res) => {
      await req.session.set("foo", "thrown");
      throw new Error("handler failed");
    }));
    a.get("/throw-sync", (req) => {
      void req.session.set("foo", "thrown");
      throw new Error("handler failed");
    });
    return a;
  }

  /** The row of `key`, its data decoded with the app's secret (signature checked). */
  async function storedSession(key: string) {
    const row = await db.table.getRow(key);
    expect(row).not.toBeNull();
    const decoded = new SessionCodec({ secretKey: SECRET, logger: silentLogger }).decodeDetailed(row!.sessionData);
    expect(decoded.ok).toBe(true);
    return { data: decoded.data, expireDate: row!.expireDate };
  }

  /** A saved session's key, made through the app itself. */
  async function login(a: Express, value = "bar"): Promise<string> {
    const res = await request(a).get(`/set?value=${value}`).expect(200);
    return /^sessionid=([^;]+)/.exec(sessionCookie(res.headers)!)![1];
  }

  test("a modified session is saved and its cookie set with Django's attributes", async () => {
    const res = await request(app()).get("/set").expect(200, "set");
    const cookie = cookieAttributes(sessionCookie(res.headers)!);
    const key = (cookie[""] as string).slice("sessionid=".length);
    expect(cookie).toEqual({ "": `sessionid=${key}`, expires: "Tue, 28 Nov 2023 22:13:20 GMT", httponly: true, "max-age": String(AGE), path: "/", samesite: "Lax" });
    expect(key).toMatch(/^[a-z0-9]{32}$/);
    expect(res.headers.vary).toBe("Cookie");
    expect(await db.table.getRow(key)).toMatchObject({ expireDate: new Date(NOW + AGE * 1000) });
    const again = await request(app()).get("/get").set("Cookie", `sessionid=${key}`).expect(200);
    expect(again.body).toEqual({ foo: "bar" });
    expect(sessionCookie(again.headers)).toBeUndefined(); // read, not modified: nothing to send
    expect(again.headers.vary).toBe("Cookie");
  });

  test("custom cookie settings reach the header (name, domain, path, Secure, Strict, no HttpOnly)", async () => {
    const a = app({ cookieName: "__Secure-sid", cookie: { domain: ".example.local", path: "/", secure: true, httpOnly: false, sameSite: "Strict" } });
    const res = await request(a).get("/set").expect(200);
    const cookie = cookieAttributes(sessionCookie(res.headers, "__Secure-sid")!);
    expect(cookie).toMatchObject({ domain: ".example.local", secure: true, samesite: "Strict" });
    expect(cookie.httponly).toBeUndefined();
  });

  test("flush() deletes the cookie with Django's exact attributes when the request sent one", async () => {
    const a = app();
    const key = await login(a);
    const res = await request(a).get("/flush").set("Cookie", `sessionid=${key}`).expect(200, "flushed");
    expect(cookieAttributes(sessionCookie(res.headers)!)).toEqual(DELETED_COOKIE);
    expect(res.headers.vary).toBe("Cookie");
    expect(await db.table.getRow(key)).toBeNull();
  });

  test("flush() without a cookie in the request sets no cookie", async () => {
    const res = await request(app()).get("/flush").expect(200);
    expect(sessionCookie(res.headers)).toBeUndefined();
    expect(res.headers.vary).toBe("Cookie");
  });

  test("a 7-character cookie is deleted even when the handler never touched the session, at no query", async () => {
    const res = await request(app()).get("/untouched").set("Cookie", "sessionid=1234567").expect(200, "untouched");
    expect(cookieAttributes(sessionCookie(res.headers)!)).toEqual(DELETED_COOKIE);
    expect(res.headers.vary).toBe("Cookie");
    expect(executor.statements).toEqual([]);
  });

  test("a request that never touches the session: no query, no Set-Cookie, no Vary", async () => {
    const a = app();
    const key = await login(a);
    executor.statements.length = 0;
    for (const cookie of [undefined, `sessionid=${key}`, "sessionid=abcdefghijklmnopqrstuvwxyz012345"]) {
      const req = request(a).get("/untouched");
      const res = await (cookie ? req.set("Cookie", cookie) : req).expect(200, "untouched");
      expect(res.headers["set-cookie"]).toBeUndefined();
      expect(res.headers.vary).toBeUndefined();
    }
    expect(executor.statements).toEqual([]);
  });

  test("a request that never reads req.session is not held: the response's own methods, write() returns true", async () => {
    const a = app();
    const key = await login(a);
    executor.statements.length = 0;
    for (const cookie of [undefined, `sessionid=${key}`]) {
      const req = request(a).get("/wrapped");
      const res = await (cookie ? req.set("Cookie", cookie) : req).expect(200);
      expect(JSON.parse(res.text)).toEqual({ wrapped: [], writeReturned: true });
      expect(res.headers["set-cookie"]).toBeUndefined();
      expect(res.headers.vary).toBeUndefined();
    }
    expect(executor.statements).toEqual([]);
  });

  test("a request that reads req.session is held from that read on, and behaves as before", async () => {
    const a = app();
    const key = await login(a, "held");
    executor.statements.length = 0;
    const res = await request(a).get("/wrapped?read=1").set("Cookie", `sessionid=${key}`).expect(200);
    // Held: the write is queued until the commit (false, 'drain' follows), the methods are wrapped.
    expect(JSON.parse(res.text)).toEqual({ wrapped: ["writeHead", "flushHeaders", "write", "end", "headersSent"], writeReturned: false });
    expect(res.headers.vary).toBe("Cookie");
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect(executor.statements).toHaveLength(1);
  });

  test("a cookie to delete or saveEveryRequest holds the response from the start, though the session is never read", async () => {
    const deleted = await request(app()).get("/wrapped").set("Cookie", "sessionid=1234567").expect(200);
    expect(JSON.parse(deleted.text)).toMatchObject({ wrapped: ["writeHead", "flushHeaders", "write", "end", "headersSent"] });
    expect(cookieAttributes(sessionCookie(deleted.headers)!)).toEqual(DELETED_COOKIE);
    const every = app({ saveEveryRequest: true });
    const key = await login(every);
    const saved = await request(every).get("/wrapped").set("Cookie", `sessionid=${key}`).expect(200);
    expect(sessionCookie(saved.headers)).toMatch(new RegExp(`^sessionid=${key};`));
    expect(saved.headers.vary).toBe("Cookie");
  });

  test("a replacement (400) drops headers the handler set before its first read of req.session, keeps the outer middleware's", async () => {
    const a = express();
    a.use((_req, res, next) => {
      res.setHeader("X-Outer", "1");
      next();
    });
    a.use(djangoSession({ repository: repository(), now: () => clock }));
    a.get("/late-read", route(async (req, res) => {
      res.setHeader("X-Handler", "before the session");
      const key = req.query.key as string;
      await req.session.set("foo", "after logout");
      await db.table.delete(key);
      res.send("should not be seen");
    }));
    const key = await login(app());
    const res = await request(a).get(`/late-read?key=${key}`).set("Cookie", `sessionid=${key}`).expect(400);
    expect(res.text).toBe(SESSION_INTERRUPTED_MESSAGE);
    expect(res.headers["x-outer"]).toBe("1");
    expect(res.headers["x-handler"]).toBeUndefined();
  });

  test("req.session can be replaced by assignment, and is an own enumerable property", async () => {
    const a = express();
    a.use(djangoSession({ repository: repository() }));
    a.use((req, _res, next) => {
      expect(Object.keys(req)).toContain("session");
      (req as unknown as { session: unknown }).session = "replaced";
      next();
    });
    a.get("/", (req, res) => res.json({ session: req.session as unknown }));
    await request(a).get("/").expect(200, { session: "replaced" });
  });

  test("reading costs one SELECT and no write", async () => {
    const a = app();
    const key = await login(a);
    executor.statements.length = 0;
    await request(a).get("/get").set("Cookie", `sessionid=${key}`).expect(200, { foo: "bar" });
    expect(executor.statements).toHaveLength(1);
    expect(executor.statements[0]).toMatch(/^SELECT/);
  });

  test("Vary: Cookie is merged with the handler's Vary", async () => {
    const res = await request(app()).get("/vary").expect(200);
    expect(res.headers.vary).toBe("Accept-Encoding, Cookie");
  });

  test.each([500, 503])("a %i response saves nothing and sets no cookie", async (status) => {
    const before = await db.table.count();
    const res = await request(app()).get(`/status/${status}`).expect(status);
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect(res.headers.vary).toBe("Cookie"); // accessed: Django still adds Vary
    expect(await db.table.count()).toBe(before);
  });

  test("a 4xx response still saves (only >= 500 skips the save, Django 4.2+)", async () => {
    const res = await request(app()).get("/status/404").expect(404);
    const key = expectDjangoSessionCookie(res.headers);
    expect(await storedSession(key)).toEqual({ data: { foo: "not saved" }, expireDate: new Date(NOW + AGE * 1000) });
  });

  test("the row deleted during the request: HTTP 400 with Django's message, never re-created", async () => {
    const a = app();
    const key = await login(a);
    const before = await db.table.count();
    const res = await request(a).get("/interrupted").set("Cookie", `sessionid=${key}`).expect(400);
    expect(res.text).toBe(SESSION_INTERRUPTED_MESSAGE);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    // Django replaces the response: the handler's headers and cookies are gone.
    expect(res.headers["x-handler"]).toBeUndefined();
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect(await db.table.getRow(key)).toBeNull();
    expect(await db.table.count()).toBe(before - 1);
  });

  test("saveEveryRequest re-saves an untouched session, slides its expiry and re-sends the cookie", async () => {
    const a = app({ saveEveryRequest: true });
    const key = await login(a);
    clock = NOW + 3600_000;
    const res = await request(a).get("/untouched").set("Cookie", `sessionid=${key}`).expect(200);
    expect(cookieAttributes(sessionCookie(res.headers)!)).toMatchObject({ "": `sessionid=${key}`, "max-age": String(AGE), expires: "Tue, 28 Nov 2023 23:13:20 GMT" });
    expect(res.headers.vary).toBe("Cookie");
    expect((await db.table.getRow(key))!.expireDate).toEqual(new Date(clock + AGE * 1000));
  });

  test("saveEveryRequest never creates a row for an empty session", async () => {
    const before = await db.table.count();
    const res = await request(app({ saveEveryRequest: true })).get("/untouched").expect(200);
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect(await db.table.count()).toBe(before);
  });

  test("expireAtBrowserClose (on the repository): a session cookie, no Max-Age and no expires", async () => {
    const res = await request(app({}, { expireAtBrowserClose: true })).get("/set").expect(200);
    const cookie = cookieAttributes(sessionCookie(res.headers)!);
    expect(cookie).toEqual({ "": cookie[""], httponly: true, path: "/", samesite: "Lax" });
  });

  test("the handler's other Set-Cookie headers are kept", async () => {
    const res = await request(app()).get("/other-cookies").expect(200);
    const cookies = setCookies(res.headers);
    expect(cookies).toHaveLength(3);
    expect(cookies[0]).toBe("csrftoken=abc; Path=/");
    expect(cookies[1]).toBe("theme=dark; Path=/");
    expect(cookies[2]).toBe(sessionCookie(res.headers));
    const key = expectDjangoSessionCookie(res.headers);
    expect((await storedSession(key)).data).toEqual({ foo: "bar" });
  });

  test("headers given to writeHead() are merged, not lost (status 201 from writeHead)", async () => {
    const res = await request(app()).get("/write-head").expect(201, "created");
    const cookies = setCookies(res.headers);
    expect(cookies).toHaveLength(2);
    expect(cookies[0]).toBe("first=1");
    expect(cookies[1]).toBe(sessionCookie(res.headers));
    expectDjangoSessionCookie(res.headers);
    expect(res.headers.vary).toBe("Origin, Cookie");
  });

  test("res.flushHeaders() is held like writeHead(): the cookie goes out with the headers", async () => {
    const res = await request(app()).get("/flush-headers").expect(200, "late body");
    const key = expectDjangoSessionCookie(res.headers);
    expect((await storedSession(key)).data).toEqual({ foo: "flushed headers" });
  });

  test("writeHead(503, reason, [headers]): its status decides the 5xx rule; its repeated headers are kept", async () => {
    const before = await db.table.count();
    const res = await request(app()).get("/write-head-503").expect(503);
    expect((res as unknown as { res: { statusMessage: string } }).res.statusMessage).toBe("Busy");
    expect(setCookies(res.headers)).toEqual(["a=1", "b=2"]);
    expect(res.headers.vary).toBe("Accept, Cookie");
    expect(await db.table.count()).toBe(before);
  });

  test("several sessionid cookies: the last one wins, as in Django", async () => {
    const a = app();
    const key = await login(a, "real");
    const last = await request(a).get("/get").set("Cookie", `sessionid=abcdefghijklmnopqrstuvwxyz012345; other=1; sessionid=${key}`).expect(200);
    expect(last.body).toEqual({ foo: "real" });
    const first = await request(a).get("/get").set("Cookie", `sessionid=${key}; sessionid=abcdefghijklmnopqrstuvwxyz012345`).expect(200);
    expect(first.body).toEqual({ foo: null });
    // The unknown last key loaded as empty, and Django deletes the cookie for it.
    expect(cookieAttributes(sessionCookie(first.headers)!)).toEqual(DELETED_COOKIE);
  });

  test("malformed and non-ASCII Cookie headers never give a 500", async () => {
    const a = app();
    const utf8AsLatin1 = (s: string) => Buffer.from(s, "utf8").toString("latin1");
    const headers = [
      ";;;",
      "=",
      "sessionid",
      'sessionid="unterminated',
      'sessionid="\\"quoted\\"12345678"',
      "sessionid=%ZZ%00%FF1234567",
      `sessionid=${"x".repeat(5000)}`,
      `sessionid=${utf8AsLatin1("ééééééééé")}`,
      `sessionid=${utf8AsLatin1("🍪🍪🍪🍪🍪🍪🍪🍪")}; a=${utf8AsLatin1("ü")}`,
      "sessionid=\u00ff\u00fe\u00fd\u00fc\u00fb\u00fa\u00f9\u00f8",
      "sessionid=abc def ghi jkl",
      "a=b=c; sessionid==; ==",
    ];
    const server = a.listen(0); // one server for the 48 requests
    try {
      for (const cookie of headers) {
        for (const path of ["/untouched", "/get", "/set", "/flush"]) {
          const res = await request(server).get(path).set("Cookie", cookie);
          expect([res.status, cookie, path]).toEqual([200, cookie, path]);
        }
      }
    } finally {
      server.close();
    }
  });

  test("a streamed response (res.write, then res.end) gets the cookie before its first byte", async () => {
    const a = app();
    const res = await request(a).get("/stream").expect(200, "abc");
    const key = /^sessionid=([^;]+)/.exec(sessionCookie(res.headers)!)![1];
    expect((await request(a).get("/get").set("Cookie", `sessionid=${key}`)).body).toEqual({ foo: "streamed" });
  });

  test("a piped stream waits for the save (backpressure) and arrives whole", async () => {
    const res = await request(app()).get("/pipe").expect(200);
    expect(res.text).toHaveLength(200_001);
    const key = expectDjangoSessionCookie(res.headers);
    expect(await storedSession(key)).toEqual({ data: { foo: "piped" }, expireDate: new Date(NOW + AGE * 1000) });
  });

  test("a change made after the first write is not saved: the headers were already committed", async () => {
    // Django decides in process_response, before a streamed body is produced; same here.
    const before = await db.table.count();
    const res = await request(app()).get("/late-set").expect(200, "headers are out; set after the first write");
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect(await db.table.count()).toBe(before);
  });

  test.each(["/throw", "/throw-sync"])("%s: Express's error handling answers 500 and nothing is saved", async (path) => {
    const before = await db.table.count();
    const res = await request(app()).get(path).expect(500);
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect(await db.table.count()).toBe(before);
  });

  test("a custom error handler with a 500 saves nothing either", async () => {
    const a = app();
    a.use((_error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ error: "custom" });
    });
    const before = await db.table.count();
    const res = await request(a).get("/throw").expect(500, { error: "custom" });
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect(await db.table.count()).toBe(before);
  });

  test("a database failure during the save: a 5xx, reported to the logger, and the handler's response dropped", async () => {
    const logger = recordingLogger();
    const a = express();
    a.use(djangoSession({ repository: repository(), logger }));
    a.get("/", route(async (req, res) => {
      await req.session.set("foo", "bar");
      await db.query("DROP TABLE django_session");
      res.send("should not be seen");
    }));
    try {
      const res = await request(a).get("/");
      // A 500 as in Django, or the storage error's own 5xx status (503: the database is unavailable).
      expect([500, 503]).toContain(res.status);
      expect(res.text).toBe(STATUS_CODES[res.status]);
      expect(res.headers["set-cookie"]).toBeUndefined();
      expect(logger.records).toEqual([expect.objectContaining({ level: "error", message: "the session could not be saved" })]);
      expect(JSON.stringify(logger.records)).not.toContain("bar");
    } finally {
      await db.recreate();
    }
  });

  test("getSession() gives a typed session; the middleware mounted twice opens one session", async () => {
    const a = express();
    const middleware = djangoSession({ repository: repository() });
    a.use(middleware, middleware);
    a.get("/typed", route(async (req, res) => {
      const session = getSession<{ count: number }>(req);
      await session.set("count", ((await session.get("count")) ?? 0) + 1);
      res.json({ count: await session.get("count") });
    }));
    const first = await request(a).get("/typed").expect(200, { count: 1 });
    expect(setCookies(first.headers).filter((c) => c.startsWith("sessionid="))).toHaveLength(1);
    const key = /^sessionid=([^;]+)/.exec(sessionCookie(first.headers)!)![1];
    await request(a).get("/typed").set("Cookie", `sessionid=${key}`).expect(200, { count: 2 });
  });

  test("req.session is typed by the declared DjangoSessionData", async () => {
    const a = express();
    a.use(djangoSession({ repository: repository() }));
    a.get("/cart", route(async (req, res) => {
      const cart: number[] = (await req.session.get("cart")) ?? [];
      await req.session.set("cart", [...cart, cart.length + 1]);
      // @ts-expect-error: cart holds numbers
      if (req.query.never) await req.session.set("cart", "not a list");
      res.json(await req.session.get("cart"));
    }));
    const first = await request(a).get("/cart").expect(200, [1]);
    const key = /^sessionid=([^;]+)/.exec(sessionCookie(first.headers)!)![1];
    await request(a).get("/cart").set("Cookie", `sessionid=${key}`).expect(200, [1, 2]);
  });

  test("getSession() without the middleware says how to mount it", async () => {
    const a = express();
    a.get("/", (req, res) => res.send(String(getSession(req))));
    a.use((error: Error, _req: Request, res: Response, _next: NextFunction) => res.status(500).send(error.message));
    const res = await request(a).get("/").expect(500);
    expect(res.text).toContain("mount djangoSession");
  });
});

test("options are validated when the middleware is created", () => {
  expect(() => djangoSession({ repository: undefined as never })).toThrow(/repository/);
  expect(() => djangoSession({ repository: { get: () => null as never }, cookie: { sameSite: "None" } })).toThrow(/secure: true/);
});
