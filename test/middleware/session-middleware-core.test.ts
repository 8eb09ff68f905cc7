import { DjangoSessionRepository, ImproperlyConfigured, SessionInterrupted, SqlRowAdapter, silentLogger } from "../../src";
import { SessionMiddlewareCore, addVaryCookie, readSessionCookie } from "../../src/low-level";
import { cookieAttributes } from "../support/http";
import { openSqlite, type RawDatabase } from "../support/raw-tables";

const NOW = 1700000000_000;
const attrs = cookieAttributes;

let db: RawDatabase;
let repository: DjangoSessionRepository;
beforeAll(async () => {
  db = await openSqlite("middleware-core");
  await db.recreate();
  repository = new DjangoSessionRepository({ secretKey: "middleware-secret", adapter: new SqlRowAdapter(db.executor), logger: silentLogger, now: () => NOW });
});
afterAll(() => db.close());

describe("reading the cookie as Django's parse_cookie does", () => {
  test.each([
    ["sessionid=abc12345", "abc12345"],
    ["a=1; sessionid=first123; sessionid=last1234", "last1234"],
    ['sessionid="quoted12"', "quoted12"],
    ["sessionid=abc%20def", "abc%20def"],
    ["  sessionid =  spaced12 ; x=1", "spaced12"],
    ["sessionid=", ""],
    ["other=1", undefined],
    ["garbage;;;=;sessionid=ok123456;", "ok123456"],
  ])("%j → %j", (header, expected) => {
    expect(readSessionCookie(header, "sessionid")).toBe(expected);
  });
  test("no header", () => expect(readSessionCookie(undefined, "sessionid")).toBeUndefined());
});

describe("Vary: Cookie is merged like patch_vary_headers", () => {
  test.each([
    [undefined, "Cookie"],
    ["Accept-Encoding", "Accept-Encoding, Cookie"],
    ["accept-encoding, COOKIE", "accept-encoding, COOKIE"],
    ["*", "*"],
  ])("%j → %j", (existing, expected) => expect(addVaryCookie(existing)).toBe(expected));
});

