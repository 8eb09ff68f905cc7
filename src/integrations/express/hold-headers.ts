import type { OutgoingHttpHeaders, ServerResponse } from "node:http";

/** The response methods that send (or fix) the status line and headers. */
type HeldMethod = "writeHead" | "flushHeaders" | "write" | "end";

/** What to do with the held response once the asynchronous work is done. */
export type HeldOutcome =
  /** Change headers (they can still be changed), then send what the handler wrote. */
  | { action: "send"; applyHeaders: (res: ServerResponse) => void }
  /** Discard what the handler wrote and send this instead. */
  | { action: "replace"; status: number; body: string };

/**
 * Holds a response at the moment its headers would go out — the first `writeHead()`,
 * `flushHeaders()`, `write()` or `end()` — runs `beforeHeaders(status)`, then applies its
 * outcome and replays the held calls in order.
 *
 * This is what express-session does with `res.end` and on-headers does with `res.writeHead`,
 * extended to `res.write` because Django's session middleware needs an asynchronous save *before*
 * the `Set-Cookie` header is written (a new session's key exists only after its INSERT), and a
 * streaming handler sends its headers with its first `write()`.
 *
 * While held, `res.headersSent` already reads `true` (the handler has committed to its response),
 * so error handlers that run meanwhile behave as if the headers were out; held `write()` calls
 * return `false` and `'drain'` follows the replay, so piped streams wait instead of buffering.
 * Header changes made while held still reach the response. A `replace` outcome starts again from
 * the headers the response had when it was hooked (headers set by the middleware mounted earlier
 * survive, like Django's outer middleware); pass `headersAtMount` when the hook is installed later
 * than the middleware ran.
 */
export function holdHeaders(
  res: ServerResponse,
  beforeHeaders: (status: number) => Promise<HeldOutcome>,
  headersAtMount: OutgoingHttpHeaders = res.getHeaders(),
): void {
  // Saved to be called back on `res` (`original.end.call(res, ...)`), never unbound.
  /* eslint-disable @typescript-eslint/unbound-method */
  const original = {
    writeHead: res.writeHead,
    flushHeaders: res.flushHeaders,
    write: res.write,
    end: res.end,
  } as Record<HeldMethod, (...args: unknown[]) => unknown>;
  /* eslint-enable @typescript-eslint/unbound-method */
  const realHeadersSent = headersSentGetter(res);
  let state: "open" | "holding" | "released" = "open";
  const held: { method: HeldMethod; args: unknown[] }[] = [];
  let heldWrite = false;

  const hold = (method: HeldMethod) =>
    function (this: ServerResponse, ...args: unknown[]): unknown {
      if (state === "released" || realHeadersSent.call(res)) return original[method].apply(this, args);
      held.push({ method, args });
      if (state === "open") {
        state = "holding";
        const status = method === "writeHead" && typeof args[0] === "number" ? args[0] : res.statusCode;
        beforeHeaders(status).then(release, (error: unknown) => destroy(error));
      }
      if (method === "write") {
        heldWrite = true;
        return false;
      }
      return method === "flushHeaders" ? undefined : res;
    };

  for (const method of ["writeHead", "flushHeaders", "write", "end"] as const) {
    (res as unknown as Record<HeldMethod, unknown>)[method] = hold(method);
  }
  const holding = () => state === "holding";
  (res as HeldResponse)[kHolding] = holding;
  Object.defineProperty(res, "headersSent", HEADERS_SENT);

  function destroy(error: unknown): void {
    state = "released";
    held.length = 0;
    res.destroy(error instanceof Error ? error : new Error(String(error)));
  }

  function release(outcome: HeldOutcome): void {
    state = "released";
    const calls = held.splice(0);
    if (res.destroyed) return;
    if (realHeadersSent.call(res)) {
      // Something wrote past the hooks (a bypassed prototype call): nothing can be changed any
      // more, and a replacement cannot be sent.
      if (outcome.action === "replace") return destroy(new Error(outcome.body));
      return replay(calls);
    }
    if (outcome.action === "replace") return replace(outcome.status, outcome.body);
    try {
      // Headers given to writeHead() override the ones set before (Node's rule), so they are set
      // first, and the outcome's headers are merged into them.
      const first = calls[0];
      if (first?.method === "writeHead") first.args = foldWriteHead(res, first.args);
      outcome.applyHeaders(res);
    } catch (error) {
      return destroy(error);
    }
    replay(calls);
  }

  function replay(calls: { method: HeldMethod; args: unknown[] }[]): void {
    try {
      for (const { method, args } of calls) {
        // Held calls could not see that a writeHead() was already queued; a second one (e.g. an
        // implicit header from a wrapper that checks res._header) is dropped, not thrown late.
        if (method === "writeHead" && realHeadersSent.call(res)) continue;
        original[method].apply(res, args);
      }
    } catch (error) {
      return destroy(error);
    }
    if (heldWrite && !res.writableEnded && !res.destroyed && !res.writableNeedDrain) res.emit("drain");
  }

  function replace(status: number, body: string): void {
    // Django answers with a new response: the handler's status, headers and body are dropped.
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    for (const [name, value] of Object.entries(headersAtMount)) if (value !== undefined) res.setHeader(name, value);
    res.statusCode = status;
    res.statusMessage = "";
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    res.setHeader("Content-Length", Buffer.byteLength(body));
    res.removeHeader("Content-Encoding");
    original.end.call(res, res.req?.method === "HEAD" ? undefined : body);
  }
}

