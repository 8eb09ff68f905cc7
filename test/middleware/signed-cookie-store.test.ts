import vectors from "../vectors/spec-vectors.json";
import { SessionCookieTooLarge, SignedCookieSessionStore, silentLogger } from "../../src";
import { SessionMiddlewareCore } from "../../src/low-level";

const now = () => vectors.now * 1000;
const store = (options: Partial<ConstructorParameters<typeof SignedCookieSessionStore>[0]> = {}) =>
  new SignedCookieSessionStore({ secretKey: vectors.secretKey, now, logger: silentLogger, compression: { minSize: 0, exact: true }, ...options });
const cookieValue = (header: string | null) => /^sessionid=([^;]*)/.exec(header ?? "")?.[1];

describe("Django's signed_cookies engine through the middleware (spec §7.5)", () => {
  test("a modified session becomes the signed cookie Django writes (V3)", async () => {
    const middleware = new SessionMiddlewareCore({ repository: store(), now });
    const rs = middleware.open(undefined);
    await rs.session.set("foo", "bar");
    const commit = await middleware.commit(rs, 200);
    expect(cookieValue(commit.setCookie)).toBe(vectors.signedCookies[1].cookie);
  });

  test("Django's cookie is read back; nothing is written when it is not modified", async () => {
    const middleware = new SessionMiddlewareCore({ repository: store(), now });
    const rs = middleware.open(`sessionid=${vectors.signedCookies[0].cookie}`);
    expect(await rs.session.toObject()).toEqual(vectors.signedCookies[0].data);
    expect(await middleware.commit(rs, 200)).toEqual({ setCookie: null, varyCookie: true });
  });

  test("a tampered cookie is replaced by a fresh signed {} once accessed, exactly as Django does", async () => {
    const middleware = new SessionMiddlewareCore({ repository: store(), now });
    const rs = middleware.open(`sessionid=${vectors.signedCookies[0].cookie.replace(/.$/, "A")}x`);
    expect(await rs.session.toObject()).toEqual({});
    const commit = await middleware.commit(rs, 200);
    expect(cookieValue(commit.setCookie)).toBe(vectors.signedCookies[3].cookie); // e30:1r31eq:...
  });

  test("an expired cookie (older than cookieAge) reads as empty", async () => {
    const later = store({ now: () => (vectors.now + 1209601) * 1000 });
    expect(await later.get(vectors.signedCookies[0].cookie).toObject()).toEqual({});
  });

  test("flush() deletes the cookie with Django's deletion header", async () => {
    const middleware = new SessionMiddlewareCore({ repository: store(), now });
    const rs = middleware.open(`sessionid=${vectors.signedCookies[0].cookie}`);
    await rs.session.flush();
    expect((await middleware.commit(rs, 200)).setCookie).toMatch(/^sessionid=""; Max-Age=0;/);
  });

  test("exists() is always false and cycleKey() keeps the data", async () => {
    const s = store().get(vectors.signedCookies[0].cookie);
    expect(await s.exists(vectors.signedCookies[0].cookie)).toBe(false);
    await s.cycleKey();
    expect(await s.toObject()).toEqual(vectors.signedCookies[0].data);
  });

  test("a session too large for a browser cookie is refused with a clear error", async () => {
    const middleware = new SessionMiddlewareCore({ repository: store({ compression: { minSize: 0 } }), now });
    const rs = middleware.open(undefined);
    // Random-looking data does not compress.
    await rs.session.set("blob", Array.from({ length: 4000 }, (_, i) => ((i * 2654435761) % 2 ** 32).toString(36)).join(""));
    await expect(middleware.commit(rs, 200)).rejects.toBeInstanceOf(SessionCookieTooLarge);
    await expect(middleware.commit(rs, 200)).rejects.toThrow(/store less in the session/);
  });
});
