import { ImproperlyConfigured, SessionStorageError } from "../core/errors";

/**
 * One storage call of a request, bounded by `storageTimeout` (`timeoutMs`, or `null` for none):
 * any failure becomes a `SessionStorageError` whose cause carries no parameters. Some pools
 * (mysql2's) queue forever when all their connections are busy, so the bound cannot be left to
 * the pool. A call that times out is left to finish on its own and its outcome ignored, like any
 * write whose answer was lost: in the default merge mode a late save is a compare-and-swap, so it
 * can only store this request's changes onto the row it read, never over a newer write.
 */
export async function storageCall<T>(action: string, sessionKey: string | null, timeoutMs: number | null, call: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const pending = call();
    if (timeoutMs === null) return await pending;
    return await Promise.race([
      pending,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          pending.catch(() => undefined); // its late failure is nobody's business now
          reject(timeoutError(timeoutMs / 1000));
        }, timeoutMs);
        (timer as { unref?: () => void }).unref?.();
      }),
    ]);
  } catch (error) {
    throw new SessionStorageError(action, error, { sessionKey });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

function timeoutError(seconds: number): Error {
  return Object.assign(
    new Error(`the database did not answer within ${seconds} s (storageTimeout); its connection pool may be exhausted or the database unreachable`),
    { code: "ETIMEDOUT" },
  );
}

/** `storageTimeout` in milliseconds, checked: seconds > 0, or `null` for no limit. @default 10 s */
export function storageTimeoutMs(value: number | null | undefined): number | null {
  const seconds = value === undefined ? 10 : value;
  if (seconds === null) return null;
  // 2147483 s: the longest delay setTimeout keeps (2^31 - 1 ms); longer ones fire at once.
  if (!(typeof seconds === "number" && seconds > 0 && seconds <= 2147483)) {
    throw new ImproperlyConfigured(`storageTimeout must be a number of seconds greater than 0, or null for no limit (got ${String(value)}).`);
  }
  return seconds * 1000;
}
