import { Buffer } from "node:buffer";
import type { Secret } from "../../core/crypto";
import { decodePayload, encodePayload } from "../../core/signed-objects";
import { TimestampSigner } from "../../core/signer";
import type { DjangoMessage } from "./message";
import { messageParts, reviveMessages } from "./message-json";

/** `CookieStorage.cookie_name`, `max_cookie_size`, `not_finished`, `key_salt`. */
export const MESSAGES_COOKIE_NAME = "messages";
export const MESSAGES_MAX_COOKIE_SIZE = 2048;
export const MESSAGES_NOT_FINISHED = "__messagesnotfinished__";
export const MESSAGES_KEY_SALT = "django.contrib.messages";

// A message cookie is small; anything inflating past this is not one Django wrote.
const MAX_DECODED = 64 * 1024;

/**
 * `signing.get_cookie_signer(salt)`: `SIGNING_BACKEND` (a `TimestampSigner` unless a site changed
 * it) with the key `b"django.http.cookies" + SECRET_KEY`. The timestamp is written, never checked.
 */
export function cookieSigner(secretKey: Secret, fallbacks: readonly Secret[], salt: string, now?: () => number): TimestampSigner {
  const key = (secret: Secret) => Buffer.concat([Buffer.from("django.http.cookies"), typeof secret === "string" ? Buffer.from(secret, "utf8") : Buffer.from(secret)]);
  return new TimestampSigner({ key: key(secretKey), fallbackKeys: fallbacks.map(key), salt, ...(now ? { now } : {}) });
}

/**
 * `CookieStorage._encode_parts`: `sign_object(messages, compress=True)` over the compact JSON of
 * the messages (and the sentinel), compressed with Django's exact zlib, so Node writes the bytes
 * Django would.
 */
export function encodeMessagesCookie(signer: TimestampSigner, messages: readonly DjangoMessage[], notFinished: boolean, emptyTagsWritten: boolean): string {
  const list: unknown[] = messages.map((m) => messageParts(m, emptyTagsWritten));
  if (notFinished) list.push(MESSAGES_NOT_FINISHED);
  return signer.sign(encodePayload(list, { minSize: 0, exact: true }));
}

/** What a `messages` cookie held: its messages and whether the sentinel said more are in the session. */
export type DecodedMessagesCookie = { ok: true; messages: DjangoMessage[]; allRetrieved: boolean } | { ok: false; reason: "bad-signature" | "malformed" };

/** `CookieStorage._decode` and `_get`. A value Django would drop (tampered, not JSON) is `ok: false`. */
export function decodeMessagesCookie(signer: TimestampSigner, value: string): DecodedMessagesCookie {
  const verified = signer.verifyTimestamped(value);
  if (!verified.valid) return { ok: false, reason: "bad-signature" };
  const payload = decodePayload(verified.value, MAX_DECODED);
  if (!payload.ok) return { ok: false, reason: "malformed" };
  const revived = reviveMessages(payload.value);
  if (!Array.isArray(revived)) return { ok: false, reason: "malformed" };
  const items: unknown[] = revived.slice();
  const allRetrieved = !(items.length > 0 && items[items.length - 1] === MESSAGES_NOT_FINISHED);
  if (!allRetrieved) items.pop();
  // Django would hand a template whatever else the list held; only messages are shown here.
  if (!items.every((m) => typeof m === "object" && m !== null && "level" in m)) return { ok: false, reason: "malformed" };
  return { ok: true, messages: items as DjangoMessage[], allRetrieved };
}

/**
 * `CookieStorage._store`: the value that fits in `maxCookieSize` (base64url, `:` and `.` need no
 * cookie quoting, so its length is what Django measures), and the messages that did not fit.
 * With `removeOldest` (CookieStorage alone) the oldest are dropped; FallbackStorage keeps the
 * oldest in the cookie and passes the newest on to the session. Django 5's bisection, for the
 * same split as Django's.
 */
export function storeMessagesCookie(
  signer: TimestampSigner,
  messages: readonly DjangoMessage[],
  options: { removeOldest: boolean; maxCookieSize: number; emptyTagsWritten: boolean },
): { value: string | null; unstored: DjangoMessage[] } {
  if (messages.length === 0) return { value: null, unstored: [] };
  const encode = (part: readonly DjangoMessage[], notFinished: boolean) => encodeMessagesCookie(signer, part, notFinished, options.emptyTagsWritten);
  const whole = encode(messages, false);
  if (!options.maxCookieSize || whole.length <= options.maxCookieSize) return { value: whole, unstored: [] };
  const tooLarge = (part: readonly DjangoMessage[]) => encode(part, true).length > options.maxCookieSize;
  let lo = 0;
  let hi = messages.length;
  if (options.removeOldest) {
    // bisect_keep_right: the first index from which the tail fits.
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tooLarge(messages.slice(mid))) lo = mid + 1;
      else hi = mid;
    }
    return { value: encode(messages.slice(lo), true), unstored: messages.slice(0, lo) };
  }
  // bisect_keep_left: the first index at which the head no longer fits.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tooLarge(messages.slice(0, mid + 1))) hi = mid;
    else lo = mid + 1;
  }
  return { value: encode(messages.slice(0, lo), true), unstored: messages.slice(lo) };
}
