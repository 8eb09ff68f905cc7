/**
 * @jest-environment <rootDir>/test/support/time-zone-environment.js
 * @jest-environment-options {"timeZone": "America/New_York"}
 */
import { defineAdapterSuite, defineEntitySuite } from "./typeorm-suites";

// The same checks with the process in America/New_York (UTC-5 in December), where TypeORM's own
// date handling goes wrong: the SQLite datetime reading, and MySQL's default timezone "local".
test("the process really runs in America/New_York", () => {
  expect(new Date(Date.UTC(2026, 11, 10)).getTimezoneOffset()).toBe(300);
});

defineAdapterSuite("ds_typeorm_ny");
defineEntitySuite("ds_typeorm_ny");
