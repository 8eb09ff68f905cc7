/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
    // NestJS 12 ships ES modules only; compiled to CommonJS for Jest (see the transform).
    "/node_modules/@nestjs/[^/]+/(?!node_modules/).+\\.js$": "<rootDir>/test/support/esm-to-cjs-transform.js",
  },
  transformIgnorePatterns: ["/node_modules/(?!@nestjs/[^/]+/(?!node_modules/))"],
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  // Generates the Prisma test clients (src/generated) when missing or stale.
  globalSetup: "<rootDir>/jest.global-setup.js",
  // Database test files share tables; run files one at a time (see test/README.md).
  maxWorkers: 1,
  // Real databases, real Django processes and key-stretching hashers: generous per-test time, so a
  // busy CI machine makes tests slower, not red. (Speed targets live in `npm run bench`.)
  testTimeout: 30_000,
};
