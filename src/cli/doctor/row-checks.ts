import { parseDjangoDateText, toDjangoDateText, type DjangoTimeOptions } from "../../core/django-datetime";
import type { SessionCodec } from "../../core/session-codec";
import type { CliDatabase } from "../open-database";
import { formatDate, formatDuration } from "../cli-io";
import { keyLabel, looksSigned } from "../describe-decode";
import type { Check } from "./check";

const q = (db: CliDatabase, name: string) => (db.dialect === "mysql" ? `\`${name}\`` : `"${name}"`);

/** A value bound for `expire_date`: an instant on PostgreSQL, Django's naive text elsewhere (as `SqlRowAdapter`). */
export function dateParam(db: CliDatabase, date: Date, time: DjangoTimeOptions): unknown {
  return db.dialect === "postgres" ? date : toDjangoDateText(date, time);
}

/** `expire_date` as text where the column is text-like, so no driver shifts it. */
export function expireColumn(db: CliDatabase): string {
  if (db.dialect === "mysql") return "CAST(expire_date AS CHAR) AS expire_date";
  if (db.dialect === "sqlite") return "CAST(expire_date AS TEXT) AS expire_date, typeof(expire_date) AS kind";
  return "expire_date";
}

export interface SampledRow {
  key: string;
  data: string;
  /** The raw value read (text on MySQL/SQLite, `Date` on PostgreSQL). */
  rawExpire: unknown;
  /** SQLite's storage class of `expire_date`. */
  kind?: string;
  expire: Date | null;
}

/**
 * Exactly `min(size, total)` distinct rows: all of them in a small table; otherwise the newest
 * half by expire_date (the latest writes), then the live rows closest to expiring (the oldest
 * sessions, the ones still signed with a rotated-out key), then, when there are too few of those
 * (a table of mostly expired rows), the next newest rows. Each query reads at most `size` rows
 * through the expire_date index, never scanning or sorting the whole table.
 */
export async function sampleRows(db: CliDatabase, table: string, size: number, total: number, now: Date, time: DjangoTimeOptions): Promise<SampledRow[]> {
  const columns = `session_key, session_data, ${expireColumn(db)}`;
  let picked: Record<string, unknown>[];
  if (total <= size) {
    picked = await db.query(`SELECT ${columns} FROM ${q(db, table)}`);
  } else {
    // `size` newest rows are distinct and enough on their own (total > size), so the live half
    // needs only its share: whatever it lacks or repeats, the next newest make up.
    const half = Math.ceil(size / 2);
    // ORDER BY names the column through its table: a bare expire_date is the CAST(...) AS expire_date
    // of the select list on MySQL and SQLite, a text that no index orders, so a sort of every row
    // (36 s on 10 million rows on MariaDB before this).
    const column = `${q(db, table)}.expire_date`;
    const newest = await db.query(`SELECT ${columns} FROM ${q(db, table)} ORDER BY ${column} DESC LIMIT ?`, [size]);
    const oldestLive = await db.query(`SELECT ${columns} FROM ${q(db, table)} WHERE expire_date > ? ORDER BY ${column} ASC LIMIT ?`, [
      dateParam(db, now, time),
      size - half,
    ]);
    const seen = new Set<string>();
    picked = [];
    const take = (rows: Record<string, unknown>[]) => {
      for (const row of rows) {
        if (picked.length >= size) return;
        const key = String(row.session_key);
        if (seen.has(key)) continue;
        seen.add(key);
        picked.push(row);
      }
    };
    take(newest.slice(0, half));
    take(oldestLive);
    take(newest.slice(half));
  }
  return picked.map((row) => {
    const raw = row.expire_date;
    const expire = raw instanceof Date ? raw : typeof raw === "string" ? parseDjangoDateText(raw, time) : null;
    return { key: String(row.session_key), data: String(row.session_data), rawExpire: raw, kind: typeof row.kind === "string" ? row.kind : undefined, expire };
  });
}

