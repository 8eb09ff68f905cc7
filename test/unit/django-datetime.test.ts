import { parseDjangoDateText, toDjangoDateText } from "../../src/core/django-datetime";

// Expected texts were checked by hand against Python 3.11 (`str(datetime)`,
// `datetime.fromisoformat`, `zoneinfo`).

const utc = (iso: string) => new Date(iso);

describe("toDjangoDateText (Python str(datetime) of expire_date)", () => {
  test("omits .ffffff when the milliseconds are 0", () => {
    expect(toDjangoDateText(utc("2026-12-10T06:34:07Z"))).toBe("2026-12-10 06:34:07");
  });

  test("writes six fraction digits otherwise", () => {
    expect(toDjangoDateText(utc("2026-12-10T06:34:07.123Z"))).toBe("2026-12-10 06:34:07.123000");
    expect(toDjangoDateText(utc("2023-01-01T00:00:00.001Z"))).toBe("2023-01-01 00:00:00.001000");
  });

  test("pads years below 1000 to four digits", () => {
    expect(toDjangoDateText(utc("0050-01-02T03:04:05Z"))).toBe("0050-01-02 03:04:05");
  });

  test("refuses an invalid Date and years Python's datetime cannot hold", () => {
    expect(() => toDjangoDateText(new Date(NaN))).toThrow(RangeError);
    expect(() => toDjangoDateText(utc("+010000-01-01T00:00:00Z"))).toThrow(RangeError);
    expect(() => toDjangoDateText(utc("0000-06-01T00:00:00Z"))).toThrow(RangeError);
  });

  describe("is UTC regardless of the process time zone", () => {
    const saved = process.env.TZ;
    afterEach(() => {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    });

    test.each(["America/New_York", "Asia/Kolkata", "Pacific/Chatham", "UTC"])("TZ=%s", (tz) => {
      process.env.TZ = tz;
      const date = utc("2023-03-12T07:30:00.250Z");
      expect(toDjangoDateText(date)).toBe("2023-03-12 07:30:00.250000");
      expect(toDjangoDateText(date, { useTz: true, timeZone: "Europe/Paris" })).toBe("2023-03-12 07:30:00.250000");
      expect(parseDjangoDateText("2023-03-12 07:30:00.25")).toEqual(date);
    });
  });
});

describe("parseDjangoDateText", () => {
  test.each([
    ["Django's stored text", "2026-12-10 06:34:07.123456", "2026-12-10T06:34:07.123Z"],
    ["no fraction", "2026-12-10 06:34:07", "2026-12-10T06:34:07.000Z"],
    ["a short fraction", "2026-12-10 06:34:07.5", "2026-12-10T06:34:07.500Z"],
    ["no seconds", "2026-12-10 06:34", "2026-12-10T06:34:00.000Z"],
    ["ISO with +00:00", "2023-11-14T23:13:20.250000+00:00", "2023-11-14T23:13:20.250Z"],
    ["ISO with Z", "2023-11-14T23:13:20Z", "2023-11-14T23:13:20.000Z"],
    ["a +05:30 offset", "2023-01-01T00:00:00+05:30", "2022-12-31T18:30:00.000Z"],
    ["a -0330 offset", "2023-01-01T00:00:00-0330", "2023-01-01T03:30:00.000Z"],
    ["a +05 offset", "2023-01-01T00:00:00+05", "2022-12-31T19:00:00.000Z"],
    ["29 February of a leap year", "2024-02-29 00:00:00", "2024-02-29T00:00:00.000Z"],
    ["a year below 100 (not 19xx)", "0050-01-01 00:00:00", "0050-01-01T00:00:00.000Z"],
  ])("reads %s", (_name, text, iso) => {
    expect(parseDjangoDateText(text)?.toISOString()).toBe(iso);
  });

  test("an explicit offset wins over useTz: false", () => {
    expect(parseDjangoDateText("2023-07-01T12:00:00+00:00", { useTz: false, timeZone: "Europe/Paris" })?.toISOString()).toBe("2023-07-01T12:00:00.000Z");
  });

  test.each([
    ["garbage", "not a date"],
    ["the empty string", ""],
    ["a date only", "2023-01-01"],
    ["30 February", "2023-02-30 00:00:00"],
    ["29 February of a common year", "2023-02-29 00:00:00"],
    ["month 13", "2023-13-01 00:00:00"],
    ["month 0", "2023-00-10 00:00:00"],
    ["day 0", "2023-01-00 00:00:00"],
    ["hour 24", "2023-01-01 24:00:00"],
    ["minute 60", "2023-01-01 23:60:00"],
    ["second 60", "2023-01-01 23:59:60"],
    ["year 0", "0000-01-01 00:00:00"],
    ["an offset of 24 hours", "2023-01-01T00:00:00+24:00"],
    ["an offset minute of 60", "2023-01-01T00:00:00+01:60"],
    ["seven fraction digits", "2023-01-01 00:00:00.1234567"],
    ["trailing text", "2023-01-01 00:00:00 UTC"],
  ])("returns null for %s", (_name, text) => {
    expect(parseDjangoDateText(text)).toBeNull();
  });

  test("returns null for a non-string", () => {
    for (const value of [null, undefined, 0, new Date()]) expect(parseDjangoDateText(value as never)).toBeNull();
  });
});

