// workerd (through Miniflare): the same checks as run.mjs, answered to a POST of the input.
// Bundled by wrangler without nodejs_compat, so only Web-standard APIs are there. No database:
// see the README's runtime matrix.
// Named imports, as a Worker would write them: the bundle keeps only what they reach.
import { SessionCodec, SignedCookieCodec, SignedCookieSessionStore } from "django-session";
import { pyJsonDumps, pyJsonLoads } from "django-session/low-level";
import { djangoSession } from "django-session/hono";
import { Hono } from "hono";
import { honoChecks, vectorChecks } from "./checks.mjs";

export default {
  async fetch(request) {
    const input = await request.json();
    return Response.json({
      vectors: vectorChecks({ SessionCodec, SignedCookieCodec, pyJsonDumps, pyJsonLoads }, input.vectors),
      hono: await honoChecks({ Hono, djangoSession, SignedCookieSessionStore }, input),
      db: null,
      navigator: globalThis.navigator?.userAgent ?? null,
      hasBuffer: typeof globalThis.Buffer === "function",
    });
  },
};
