import { InvalidArgumentError, Option, type Command } from "commander";
import type { DjangoTimeOptions } from "../core/django-datetime";
import { DEFAULT_COOKIE_AGE, DEFAULT_KEY_SALT, SessionCodec, SignedCookieCodec } from "../core/session-codec";
import { silentLogger } from "../core/logger";
import { usageError } from "./cli-error";
import { parseDatabaseUrl, type DatabaseTarget } from "./database-url";

/** The options every command may have, as commander parses them. */
export interface CommonOptions {
  secretKey?: string;
  secretKeyFallbacks?: string;
  keySalt?: string;
  legacy?: boolean;
  maxSize?: number;
  cookieAge?: number;
  useTz?: boolean;
  timeZone?: string;
  json?: boolean;
  databaseUrl?: string;
  table?: string;
}

/** Strings never to print: the secret keys and the database password, whatever the error says. */
const secrets = new Set<string>();

/** A string that must never be printed (a password in a URL). */
export function registerSecret(secret: string): void {
  secrets.add(secret);
}

/** Replaces every registered secret in `text` with `***`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 4) out = out.split(secret).join("***");
  }
  return out;
}

export function positiveInteger(name: string, min = 1) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value)) || Number(value) < min) {
      throw new InvalidArgumentError(`${name} must be a whole number${min === 1 ? " above 0" : `, at least ${min}`}.`);
    }
    return Number(value);
  };
}

export function addSecretOptions(command: Command): Command {
  return command
    .addOption(new Option("--secret-key <key>", "Django's SECRET_KEY (prefer the environment variable: a command line is visible to other users)").env("DJANGO_SECRET_KEY"))
    .addOption(new Option("--secret-key-fallbacks <keys>", "Django's SECRET_KEY_FALLBACKS, comma-separated").env("DJANGO_SECRET_KEY_FALLBACKS"))
    .option("--key-salt <salt>", `the session store's key salt, changed only by a custom SessionStore class name (default "${DEFAULT_KEY_SALT}")`)
    .option("--legacy", "read the pre-3.1 session format and sha1 signatures as Django 3.2 does (Django 4.0+ reads them as empty sessions)")
    .option("--max-size <bytes>", "refuse session data larger than this once decoded (default 1048576)", positiveInteger("--max-size", 1024));
}

export function addTimeOptions(command: Command): Command {
  return command
    .option("--no-use-tz", "Django runs with USE_TZ = False: expire_date holds naive local time in --time-zone (MySQL, SQLite)")
    .option("--time-zone <zone>", "Django's TIME_ZONE (an IANA name such as Europe/Paris), with --no-use-tz (default UTC)");
}

export function addCookieAgeOption(command: Command): Command {
  return command.option("--cookie-age <seconds>", `Django's SESSION_COOKIE_AGE (default ${DEFAULT_COOKIE_AGE})`, positiveInteger("--cookie-age"));
}

export function addDatabaseOptions(command: Command): Command {
  return command
    .addOption(new Option("--database-url <url>", "the database holding django_session (see Database URLs below)").env("DATABASE_URL"))
    .option("--table <name>", "the session table, for a custom session model (default django_session)");
}

export function addJsonOption(command: Command): Command {
  return command.option("--json", "print one JSON document on stdout, for scripts");
}

/** `--secret-key` and `--secret-key-fallbacks` (or their environment variables). */
export function resolveSecrets(options: CommonOptions, required: boolean): { secretKey: string | null; fallbacks: string[] } {
  const secretKey = options.secretKey ? options.secretKey : null;
  // Django's generated keys never contain a comma; empty items (a trailing comma) are ignored.
  const fallbacks = (options.secretKeyFallbacks ?? "").split(",").filter((key) => key.length > 0);
  for (const secret of [secretKey, ...fallbacks]) if (secret) secrets.add(secret);
  if (secretKey === null && fallbacks.length > 0) {
    throw usageError("--secret-key-fallbacks (DJANGO_SECRET_KEY_FALLBACKS) needs --secret-key (DJANGO_SECRET_KEY) too.");
  }
  if (secretKey === null && required) {
    throw usageError("No secret key: pass --secret-key or set DJANGO_SECRET_KEY to the Django site's SECRET_KEY.");
  }
  return { secretKey, fallbacks };
}

/** `USE_TZ`/`TIME_ZONE` from `--no-use-tz` and `--time-zone`. */
export function resolveTime(options: CommonOptions): DjangoTimeOptions {
  if (options.useTz !== false) {
    if (options.timeZone) {
      throw usageError("--time-zone only matters with --no-use-tz: with USE_TZ = True Django stores UTC whatever TIME_ZONE is.");
    }
    return { useTz: true };
  }
  const timeZone = options.timeZone ?? "UTC";
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
  } catch {
    throw usageError(`--time-zone ${JSON.stringify(timeZone)} is not an IANA time zone name (like Django's TIME_ZONE, e.g. Europe/Paris).`);
  }
  return { useTz: false, timeZone };
}

export function resolveTable(options: CommonOptions): string {
  const table = options.table ?? "django_session";
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw usageError(`--table ${JSON.stringify(table)} is not a plain table name.`);
  return table;
}

export function resolveDatabase(options: CommonOptions, cwd: string): DatabaseTarget {
  if (!options.databaseUrl) throw usageError("No database: pass --database-url or set DATABASE_URL.");
  const target = parseDatabaseUrl(options.databaseUrl, cwd);
  if (target.dialect !== "sqlite" && target.password) secrets.add(target.password);
  return target;
}

/**
 * The CLI's clock in epoch milliseconds. `DJANGO_SESSION_CLI_NOW` (an ISO date) pins it, which
 * the tests use to create clock skew against a real database.
 */
export function cliNow(): () => number {
  const pinned = process.env.DJANGO_SESSION_CLI_NOW;
  if (!pinned) return Date.now;
  const at = Date.parse(pinned);
  if (Number.isNaN(at)) throw usageError("DJANGO_SESSION_CLI_NOW is not a date.");
  const start = Date.now();
  return () => at + (Date.now() - start);
}

/** The `session_data` codec (`legacyFormat: "read"` with `--legacy`), silent: the CLI reports reasons itself. */
export function sessionCodec(options: CommonOptions, secretKey: string, fallbacks: string[], now: () => number, legacy?: boolean): SessionCodec {
  return new SessionCodec({
    secretKey,
    secretKeyFallbacks: fallbacks,
    keySalt: options.keySalt || undefined,
    legacyFormat: (legacy ?? options.legacy) ? "read" : "refuse",
    maxSize: options.maxSize,
    logger: silentLogger,
    now,
  });
}

export function signedCookieCodec(options: CommonOptions, secretKey: string, fallbacks: string[], now: () => number): SignedCookieCodec {
  return new SignedCookieCodec({
    secretKey,
    secretKeyFallbacks: fallbacks,
    cookieAge: options.cookieAge ?? DEFAULT_COOKIE_AGE,
    maxSize: options.maxSize,
    logger: silentLogger,
    now,
  });
}
