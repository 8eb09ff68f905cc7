/**
 * The expiry math given a `Date` (issue 11): Django's `get_expiry_age(expiry=s.expire_date)`,
 * which cached_db uses for the lifetime of a cache entry filled from the database.
 */
import { PyDatetime, expiryAge, expiryDate } from "../../src/low-level";
import { toStoredExpiry } from "../../src/core/expiry";

const COOKIE_AGE = 1_209_600;
const now = new Date("2024-06-01T12:00:00.000Z");

describe("expiryAge with a Date (a row's expire_date)", () => {
  test("the whole seconds left, floored, not the cookie age", () => {
    const context = { cookieAge: COOKIE_AGE, modification: now };
    expect(expiryAge(new Date(now.getTime() + 600_000), context)).toBe(600);
    expect(expiryAge(new Date(now.getTime() + 600_999), context)).toBe(600);
    expect(expiryAge(new Date(now.getTime() + 400), context)).toBe(0);
    // Past: negative, floored as Python's timedelta (-0.5 s is days=-1, seconds=86399 → -1).
    expect(expiryAge(new Date(now.getTime() - 500), context)).toBe(-1);
    expect(expiryAge(new Date(now.getTime() - 30_000), context)).toBe(-30);
  });

  test("USE_TZ = False: naive minus naive, the wall-clock difference across a DST change", () => {
    // Europe/Paris springs forward at 2024-03-31 01:00 UTC: 01:30 CET to 04:30 CEST is 2 h of
    // real time but 3 h between the naive datetimes Django subtracts.
    const time = { useTz: false, timeZone: "Europe/Paris" };
    const modification = new Date("2024-03-31T00:30:00Z");
    const expire = new Date("2024-03-31T02:30:00Z");
    expect(expiryAge(expire, { cookieAge: COOKIE_AGE, modification, time })).toBe(3 * 3600);
    expect(expiryAge(expire, { cookieAge: COOKIE_AGE, modification })).toBe(2 * 3600);
    // Away from a change the zone's offset cancels out.
    expect(expiryAge(new Date(now.getTime() + 600_000), { cookieAge: COOKIE_AGE, modification: now, time: { useTz: false, timeZone: "Asia/Kolkata" } })).toBe(600);
  });

  test("an invalid Date reads as the cookie age, as an unreadable stored value does", () => {
    expect(expiryAge(new Date(NaN), { cookieAge: COOKIE_AGE, modification: now })).toBe(COOKIE_AGE);
  });
});

describe("expiryDate with a Date", () => {
  test("the date itself (a copy)", () => {
    const expire = new Date(now.getTime() + 600_000);
    const result = expiryDate(expire, { cookieAge: COOKIE_AGE, modification: now });
    expect(result.getTime()).toBe(expire.getTime());
    expect(result).not.toBe(expire);
  });
});

describe("toStoredExpiry: _session_expiry read from session data", () => {
  test("the stored forms pass through; anything else is absent (the cookie age)", () => {
    const py = new PyDatetime(2024, 6, 1, 12, 10, 0, 0, null);
    for (const value of [600, "2024-06-01T12:10:00+00:00", py, null, undefined]) expect(toStoredExpiry(value)).toBe(value);
    for (const value of [true, [600], { seconds: 600 }, 600n]) expect(toStoredExpiry(value)).toBeUndefined();
    expect(expiryAge(toStoredExpiry([600]), { cookieAge: COOKIE_AGE, modification: now })).toBe(COOKIE_AGE);
  });
});
