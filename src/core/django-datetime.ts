/**
 * `expire_date` as Django writes and compares it (spec §6.1). With `USE_TZ = True` every database
 * holds UTC: SQLite and MySQL/MariaDB as naive text/`datetime(6)`, PostgreSQL as `timestamptz`.
 * SQLite compares the text, so the exact form matters: Python's `str(datetime)`, a space
 * separator, and `.ffffff` only when the microseconds are not zero.
 *
 * With `USE_TZ = False` Django stores naive wall-clock time in `TIME_ZONE` instead.
 */
export interface DjangoTimeOptions {
  /** Django's `USE_TZ`. @default true */
  useTz?: boolean;
  /** Django's `TIME_ZONE`, used only when `useTz` is false (an IANA name). @default "UTC" */
  timeZone?: string;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Wall-clock fields of an instant in a time zone (UTC unless `useTz` is false). */
function wallClock(date: Date, options: DjangoTimeOptions = {}): [number, number, number, number, number, number] {
  if (options.useTz !== false || !options.timeZone || options.timeZone === "UTC") {
    return [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()];
  }
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: options.timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(date);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return [get("year"), get("month"), get("day"), get("hour"), get("minute"), get("second")];
}

/** Python `str(datetime)` of the instant as Django stores it: `YYYY-MM-DD HH:MM:SS[.ffffff]`. */
export function toDjangoDateText(date: Date, options?: DjangoTimeOptions): string {
  if (Number.isNaN(date.getTime())) throw new RangeError("Invalid Date");
  const [y, mo, d, h, mi, s] = wallClock(date, options);
  const base = `${pad(y, 4)}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(s)}`;
  const ms = date.getUTCMilliseconds();
  return ms === 0 ? base : `${base}.${pad(ms * 1000, 6)}`;
}

const DATE_TEXT = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?(Z|[+-]\d\d(?::?\d\d)?)?$/;

/**
 * Reads Django's stored or ISO text (`2026-12-10 06:34:07.123456`, `...T...+00:00`, `...Z`).
 * A naive value is UTC, or `TIME_ZONE` wall-clock time when `useTz` is false. Sub-millisecond
 * digits are dropped (JS `Date` has milliseconds only). Returns `null` for anything else.
 */
export function parseDjangoDateText(text: string, options: DjangoTimeOptions = {}): Date | null {
  const m = DATE_TEXT.exec(text);
  if (!m) return null;
  const ms = m[7] ? Number(m[7].padEnd(6, "0").slice(0, 3)) : 0;
  let t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], m[6] ? +m[6] : 0, ms);
  if (m[8] && m[8] !== "Z") {
    const sign = m[8][0] === "-" ? -1 : 1;
    const digits = m[8].slice(1).replace(":", "");
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0)) * 60_000;
  } else if (!m[8] && options.useTz === false && options.timeZone && options.timeZone !== "UTC") {
    t -= zoneOffsetMs(t, options.timeZone);
  }
  const date = new Date(t);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Offset of `timeZone` from UTC (ms) at about the wall-clock time `wallAsUtc`. */
function zoneOffsetMs(wallAsUtc: number, timeZone: string): number {
  // Two passes settle the offset across a DST change, as far as a naive time can be resolved.
  let offset = 0;
  for (let i = 0; i < 2; i++) {
    const [y, mo, d, h, mi, s] = wallClock(new Date(wallAsUtc - offset), { useTz: false, timeZone });
    offset = Date.UTC(y, mo - 1, d, h, mi, s) - (wallAsUtc - offset) + ((wallAsUtc - offset) % 1000);
  }
  return offset;
}
