const URLSAFE = /^[A-Za-z0-9_-]*$/;

/** `django.core.signing.b64_encode`: URL-safe base64 with every trailing `=` removed. */
export function b64Encode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

/**
 * `django.core.signing.b64_decode`, strict: Python silently drops characters outside the
 * alphabet, but every value we decode is already signature-checked, so anything odd is an error.
 * Returns `null` instead of throwing so decoders can report a typed reason.
 */
export function b64Decode(text: string): Buffer | null {
  if (text.length % 4 === 1 || !URLSAFE.test(text)) return null;
  return Buffer.from(text, "base64url");
}