describe("process_response rules (spec §8, Django 5.2)", () => {
  const core = () => new SessionMiddlewareCore({ repository, now: () => NOW });

  test("a modified session is saved and its cookie set with Django's attributes", async () => {
    const rs = core().open(undefined);
    await rs.session.set("foo", "bar");
    const commit = await core().commit(rs, 200);
    expect(commit.varyCookie).toBe(true);
    expect(attrs(commit.setCookie!)).toEqual({
      "": `sessionid=${rs.session.sessionKey}`,
      expires: "Tue, 28 Nov 2023 22:13:20 GMT",
      httponly: true,
      "max-age": "1209600",
      path: "/",
      samesite: "Lax",
    });
    expect(await db.table.getRow(rs.session.sessionKey!)).not.toBeNull();
  });

  test("expire at browser close: no Max-Age and no expires", async () => {
    const rs = core().open(undefined);
    await rs.session.setExpiry(0);
    const commit = await core().commit(rs, 200);
    expect(attrs(commit.setCookie!)).toEqual({ "": `sessionid=${rs.session.sessionKey}`, httponly: true, path: "/", samesite: "Lax" });
  });

  test("the cookie is deleted with Django's exact attributes when a request with a cookie ends empty", async () => {
    const rs = core().open("sessionid=1234567"); // 7 characters: no key at all
    const commit = await core().commit(rs, 200);
    expect(commit.varyCookie).toBe(true);
    expect(attrs(commit.setCookie!)).toEqual({ "": 'sessionid=""', expires: "Thu, 01 Jan 1970 00:00:00 GMT", "max-age": "0", path: "/", samesite: "Lax" });
  });

  test("custom domain and path are kept on deletion (test_session_delete_on_end_with_custom_domain_and_path)", async () => {
    const custom = new SessionMiddlewareCore({ repository, cookie: { domain: ".example.local", path: "/example/" } });
    const rs = custom.open("sessionid=abcdefghijklmnopqrstuvwxyz123456");
    await rs.session.flush();
    expect(attrs((await custom.commit(rs, 200)).setCookie!)).toEqual({
      "": 'sessionid=""',
      domain: ".example.local",
      expires: "Thu, 01 Jan 1970 00:00:00 GMT",
      "max-age": "0",
      path: "/example/",
      samesite: "Lax",
    });
  });

  test("no cookie, flushed session: nothing set but Vary (test_flush_empty_without_session_cookie_doesnt_set_cookie)", async () => {
    const rs = core().open(undefined);
    await rs.session.flush();
    expect(await core().commit(rs, 200)).toEqual({ setCookie: null, varyCookie: true });
  });

  test("an untouched session costs no query and sets nothing", async () => {
    const rs = core().open("sessionid=abcdefghijklmnopqrstuvwxyz123456");
    expect(await core().commit(rs, 200)).toEqual({ setCookie: null, varyCookie: false });
    expect(rs.session.loaded).toBe(false);
  });

  test.each([500, 503])("a %i response does not save (test_session_save_on_5xx)", async (status) => {
    const rs = core().open(undefined);
    await rs.session.set("x", 1);
    const commit = await core().commit(rs, status);
    expect(commit.setCookie).toBeNull();
    expect(rs.session.sessionKey).toBeNull();
  });

  test("a session deleted meanwhile gives SessionInterrupted (400) and is not resurrected", async () => {
    const rs1 = core().open(undefined);
    await rs1.session.set("x", 1);
    await core().commit(rs1, 200);
    const key = rs1.session.sessionKey!;
    const rs2 = core().open(`sessionid=${key}`);
    await rs2.session.set("y", 2);
    await repository.delete(key);
    await expect(core().commit(rs2, 200)).rejects.toBeInstanceOf(SessionInterrupted);
    await expect(core().commit(rs2, 200)).rejects.toMatchObject({ status: 400, message: expect.stringContaining("deleted before the request completed") });
    expect(await db.table.getRow(key)).toBeNull();
  });

  test("secure, httpOnly off and SameSite Strict (tests 55-58)", async () => {
    const custom = new SessionMiddlewareCore({ repository, cookie: { secure: true, httpOnly: false, sameSite: "Strict" } });
    const rs = custom.open(undefined);
    await rs.session.set("x", 1);
    const a = attrs((await custom.commit(rs, 200)).setCookie!);
    expect(a.secure).toBe(true);
    expect(a.httponly).toBeUndefined();
    expect(a.samesite).toBe("Strict");
  });

  test("saveEveryRequest re-saves an unmodified session and re-sends its cookie", async () => {
    const rs = core().open(undefined);
    await rs.session.set("x", 1);
    await core().commit(rs, 200);
    const every = new SessionMiddlewareCore({ repository, saveEveryRequest: true });
    const again = every.open(`sessionid=${rs.session.sessionKey}`);
    const commit = await every.commit(again, 200);
    expect(commit.setCookie).toContain(`sessionid=${rs.session.sessionKey}`);
    expect(commit.varyCookie).toBe(true);
  });
});

describe("configuration mistakes fail at construction with a fix", () => {
  test.each([
    [{ repository: undefined }, /repository/],
    [{ repository: {} }, /repository/],
    [{ cookieName: "bad name" }, /cookieName/],
    [{ cookie: { sameSite: "Sometimes" } }, /sameSite/],
    [{ cookie: { sameSite: "None" } }, /secure: true/],
    [{ cookie: { path: "relative" } }, /must start with "\/"/],
    [{ cookie: { domain: "bad domain" } }, /domain/],
    [{ saveEveryRequest: "yes" }, /saveEveryRequest/],
  ])("%j", (options, message) => {
    const full = "repository" in options ? options : { repository, ...options };
    expect(() => new SessionMiddlewareCore(full as never)).toThrow(ImproperlyConfigured);
    expect(() => new SessionMiddlewareCore(full as never)).toThrow(message);
  });
});
