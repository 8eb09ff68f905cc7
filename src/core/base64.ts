import { asNodeBuffer } from "./crypto";
import { platform } from "./platform";

/** `django.core.signing.b64_encode`: URL-safe base64 with every trailing `=` removed. */
export function b64Encode(bytes: Uint8Array): string {
  return platform.base64url(bytes);
}

// binascii's table_a2b_base64 after urlsafe_b64decode's translation (`-` → `+`, `_` → `/`): both
// alphabets read alike. -1: not a base64 character (skipped); `=` is handled apart.
const A2B = new Int8Array(256).fill(-1);
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".split("").forEach((c, i) => (A2B[c.charCodeAt(0)] = i));
A2B[0x2d] = 62; // "-"
A2B[0x5f] = 63; // "_"
const PAD = 0x3d; // "="

/**
 * `django.core.signing.b64_decode(s)` exactly: `base64.urlsafe_b64decode(s + b"=" * (-len(s) % 4))`,
 * i.e. CPython's non-strict `binascii.a2b_base64`. Like Python it reads both alphabets (`-_` and
 * `+/`), skips characters outside them, and stops at a complete `=` padding sequence. A string is
 * taken as its UTF-8 bytes (Django's `.encode()`). Returns `null` where Python raises
 * `binascii.Error` (a length of 4n + 1 valid characters, or incomplete padding), so decoders can
 * report a typed reason; it never throws.
 *
 * Every value Django decodes this way has passed its signature check first, so the leniency
 * only ever applies to bytes someone holding the secret signed.
 */
export function b64Decode(input: string | Uint8Array): Buffer | null {
  const bytes = decode(input);
  // A Buffer on Node, Bun and Deno, as it always was; the bytes on runtimes without Buffer.
  return bytes === null ? null : asNodeBuffer(bytes);
}

function decode(input: string | Uint8Array): Uint8Array | null {
  if (typeof input === "string") {
    // The runtime's native decoder where it gives Python's answer (see Platform.base64urlFast).
    const out = platform.base64urlFast(input);
    if (out !== null) return out;
    // Padded base64 (the pre-3.1 format is standard base64 with "="): the same, once the pad that
    // ends a whole number of quads is set aside, since Python stops there too. Otherwise the
    // byte-by-byte reader below, ~40× slower, would be every padded value's path.
    const pads = input.length % 4 === 0 ? (input.endsWith("==") ? 2 : input.endsWith("=") ? 1 : 0) : 0;
    if (pads > 0) {
      const unpadded = platform.base64urlFast(input.slice(0, -pads));
      if (unpadded !== null) return unpadded;
    }
    // A lone surrogate becomes U+FFFD's bytes, as Buffer writes it (Python would refuse to encode
    // it, but such a payload never passes the signature check that comes first).
    return a2bBase64(platform.utf8(input));
  }
  return a2bBase64(input);
}

/** CPython 3.11's `binascii.a2b_base64(s + pad, strict_mode=False)`, pad as `b64_decode` adds it. */
function a2bBase64(bytes: Uint8Array): Uint8Array | null {
  const pad = (4 - (bytes.length % 4)) % 4;
  const out = new Uint8Array(((bytes.length + pad) >> 2) * 3);
  let n = 0;
  let quadPos = 0;
  let pads = 0;
  let leftChar = 0;
  /** Reads one byte; true when a complete padding sequence ends the input there. */
  const step = (c: number): boolean => {
    if (c === PAD) {
      // A pad sequence completing the quad ends the input; a stray "=" is skipped.
      return quadPos >= 2 && quadPos + ++pads >= 4;
    }
    const v = A2B.at(c) ?? -1;
    if (v < 0) return false;
    pads = 0;
    switch (quadPos) {
      case 0:
        quadPos = 1;
        leftChar = v;
        break;
      case 1:
        quadPos = 2;
        out[n++] = (leftChar << 2) | (v >> 4);
        leftChar = v & 0x0f;
        break;
      case 2:
        quadPos = 3;
        out[n++] = ((leftChar << 4) | (v >> 2)) & 0xff;
        leftChar = v & 0x03;
        break;
      default:
        quadPos = 0;
        out[n++] = ((leftChar << 6) | v) & 0xff;
        leftChar = 0;
    }
    return false;
  };
  for (const c of bytes) if (step(c)) return out.subarray(0, n);
  for (let i = 0; i < pad; i++) if (step(PAD)) return out.subarray(0, n);
  // Python: "Invalid base64-encoded string" (one character too many) or "Incorrect padding".
  return quadPos === 0 ? out.subarray(0, n) : null;
}
