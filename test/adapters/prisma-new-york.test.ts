/**
 * @jest-environment <rootDir>/test/support/time-zone-environment.js
 * @jest-environment-options {"timeZone": "America/New_York"}
 */
import { defineAdapterSuite, defineModelSuite } from "./prisma-suites";

// The same checks with the process in America/New_York (UTC-5 in December): drivers and Prisma
// must neither read nor write expire_date as local time.
test("the process really runs in America/New_York", () => {
  expect(new Date(Date.UTC(2026, 11, 10)).getTimezoneOffset()).toBe(300);
});

defineAdapterSuite("prisma_ny", { datesOnly: true });
defineModelSuite("prisma_ny_model");
