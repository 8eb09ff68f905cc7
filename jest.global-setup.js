// Generates the Prisma test clients (src/generated, git-ignored) when missing or stale, so that
// `npx jest` works on a fresh clone too. A no-op in a few milliseconds when they are current.
"use strict";
const { generateClients } = require("./scripts/prisma-generate");

module.exports = async () => {
  await generateClients();
};
