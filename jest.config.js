/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  // Generates the Prisma test clients (src/generated) when missing or stale.
  globalSetup: "<rootDir>/jest.global-setup.js",
  // Database test files share tables; run files one at a time (see test/README.md).
  maxWorkers: 1,
};
