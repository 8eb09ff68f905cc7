import "reflect-metadata";
import { Controller, Get, Header, HttpException, Module, Param, Post, StreamableFile, type INestApplication } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import { ExpressAdapter } from "@nestjs/platform-express";
import { FastifyAdapter } from "@nestjs/platform-fastify";
import { Readable } from "node:stream";
import request from "supertest";
import { DjangoSessionRepository, ImproperlyConfigured, SessionCodec, SqlRowAdapter, silentLogger, type Session } from "../../src";
import { SESSION_INTERRUPTED_MESSAGE } from "../../src/low-level";
import { login } from "../../src/auth";
import { CurrentUser, DjangoSession, DjangoSessionModule, getCurrentUser, type DjangoSessionModuleOptions } from "../../src/integrations/nestjs";
import { openSqlite, type RawDatabase } from "../support/raw-tables";
import { DELETED_COOKIE, cookieAttributes, countingExecutor, sessionCookie, setCookies } from "../support/http";
import { getSessionAuthHash } from "../../src/auth";

const NOW = 1700000000_000;
const AGE = 1209600;
const SECRET = "nest-secret";

interface User {
  id: number;
  password: string;
  username: string;
}
const users = new Map<string, User>();

let db: RawDatabase;
let executor: ReturnType<typeof countingExecutor>;
beforeAll(async () => {
  db = await openSqlite("http-nestjs");
  await db.recreate();
  executor = countingExecutor(db.executor);
});
afterAll(() => db.close());
beforeEach(() => {
  executor.statements.length = 0;
  users.clear();
  users.set("1", { id: 1, password: "pbkdf2_sha256$600000$salt$hash-one", username: "ada" });
});

const repository = (options: { expireAtBrowserClose?: boolean } = {}) =>
  new DjangoSessionRepository({ secretKey: SECRET, adapter: new SqlRowAdapter(executor), logger: silentLogger, now: () => NOW, ...options });

const authOptions = { secretKey: SECRET, loadUser: (id: string) => users.get(id) ?? null };

@Controller()
class SessionController {
  @Get("set")
  async set(@DjangoSession() session: Session<{ foo: string }>) {
    await session.set("foo", "bar");
    return "set";
  }

  @Get("get")
  async get(@DjangoSession() session: Session<{ foo: string }>) {
    return { foo: (await session.get("foo")) ?? null };
  }

  @Get("untouched")
  untouched() {
    return "untouched";
  }

  @Get("flush")
  async flush(@DjangoSession() session: Session) {
    await session.flush();
    return "flushed";
  }

  @Get("status/:code")
  async status(@DjangoSession() session: Session, @Param("code") code: string) {
    await session.set("foo", "not saved");
    throw new HttpException("failed", Number(code));
  }

  @Get("throw")
  async throws(@DjangoSession() session: Session) {
    await session.set("foo", "not saved");
    throw new Error("handler failed");
  }

  @Get("vary")
  @Header("Vary", "Accept-Encoding")
  async vary(@DjangoSession() session: Session) {
    await session.get("foo");
    return "vary";
  }

  @Get("other-cookies")
  @Header("Set-Cookie", "csrftoken=abc; Path=/")
  async otherCookies(@DjangoSession() session: Session) {
    await session.set("foo", "bar");
    return "cookies";
  }

  @Get("stream")
  async stream(@DjangoSession() session: Session) {
    await session.set("foo", "streamed");
    return new StreamableFile(Readable.from(["a", "b", "c"]));
  }

  @Get("interrupted")
  async interrupted(@DjangoSession() session: Session) {
    await session.set("foo", "after logout");
    await db.table.delete(session.sessionKey!); // a logout in a concurrent request
    return "should not be seen";
  }

  @Post("login/:id")
  async login(@DjangoSession() session: Session, @Param("id") id: string) {
    await login(session, users.get(id)!, { secretKey: SECRET });
    return "logged in";
  }

  @Get("me")
  async me(@CurrentUser() user: User | null, @CurrentUser() again: User | null) {
    return { user: user?.username ?? null, same: user === again };
  }
}

type Platform = "express" | "fastify";