describe("useTz: false stores naive wall-clock time in TIME_ZONE", () => {
  // [zone, instant, wall-clock text], across both DST changes of 2023 in each zone.
  const cases: ReadonlyArray<[string, string, string]> = [
    ["Europe/Paris", "2023-03-26T00:30:00.250Z", "2023-03-26 01:30:00.250000"],
    ["Europe/Paris", "2023-03-26T01:30:00Z", "2023-03-26 03:30:00"],
    ["Europe/Paris", "2023-07-01T12:00:00.123Z", "2023-07-01 14:00:00.123000"],
    ["Europe/Paris", "2023-10-29T02:30:00Z", "2023-10-29 03:30:00"],
    ["Europe/Paris", "2024-01-15T12:00:00Z", "2024-01-15 13:00:00"],
    ["America/New_York", "2023-03-12T06:59:59Z", "2023-03-12 01:59:59"],
    ["America/New_York", "2023-03-12T07:00:00Z", "2023-03-12 03:00:00"],
    ["America/New_York", "2023-07-01T12:00:00.123Z", "2023-07-01 08:00:00.123000"],
    ["America/New_York", "2023-11-05T07:30:00Z", "2023-11-05 02:30:00"],
    ["America/New_York", "2024-01-15T12:00:00Z", "2024-01-15 07:00:00"],
  ];

  test.each(cases)("%s: %s is written as %s and read back", (timeZone, iso, text) => {
    const options = { useTz: false, timeZone };
    expect(toDjangoDateText(utc(iso), options)).toBe(text);
    expect(parseDjangoDateText(text, options)?.toISOString()).toBe(utc(iso).toISOString());
  });

  test.each([
    // An hour that happens twice: the first occurrence (Python's fold=0).
    ["Europe/Paris", "2023-10-29 02:30:00", "2023-10-29T00:30:00.000Z"],
    ["America/New_York", "2023-11-05 01:30:00", "2023-11-05T05:30:00.000Z"],
    // An hour that never happens: the offset from before the change (Python's fold=0).
    ["Europe/Paris", "2023-03-26 02:30:00", "2023-03-26T01:30:00.000Z"],
    ["America/New_York", "2023-03-12 02:30:00", "2023-03-12T07:30:00.000Z"],
  ])("%s: %s, made ambiguous or skipped by DST, is read as Python's fold=0 (%s)", (timeZone, text, iso) => {
    expect(parseDjangoDateText(text, { useTz: false, timeZone })?.toISOString()).toBe(iso);
  });

  test("every 10 minutes through the DST weeks round trips, except the second pass of a repeated hour", () => {
    for (const [timeZone, from] of [
      ["Europe/Paris", "2023-03-25T00:00:00Z"],
      ["Europe/Paris", "2023-10-28T00:00:00Z"],
      ["America/New_York", "2023-03-11T00:00:00Z"],
      ["America/New_York", "2023-11-04T00:00:00Z"],
    ] as const) {
      const options = { useTz: false, timeZone };
      for (let t = Date.parse(from); t < Date.parse(from) + 2 * 86_400_000; t += 600_000) {
        const text = toDjangoDateText(new Date(t), options);
        const back = parseDjangoDateText(text, options)!.getTime();
        // A repeated wall-clock time names two instants an hour apart; fold=0 picks the first.
        expect([t, t - 3_600_000]).toContain(back);
        expect(toDjangoDateText(new Date(back), options)).toBe(text);
      }
    }
  });

  test("before 1970, with milliseconds, the offset is still whole", () => {
    const options = { useTz: false, timeZone: "Europe/Paris" };
    const date = utc("1969-07-20T20:17:40.500Z");
    const text = toDjangoDateText(date, options);
    expect(text).toBe("1969-07-20 21:17:40.500000");
    expect(parseDjangoDateText(text, options)?.toISOString()).toBe(date.toISOString());
  });

  test("an unknown zone is a configuration mistake (RangeError), not a date that reads as null", () => {
    expect(() => toDjangoDateText(new Date(0), { useTz: false, timeZone: "Mars/Olympus_Mons" })).toThrow(RangeError);
    expect(() => parseDjangoDateText("2023-01-01 00:00:00", { useTz: false, timeZone: "Mars/Olympus_Mons" })).toThrow(RangeError);
  });

  test("useTz: false without a zone, or with UTC, is UTC", () => {
    const date = utc("2023-07-01T12:00:00Z");
    expect(toDjangoDateText(date, { useTz: false })).toBe("2023-07-01 12:00:00");
    expect(toDjangoDateText(date, { useTz: false, timeZone: "UTC" })).toBe("2023-07-01 12:00:00");
    expect(parseDjangoDateText("2023-07-01 12:00:00", { useTz: false })).toEqual(date);
  });
});
