import { ImproperlyConfigured } from "./errors";
import { parseDjangoDateText, toDjangoDateText, type DjangoTimeOptions } from "./django-datetime";
import { PyDatetime } from "./pickle";

/** The session key Django keeps a custom expiry in. */
export const EXPIRY_KEY = "_session_expiry";

/**
 * A value `setExpiry` accepts, as Django's `set_expiry`: seconds of inactivity (`0` = expire at
 * browser close), an absolute `Date` (Django: `datetime`), `{ seconds }` relative to now (Django:
 * `timedelta`), or `null` to go back to the global policy.
 */
export type ExpiryValue = number | Date | { seconds: number } | null;

/**
 * What `_session_expiry` can hold when Django or we wrote it. A `PyDatetime` comes only from a
 * pickled cache entry (Django 3.2's `set_expiry(datetime | timedelta)` with the cache engine) and
 * counts as its `isoformat()`.
 */
export type StoredExpiry = number | string | PyDatetime | null | undefined;

/**
 * What the expiry math reads (Django's `get_expiry_age(expiry=...)`): a stored value, or a
 * `Date` such as a row's `expire_date` (Django passes `s.expire_date`, a `datetime`).
 */
export type ExpiryInput = StoredExpiry | Date;

/**
 * `_session_expiry` as read from a session's data (typed `unknown`): a value of another type (a
 * list, a boolean) reads as absent, so it counts as the cookie age, as the math below already did.
 */
export function toStoredExpiry(value: unknown): StoredExpiry {
  if (value === null || value === undefined || typeof value === "number" || typeof value === "string" || value instanceof PyDatetime) return value;
  return undefined;
}

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

// With USE_TZ = False, Django's expiry arithmetic runs on naive local datetimes: wall-clock
// time in TIME_ZONE, blind to DST (`naive_now + timedelta(seconds=n)`, `naive_expiry - naive_now`).
// Across a DST change that differs from instant arithmetic by the shift, so the helpers below
// do the same on wall-clock milliseconds ("the wall-clock time written as if it were UTC").
const naiveTime = (time?: DjangoTimeOptions): time is DjangoTimeOptions => time?.useTz === false;

/** Wall-clock time of an instant in TIME_ZONE, as epoch ms of the same reading in UTC; NaN outside Python's years. */
function wallMs(date: Date, time: DjangoTimeOptions): number {
  try {
    return parseDjangoDateText(toDjangoDateText(date, time))?.getTime() ?? NaN;
  } catch {
    return NaN;
  }
}

/** The instant a wall-clock reading (as from `wallMs`) names in TIME_ZONE (fold=0, as Python); null if none. */
function fromWallMs(wall: number, time: DjangoTimeOptions): Date | null {
  try {
    return parseDjangoDateText(toDjangoDateText(new Date(wall)), time);
  } catch {
    return null;
  }
}

const HAS_OFFSET = /(?:Z|[+-]\d\d(?::?\d\d)?)$/;

/**
 * `SessionBase.get_expiry_age(modification=..., expiry=...)`: falsy → cookie age; int → itself;
 * a date (a `Date`, or a stored ISO string) → whole seconds until it, floored (Django's
 * `delta.days * 86400 + delta.seconds`), which may be negative.
 */
export function expiryAge(expiry: ExpiryInput, context: ExpiryContext): number {
  if (expiry instanceof PyDatetime) expiry = expiry.isoformat();
  if (expiry instanceof Date) return dateAge(expiry, context);
  if (!expiry) return context.cookieAge;
  if (typeof expiry === "number") return expiry;
  const date = parseStoredDate(expiry, context.time);
  // An unreadable value would crash Django (TypeError); the cookie age is the safe reading.
  if (date === null) return context.cookieAge;
  if (naiveTime(context.time) && !HAS_OFFSET.test(expiry)) {
    // naive - naive: the wall-clock difference.
    const wall = parseDjangoDateText(expiry)!.getTime() - wallMs(context.modification, context.time);
    if (!Number.isNaN(wall)) return Math.floor(wall / 1000);
  }
  return Math.floor((date.getTime() - context.modification.getTime()) / 1000);
}

/**
 * Seconds from `modification` until an instant, floored. With USE_TZ = False the instant stands
 * for a naive `expire_date` (the adapter read it as wall-clock time in TIME_ZONE), and Django
 * subtracts naive datetimes: the wall-clock difference, blind to a DST change in between.
 */
function dateAge(date: Date, context: ExpiryContext): number {
  // An invalid Date cannot come from a row; like an unreadable string, it reads as the cookie age.
  if (Number.isNaN(date.getTime())) return context.cookieAge;
  if (naiveTime(context.time)) {
    const wall = wallMs(date, context.time) - wallMs(context.modification, context.time);
    if (!Number.isNaN(wall)) return Math.floor(wall / 1000);
  }
  return Math.floor((date.getTime() - context.modification.getTime()) / 1000);
}

/**
 * `SessionBase.get_expiry_date(...)`: a date (a `Date`, or a stored ISO string) as is; otherwise
 * `modification + (expiry or cookie age)` seconds (so `0` and `null` both give the cookie age).
 */
export function expiryDate(expiry: ExpiryInput, context: ExpiryContext): Date {
  if (expiry instanceof PyDatetime) expiry = expiry.isoformat();
  if (expiry instanceof Date && !Number.isNaN(expiry.getTime())) return new Date(expiry.getTime());
  if (typeof expiry === "string") {
    const date = parseStoredDate(expiry, context.time);
    if (date !== null) return date;
  }
  const seconds = typeof expiry === "number" && expiry ? expiry : context.cookieAge;
  if (naiveTime(context.time)) {
    // naive_now + timedelta(seconds): the instant Django's naive result names (so the stored
    // text is Django's; a reading a DST gap skips is the one thing a Date cannot name).
    const date = fromWallMs(wallMs(context.modification, context.time) + seconds * 1000, context.time);
    if (date !== null) return date;
  }
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
    // Seconds such that Django's own arithmetic (wall-clock time with USE_TZ = False) lands on it.
    const wall = naiveTime(options.time) ? wallMs(date, options.time) - wallMs(now, options.time) : NaN;
    const seconds = Math.ceil((Number.isNaN(wall) ? date.getTime() - now.getTime() : wall) / 1000);
    return seconds === 0 ? -1 : seconds; // 0 would mean "at browser close", not "now"
  }
  return toPythonIsoformat(date, options.time);
}

/** The oldest Django version that shares the sessions; it decides how custom expiry is stored. */
export type OldestDjangoVersion = "3.2" | "4.2" | "5.2";

/**
 * Whether custom expiry must be stored as integer seconds (the only form Django 3.2 reads),
 * validating the `oldestDjangoVersion` option. Throws `ImproperlyConfigured` for another value.
 */
export function integerExpiryOnly(version: unknown = "4.2"): boolean {
  if (version !== "3.2" && version !== "4.2" && version !== "5.2") {
    throw new ImproperlyConfigured(`oldestDjangoVersion must be "3.2", "4.2" or "5.2" (got ${JSON.stringify(version)}).`);
  }
  return version === "3.2";
}
