/**
 * The runtime's platform (./platform.ts), picked once when the core is first imported: Node's
 * modules where the runtime has them natively, else Web-standard APIs and pure JS. Nothing here
 * imports a `node:` module statically, so a bundle for Workers or browsers pulls none in.
 */
import { createNodePlatform, type NodeModules } from "./node-platform";
import type { Platform } from "./platform";
import { createWebPlatform } from "./web-platform";

export type { HashName, InflateResult, Platform, PreparedHmac } from "./platform";

interface RuntimeGlobals {
  process?: { getBuiltinModule?: (id: string) => unknown; versions?: { node?: unknown } };
  navigator?: { userAgent?: unknown };
}

/**
 * Node's modules through `process.getBuiltinModule` (Node 20.16+, 22.3+, Bun, Deno), or null.
 * Cloudflare Workers have it too under `nodejs_compat`, but there workerd's own ports of
 * node:crypto and node:zlib would stand in for the code paths tested on Node; the Web platform
 * is what runs (and is tested) there, with or without the flag.
 */
export function nodeModules(globals: RuntimeGlobals = globalThis): NodeModules | null {
  const proc = globals.process;
  if (typeof proc?.getBuiltinModule !== "function" || typeof proc.versions?.node !== "string") return null;
  if (globals.navigator?.userAgent === "Cloudflare-Workers") return null;
  const get = (id: string): unknown => proc.getBuiltinModule?.(id);
  const buffer = get("node:buffer") as NodeModules["buffer"] | undefined;
  const crypto = get("node:crypto") as NodeModules["crypto"] | undefined;
  const zlib = get("node:zlib") as NodeModules["zlib"] | undefined;
  return buffer && crypto && zlib ? { buffer, crypto, zlib } : null;
}

function selectPlatform(): Platform {
  const modules = nodeModules();
  return modules === null ? createWebPlatform() : createNodePlatform(modules);
}

/** The platform the core runs on. */
export const platform: Platform = selectPlatform();
