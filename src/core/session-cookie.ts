import { parseCookie, stringifySetCookie } from "cookie";

/** How the session cookie is written: Django's `SESSION_COOKIE_*` settings. */
export interface SessionCookieSettings {
  /** `SESSION_COOKIE_NAME`. */
  name: string;
  /** `SESSION_COOKIE_DOMAIN` (`null`: host-only). */
  domain: string | null;
  /** `SESSION_COOKIE_PATH`. */
  path: string;
  /** `SESSION_COOKIE_SECURE`. */
  secure: boolean;
  /** `SESSION_COOKIE_HTTPONLY`. */
  httpOnly: boolean;
  /** `SESSION_COOKIE_SAMESITE`, spelled as configured (`false`: no attribute). */
  sameSite: "Lax" | "Strict" | "None" | "lax" | "strict" | "none" | false;
}

// Python's `http.cookies._unquote`: a double-quoted value loses its quotes, and `\ooo` octal
// and `\c` escapes inside are decoded. Django does not URL-decode cookie values.
function pythonUnquote(value: string): string {
  if (value.length < 2 || value[0] !== '"' || value[value.length - 1] !== '"') return value;
  return value.slice(1, -1).replace(/\\(?:([0-3][0-7][0-7])|(.))/g, (_, octal: string | undefined, char: string | undefined) =>
    octal ? String.fromCharCode(parseInt(octal, 8)) : (char as string),
  );
}

/**
 * The session cookie's value from a `Cookie` header as Django's `parse_cookie` reads it:
 * chunks split on `;`, whitespace stripped, Python unquoting, and **the last** of repeated names
 * wins (the `cookie` package keeps the first, so the chunks are handed to it in reverse).
 * `undefined` when the cookie is absent; `""` when it is present but empty.
 */
export function readSessionCookie(header: string | string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join("; ") : header;
  const at = text.indexOf(name);
  if (at === -1) return undefined;
  const plain = plainCookieValue(text, name, at);
  if (plain !== undefined) return plain;
  const reversed = text.split(";").reverse().join(";");
  const value = parseCookie(reversed, { decode: (v) => pythonUnquote(v.trim()) })[name];
  return value === undefined ? undefined : value;
}

/**
 * The common case without the full parse: the name occurs once in the header, as a whole cookie
 * name (only spaces or tabs between it and the previous `;`), and its value is plain (letters,
 * digits, `-_.:`) up to the next `;` or the end. The full parse gives the same value then: no
 * other chunk can carry the name, and there is nothing to trim or unquote. `undefined` otherwise.
 */
function plainCookieValue(text: string, name: string, at: number): string | undefined {
  if (text.indexOf(name, at + 1) !== -1) return undefined;
  const start = at + name.length + 1;
  if (text.charCodeAt(start - 1) !== 0x3d /* = */) return undefined;
  for (let i = at - 1; i >= 0; i--) {
    const code = text.charCodeAt(i);
    if (code === 0x3b /* ; */) break;
    if (code !== 0x20 && code !== 0x09) return undefined;
  }
  let end = start;
  for (; end < text.length; end++) {
    const code = text.charCodeAt(end);
    if (code === 0x3b) break;
    const plainChar =
      (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x3a) || (code >= 0x41 && code <= 0x5a) || code === 0x2d || code === 0x5f || code === 0x2e;
    if (!plainChar) return undefined;
  }
  return text.slice(start, end);
}

// Identity: session keys and signed values use only A-Za-z0-9-_.: and need no encoding, and
// Django would not URL-encode them either.
const asIs = (value: string) => value;

// The attributes that do not change from one cookie to the next, written once per settings by the
// `cookie` package itself (which validates them): what goes between the value and `Expires`
// (Domain, Path), and what follows it (HttpOnly, Secure, SameSite), in the package's order.
const fixedParts = new WeakMap<SessionCookieSettings, { middle: string; tail: string }>();

function partsOf(settings: SessionCookieSettings): { middle: string; tail: string } {
  let parts = fixedParts.get(settings);
  if (parts === undefined) {
    const base = { domain: settings.domain ?? undefined, path: settings.path, encode: asIs };
    const head = `${settings.name}=x`;
    const middle = stringifySetCookie(settings.name, "x", base).slice(head.length);
    const full = stringifySetCookie(settings.name, "x", {
      ...base,
      httpOnly: settings.httpOnly,
      secure: settings.secure,
      sameSite: settings.sameSite === false ? undefined : (settings.sameSite.toLowerCase() as "lax" | "strict" | "none"),
    });
    parts = { middle, tail: full.slice(head.length + middle.length) };
    fixedParts.set(settings, parts);
  }
  return parts;
}

// The `cookie` package's cookie-octet check on the value.
const COOKIE_VALUE = /^[\u0021-\u003A\u003C-\u007E]*$/;

/**
 * `response.set_cookie(...)` for the session, with the attributes Django sends for the same
 * settings: `expires` and `Max-Age` unless the session ends at browser close. The same bytes as
 * the `cookie` package's `stringifySetCookie` (Max-Age, Domain, Path, Expires, HttpOnly, Secure,
 * SameSite), with the fixed attributes written once per settings.
 */
export function serializeSessionCookie(settings: SessionCookieSettings, value: string, maxAge: number | null, now: number): string {
  if (!COOKIE_VALUE.test(value)) throw new TypeError(`argument val is invalid: ${value}`);
  const { middle, tail } = partsOf(settings);
  if (maxAge === null) return `${settings.name}=${value}${middle}${tail}`;
  const seconds = Math.trunc(maxAge);
  if (!Number.isInteger(seconds)) throw new TypeError(`option maxAge is invalid: ${seconds}`);
  const expires = new Date(now + seconds * 1000);
  if (!Number.isFinite(expires.valueOf())) throw new TypeError(`option expires is invalid: ${expires.toString()}`);
  return `${settings.name}=${value}; Max-Age=${seconds}${middle}; Expires=${expires.toUTCString()}${tail}`;
}

/**
 * `response.delete_cookie(name, path, domain, samesite)`: `name=""; expires=Thu, 01 Jan 1970
 * 00:00:00 GMT; Max-Age=0; Path=...; SameSite=...`, no HttpOnly, and Secure only for a
 * `__Secure-`/`__Host-` name or `SameSite=None`, exactly as Django.
 */
export function serializeSessionCookieDeletion(settings: SessionCookieSettings): string {
  const secure = settings.name.startsWith("__Secure-") || settings.name.startsWith("__Host-") || (settings.sameSite !== false && settings.sameSite.toLowerCase() === "none");
  return stringifySetCookie(settings.name, '""', {
    maxAge: 0,
    expires: new Date(0),
    domain: settings.domain ?? undefined,
    path: settings.path,
    secure,
    sameSite: settings.sameSite === false ? undefined : (settings.sameSite.toLowerCase() as "lax" | "strict" | "none"),
    encode: asIs,
  });
}

/**
 * Django's `patch_vary_headers(response, ("Cookie",))`: keeps existing values, compares
 * case-insensitively, and `*` already covers everything.
 */
export function addVaryCookie(existing: string | string[] | number | undefined | null): string {
  // Most responses have no Vary of their own.
  if (existing === undefined || existing === null || existing === "") return "Cookie";
  const current = (Array.isArray(existing) ? existing.join(",") : existing === undefined || existing === null ? "" : String(existing))
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
  if (current.includes("*")) return "*";
  if (current.some((v) => v.toLowerCase() === "cookie")) return current.join(", ");
  return [...current, "Cookie"].join(", ");
}
