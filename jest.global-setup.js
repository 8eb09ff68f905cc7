// Generates the Prisma test clients (src/generated, git-ignored) when missing or stale, so that
// `npx jest` works on a fresh clone too. A no-op in a few milliseconds when they are current.
"use strict";
const { checkTestEnvironment } = require("./scripts/check-test-env");
const { generateClients } = require("./scripts/prisma-generate");

// Also refuses to start, with what to run, when the machine was never prepared for the suite.
module.exports = async () => {
  checkTestEnvironment();
  await generateClients();
};
