/**
 * A small browser-like cookie jar over Node's fetch (RFC 6265 storage and retrieval, the parts a
 * session cookie uses): host-only and Domain cookies, Path, Max-Age (wins over Expires),
 * Expires, Secure, deletion by a past date or `Max-Age<=0`. Cookies are scoped to the host, not
 * the port, as in browsers: one jar serves the Django and the Node server on 127.0.0.1 alike.
 */

export interface StoredCookie {
  name: string;
  value: string;
  domain: string;
  hostOnly: boolean;
  path: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite: string | null;
  /** Epoch ms, or null for a session cookie (expires at browser close). */
  expires: number | null;
}

/** The parsed form of one Set-Cookie header: name, value and attributes (names lower-cased). */
export interface ParsedSetCookie {
  name: string;
  value: string;
  attributes: Map<string, string | true>;
}

/** RFC 6265 §5.2: name=value, then `;`-separated attributes; names case-insensitive. */
export function parseSetCookie(header: string): ParsedSetCookie | null {
  const [pair, ...parts] = header.split(";");
  const eq = pair.indexOf("=");
  if (eq < 0) return null;
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  if (!name) return null;
  const attributes = new Map<string, string | true>();
  for (const part of parts) {
    const i = part.indexOf("=");
    const key = (i < 0 ? part : part.slice(0, i)).trim().toLowerCase();
    if (!key) continue;
    attributes.set(key, i < 0 ? true : part.slice(i + 1).trim());
  }
  return { name, value, attributes };
}

/** RFC 6265 §5.1.4 default-path of a request path. */
function defaultPath(requestPath: string): string {
  if (!requestPath.startsWith("/")) return "/";
  const last = requestPath.lastIndexOf("/");
  return last <= 0 ? "/" : requestPath.slice(0, last);
}

function domainMatches(host: string, domain: string): boolean {
  return host === domain || (host.endsWith(`.${domain}`) && !/^[\d.]+$/.test(host));
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}

export class CookieJar {
  private cookies: StoredCookie[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Stores (or deletes) what one Set-Cookie header says, for a response from `url`. */
  store(url: URL, header: string): void {
    const parsed = parseSetCookie(header);
    if (!parsed) return;
    const host = url.hostname.toLowerCase();
    const { attributes: a } = parsed;
    let domain = host;
    let hostOnly = true;
    const domainAttr = a.get("domain");
    if (typeof domainAttr === "string" && domainAttr !== "") {
      const d = domainAttr.replace(/^\./, "").toLowerCase();
      if (!domainMatches(host, d)) return; // a cookie for another site: ignored
      domain = d;
      hostOnly = false;
    }
    const pathAttr = a.get("path");
    const path = typeof pathAttr === "string" && pathAttr.startsWith("/") ? pathAttr : defaultPath(url.pathname);
    let expires: number | null = null;
    const maxAge = a.get("max-age");
    if (typeof maxAge === "string" && /^-?\d+$/.test(maxAge)) {
      expires = this.now() + Number(maxAge) * 1000;
      if (Number(maxAge) <= 0) expires = 0;
    } else if (typeof a.get("expires") === "string") {
      const t = Date.parse(a.get("expires") as string);
      if (!Number.isNaN(t)) expires = t;
    }
    const secure = a.has("secure");
    if (secure && url.protocol !== "https:") return; // RFC 6265bis: not from an insecure origin
    const sameSite = typeof a.get("samesite") === "string" ? (a.get("samesite") as string) : null;
    // Replace the cookie with the same name, domain and path.
    this.cookies = this.cookies.filter((c) => !(c.name === parsed.name && c.domain === domain && c.path === path));
    if (expires !== null && expires <= this.now()) return; // deletion
    this.cookies.push({ name: parsed.name, value: parsed.value, domain, hostOnly, path, secure, httpOnly: a.has("httponly"), sameSite, expires });
  }

  /** The `Cookie` header a browser would send to `url` (longest paths first), or undefined. */
  header(url: URL): string | undefined {
    const host = url.hostname.toLowerCase();
    const now = this.now();
    this.cookies = this.cookies.filter((c) => c.expires === null || c.expires > now);
    const matching = this.cookies
      .filter((c) => (c.hostOnly ? c.domain === host : domainMatches(host, c.domain)))
      .filter((c) => pathMatches(url.pathname, c.path))
      .filter((c) => !c.secure || url.protocol === "https:")
      .sort((x, y) => y.path.length - x.path.length);
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join("; ") : undefined;
  }

  /** The stored cookie `name` (any domain and path), if any. */
  get(name: string): StoredCookie | undefined {
    const now = this.now();
    return this.cookies.find((c) => c.name === name && (c.expires === null || c.expires > now));
  }

  /** fetch() with this jar: sends its cookies, stores every Set-Cookie of the response. */
  async fetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
    const url = new URL(input);
    const headers = new Headers(init.headers);
    const cookie = this.header(url);
    if (cookie !== undefined) headers.set("cookie", cookie);
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const header of response.headers.getSetCookie()) this.store(url, header);
    return response;
  }
}
