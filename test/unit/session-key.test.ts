import { generateSessionKey, SESSION_KEY_LENGTH, VALID_KEY_CHARS, validateSessionKey } from "../../src/core/session-key";

describe("generateSessionKey", () => {
  // Django: get_random_string(32, VALID_KEY_CHARS), VALID_KEY_CHARS = ascii_lowercase + digits.
  test("is 32 characters of [a-z0-9], SESSION_KEY_LENGTH characters drawn from VALID_KEY_CHARS", () => {
    for (let i = 0; i < 200; i++) {
      const key = generateSessionKey();
      expect(key).toMatch(/^[a-z0-9]{32}$/);
      expect(key).toHaveLength(SESSION_KEY_LENGTH);
      for (const c of key) expect(VALID_KEY_CHARS).toContain(c);
    }
  });

  test("draws each of the 36 characters about equally often", () => {
    const counts = new Map<string, number>();
    const keys = 5000;
    for (let i = 0; i < keys; i++) for (const c of generateSessionKey()) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(36);
    expect([...counts.keys()].sort().join("")).toBe([...VALID_KEY_CHARS].sort().join(""));
    const expected = (keys * 32) / 36;
    // Chi-square with 35 degrees of freedom: the 0.9999 quantile is about 77; a modulo bias
    // (256 % 36 = 4 characters 1/7 more likely) gives several hundred at this sample size.
    let chiSquare = 0;
    for (const count of counts.values()) chiSquare += (count - expected) ** 2 / expected;
    expect(chiSquare).toBeLessThan(90);
    for (const count of counts.values()) expect(Math.abs(count - expected) / expected).toBeLessThan(0.1);
  });

  test("does not repeat", () => {
    const keys = new Set(Array.from({ length: 2000 }, generateSessionKey));
    expect(keys.size).toBe(2000);
  });
});

describe("validateSessionKey (SessionBase._validate_session_key, spec §4)", () => {
  test.each([
    ["the empty string", ""],
    ["7 characters", "1234567"],
    ["null", null],
    ["undefined", undefined],
    ["a number", 12345678],
    ["an array", ["12345678"]],
    ["4 emoji (8 UTF-16 units, but 4 characters to Python)", "🐍🐍🐍🐍"],
  ])("%s → null", (_name, key) => {
    expect(validateSessionKey(key)).toBeNull();
  });

  test.each([
    ["8 characters", "12345678"],
    ["a generated key", "abcdefghijklmnopqrstuvwxyz012345"],
    ["8 emoji", "🐍".repeat(8)],
    // No charset or length check: such a key simply finds no row.
    ["odd characters", "ABC DEF/..;"],
    ["longer than the column", "x".repeat(100)],
  ])("%s is kept as it is", (_name, key) => {
    expect(validateSessionKey(key)).toBe(key);
  });
});