// While held, `res.headersSent` reads true. One accessor for every held response (so they keep
// sharing their shape), asking the response's own hold.
const kHolding = Symbol("django-session.holding");
type HeldResponse = ServerResponse & { [kHolding]?: () => boolean };
const HEADERS_SENT: PropertyDescriptor = {
  configurable: true,
  enumerable: false,
  get(this: HeldResponse): boolean {
    return this[kHolding]?.() === true || headersSentGetter(this).call(this);
  },
};

let lastPrototype: unknown = null;
let lastGetter: (() => boolean) | null = null;

/** The prototype's `headersSent` getter (what the response really did), before the shadowing. */
function headersSentGetter(res: ServerResponse): () => boolean {
  // Every response of a server shares its prototype: found once, not walked per request.
  const prototype: unknown = Object.getPrototypeOf(res);
  if (prototype === lastPrototype && lastGetter !== null) return lastGetter;
  lastGetter = findHeadersSentGetter(res);
  lastPrototype = prototype;
  return lastGetter;
}

function findHeadersSentGetter(res: ServerResponse): () => boolean {
  for (let proto: unknown = Object.getPrototypeOf(res); proto; proto = Object.getPrototypeOf(proto)) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, "headersSent");
    // The getter, called on the response (`.call(res)`) by the caller.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    if (descriptor?.get) return descriptor.get as () => boolean;
  }
  return function (this: ServerResponse) {
    return Boolean((this as unknown as { _header?: unknown })._header);
  };
}

/**
 * Applies writeHead(status, [reason], headers)'s headers with setHeader, as Node itself does for
 * a response that already has headers, and returns the arguments without them. A flat
 * [name, value, ...] array keeps repeated names (Set-Cookie).
 */
function foldWriteHead(res: ServerResponse, args: unknown[]): unknown[] {
  const [status, second, third] = args;
  const reason = typeof second === "string" ? second : undefined;
  const headers = (typeof second === "string" ? third : second) as OutgoingHttpHeaders | unknown[] | undefined | null;
  if (Array.isArray(headers)) {
    const grouped = new Map<string, { name: string; values: string[] }>();
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = String(headers[i]);
      const entry = grouped.get(name.toLowerCase()) ?? { name, values: [] };
      entry.values.push(String(headers[i + 1]));
      grouped.set(name.toLowerCase(), entry);
    }
    for (const { name, values } of grouped.values()) {
      const [only] = values;
      res.setHeader(name, values.length === 1 && only !== undefined ? only : values);
    }
  } else if (headers && typeof headers === "object") {
    for (const [name, value] of Object.entries(headers)) if (name && value !== undefined) res.setHeader(name, value);
  }
  return reason === undefined ? [status] : [status, reason];
}
