/**
 * Observing and comparing what Django's SessionMiddleware and ours put on the wire: the session
 * `Set-Cookie` (attributes parsed, names case-insensitive, order-insensitive) and `Vary`.
 */
import { parseSetCookie } from "./cookie-jar";

/** What one response said about the session cookie. */
export interface Observation {
  status: number;
  /** The Set-Cookie headers for the session cookie's name (normally 0 or 1). */
  sessionCookies: string[];
  /** Vary's values, lower-cased, in a set. */
  vary: Set<string>;
  /** The response's Date header, epoch ms (for comparing `expires` as an offset from it). */
  date: number;
  /** The session key in the cookie, when one was set with a value. */
  key?: string;
  /** The body, parsed as JSON when it is JSON. */
  body: unknown;
}

export async function observe(response: Response, cookieName: string): Promise<Observation> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  const sessionCookies = response.headers.getSetCookie().filter((c) => parseSetCookie(c)?.name === cookieName);
  const vary = new Set(
    (response.headers.get("vary") ?? "")
      .split(",")
      .map((v) => v.trim().toLowerCase())
      .filter(Boolean),
  );
  const date = Date.parse(response.headers.get("date") ?? "");
  const parsed = sessionCookies.length === 1 ? parseSetCookie(sessionCookies[0]) : null;
  const key = parsed && parsed.value !== '""' ? parsed.value : undefined;
  return { status: response.status, sessionCookies, vary, date, key, body };
}

/** A Set-Cookie header as a plain object for readable diffs: attribute names lower-cased. */
export function cookieShape(header: string): Record<string, string | true> {
  const parsed = parseSetCookie(header);
  if (!parsed) throw new Error(`unparsable Set-Cookie: ${header}`);
  const shape: Record<string, string | true> = { name: parsed.name };
  for (const [name, value] of parsed.attributes) shape[name] = value;
  return shape;
}

const SESSION_KEY_SHAPE = /^[a-z0-9]{32}$/;

/**
 * Asserts that our Set-Cookie carries the same attributes with the same values as Django's,
 * except the session key (each side has its own; both must look like Django's keys) and
 * `expires`, whose offset from the response's Date header must agree within 2 s (the two
 * responses are not sent in the same second). A deletion's value `""` and its fixed 1970
 * `expires` must be identical.
 */
export function expectSameSetCookie(django: Observation, ours: Observation, what: string): void {
  expect({ what, count: ours.sessionCookies.length }).toEqual({ what, count: django.sessionCookies.length });
  if (django.sessionCookies.length !== 1) return;
  const d = cookieShape(django.sessionCookies[0]);
  const o = cookieShape(ours.sessionCookies[0]);
  const dValue = parseSetCookie(django.sessionCookies[0])!.value;
  const oValue = parseSetCookie(ours.sessionCookies[0])!.value;
  if (dValue === '""') expect({ what, value: oValue }).toEqual({ what, value: dValue });
  else {
    expect({ what, value: SESSION_KEY_SHAPE.test(dValue) }).toEqual({ what, value: true });
    expect({ what, value: SESSION_KEY_SHAPE.test(oValue) }).toEqual({ what, value: true });
  }
  const { expires: dExpires, ...dRest } = d;
  const { expires: oExpires, ...oRest } = o;
  expect({ what, attributes: oRest }).toEqual({ what, attributes: dRest });
  expect({ what, expires: oExpires === undefined }).toEqual({ what, expires: dExpires === undefined });
  if (typeof dExpires === "string" && typeof oExpires === "string") {
    const dTime = Date.parse(dExpires);
    const oTime = Date.parse(oExpires);
    // RFC 1123 format, as Django writes it.
    expect(oExpires).toMatch(/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/);
    if (dTime <= 0) expect({ what, expires: oExpires }).toEqual({ what, expires: dExpires });
    else {
      const drift = Math.abs(oTime - ours.date - (dTime - django.date));
      expect({ what, expiresDriftMs: drift <= 2000 ? "≤ 2000" : drift }).toEqual({ what, expiresDriftMs: "≤ 2000" });
    }
  }
}

/** Whether `Vary` names Cookie, on each side. */
export const varyCookie = (observation: Observation) => observation.vary.has("cookie");
