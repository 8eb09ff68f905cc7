import path from "node:path";
import { usageError } from "./cli-error";

export type Dialect = "postgres" | "mysql" | "sqlite";

/** Where `--database-url` points, ready for the driver; `display` is safe to print (no password). */
export type DatabaseTarget =
  | { dialect: "postgres"; connectionString: string; display: string; password: string }
  | { dialect: "mysql"; host: string; port: number; user: string; password: string; database: string; ssl: boolean; display: string }
  | { dialect: "sqlite"; file: string; display: string };

/** The URL forms, as `--help` shows them. */
export const DATABASE_URL_HELP = `Database URLs (--database-url, or the DATABASE_URL environment variable):
  postgres://USER:PASSWORD@HOST:5432/NAME     also postgresql://; query parameters such as ?sslmode=require go to pg
  mysql://USER:PASSWORD@HOST:3306/NAME        also mariadb://; ?ssl=true for TLS
  sqlite:///absolute/path/db.sqlite3          three slashes: an absolute path
  sqlite:relative/path/db.sqlite3             no slashes: relative to the current directory
  (dj-database-url reads sqlite:///x as relative and sqlite:////x as absolute; here write sqlite:x or sqlite:///x.)
  Percent-encode special characters in user names and passwords (@ is %40).`;

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw usageError(`The database URL has a malformed percent-escape in its ${what}.`);
  }
}

/** A URL with its password replaced by `***`, for messages. */
function redact(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = "***";
  return copy.href;
}

/**
 * Parses `--database-url`. Throws a usage error (exit code 2) naming the accepted forms for
 * anything else, without echoing a password.
 */
export function parseDatabaseUrl(text: string, cwd: string): DatabaseTarget {
  const value = text.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
  if (scheme === "sqlite" || scheme === "sqlite3") return parseSqlite(value.slice(scheme.length + 1), cwd);
  if (scheme !== "postgres" && scheme !== "postgresql" && scheme !== "mysql" && scheme !== "mariadb") {
    throw usageError(
      scheme ? `Unsupported database URL scheme "${scheme}:".` : "The database URL has no scheme.",
      "Use postgres://..., mysql://... (or mariadb://...), sqlite:///absolute/path or sqlite:relative/path.",
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usageError(`The ${scheme}:// database URL is malformed.`, "Expected e.g. postgres://user:password@host:5432/name.");
  }
  if (scheme === "postgres" || scheme === "postgresql") {
    return { dialect: "postgres", connectionString: value, display: redact(url), password: decode(url.password, "password") };
  }
  const database = decode(url.pathname.replace(/^\//, ""), "database name");
  if (!database) throw usageError(`The ${scheme}:// URL names no database.`, `Expected ${scheme}://user:password@host:3306/name.`);
  let ssl = false;
  for (const [name, param] of url.searchParams) {
    if (name === "ssl" && (param === "true" || param === "false")) ssl = param === "true";
    else throw usageError(`Unsupported query parameter "${name}" in the ${scheme}:// URL.`, "Only ?ssl=true or ?ssl=false is understood.");
  }
  return {
    dialect: "mysql",
    host: url.hostname.replace(/^\[(.*)\]$/, "$1") || "localhost",
    port: url.port ? Number(url.port) : 3306,
    user: decode(url.username, "user name"),
    password: decode(url.password, "password"),
    database,
    ssl,
    display: redact(url),
  };
}

function parseSqlite(rest: string, cwd: string): DatabaseTarget {
  let file: string;
  if (rest.startsWith("///")) {
    file = rest.slice(2);
    // sqlite:///C:/data/db.sqlite3 on Windows.
    if (/^\/[A-Za-z]:[\\/]/.test(file)) file = file.slice(1);
  } else if (rest.startsWith("//")) {
    throw usageError(
      `"sqlite:${rest}" is ambiguous.`,
      "Write sqlite:///absolute/path/db.sqlite3 (three slashes) or sqlite:relative/path/db.sqlite3 (no slashes).",
    );
  } else {
    file = rest;
  }
  file = decode(file, "path");
  if (!file || file === ":memory:") {
    throw usageError("The sqlite URL names no database file.", "Write sqlite:///absolute/path/db.sqlite3 or sqlite:relative/path/db.sqlite3.");
  }
  const resolved = path.resolve(cwd, file);
  return { dialect: "sqlite", file: resolved, display: `sqlite:///${resolved.replace(/^\//, "")}` };
}
