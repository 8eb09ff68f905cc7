/**
 * A safe subset of Python's pickle, for the session dicts Django keeps in its cache (spec §6.2):
 * Django's `RedisCache` stores `pickle.dumps(session_dict, HIGHEST_PROTOCOL)` (protocol 5) and
 * django-redis `pickle.dumps(session_dict, DEFAULT_PROTOCOL)` (protocol 4 on Python 3.8–3.13).
 *
 * The folder, by job: `reader.ts` (`pickleLoads`: the safe subset that is read, and why),
 * `writer.ts` (`pickleDumps`: byte-identical to CPython), `values.ts` (the Python values a
 * session holds: `PyDatetime`, `PickleValue`), `errors.ts` (`PickleError` and the reading limits),
 * `opcodes.ts` (the opcode bytes both sides use). This index is the module's public surface:
 * `import ... from "./pickle"` resolves here.
 */
export { PickleError, PICKLE_DEFAULT_MAX_SIZE, type PickleErrorReason } from "./errors";
export { PyDatetime, type PickleValue } from "./values";
export { pickleLoads, type PickleLoadsOptions } from "./reader";
export { pickleDumps, type PickleDumpsOptions } from "./writer";
