const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const DIGIT = new Map([...ALPHABET].map((c, i) => [c, i] as const));

/** `django.core.signing.b62_encode` (3.2: `django.utils.baseconv.base62`). Accepts integers. */
export function b62Encode(value: number | bigint): string {
  let n = BigInt(value);
  if (n === 0n) return "0";
  const sign = n < 0n ? "-" : "";
  if (n < 0n) n = -n;
  let out = "";
  while (n > 0n) {
    out = ALPHABET[Number(n % 62n)] + out;
    n /= 62n;
  }
  return sign + out;
}

/**
 * `django.core.signing.b62_decode`. Throws `SyntaxError` on a character outside the alphabet
 * (Python raises `ValueError` there too). Returns a number; timestamps fit easily.
 */
export function b62Decode(text: string): number {
  let s = text;
  let sign = 1;
  if (s.startsWith("-")) {
    sign = -1;
    s = s.slice(1);
  }
  if (s.length === 0 || s.length > 11) throw new SyntaxError("invalid base62 value");
  let n = 0;
  for (const c of s) {
    const d = DIGIT.get(c);
    if (d === undefined) throw new SyntaxError("invalid base62 value");
    n = n * 62 + d;
  }
  return sign * n;
}
