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

// One formatter per zone: constructing an Intl.DateTimeFormat costs far more than using one.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The zone naive values are in, or `null` for UTC. */
function naiveZone(options: DjangoTimeOptions): string | null {
  return options.useTz === false && options.timeZone && options.timeZone !== "UTC" ? options.timeZone : null;
}

type Fields = [year: number, month: number, day: number, hour: number, minute: number, second: number];

/** Wall-clock fields of an instant in a time zone (UTC unless `useTz` is false). */
function wallClock(date: Date, options: DjangoTimeOptions = {}): Fields {
  const zone = naiveZone(options);
  if (zone === null) {
    return [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()];
  }
  const parts = formatterFor(zone).formatToParts(date);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return [get("year"), get("month"), get("day"), get("hour"), get("minute"), get("second")];
}

/** `Date.UTC` without its two-digit-year rule (which maps year 50 to 1950). */
function utc(year: number, month: number, day: number, hour: number, minute: number, second: number, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

/**
 * Python `str(datetime)` of the instant as Django stores it: `YYYY-MM-DD HH:MM:SS[.ffffff]`.
 * Throws `RangeError` for an invalid `Date` or one outside Python's years 1–9999.
 */
export function toDjangoDateText(date: Date, options?: DjangoTimeOptions): string {
  if (Number.isNaN(date.getTime())) throw new RangeError("Invalid Date");
  const [y, mo, d, h, mi, s] = wallClock(date, options);
  if (y < 1 || y > 9999) throw new RangeError(`Year ${y} is outside Python's datetime range (1-9999)`);
  const base = `${pad(y, 4)}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(s)}`;
  const ms = date.getUTCMilliseconds();
  return ms === 0 ? base : `${base}.${pad(ms * 1000, 6)}`;
}

const DATE_TEXT = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?(Z|[+-]\d\d(?::?\d\d)?)?$/;

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Reads Django's stored or ISO text (`2026-12-10 06:34:07.123456`, `...T...+00:00`, `...Z`).
 * A naive value is UTC, or `TIME_ZONE` wall-clock time when `useTz` is false; a wall-clock time
 * that a DST change makes ambiguous or skips is read as Python's `fold=0` does (with the
 * offset in effect before the change). Sub-millisecond digits are dropped (JS `Date` has
 * milliseconds only). Returns `null` for anything else, including impossible dates such as
 * February 30th, which `datetime` refuses too.
 */
export function parseDjangoDateText(text: string, options: DjangoTimeOptions = {}): Date | null {
  if (typeof text !== "string") return null;
  const m = DATE_TEXT.exec(text);
  if (!m) return null;
  // Groups 1 to 5 always take part in a match of DATE_TEXT.
  const [year, month, day, hour, minute] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])];
  const second = m[6] ? +m[6] : 0;
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const ms = m[7] ? Number(m[7].padEnd(6, "0").slice(0, 3)) : 0;
  let t = utc(year, month, day, hour, minute, second, ms);
  if (m[8] && m[8] !== "Z") {
    const sign = m[8][0] === "-" ? -1 : 1;
    const digits = m[8].slice(1).replace(":", "");
    const [offH, offM] = [Number(digits.slice(0, 2)), Number(digits.slice(2, 4) || 0)];
    if (offH > 23 || offM > 59) return null;
    t -= sign * (offH * 60 + offM) * 60_000;
  } else if (!m[8]) {
    const zone = naiveZone(options);
    if (zone !== null) t -= naiveOffsetMs(t, zone);
  }
  const date = new Date(t);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Offset of `timeZone` from UTC (ms) at the instant `instant`. */
function offsetAt(instant: number, timeZone: string): number {
  const [y, mo, d, h, mi, s] = wallClock(new Date(instant), { useTz: false, timeZone });
  const ms = ((instant % 1000) + 1000) % 1000;
  return utc(y, mo, d, h, mi, s, ms) - instant;
}

const DAY_MS = 86_400_000;

/**
 * The offset to subtract from the wall-clock time `wall` (written as if UTC) to get the instant,
 * resolved like Python's `fold=0`: in an ambiguous hour the first occurrence, in a skipped hour
 * the offset from before the change. Assumes at most one change within a day either side.
 */
function naiveOffsetMs(wall: number, timeZone: string): number {
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  if (before === after) return before;
  if (offsetAt(wall - before, timeZone) === before) return before;
  if (offsetAt(wall - after, timeZone) === after) return after;
  return before;
}
