/** Where a command writes, and the few facts about its terminal it needs. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  cwd: string;
}

/** Writes `lines` to stdout, one per line. */
export function println(io: CliIo, ...lines: string[]): void {
  io.stdout.write(lines.map((line) => `${line}\n`).join(""));
}

/** An instant as `2026-12-10 06:39:09 UTC` (to the second). */
export function formatDate(date: Date): string {
  return Number.isNaN(date.getTime()) ? "(invalid date)" : `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** A duration in the two largest units: `13 days 23 hours`, `2 minutes 5 seconds`. */
export function formatDuration(totalSeconds: number): string {
  let s = Math.round(Math.abs(totalSeconds));
  const units: [string, number][] = [
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
    ["second", 1],
  ];
  const parts: string[] = [];
  for (const [name, size] of units) {
    const n = Math.floor(s / size);
    s -= n * size;
    if (n > 0 || (parts.length > 0 && parts.length < 2)) parts.push(`${n} ${name}${n === 1 ? "" : "s"}`);
    if (parts.length === 2) break;
  }
  return parts.filter((p) => !p.startsWith("0 ")).join(" ") || "0 seconds";
}

/** Reads all of stdin as text (for `decode -`). */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString("utf8");
}