/** The first characters of a session key: enough to tell rows apart, never enough to use one. */
export const maskKey = (key: string) => `${key.slice(0, 4)}…`;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Verifies the sampled rows with the secret and fallbacks: the secret, legacy, corrupt and large-row checks. */
export function secretChecks(
  rows: SampledRow[],
  codec: SessionCodec,
  context: { fallbacks: number; legacyAccepted: boolean; wholeTable: boolean; now: Date; total: number; /** "about 10,000,000" for an estimate. */ totalText?: string },
): Check[] {
  // Per key index (0: SECRET_KEY, then the fallbacks): the rows it verifies, and the latest expiry among them.
  const byKey = new Map<number, number>();
  const fallbackLatest = new Map<number, Date>();
  let wrong = 0;
  let signedShape = 0;
  const legacy = { verified: 0, unverified: 0, sha1: 0, live: 0 };
  const corrupt = new Map<string, number>();
  const corruptExamples: string[] = [];
  let tooLarge = 0;
  for (const row of rows) {
    const result = codec.decodeDetailed(row.data);
    const live = row.expire !== null && row.expire > context.now;
    if (looksSigned(row.data)) signedShape++;
    if (result.ok) {
      const sha1 = result.format === "current" && row.data.length - row.data.lastIndexOf(":") - 1 === 27;
      if (result.format === "legacy" || (sha1 && result.keyIndex === 0)) {
        if (result.format === "legacy") legacy.verified++;
        else legacy.sha1++;
        if (live) legacy.live++;
        continue;
      }
      byKey.set(result.keyIndex, (byKey.get(result.keyIndex) ?? 0) + 1);
      const latest = fallbackLatest.get(result.keyIndex);
      if (result.keyIndex > 0 && row.expire && (!latest || row.expire > latest)) fallbackLatest.set(result.keyIndex, row.expire);
      continue;
    }
    if (result.reason === "legacy-bad-hash") {
      legacy.unverified++;
      if (live) legacy.live++;
    } else if (result.reason === "bad-signature" && looksSigned(row.data)) {
      wrong++;
    } else if (result.reason === "too-large") {
      tooLarge++;
    } else {
      const reason = result.reason === "bad-signature" ? "not-signed-data" : result.reason;
      corrupt.set(reason, (corrupt.get(reason) ?? 0) + 1);
      if (corruptExamples.length < 3) corruptExamples.push(maskKey(row.key));
    }
  }
  const checks: Check[] = [];
  const verified = [...byKey.values()].reduce((a, b) => a + b, 0);
  const current = byKey.get(0) ?? 0;
  const fallbackTotal = verified - current;
  const of = context.totalText && context.totalText !== String(context.total) ? `${context.totalText} rows` : plural(context.total, "row");
  const checked = `checked ${rows.length} of ${of}`;
  const details = {
    sampled: rows.length,
    current,
    fallbacks: Array.from({ length: context.fallbacks }, (_, i) => byKey.get(i + 1) ?? 0),
    wrongSecret: wrong,
    legacy: legacy.verified + legacy.unverified,
    sha1: legacy.sha1,
    corrupt: [...corrupt.values()].reduce((a, b) => a + b, 0),
    tooLarge,
  };

  // Exactly one of these; the fallback lines below are added to it.
  let secretCheck: Check;
  if (wrong > 0 && verified === 0) {
    secretCheck = {
      id: "secret",
      status: "fail",
      message: `${checked}: none of the ${plural(wrong, "signed row")} verify with SECRET_KEY${context.fallbacks ? " or its fallbacks" : ""}, so the secret key is wrong`,
      fix: [
        "Pass the Django site's settings.SECRET_KEY (DJANGO_SECRET_KEY or --secret-key); after a rotation, the old key goes in DJANGO_SECRET_KEY_FALLBACKS.",
        "A custom SessionStore class changes the salt: pass --key-salt django.contrib.sessions.<ClassName>.",
      ],
      details,
    };
  } else if (wrong > 0) {
    secretCheck = {
      id: "secret",
      status: "warn",
      message: `${checked}: ${wrong} of ${plural(signedShape, "signed row")} verify with no configured key, so Django reads them as empty sessions (those users are logged out)`,
      lines: [`${verified} verify (${current} with SECRET_KEY${fallbackTotal ? `, ${fallbackTotal} with a fallback` : ""})`],
      fix: [
        "If SECRET_KEY was rotated, add the previous key to SECRET_KEY_FALLBACKS (here: --secret-key-fallbacks) until those sessions expire.",
        "Otherwise another site or secret writes to this table; those rows are harmless and go away when they expire.",
      ],
      details,
    };
  } else if (verified === 0) {
    secretCheck = { id: "secret", status: "skip", message: `${checked}: none is signed in the current format, so the secret could not be checked`, details };
  } else {
    secretCheck = {
      id: "secret",
      status: fallbackTotal > 0 ? "info" : "ok",
      message: `${checked}: every signed row verifies (${current} with SECRET_KEY${fallbackTotal ? `, ${fallbackTotal} only with a fallback` : ""})`,
      details,
    };
  }
  // What was read, when it was not the whole table (a big table is never read whole).
  if (!context.wholeTable) secretCheck.lines = [`sampled: the newest rows by expire_date and the live rows closest to expiring, ${rows.length} in all`, ...(secretCheck.lines ?? [])];
  checks.push(secretCheck);
  const fallbackLines: string[] = [];
  for (let i = 1; i <= context.fallbacks; i++) {
    const count = byKey.get(i) ?? 0;
    if (count > 0) {
      const until = fallbackLatest.get(i);
      fallbackLines.push(
        `${plural(count, "row")} need ${keyLabel(i)}: keep it until ${until ? formatDate(until) : "they expire"}, when the last of them expires (Django re-signs a session only when it is saved)`,
      );
    } else if (context.wholeTable) {
      fallbackLines.push(`no row needs ${keyLabel(i)} any more: it can be removed from SECRET_KEY_FALLBACKS`);
    }
  }
  if (fallbackLines.length) secretCheck.lines = [...(secretCheck.lines ?? []), ...fallbackLines];

  const legacyCount = legacy.verified + legacy.unverified + legacy.sha1;
  if (legacyCount > 0) {
    const lines = [];
    if (legacy.verified + legacy.unverified) lines.push(`${legacy.verified + legacy.unverified} in the pre-3.1 format (base64 of hash:json)${legacy.unverified ? `, ${legacy.unverified} of them not matching SECRET_KEY` : ""}`);
    if (legacy.sha1) lines.push(`${legacy.sha1} signed with sha1 (DEFAULT_HASHING_ALGORITHM = "sha1")`);
    lines.push(`${legacy.live} of them not yet expired`);
    checks.push({
      id: "legacy-rows",
      status: context.legacyAccepted || legacy.live === 0 ? "info" : "warn",
      message: `${plural(legacyCount, "row")} in a legacy format that Django 4.0+ (and this library by default) read as empty sessions`,
      lines,
      fix: context.legacyAccepted
        ? undefined
        : [
            "While Django 3.2 still shares the table, read them as it does: legacyFormat: \"read\" in the library, --legacy here.",
            "Otherwise they log their users out once; they go away when they expire (clear-expired).",
          ],
      details: legacy,
    });
  }
  if (corrupt.size > 0) {
    const count = [...corrupt.values()].reduce((a, b) => a + b, 0);
    checks.push({
      id: "corrupt-rows",
      status: "warn",
      message: `${plural(count, "row")} cannot be decoded at all: Django reads them as empty sessions`,
      lines: [...[...corrupt].map(([reason, n]) => `${n}: ${reason}`), `e.g. session keys ${corruptExamples.join(", ")}`],
      fix: ["Find what wrote them (only Django and this library should write session_data); they are harmless once they expire (clear-expired)."],
      details: Object.fromEntries(corrupt),
    });
  }
  if (tooLarge > 0) {
    checks.push({
      id: "large-rows",
      status: "info",
      message: `${plural(tooLarge, "row")} decode to more than the size cap (--max-size, the library's maxSize, default 1 MiB)`,
      fix: ["Raise maxSize in the library if such sessions are expected; a repository refuses to load them rather than overwrite them."],
      details: { tooLarge },
    });
  }
  return checks;
}

