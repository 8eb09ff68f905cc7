/** Why a pickle is refused (`PickleError`), and the limits reading is held to. */
// The error itself lives with every other error of the library (core/errors.ts).
export { PickleError, type PickleErrorReason } from "../errors";

// --- limits ------------------------------------------------------------------------------
// The defaults of `PickleLoadsOptions`; only `PICKLE_DEFAULT_MAX_SIZE` is public (index.ts).
// The writer holds itself to `DEFAULT_MAX_DEPTH` too.

export const PICKLE_DEFAULT_MAX_SIZE = 16 * 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 512;
export const DEFAULT_MAX_MEMO = 1_000_000;
export const DEFAULT_MAX_ITEMS = 1_000_000;
