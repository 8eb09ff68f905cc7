import { parseDjangoDateText, toDjangoDateText, type DjangoTimeOptions } from "./django-datetime";

/** The session key Django keeps a custom expiry in. */
export const EXPIRY_KEY = "_session_expiry";

/**
 * A value `setExpiry` accepts, as Django's `set_expiry`: seconds of inactivity (`0` = expire at
 * browser close), an absolute `Date` (Django: `datetime`), `{ seconds }` relative to now (Django:
 * `timedelta`), or `null` to go back to the global policy.
 */
export type ExpiryValue = number | Date | { seconds: number } | null;

/** What `_session_expiry` can hold when Django or we wrote it. */
export type StoredExpiry = number | string | null | undefined;

export interface ExpiryContext {
  /** `SESSION_COOKIE_AGE` (or an overridden `get_session_cookie_age()`), in seconds. */
  cookieAge: number;
  /** The time of the calculation (Django: `modification`, default `timezone.now()`). */
  modification: Date;
  /** How naive ISO strings are read (`USE_TZ`/`TIME_ZONE`). */
  time?: DjangoTimeOptions;
}

/** A stored string expiry as an instant (4.1+ writes `datetime.isoformat()`); `null` if unreadable. */
function parseStoredDate(expiry: string, time?: DjangoTimeOptions): Date | null {
  return parseDjangoDateText(expiry, time);
}

/**
 * `SessionBase.get_expiry_age(modification=..., expiry=...)`: falsy → cookie age; int → itself;
 * a date → whole seconds until it, floored (Django's `delta.days * 86400 + delta.seconds`), which
 * may be negative.
 */
export function expiryAge(expiry: StoredExpiry, context: ExpiryContext): number {
  if (!expiry) return context.cookieAge;
  if (typeof expiry === "number") return expiry;
  const date = typeof expiry === "string" ? parseStoredDate(expiry, context.time) : null;
  // An unreadable value would crash Django (TypeError); the cookie age is the safe reading.
  if (date === null) return context.cookieAge;
  return Math.floor((date.getTime() - context.modification.getTime()) / 1000);
}

/**
 * `SessionBase.get_expiry_date(...)`: a stored date as is; otherwise `modification + (expiry or
 * cookie age)` seconds (so `0` and `null` both give the cookie age).
 */
export function expiryDate(expiry: StoredExpiry, context: ExpiryContext): Date {
  if (typeof expiry === "string") {
    const date = parseStoredDate(expiry, context.time);
    if (date !== null) return date;
  }
  const seconds = typeof expiry === "number" && expiry ? expiry : context.cookieAge;
  return new Date(context.modification.getTime() + seconds * 1000);
}

/**
 * Python's `datetime.isoformat()` of an instant: `2023-11-14T23:13:20.250000+00:00` when aware
 * (USE_TZ, always `+00:00`, never `Z`), naive wall-clock time in `TIME_ZONE` otherwise; the
 * fraction is omitted when the microseconds are zero.
 */
export function toPythonIsoformat(date: Date, time?: DjangoTimeOptions): string {
  const text = toDjangoDateText(date, time).replace(" ", "T");
  return time?.useTz === false ? text : `${text}+00:00`;
}

/**
 * What `set_expiry(value)` stores under `_session_expiry` (`undefined` = remove the key).
 * Django 4.1+ stores dates as ISO strings; 3.2 stored `datetime` objects that its JSON
 * serializer cannot write, and it crashes on strings, so for a 3.2 reader we store the same
 * moment as integer seconds from now.
 */
export function storedExpiry(value: ExpiryValue, now: Date, options: { integerOnly: boolean; time?: DjangoTimeOptions }): StoredExpiry {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("setExpiry() needs a finite number of seconds");
    return Math.trunc(value);
  }
  const date =
    value instanceof Date ? value : typeof value === "object" && typeof value.seconds === "number" ? new Date(now.getTime() + value.seconds * 1000) : null;
  if (date === null || Number.isNaN(date.getTime())) {
    throw new TypeError("setExpiry() takes seconds, a Date, { seconds } or null");
  }
  if (options.integerOnly) {
    const seconds = Math.ceil((date.getTime() - now.getTime()) / 1000);
    return seconds === 0 ? -1 : seconds; // 0 would mean "at browser close", not "now"
  }
  return toPythonIsoformat(date, options.time);
}
