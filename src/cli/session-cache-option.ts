import type * as Redis from "redis";
import { RedisSessionCache } from "../adapters/redis/django-redis-cache";
import { CliError, ExitCode, usageError } from "./cli-error";
import { describeError, loadOptionalPackage } from "./open-database";
import { redactSecrets, registerSecret } from "./cli-options";

/** `--cache-url`, `--cache-key-prefix`, `--cache-version`: Django's CACHES entry for cached_db. */
export interface CacheOptions {
  cacheUrl?: string;
  cacheKeyPrefix: string;
  cacheVersion: string;
}

export interface CliSessionCache {
  readonly adapter: RedisSessionCache;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 10_000;

/** The cached_db cache of `--cache-url` (Redis), connected; `null` without the option. */
export async function openSessionCache(options: CacheOptions, cwd: string): Promise<CliSessionCache | null> {
  if (!options.cacheUrl) return null;
  let url: URL;
  try {
    url = new URL(options.cacheUrl);
  } catch {
    throw usageError(`--cache-url ${JSON.stringify(redactSecrets(options.cacheUrl))} is not a URL (redis://host:6379/0, as Django's LOCATION).`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") throw usageError(`--cache-url must be a redis:// or rediss:// URL (got ${url.protocol}).`);
  if (url.password) registerSecret(decodeURIComponent(url.password));
  const redis = loadOptionalPackage<typeof Redis>("redis", "redis", "--cache-url", cwd);
  const client = redis.createClient({ url: options.cacheUrl, socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: false } });
  // A dropped connection fails the command in flight; it must not crash the process as an event.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw new CliError(ExitCode.CANNOT_CONNECT, `Cannot connect to the cache at ${url.host}: ${describeError(error)}`);
  }
  return {
    adapter: new RedisSessionCache({ client, keyPrefix: options.cacheKeyPrefix, version: options.cacheVersion }),
    close: async () => {
      await client.quit().catch(() => undefined);
    },
  };
}