async function createApp(
  platform: Platform,
  options: Partial<DjangoSessionModuleOptions<User>> = {},
  repositoryOptions = {},
  setUp: (app: INestApplication) => void = () => {},
): Promise<INestApplication> {
  @Module({ imports: [DjangoSessionModule.forRoot({ repository: repository(repositoryOptions), now: () => NOW, ...options })], controllers: [SessionController] })
  class AppModule {}
  const adapter = platform === "express" ? new ExpressAdapter() : new FastifyAdapter();
  const app = await NestFactory.create(AppModule, adapter, { logger: false, abortOnError: false });
  setUp(app);
  await app.init();
  if (platform === "fastify") await app.getHttpAdapter().getInstance().ready();
  return app;
}

function keyOf(headers: Record<string, unknown>): string {
  return /^sessionid=([^;]+)/.exec(sessionCookie(headers)!)![1];
}

/**
 * The cookie Django's SessionMiddleware sets for a saved session at NOW (spec §8), `name` being
 * SESSION_COOKIE_NAME: the key, `expires` (NOW + SESSION_COOKIE_AGE), HttpOnly, Max-Age, Path=/,
 * SameSite=Lax. Returns the key.
 */
function expectDjangoSessionCookie(headers: Record<string, unknown>, name = "sessionid"): string {
  const header = sessionCookie(headers, name);
  expect(header).toMatch(new RegExp(`^${name}=[a-z0-9]{32}; `));
  const key = header!.slice(name.length + 1, header!.indexOf(";"));
  expect(cookieAttributes(header!)).toEqual({ "": `${name}=${key}`, expires: "Tue, 28 Nov 2023 22:13:20 GMT", httponly: true, "max-age": String(AGE), path: "/", samesite: "Lax" });
  return key;
}

/** The row of `key`, its data decoded with the app's secret (signature checked). */
async function storedSession(key: string) {
  const row = await db.table.getRow(key);
  expect(row).not.toBeNull();
  const decoded = new SessionCodec({ secretKey: SECRET, logger: silentLogger }).decodeDetailed(row!.sessionData);
  expect(decoded.ok).toBe(true);
  return { data: decoded.data, expireDate: row!.expireDate };
}

