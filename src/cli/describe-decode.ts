import { b62Decode } from "../core/base62";
import type { DecodeFailureReason, DecodeResult } from "../core/session-codec";

/** The key that verified a value, in Django's setting names. */
export function keyLabel(keyIndex: number): string {
  return keyIndex === 0 ? "SECRET_KEY" : `SECRET_KEY_FALLBACKS[${keyIndex - 1}]`;
}

/** `payload:timestamp:signature`, the shape of everything `signing.dumps` writes. */
const SIGNED_SHAPE = /^\.?[A-Za-z0-9_-]+:[0-9A-Za-z]+:[A-Za-z0-9_-]{27,}$/;

/** Whether a value at least looks like `signing.dumps` output (so a bad signature means another key, not garbage). */
export function looksSigned(value: string): boolean {
  return SIGNED_SHAPE.test(value);
}

/** When `signing.dumps` signed `value` (its base62 timestamp), or null. */
export function signedAt(value: string): Date | null {
  const parts = value.split(":");
  const timestamp = parts[parts.length - 2];
  if (parts.length < 3 || timestamp === undefined) return null;
  try {
    const seconds = b62Decode(timestamp);
    const date = new Date(seconds * 1000);
    return Number.isNaN(date.getTime()) ? null : date;
  } catch {
    return null;
  }
}

/** What a failure reason means, for an operator. */
export function explainFailure(reason: DecodeFailureReason, value: unknown, context: { cookieAge?: number } = {}): string {
  switch (reason) {
    case "bad-signature":
      return typeof value === "string" && looksSigned(value)
        ? "the signature matches neither SECRET_KEY nor any SECRET_KEY_FALLBACKS entry: another secret (or key salt) signed it, or it was altered"
        : "not a value Django signed (expected payload:timestamp:signature)";
    case "signature-expired":
      return `signed more than SESSION_COOKIE_AGE (${context.cookieAge ?? "--cookie-age"} s) ago: Django refuses it as expired`;
    case "bad-base64":
      return "the signature is valid but the payload is not base64: the value is corrupt";
    case "bad-zlib":
      return "the signature is valid but the compressed payload does not inflate: the value is corrupt";
    case "bad-json":
      return "the signature is valid but the payload is not JSON (a pickled session from PickleSerializer?)";
    case "not-an-object":
      return "the signature is valid but the JSON is not an object, so it is no session";
    case "too-large":
      return "larger than the size cap once decoded (raise --max-size to read it)";
    case "not-a-string":
      return "not a string";
    case "legacy-refused":
      return "the pre-Django-3.1 format, and its hash verifies: Django 4.0+ reads it as an empty session (add --legacy to read it as Django 3.2 does)";
    case "legacy-bad-hash":
      return "the pre-Django-3.1 format, but its hash does not match SECRET_KEY (the legacy format never used fallbacks)";
    case "legacy-malformed":
      return "the pre-Django-3.1 format with a valid hash, but its JSON is unreadable";
  }
}

/** The fields `--json` shows for a decode result (the data separately). */
export function decodeSummary(result: DecodeResult, value: string, context: { cookieAge?: number } = {}) {
  if (result.ok) {
    return {
      verified: true as const,
      format: result.format,
      key: keyLabel(result.keyIndex),
      keyIndex: result.keyIndex,
      renew: result.renew,
      signedAt: result.format === "current" ? signedAt(value) : null,
    };
  }
  return { verified: false as const, reason: result.reason, explanation: explainFailure(result.reason, value, context) };
}
