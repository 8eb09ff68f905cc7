/**
 * JSON text of a decoded session for the terminal and for `--json`. Unlike `JSON.stringify` it
 * writes a Python big int (read as `bigint`) as its exact digits, and `NaN`/`Infinity` (which
 * Python's json writes but no JSON parser reads) as the strings "NaN", "Infinity", "-Infinity",
 * so the output always parses.
 */
export function jsonText(value: unknown, indent = 0): string {
  return write(value, indent, "");
}

function write(value: unknown, indent: number, pad: string): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(String(value));
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(Number.isNaN(value.getTime()) ? null : value.toISOString());
  const inner = indent > 0 ? pad + " ".repeat(indent) : "";
  const nl = indent > 0 ? "\n" : "";
  const colon = indent > 0 ? ": " : ":";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[${nl}${value.map((item) => inner + write(item, indent, inner)).join(`,${nl}`)}${nl}${pad}]`;
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return "{}";
    return `{${nl}${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}${colon}${write(v, indent, inner)}`).join(`,${nl}`)}${nl}${pad}}`;
  }
  return "null";
}
