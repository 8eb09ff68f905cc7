import { SessionCodec } from "../../src";

/** The secret the scale runs sign their generated sessions with (the load and Django's settings use it too). */
export const SCALE_SECRET = "scale-bench-secret-key-4b1f9e2d7c3a5e6f8091";

/**
 * What real Django sites keep in a session, in the proportions a shop or a forum sees: mostly
 * anonymous visitors with a CSRF token or a language, logged-in users with the auth triple, carts,
 * flash messages, and a few large ones. Encoded by the library's codec, so every row is a real
 * signed Django value with Django's sizes (about 60 bytes to a few KB).
 */
export function sampleSessions(count = 64): string[] {
  const codec = new SessionCodec({ secretKey: SCALE_SECRET });
  const samples: string[] = [];
  for (let i = 0; i < count; i++) {
    const hash = (i * 2654435761).toString(16).padStart(8, "0").repeat(8);
    let data: Record<string, unknown>;
    switch (i % 8) {
      case 0:
      case 1:
        data = { _language: ["en", "fr", "de", "pt-br"][i % 4] };
        break;
      case 2:
        data = { visits: i, last_page: `/products/${i}/` };
        break;
      case 3:
      case 4:
        data = { _auth_user_id: String(1000 + i), _auth_user_backend: "django.contrib.auth.backends.ModelBackend", _auth_user_hash: hash };
        break;
      case 5:
        data = {
          _auth_user_id: String(2000 + i),
          _auth_user_backend: "django.contrib.auth.backends.ModelBackend",
          _auth_user_hash: hash,
          cart: Array.from({ length: 1 + (i % 6) }, (_, n) => ({ sku: `SKU-${i}-${n}`, qty: 1 + (n % 3), price: `${(9.99 * (n + 1)).toFixed(2)}` })),
        };
        break;
      case 6:
        data = { _messages: `[["__json_message",0,25,"Your order #${i} was placed."]]`, _language: "en" };
        break;
      default:
        // The odd big one: a wizard's state or a search history.
        data = { wizard: { step: i % 5, fields: Array.from({ length: 40 }, (_, n) => `answer ${n} of session ${i}`) }, history: Array.from({ length: 30 }, (_, n) => `/search?q=term${n}`) };
    }
    samples.push(codec.encode(data));
  }
  return samples;
}