describe.each<Platform>(["express", "fastify"])("NestJS on %s", (platform) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(platform, { auth: authOptions });
  });
  afterAll(() => app.close());
  const http = () => request(app.getHttpServer());

  test("a modified session is saved and its cookie set with Django's attributes", async () => {
    const res = await http().get("/set").expect(200, "set");
    const key = keyOf(res.headers);
    expect(cookieAttributes(sessionCookie(res.headers)!)).toEqual({
      "": `sessionid=${key}`,
      expires: "Tue, 28 Nov 2023 22:13:20 GMT",
      httponly: true,
      "max-age": String(AGE),
      path: "/",
      samesite: "Lax",
    });
    expect(res.headers.vary).toBe("Cookie");
    expect(await storedSession(key)).toEqual({ data: { foo: "bar" }, expireDate: new Date(NOW + AGE * 1000) });
    await http().get("/get").set("Cookie", `sessionid=${key}`).expect(200, { foo: "bar" });
  });

  test("flush() deletes the cookie with Django's exact attributes", async () => {
    const key = keyOf((await http().get("/set")).headers);
    const res = await http().get("/flush").set("Cookie", `sessionid=${key}`).expect(200);
    expect(cookieAttributes(sessionCookie(res.headers)!)).toEqual(DELETED_COOKIE);
    expect(await db.table.getRow(key)).toBeNull();
  });

  test("a 7-character cookie is deleted although the handler never touched the session, even on a 404", async () => {
    for (const path of ["/untouched", "/no-such-route"]) {
      const res = await http().get(path).set("Cookie", "sessionid=1234567");
      expect(cookieAttributes(sessionCookie(res.headers)!)).toEqual(DELETED_COOKIE);
      expect(res.headers.vary).toBe("Cookie");
    }
    expect(executor.statements).toEqual([]);
  });

  test("with a global prefix, responses outside it are processed too (as Django's middleware sees every response)", async () => {
    const prefixed = await createApp(platform, {}, {}, (a) => a.setGlobalPrefix("api"));
    try {
      for (const path of ["/api/untouched", "/elsewhere"]) {
        const res = await request(prefixed.getHttpServer()).get(path).set("Cookie", "sessionid=1234567");
        expect(cookieAttributes(sessionCookie(res.headers)!)).toEqual(DELETED_COOKIE);
      }
      const res = await request(prefixed.getHttpServer()).get("/api/set").expect(200);
      expect((await storedSession(expectDjangoSessionCookie(res.headers))).data).toEqual({ foo: "bar" });
    } finally {
      await prefixed.close();
    }
  });

  test("an untouched session: no query, no Set-Cookie, no Vary", async () => {
    const key = keyOf((await http().get("/set")).headers);
    executor.statements.length = 0;
    const res = await http().get("/untouched").set("Cookie", `sessionid=${key}`).expect(200, "untouched");
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect(res.headers.vary).toBeUndefined();
    expect(executor.statements).toEqual([]);
  });

  test("Vary: Cookie is merged with the handler's Vary", async () => {
    const res = await http().get("/vary").expect(200);
    expect(res.headers.vary).toBe("Accept-Encoding, Cookie");
  });

  test.each([500, 503])("an HttpException with status %i saves nothing", async (status) => {
    const before = await db.table.count();
    const res = await http().get(`/status/${status}`).expect(status);
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect(await db.table.count()).toBe(before);
  });

  test("an error thrown by the handler: Nest's 500, nothing saved", async () => {
    const before = await db.table.count();
    const res = await http().get("/throw").expect(500);
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect(await db.table.count()).toBe(before);
  });

  test("a 4xx HttpException still saves", async () => {
    const res = await http().get("/status/403").expect(403);
    const key = expectDjangoSessionCookie(res.headers);
    expect(await storedSession(key)).toEqual({ data: { foo: "not saved" }, expireDate: new Date(NOW + AGE * 1000) });
  });

  test("the row deleted during the request: 400 with Django's message, not re-created", async () => {
    const key = keyOf((await http().get("/set")).headers);
    const res = await http().get("/interrupted").set("Cookie", `sessionid=${key}`).expect(400);
    expect(res.text).toBe(SESSION_INTERRUPTED_MESSAGE);
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect(await db.table.getRow(key)).toBeNull();
  });

  test("the handler's Set-Cookie is kept next to the session cookie", async () => {
    const cookies = setCookies((await http().get("/other-cookies").expect(200)).headers);
    expect(cookies).toHaveLength(2);
    expect(cookies[0]).toBe("csrftoken=abc; Path=/");
    expect(cookies[1]).toBe(sessionCookie({ "set-cookie": cookies }));
    expect((await storedSession(expectDjangoSessionCookie({ "set-cookie": cookies }))).data).toEqual({ foo: "bar" });
  });

  test("a streamed body (StreamableFile) gets the cookie", async () => {
    const res = await http().get("/stream").expect(200);
    expect(Buffer.from(res.body as Buffer).toString()).toBe("abc");
    const key = keyOf(res.headers);
    await http().get("/get").set("Cookie", `sessionid=${key}`).expect(200, { foo: "streamed" });
  });

  test("several sessionid cookies: the last one wins", async () => {
    const key = keyOf((await http().get("/set")).headers);
    await http().get("/get").set("Cookie", `sessionid=abcdefghijklmnopqrstuvwxyz012345; sessionid=${key}`).expect(200, { foo: "bar" });
  });

  test("malformed and non-ASCII Cookie headers never give a 500", async () => {
    for (const cookie of [";;;", "=", 'sessionid="unterminated', `sessionid=${Buffer.from("ééééééééé").toString("latin1")}`, `sessionid=${"x".repeat(5000)}`]) {
      for (const path of ["/untouched", "/get", "/set"]) {
        const res = await http().get(path).set("Cookie", cookie);
        expect([res.status, cookie, path]).toEqual([200, cookie, path]);
      }
    }
  });

  test("@CurrentUser(): anonymous, then logged in through login(), then logged out by a password change", async () => {
    await http().get("/me").expect(200, { user: null, same: true });
    const loggedIn = await http().post("/login/1").expect(201);
    const key = expectDjangoSessionCookie(loggedIn.headers);
    expect((await storedSession(key)).data).toEqual({
      _auth_user_id: "1",
      _auth_user_backend: "django.contrib.auth.backends.ModelBackend",
      _auth_user_hash: getSessionAuthHash("pbkdf2_sha256$600000$salt$hash-one", SECRET),
    });
    await http().get("/me").set("Cookie", `sessionid=${key}`).expect(200, { user: "ada", same: true });
    // The password changes on the Django side: the session's hash no longer matches, so Django
    // flushes the session, and so does getUser().
    users.get("1")!.password = "pbkdf2_sha256$600000$salt$hash-two";
    const res = await http().get("/me").set("Cookie", `sessionid=${key}`).expect(200, { user: null, same: true });
    expect(cookieAttributes(sessionCookie(res.headers)!)).toEqual(DELETED_COOKIE);
    expect(await db.table.getRow(key)).toBeNull();
    expect(getSessionAuthHash(users.get("1")!.password, SECRET)).not.toBe(getSessionAuthHash("pbkdf2_sha256$600000$salt$hash-one", SECRET));
  });

  test("saveEveryRequest re-sends the cookie of an untouched session", async () => {
    const every = await createApp(platform, { saveEveryRequest: true });
    try {
      const key = keyOf((await request(every.getHttpServer()).get("/set")).headers);
      const res = await request(every.getHttpServer()).get("/untouched").set("Cookie", `sessionid=${key}`).expect(200);
      expect(cookieAttributes(sessionCookie(res.headers)!)).toMatchObject({ "": `sessionid=${key}`, "max-age": String(AGE) });
    } finally {
      await every.close();
    }
  });

  test("expireAtBrowserClose (on the repository): no Max-Age, no expires", async () => {
    const closing = await createApp(platform, {}, { expireAtBrowserClose: true });
    try {
      const res = await request(closing.getHttpServer()).get("/set").expect(200);
      const cookie = cookieAttributes(sessionCookie(res.headers)!);
      expect(cookie).toEqual({ "": cookie[""], httponly: true, path: "/", samesite: "Lax" });
      // Without auth options, @CurrentUser() is a configuration error (a 500).
      await request(closing.getHttpServer()).get("/me").expect(500);
    } finally {
      await closing.close();
    }
  });
});

