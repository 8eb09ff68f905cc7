const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const DIGIT = new Map([...ALPHABET].map((c, i) => [c, i] as const));

/** `django.core.signing.b62_encode` (3.2: `django.utils.baseconv.base62`). Accepts integers. */
export function b62Encode(value: number | bigint): string {
  if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) {
    // Every signature carries a timestamp: plain number arithmetic, no BigInt allocations.
    let n = value;
    let out = "";
    while (n > 0) {
      out = ALPHABET[n % 62] + out;
      n = Math.floor(n / 62);
    }
    return out;
  }
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
 * `django.core.signing.b62_decode`. Throws `SyntaxError` on an empty value or a character outside
 * the alphabet (Python raises `ValueError`/`IndexError` there), and `RangeError` past
 * `Number.MAX_SAFE_INTEGER`, where Python would return an exact big int and a `number` could not.
 * Timestamps are far below that.
 */
export function b62Decode(text: string): number {
  let s = text;
  let sign = 1;
  if (typeof s === "string" && s.startsWith("-")) {
    sign = -1;
    s = s.slice(1);
  }
  if (typeof s !== "string" || s.length === 0) throw new SyntaxError("invalid base62 value");
  let n = 0;
  for (const c of s) {
    const d = DIGIT.get(c);
    if (d === undefined) throw new SyntaxError("invalid base62 value");
    n = n * 62 + d;
    if (n > Number.MAX_SAFE_INTEGER) throw new RangeError("base62 value is too large for a number");
  }
  // `-0` is 0 in Python, and must not become JavaScript's -0.
  return n === 0 ? 0 : sign * n;
}