const DJANGO_TEXT = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{6})?$/;

/** SQLite keeps whatever text a writer gave; Django compares it as text, so only its own form orders right. */
export function sqliteFormatCheck(rows: SampledRow[], table: string): Check {
  const notText = rows.filter((r) => r.kind !== undefined && r.kind !== "text").length;
  const iso = rows.filter((r) => r.kind === "text" && typeof r.rawExpire === "string" && !DJANGO_TEXT.test(r.rawExpire) && r.expire !== null).length;
  const unreadable = rows.filter((r) => r.expire === null).length;
  if (notText + iso + unreadable === 0) {
    return { id: "expire-date-format", status: "ok", message: `expire_date is Django's text (YYYY-MM-DD HH:MM:SS[.ffffff]) in every sampled row` };
  }
  const lines = [];
  if (iso) lines.push(`${iso} in ISO form (a "T", an offset or "Z"): SQLite compares text, so they expire at the wrong time ("T" sorts after Django's space)`);
  if (notText) lines.push(`${notText} stored as numbers, not text: they sort before every date, so Django deletes them as expired and never loads them`);
  if (unreadable - notText > 0) lines.push(`${unreadable - notText} unreadable as a date`);
  return {
    id: "expire-date-format",
    status: "fail",
    message: `${plural(notText + iso + Math.max(0, unreadable - notText), "row")} hold expire_date in a form Django does not write`,
    lines,
    fix: [
      "Fix the writer: Django (and this library's adapters) write UTC text YYYY-MM-DD HH:MM:SS[.ffffff].",
      ...(iso ? [`Rewrite the ISO rows: UPDATE "${table}" SET expire_date = datetime(expire_date) WHERE expire_date LIKE '%T%' OR expire_date LIKE '%Z' OR expire_date LIKE '%+%';`] : []),
    ],
    details: { iso, notText, unreadable },
  };
}