describe("DjangoSessionModule configuration", () => {
  test("forRootAsync: options from a factory with injected providers", async () => {
    @Module({ providers: [{ provide: "SESSION_REPOSITORY", useFactory: () => repository() }], exports: ["SESSION_REPOSITORY"] })
    class StorageModule {}
    @Module({
      imports: [
        DjangoSessionModule.forRootAsync({
          imports: [StorageModule],
          inject: ["SESSION_REPOSITORY"],
          useFactory: async (repo: DjangoSessionRepository) => ({ repository: repo, cookieName: "django_sid", auth: authOptions, now: () => NOW }),
        }),
      ],
      controllers: [SessionController],
    })
    class AsyncAppModule {}
    for (const adapter of [new ExpressAdapter(), new FastifyAdapter()]) {
      const app = await NestFactory.create(AsyncAppModule, adapter, { logger: false, abortOnError: false });
      await app.init();
      if (adapter instanceof FastifyAdapter) await adapter.getInstance().ready(); // as Nest's docs do before inject/supertest
      try {
        const res = await request(app.getHttpServer()).get("/set").expect(200);
        expect((await storedSession(expectDjangoSessionCookie(res.headers, "django_sid"))).data).toEqual({ foo: "bar" });
      } finally {
        await app.close();
      }
    }
  });

  test.each<Platform>(["express", "fastify"])("bad options stop the application at start-up (%s)", async (platform) => {
    await expect(createApp(platform, { cookie: { sameSite: "None" } })).rejects.toThrow(ImproperlyConfigured);
    await expect(createApp(platform, { auth: { secretKey: "", loadUser: () => null } })).rejects.toThrow(/secretKey/);
    await expect(createApp(platform, { auth: { secretKey: SECRET } as never })).rejects.toThrow(/loadUser/);
  });

  test("getCurrentUser() without the auth option says how to configure it", () => {
    expect(() => getCurrentUser({ session: {} })).toThrow(/auth: \{ secretKey, loadUser \}/);
  });
});
