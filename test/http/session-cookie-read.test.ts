import { parseCookie, stringifySetCookie } from "cookie";
import { readSessionCookie, serializeSessionCookie, type SessionCookieSettings } from "../../src/core/session-cookie";

// The full parse readSessionCookie falls back to: Django's parse_cookie (last name wins, Python
// unquoting, no URL-decoding), as the `cookie` package reads the chunks in reverse.
function pythonUnquote(value: string): string {
  if (value.length < 2 || value[0] !== '"' || value[value.length - 1] !== '"') return value;
  return value.slice(1, -1).replace(/\\(?:([0-3][0-7][0-7])|(.))/g, (_, octal: string | undefined, char: string | undefined) =>
    octal ? String.fromCharCode(parseInt(octal, 8)) : (char as string),
  );
}
function fullParse(header: string, name: string): string | undefined {
  if (!header.includes(name)) return undefined;
  return parseCookie(header.split(";").reverse().join(";"), { decode: (v) => pythonUnquote(v.trim()) })[name];
}

// A small deterministic generator (mulberry32), so a failure names a reproducible header.
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("readSessionCookie: the plain-value shortcut reads what the full parse reads", () => {
  test.each([
    "sessionid=abc123def456",
    "csrftoken=xyz; sessionid=abc123def456",
    "sessionid=abc123def456; csrftoken=xyz",
    " \tsessionid=k.e-y_:9",
    "sessionid=",
    "sessionid=abc; sessionid=def",
    "xsessionid=abc",
    "x=sessionid=abc",
    "sessionid =abc",
    "sessionid=abc ",
    'sessionid="abc"',
    "sessionid=a%20b",
    "sessionid=abc\tdef",
    "sessionidx=abc",
    "a=sessionid; sessionid=abc",
  ])("%j", (header) => {
    expect(readSessionCookie(header, "sessionid")).toBe(fullParse(header, "sessionid"));
  });

  test("60,000 generated headers built from the characters that matter", () => {
    const next = random(12);
    const parts = ["sessionid", "sessionid=", "session", "id", "=", ";", "; ", " ", "\t", '"', "\\", "%", "abc", "K9", ".", "-", "_", ":", "é", "x=1"];
    const differing: string[] = [];
    let found = 0;
    for (let i = 0; i < 60_000; i++) {
      let header = "";
      const length = 1 + Math.floor(next() * 8);
      for (let j = 0; j < length; j++) header += parts[Math.floor(next() * parts.length)];
      const value = readSessionCookie(header, "sessionid");
      if (value !== fullParse(header, "sessionid")) differing.push(header);
      if (value !== undefined) found++;
    }
    expect(differing).toEqual([]);
    expect(found).toBeGreaterThan(3_000); // the generator does reach cookies that carry the name
  });

  test("a header given as a list is read as its chunks joined", () => {
    expect(readSessionCookie(["a=1", "sessionid=abc12345"], "sessionid")).toBe("abc12345");
    expect(readSessionCookie(undefined, "sessionid")).toBeUndefined();
  });
});

describe("serializeSessionCookie writes the bytes the cookie package writes", () => {
  // The previous implementation: every attribute through stringifySetCookie on each call.
  function reference(settings: SessionCookieSettings, value: string, maxAge: number | null, now: number): string {
    return stringifySetCookie(settings.name, value, {
      ...(maxAge === null ? {} : { maxAge: Math.trunc(maxAge), expires: new Date(now + Math.trunc(maxAge) * 1000) }),
      domain: settings.domain ?? undefined,
      path: settings.path,
      httpOnly: settings.httpOnly,
      secure: settings.secure,
      sameSite: settings.sameSite === false ? undefined : (settings.sameSite.toLowerCase() as "lax" | "strict" | "none"),
      encode: (v) => v,
    });
  }

  const settingsList: SessionCookieSettings[] = [];
  for (const domain of [null, ".example.com", "example.com"])
    for (const path of ["/", "/app", ""])
      for (const secure of [false, true])
        for (const httpOnly of [true, false])
          for (const sameSite of ["Lax", "strict", "None", false] as const) settingsList.push({ name: "sessionid", domain, path, secure, httpOnly, sameSite });
  settingsList.push({ name: "__Host-sid", domain: null, path: "/", secure: true, httpOnly: true, sameSite: "Strict" });

  test(`${settingsList.length} settings × values × ages`, () => {
    const differing: unknown[] = [];
    for (const settings of settingsList) {
      for (const value of ["abcdefghijklmnopqrstuvwxyz012345", "", "eyJhIjoxfQ:1tXyZ:sig-_.", "a:b"]) {
        for (const maxAge of [null, 1209600, 0, -1, 59.9, -0.5, 86400 * 365 * 30]) {
          for (const now of [1700000000_000, 0, 1700000000_123]) {
            const ours = serializeSessionCookie(settings, value, maxAge, now);
            if (ours !== reference(settings, value, maxAge, now)) differing.push({ settings, value, maxAge, now, ours });
          }
        }
      }
    }
    expect(differing).toEqual([]);
  });

  test("what the package refuses is refused the same way", () => {
    const settings = settingsList[0]!;
    for (const [value, maxAge, now] of [["a;b", 10, 0], ["a b", 10, 0], ["ok", Number.NaN, 0], ["ok", Infinity, 0], ["ok", 10, Number.NaN]] as const) {
      expect(() => serializeSessionCookie(settings, value, maxAge, now)).toThrow(TypeError);
      expect(() => reference(settings, value, maxAge, now)).toThrow(TypeError);
    }
  });
});
