import type { Command } from "commander";
import type { DecodeResult } from "../../core/session-codec";
import { ExitCode, usageError } from "../cli-error";
import { addCookieAgeOption, addJsonOption, addSecretOptions, cliNow, resolveSecrets, sessionCodec, signedCookieCodec, type CommonOptions } from "../cli-options";
import { formatDate, println, readAll, type CliIo } from "../cli-io";
import { decodeSummary, explainFailure, keyLabel } from "../describe-decode";
import { jsonText } from "../json-text";

/** What Django's get_new_session_key() makes: 32 characters of lowercase letters and digits. */
const SESSION_KEY = /^[a-z0-9]{32}$/;

interface DecodeOptions extends CommonOptions {
  signedCookie?: boolean;
}

/** One line saying whether and how a value verified. */
export function verificationLine(result: DecodeResult, value: string, context: { cookieAge?: number } = {}): string {
  if (!result.ok) return `did not verify (${result.reason}): ${explainFailure(result.reason, value, context)}`;
  if (result.format === "legacy") return "verified with SECRET_KEY, pre-Django-3.1 format (read as Django 3.2 does; Django 4.0+ reads it as empty)";
  const sha1 = value.length - value.lastIndexOf(":") - 1 === 27;
  const via = `verified with ${keyLabel(result.keyIndex)}${sha1 ? " (sha1 signature: only Django 3.1/3.2 accept it)" : ""}`;
  return result.renew ? `${via}; Django re-signs it with SECRET_KEY on the next save` : via;
}

export function defineDecode(program: Command, io: CliIo, done: (code: number) => void): void {
  const command = program
    .command("decode")
    .summary("decode a session_data value or a signed-cookie session")
    .description(
      "Decode a django_session.session_data value (or, with --signed-cookie, the sessionid cookie of the signed_cookies engine) " +
        "and print the session as JSON. Exit code 1 with the reason when it does not verify.",
    )
    .argument("<value>", 'the value; "-" reads it from stdin (keeps it out of the shell history)')
    .option("--signed-cookie", "VALUE is a signed_cookies session cookie (salt django.contrib.sessions.backends.signed_cookies, max age SESSION_COOKIE_AGE)");
  addSecretOptions(command);
  addCookieAgeOption(command);
  addJsonOption(command);
  command.action(async (raw: string, options: DecodeOptions) => {
    const { secretKey, fallbacks } = resolveSecrets(options, true);
    const value = (raw === "-" ? await readAll(io.stdin) : raw).trim();
    if (!value) throw usageError("VALUE is empty.");
    const now = cliNow();
    const asCookie = () => signedCookieCodec(options, secretKey!, fallbacks, now);
    const asData = () => sessionCodec(options, secretKey!, fallbacks, now);
    const result = options.signedCookie ? asCookie().decodeDetailed(value) : asData().decodeDetailed(value);
    const cookieAge = asCookie().cookieAge;

    // The other salt: tell the operator they picked the wrong kind of value.
    let hint: string | undefined;
    if (!result.ok && result.reason === "bad-signature") {
      const other = options.signedCookie ? asData().decodeDetailed(value) : asCookie().decodeDetailed(value);
      if (other.ok || other.reason === "signature-expired") {
        hint = options.signedCookie
          ? "It verifies as a session_data value: run decode without --signed-cookie."
          : "It verifies as a signed_cookies session cookie: add --signed-cookie.";
      }
    }
    // A session key (the sessionid cookie of the db and cache engines) is no value to decode: its row holds one.
    if (!result.ok && !hint && SESSION_KEY.test(value)) {
      hint = "This looks like a session key (the sessionid cookie), not a session value: look its row up with django-session inspect <key>.";
    }
    const summary = decodeSummary(result, value, { cookieAge });
    const cookieExpires = options.signedCookie && summary.verified && summary.signedAt ? new Date(summary.signedAt.getTime() + cookieAge * 1000) : null;

    if (options.json) {
      println(io, jsonText({ kind: options.signedCookie ? "signed-cookie" : "session-data", ...summary, expiresAt: cookieExpires ?? undefined, hint, data: result.ok ? result.data : undefined }));
    } else {
      println(io, verificationLine(result, value, { cookieAge }));
      if (summary.verified && summary.signedAt) println(io, `signed at ${formatDate(summary.signedAt)}`);
      if (cookieExpires) println(io, `expires at ${formatDate(cookieExpires)} (signed at + SESSION_COOKIE_AGE ${cookieAge} s)`);
      if (hint) println(io, `hint: ${hint}`);
      if (result.ok) println(io, jsonText(result.data, 2));
    }
    done(result.ok ? ExitCode.OK : ExitCode.PROBLEM);
  });
}
