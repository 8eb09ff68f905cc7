import type { Command } from "commander";
import { parseDjangoDateText } from "../../core/django-datetime";
import { MAX_SESSION_KEY_LENGTH } from "../../core/session-key";
import { CliError, ExitCode, usageError } from "../cli-error";
import {
  addDatabaseOptions,
  addJsonOption,
  addSecretOptions,
  addTimeOptions,
  cliNow,
  resolveDatabase,
  resolveSecrets,
  resolveTable,
  resolveTime,
  sessionCodec,
  type CommonOptions,
} from "../cli-options";
import { formatDate, formatDuration, println, type CliIo } from "../cli-io";
import { decodeSummary } from "../describe-decode";
import { expireColumn } from "../doctor/row-checks";
import { jsonText } from "../json-text";
import { isMissingTable, openDatabase, type CliDatabase } from "../open-database";
import { verificationLine } from "./decode";

async function findRow(db: CliDatabase, table: string, key: string): Promise<Record<string, unknown> | null> {
  const quoted = db.dialect === "mysql" ? `\`${table}\`` : `"${table}"`;
  try {
    const rows = await db.query(`SELECT session_data, ${expireColumn(db)} FROM ${quoted} WHERE session_key = ?`, [key]);
    return rows[0] ?? null;
  } catch (error) {
    if (isMissingTable(error)) {
      throw new CliError(ExitCode.PROBLEM, `There is no table ${table} in ${db.display}.`, "Run django-session doctor for what to do.");
    }
    throw error;
  }
}

export function defineInspect(program: Command, io: CliIo, done: (code: number) => void): void {
  const command = program
    .command("inspect")
    .summary("show one session row: decoded, its expiry and the logged-in user")
    .description(
      "Read the django_session row of SESSION_KEY and show it decoded, with its expiry and the auth user id (_auth_user_id). " +
        "Exit code 1 when there is no such row, it has expired, or it does not verify: in each case Django would load an empty session.",
    )
    .argument("<session_key>", "the session key (the sessionid cookie's value)");
  addDatabaseOptions(command);
  addSecretOptions(command);
  addTimeOptions(command);
  addJsonOption(command);
  command.action(async (sessionKey: string, options: CommonOptions) => {
    const key = sessionKey.trim();
    if (!key) throw usageError("SESSION_KEY is empty.");
    const target = resolveDatabase(options, io.cwd);
    const table = resolveTable(options);
    const time = resolveTime(options);
    const { secretKey, fallbacks } = resolveSecrets(options, true);
    const clock = cliNow();
    const codec = sessionCodec(options, secretKey!, fallbacks, clock);
    // A key that cannot be in a varchar(40) column finds no row, as in Django; no query needed.
    let row: Record<string, unknown> | null = null;
    if (key.length <= MAX_SESSION_KEY_LENGTH) {
      const db = await openDatabase(target, { readonly: true, cwd: io.cwd });
      try {
        row = await findRow(db, table, key);
      } finally {
        await db.close().catch(() => undefined);
      }
    }
    if (row === null) {
      if (options.json) println(io, jsonText({ found: false, sessionKey: key }));
      else println(io, `No session ${key} in ${table}.`);
      return done(ExitCode.PROBLEM);
    }

    const sessionData = String(row.session_data);
    const raw = row.expire_date;
    const expireDate = raw instanceof Date ? raw : typeof raw === "string" ? parseDjangoDateText(raw, time) : null;
    const now = clock();
    const expiresIn = expireDate ? Math.floor((expireDate.getTime() - now) / 1000) : null;
    const expired = expiresIn === null || expiresIn <= 0;
    const result = codec.decodeDetailed(sessionData);
    const summary = decodeSummary(result, sessionData);
    const userId = result.data._auth_user_id;
    const userBackend = result.data._auth_user_backend;
    const customExpiry = result.data._session_expiry;

    if (options.json) {
      println(
        io,
        jsonText({
          found: true,
          sessionKey: key,
          expireDate: expireDate ?? null,
          expireDateStored: raw instanceof Date ? raw.toISOString() : String(raw),
          expired,
          expiresInSeconds: expiresIn,
          ...summary,
          userId: userId ?? null,
          userBackend: userBackend ?? null,
          customExpiry: customExpiry ?? null,
          data: result.ok ? result.data : undefined,
        }),
      );
    } else {
      const stored = raw instanceof Date ? "" : ` (stored as ${JSON.stringify(String(raw))})`;
      const when =
        expiresIn === null ? "unreadable" : expired ? `expired ${formatDuration(-expiresIn)} ago` : `live, expires in ${formatDuration(expiresIn)}`;
      println(
        io,
        `session_key  ${key}`,
        `expire_date  ${expireDate ? formatDate(expireDate) : "?"}${stored}`,
        `status       ${when}`,
        `signature    ${verificationLine(result, sessionData)}`,
      );
      if (result.ok) {
        println(
          io,
          `user         ${userId === undefined ? "anonymous (no _auth_user_id)" : `_auth_user_id ${jsonText(userId)}${userBackend ? ` (${typeof userBackend === "string" ? userBackend : jsonText(userBackend)})` : ""}`}`,
        );
        if (customExpiry !== undefined) println(io, `set_expiry   _session_expiry ${jsonText(customExpiry)}`);
        println(io, "data", jsonText(result.data, 2));
      }
    }
    done(result.ok && !expired ? ExitCode.OK : ExitCode.PROBLEM);
  });
}
