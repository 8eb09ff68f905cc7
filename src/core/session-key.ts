import { platform } from "./platform";

/** Django's `VALID_KEY_CHARS`: lowercase so case-insensitive stores behave. */
export const VALID_KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";
/** Length of a key Django generates. */
export const SESSION_KEY_LENGTH = 32;
/** `django_session.session_key` is `varchar(40)`. */
export const MAX_SESSION_KEY_LENGTH = 40;

// 252 = 7 × 36: bytes at or above it are dropped so every character is equally likely, as
// with Python's `secrets.choice`.
const UNBIASED_LIMIT = 252;

/** `get_random_string(32, VALID_KEY_CHARS)` from a CSPRNG (~165 bits). */
export function generateSessionKey(): string {
  let key = "";
  while (key.length < SESSION_KEY_LENGTH) {
    for (const byte of platform.randomBytes(SESSION_KEY_LENGTH + 8)) {
      if (byte < UNBIASED_LIMIT) key += VALID_KEY_CHARS[byte % 36];
      if (key.length === SESSION_KEY_LENGTH) break;
    }
  }
  return key;
}

/**
 * `SessionBase._validate_session_key`: a key must be truthy and at least 8 characters, else it is
 * no key at all (`null`). Like Django there is no charset check here; a key that cannot exist in
 * the table (too long, odd characters) simply finds no row.
 */
export function validateSessionKey(key: unknown): string | null {
  if (typeof key !== "string") return null;
  // Python's len() counts code points; `.length` counts UTF-16 units (an emoji is 2).
  if (key.length >= 16) return key;
  let codePoints = 0;
  for (const _ of key) codePoints++;
  return codePoints >= 8 ? key : null;
}
