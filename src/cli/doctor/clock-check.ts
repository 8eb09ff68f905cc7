import { parseDjangoDateText } from "../../core/django-datetime";
import { queryOneRow, type CliDatabase } from "../open-database";
import { formatDuration } from "../cli-io";
import type { Check } from "./check";

/** Beyond this (plus half the round trip) the clocks disagree enough to matter. */
const SKEW_TOLERANCE_MS = 2000;

/** The database's clock against this machine's (`now`), measured around one query. */
export async function clockCheck(db: CliDatabase, now: () => number): Promise<{ check: Check; skewMs: number }> {
  const sql =
    db.dialect === "postgres"
      ? "SELECT now() AS now"
      : db.dialect === "mysql"
        ? // NOW() is in the session time zone; UTC_TIMESTAMP() is comparable. The difference says the server's zone.
          "SELECT CAST(UTC_TIMESTAMP(6) AS CHAR) AS now, TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(), NOW()) AS zone_minutes, @@session.time_zone AS zone"
        : "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now') AS now";
  const before = now();
  const row = await queryOneRow(db, sql);
  const after = now();
  const dbNow = row.now instanceof Date ? row.now : parseDjangoDateText(String(row.now));
  if (dbNow === null) return { check: { id: "clock", status: "skip", message: "could not read the database clock" }, skewMs: 0 };
  const roundTrip = after - before;
  const skewMs = dbNow.getTime() - (before + after) / 2;
  const details: Record<string, unknown> = { skewMs: Math.round(skewMs), roundTripMs: roundTrip };
  if (db.dialect === "mysql") details.serverZone = { sessionTimeZone: row.zone, minutesAheadOfUtc: Number(row.zone_minutes) };
  const direction = skewMs > 0 ? "ahead of" : "behind";
  if (Math.abs(skewMs) > SKEW_TOLERANCE_MS + roundTrip / 2) {
    return {
      check: {
        id: "clock",
        status: "warn",
        message: `the database clock is ${formatDuration(Math.abs(skewMs) / 1000)} ${direction} this machine's`,
        lines: [
          "Django and this library compare expire_date with their own clocks: with skewed hosts, sessions expire early on one and late on the other, and signed cookies age differently.",
        ],
        fix: ["Synchronise the clocks of the database, Django and Node hosts with NTP (chrony, systemd-timesyncd)."],
        details,
      },
      skewMs,
    };
  }
  const note = db.dialect === "sqlite" ? " (SQLite runs in this process)" : "";
  return {
    check: { id: "clock", status: "ok", message: `the database clock agrees with this machine's within ${Math.max(1, Math.round(Math.abs(skewMs)))} ms${note}`, details },
    skewMs,
  };
}
