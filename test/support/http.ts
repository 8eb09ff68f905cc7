import type { SqlExecutor } from "../../src/adapters/sql/sql-row-adapter";

/** Attribute map of a Set-Cookie header, names lower-cased (attribute order is not significant). */
export function cookieAttributes(header: string): Record<string, string | true> {
  const [pair, ...rest] = header.split("; ");
  const out: Record<string, string | true> = { "": pair };
  for (const a of rest) {
    const i = a.indexOf("=");
    out[(i < 0 ? a : a.slice(0, i)).toLowerCase()] = i < 0 ? true : a.slice(i + 1);
  }
  return out;
}

/** The `Set-Cookie` headers of a response, as a list. */
export function setCookies(headers: Record<string, unknown>): string[] {
  const value = headers["set-cookie"];
  return value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];
}

/** The session cookie among the `Set-Cookie` headers, if any. */
export function sessionCookie(headers: Record<string, unknown>, name = "sessionid"): string | undefined {
  return setCookies(headers).find((c) => c.startsWith(`${name}=`));
}

/** Django's deletion of the session cookie (spec §8), as an attribute map. */
export const DELETED_COOKIE = { "": 'sessionid=""', expires: "Thu, 01 Jan 1970 00:00:00 GMT", "max-age": "0", path: "/", samesite: "Lax" };

/** A `SqlExecutor` that records every statement it runs, to prove a request cost no query. */
export function countingExecutor(inner: SqlExecutor): SqlExecutor & { statements: string[] } {
  const statements: string[] = [];
  return {
    dialect: inner.dialect,
    statements,
    query(sql, params) {
      statements.push(sql);
      return inner.query(sql, params);
    },
    execute(sql, params) {
      statements.push(sql);
      return inner.execute(sql, params);
    },
    isUniqueViolation: (error) => inner.isUniqueViolation(error),
  };
}

/** A logger that keeps what it is told. */
export function recordingLogger() {
  const records: { level: string; message: string; context: Record<string, unknown> }[] = [];
  return {
    records,
    warn: (message: string, context: Record<string, unknown>) => void records.push({ level: "warn", message, context }),
    error: (message: string, context: Record<string, unknown>) => void records.push({ level: "error", message, context }),
  };
}
