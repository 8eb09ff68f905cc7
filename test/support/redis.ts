import { createClient } from "redis";

/**
 * A client of the machine's real Redis for one test file: connected before its tests; afterwards
 * every key under `prefix` (this file's own, with the process id in it) is deleted and the client
 * closed. Files share Redis databases, so a test file deletes only what its prefix names.
 */
export function redisTestClient(url: string, prefix: string) {
  const client = createClient({ url });
  beforeAll(async () => {
    await client.connect();
  });
  afterAll(async () => {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      if (keys.length) await client.del(keys);
    }
    await client.quit();
  });
  return client;
}
