/** `newCsrfSecret()` (Web Crypto with rejection sampling): Django's length and alphabet, every character reachable. */
import { CSRF_SECRET_LENGTH, newCsrfSecret } from "../../src/auth/csrf";

test("32 characters of [a-zA-Z0-9], all 62 of them in use, never the same secret twice", () => {
  const seen = new Set<string>();
  const secrets = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const secret = newCsrfSecret();
    expect(secret).toMatch(/^[a-zA-Z0-9]{32}$/);
    secrets.add(secret);
    for (const c of secret) seen.add(c);
  }
  expect(CSRF_SECRET_LENGTH).toBe(32);
  expect(seen.size).toBe(62);
  expect(secrets.size).toBe(2000);
});
