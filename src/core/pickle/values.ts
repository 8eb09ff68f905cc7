/** The Python values a session holds, as the reader gives them and the writer takes them. */
import { PickleError } from "./errors";

/**
 * Python's `datetime.datetime`, as read from a pickle: the exact fields, naive (`utcOffset`
 * `null`) or aware with a fixed UTC offset in seconds (`datetime.timezone`, or `pytz.utc`).
 * Written back as `datetime.datetime` with a `datetime.timezone` tzinfo.
 */
export class PyDatetime {
  constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number,
    readonly hour = 0,
    readonly minute = 0,
    readonly second = 0,
    readonly microsecond = 0,
    /** Seconds east of UTC, or `null` for a naive datetime. */
    readonly utcOffset: number | null = null,
    readonly fold: 0 | 1 = 0,
  ) {
    const ok =
      isIntIn(year, 1, 9999) &&
      isIntIn(month, 1, 12) &&
      isIntIn(day, 1, daysInMonth(year, month)) &&
      isIntIn(hour, 0, 23) &&
      isIntIn(minute, 0, 59) &&
      isIntIn(second, 0, 59) &&
      isIntIn(microsecond, 0, 999999) &&
      (utcOffset === null || isIntIn(utcOffset, -86399, 86399)) &&
      (fold === 0 || fold === 1);
    if (!ok) throw new PickleError("malformed", "datetime field out of range");
  }

  /** An aware datetime at this instant in UTC (millisecond precision of `date`). */
  static fromDate(date: Date): PyDatetime {
    if (Number.isNaN(date.getTime())) throw new PickleError("unsupported", "invalid Date");
    return new PyDatetime(
      date.getUTCFullYear(),
      date.getUTCMonth() + 1,
      date.getUTCDate(),
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
      date.getUTCMilliseconds() * 1000,
      0,
    );
  }

  /** Python's `isoformat()`: `2023-11-14T22:13:20.250000+00:00` (no fraction when 0; no offset when naive). */
  isoformat(): string {
    const p = (n: number, w = 2) => String(n).padStart(w, "0");
    let text = `${p(this.year, 4)}-${p(this.month)}-${p(this.day)}T${p(this.hour)}:${p(this.minute)}:${p(this.second)}`;
    if (this.microsecond) text += `.${p(this.microsecond, 6)}`;
    if (this.utcOffset !== null) {
      const sign = this.utcOffset < 0 ? "-" : "+";
      const off = Math.abs(this.utcOffset);
      text += `${sign}${p(Math.floor(off / 3600))}:${p(Math.floor(off / 60) % 60)}`;
      if (off % 60) text += `:${p(off % 60)}`;
    }
    return text;
  }

  /** The instant, for an aware datetime; a naive one is read as UTC. Sub-millisecond digits are dropped. */
  toDate(): Date {
    const ms = Date.UTC(this.year, this.month - 1, this.day, this.hour, this.minute, this.second, Math.floor(this.microsecond / 1000));
    // Date.UTC maps years 0–99 to 1900+; set the full year explicitly.
    const date = new Date(ms);
    date.setUTCFullYear(this.year);
    return new Date(date.getTime() - (this.utcOffset ?? 0) * 1000);
  }

  toJSON(): string {
    return this.isoformat();
  }

  toString(): string {
    return this.isoformat();
  }
}

/** What the safe subset reads and writes. */
export type PickleValue = null | boolean | number | bigint | string | PyDatetime | PickleValue[] | { [key: string]: PickleValue };

function isIntIn(n: unknown, lo: number, hi: number): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= lo && n <= hi;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** A `dict` (an object literal or `Object.create(null)`), as opposed to a class instance, Map, Date, ... */
export function isPlainDict(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
