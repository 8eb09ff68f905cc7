import { constantTimeEqual } from "../../core/crypto";

/** `django.middleware.csrf`'s sizes, alphabet and session key. */
export const CSRF_SECRET_LENGTH = 32;
export const CSRF_TOKEN_LENGTH = 2 * CSRF_SECRET_LENGTH;
export const CSRF_SESSION_KEY = "_csrftoken";
const CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const INDEX = new Map([...CHARS].map((c, i) => [c, i]));
// Callers check the format first (csrfTokenFormatError), so every character is in CHARS.
const at = (text: string, i: number) => INDEX.get(text.charAt(i)) ?? 0;

/**
 * `_get_new_csrf_string()`: 32 characters of `[a-zA-Z0-9]`, uniformly random. Web Crypto, not
 * node:crypto: the Hono CSRF middleware runs on Workers, Bun and Deno too. Bytes of 248 and above
 * are dropped (248 = 4 × 62), so every character is equally likely.
 */
export function newCsrfSecret(): string {
  let out = "";
  const bytes = new Uint8Array(64);
  while (out.length < CSRF_SECRET_LENGTH) {
    globalThis.crypto.getRandomValues(bytes);
    for (const byte of bytes) {
      if (byte < 248 && out.length < CSRF_SECRET_LENGTH) out += CHARS.charAt(byte % CHARS.length);
    }
  }
  return out;
}

/** `_mask_cipher_secret(secret)`: a fresh mask and the secret shifted by it (BREACH), as `get_token` returns. */
export function maskCsrfSecret(secret: string, mask = newCsrfSecret()): string {
  let cipher = "";
  for (let i = 0; i < secret.length; i++) cipher += CHARS.charAt((at(secret, i) + at(mask, i)) % CHARS.length);
  return mask + cipher;
}

/** `_unmask_cipher_token(token)`: the secret of a 64-character masked token. */
export function unmaskCsrfToken(token: string): string {
  const mask = token.slice(0, CSRF_SECRET_LENGTH);
  let secret = "";
  for (let i = 0; i < CSRF_SECRET_LENGTH; i++) {
    // Python's negative index wraps; here the modulo does.
    secret += CHARS.charAt((at(token, CSRF_SECRET_LENGTH + i) - at(mask, i) + CHARS.length) % CHARS.length);
  }
  return secret;
}

/** `_check_token_format`: Django's reason (`"has incorrect length"`, `"has invalid characters"`), or `null`. */
export function csrfTokenFormatError(token: string): string | null {
  if (token.length !== CSRF_TOKEN_LENGTH && token.length !== CSRF_SECRET_LENGTH) return "has incorrect length";
  if (/[^a-zA-Z0-9]/.test(token)) return "has invalid characters";
  return null;
}

/** `_does_token_match`: a well-formed token (masked or not) against the secret, in constant time. */
export function csrfTokenMatches(token: string, secret: string): boolean {
  const unmasked = token.length === CSRF_TOKEN_LENGTH ? unmaskCsrfToken(token) : token;
  return constantTimeEqual(unmasked, secret);
}
