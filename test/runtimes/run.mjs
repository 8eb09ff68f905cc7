// Node, Bun and Deno: `<runtime> test/runtimes/run.mjs input.json` from the scratch app that
// scripts/test-runtimes.js lays out (django-session, hono and pg in its node_modules). Prints
// one JSON report.
import * as core from "django-session";
import * as lowLevel from "django-session/low-level";
import { djangoSession } from "django-session/hono";
import { Hono } from "hono";
import pg from "pg";
import { dbChecks, honoChecks, vectorChecks } from "./checks.mjs";

const readText = globalThis.Deno ? (file) => globalThis.Deno.readTextFileSync(file) : (await import("node:fs")).default.readFileSync.bind(null);
const inputFile = (globalThis.Deno ? globalThis.Deno.args : process.argv.slice(2))[0];
const input = JSON.parse(String(readText(inputFile, "utf8")));

const report = {
  vectors: vectorChecks({ ...core, ...lowLevel }, input.vectors),
  hono: await honoChecks({ Hono, djangoSession, SignedCookieSessionStore: core.SignedCookieSessionStore }, input),
  db: input.databaseUrl ? await dbChecks({ ...core, pg }, input) : null,
};
console.log(JSON.stringify(report));
