/** Why a pickle is refused (`PickleError`), and the limits reading is held to. */
import { DjangoSessionError } from "../errors";

/** Why a pickle was refused. */
export type PickleErrorReason =
  /** An opcode outside the safe subset (GLOBAL of a non-whitelisted name, REDUCE on it, BUILD, ...). */
  | "refused"
  /** The input ends inside an opcode or before STOP, or a length prefix exceeds the bytes left. */
  | "truncated"
  /** Structurally invalid: bad stack or mark use, invalid UTF-8, a non-str dict key, ... */
  | "malformed"
  /** Over `maxSize`, `maxDepth`, `maxMemo` or `maxItems`. */
  | "too-large"
  /** `pickleDumps` was given a value it cannot write (a function, a Map, a cycle, ...). */
  | "unsupported";

/** A pickle the safe subset does not read (or a value it does not write). Nothing was executed. */
export class PickleError extends DjangoSessionError {
  constructor(
    readonly reason: PickleErrorReason,
    message: string,
  ) {
    super("ERR_PICKLE", message);
  }
}

// --- limits ------------------------------------------------------------------------------
// The defaults of `PickleLoadsOptions`; only `PICKLE_DEFAULT_MAX_SIZE` is public (index.ts).
// The writer holds itself to `DEFAULT_MAX_DEPTH` too.

export const PICKLE_DEFAULT_MAX_SIZE = 16 * 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 512;
export const DEFAULT_MAX_MEMO = 1_000_000;
export const DEFAULT_MAX_ITEMS = 1_000_000;