const QUARTER_HOUR = 900;
const MAX_OFFSET = 14 * 3600;

function formatOffset(seconds: number): string {
  const sign = seconds < 0 ? "−" : "+";
  const m = Math.round(Math.abs(seconds) / 60);
  return `UTC${sign}${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

/**
 * The USE_TZ heuristic: a session saved just now expires at now + SESSION_COOKIE_AGE, so the
 * newest `expire_date` sits just under that. Newer than that by a whole number of quarter hours
 * means naive local time ahead of UTC (Django with USE_TZ = False); short of it by a clean
 * quarter-hour multiple hints at local time behind UTC (or a quiet site).
 */
export function useTzCheck(rows: SampledRow[], context: { now: Date; cookieAge: number; skewMs: number; time: DjangoTimeOptions; dialect: string }): Check {
  const deltas = rows.filter((r) => r.expire !== null).map((r) => (r.expire!.getTime() - context.now.getTime()) / 1000);
  const assumed = context.time.useTz === false ? `USE_TZ = False, TIME_ZONE = ${context.time.timeZone ?? "UTC"}` : "USE_TZ = True (UTC)";
  if (deltas.length === 0) return { id: "use-tz", status: "skip", message: "no rows to compare expire_date with the cookie age" };
  const top = Math.max(...deltas);
  const excess = top - context.cookieAge;
  const tolerance = Math.max(120, Math.abs(context.skewMs) / 1000 + 60);
  const details = { newestExpiresInSeconds: Math.round(top), cookieAge: context.cookieAge, excessSeconds: Math.round(excess), assumed };
  const zoneFix = [
    "If Django runs with USE_TZ = False, pass --no-use-tz --time-zone <its TIME_ZONE> here and time: { useTz: false, timeZone } to DjangoSessionRepository; better, switch Django to USE_TZ = True (it then stores UTC).",
    "If SESSION_COOKIE_AGE is not the default two weeks, pass --cookie-age <seconds>.",
  ];
  if (excess > tolerance && excess <= MAX_OFFSET + tolerance) {
    const offset = Math.max(QUARTER_HOUR, Math.round(excess / QUARTER_HOUR) * QUARTER_HOUR);
    return {
      id: "use-tz",
      status: "warn",
      message: `the newest expire_date is ${formatDuration(excess)} past now + SESSION_COOKIE_AGE (${context.cookieAge} s) read as ${assumed}: the values look like local time at ${formatOffset(offset)}`,
      lines: ["(or SESSION_COOKIE_AGE is larger than --cookie-age, or some sessions have a longer set_expiry())"],
      fix: context.dialect === "postgres" ? ["timestamptz stores instants: look for a writer whose clock or time zone is off.", ...zoneFix.slice(1)] : zoneFix,
      details: { ...details, estimatedOffsetSeconds: offset },
    };
  }
  if (excess > tolerance) {
    return {
      id: "use-tz",
      status: "info",
      message: `some sessions expire ${formatDuration(excess)} past now + SESSION_COOKIE_AGE: a longer set_expiry() or a larger SESSION_COOKIE_AGE (--cookie-age)`,
      details,
    };
  }
  const short = -excess;
  const offset = Math.round(short / QUARTER_HOUR) * QUARTER_HOUR;
  if (short > tolerance && offset > 0 && offset <= MAX_OFFSET && Math.abs(short - offset) <= 120) {
    return {
      id: "use-tz",
      status: "info",
      message: `the newest expire_date is ${formatDuration(short)} short of now + SESSION_COOKIE_AGE read as ${assumed}: no session was saved in that time, or the values are local time at ${formatOffset(-offset)}`,
      fix: zoneFix,
      details: { ...details, estimatedOffsetSeconds: -offset },
    };
  }
  return { id: "use-tz", status: "ok", message: `expire_date values fit ${assumed}: the newest is now + ${formatDuration(Math.max(0, top))}`, details };
}
