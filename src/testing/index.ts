/**
 * `django-session/testing`: the conformance suite, ported test by test from Django's
 * `SessionTestsMixin` and database session tests, that every row adapter runs against a real
 * database. Runner-agnostic: assertions use `node:assert`.
 */
export {
  conformanceCases,
  defineConformanceSuite,
  type ConformanceCase,
  type ConformanceContext,
  type ConformanceRunner,
  type RawSessionTable,
} from "./conformance";
