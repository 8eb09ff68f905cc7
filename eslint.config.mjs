// ESLint (flat config): typescript-eslint's type-checked rules and the layering of src/ as an
// import-boundary rule. `npm run lint`; CI runs it after the type check (.ci/run).
import { readdirSync } from "node:fs";
import tseslint from "typescript-eslint";
import importX, { createNodeResolver } from "eslint-plugin-import-x";

/** The sub-folders of a src/ folder (each adapter, each integration). */
const subfolders = (dir) =>
  readdirSync(new URL(`./src/${dir}/`, import.meta.url), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);

/**
 * A zone per layer: files under `target` may import nothing of ours (src/) except the folders
 * listed (relative to src/). Packages are not concerned; only our own files are.
 */
const layer = (target, allowed, why) => ({
  target: `./src/${target}`,
  from: "./src",
  except: allowed.map((folder) => `./${folder}`),
  message: why,
});

// Adapters are row adapters (SQL, Prisma, TypeORM) or cache clients (Redis): they build on the
// core and the engines' contracts, the Prisma and TypeORM adapters on the shared SQL adapter, and
// the ORM user loaders implement auth's contract. Never on another adapter, nor an integration.
const adapterZones = subfolders("adapters").map((name) =>
  layer(
    `adapters/${name}`,
    ["core", "engines", "auth", `adapters/${name}`, ...(name === "sql" ? [] : ["adapters/sql"])],
    "an adapter imports core, engines, auth and src/adapters/sql only, never another adapter or an integration",
  ),
);

// Integrations (one framework each) never import one another, except that the NestJS module
// reuses the Express and Fastify middleware (the documented reuse).
const integrationZones = subfolders("integrations").map((name) =>
  layer(
    `integrations/${name}`,
    [
      "core",
      "engines",
      "auth",
      `integrations/${name}`,
      ...(name === "nestjs" ? ["integrations/express", "integrations/fastify"] : []),
    ],
    "an integration imports core, engines and auth only, never an adapter or another integration (NestJS may reuse Express and Fastify)",
  ),
);

export const boundaryZones = [
  layer("core", ["core"], "src/core imports nothing of ours outside src/core"),
  layer("engines", ["core", "engines"], "src/engines imports src/core (and other engines) only"),
  layer("auth", ["core", "engines", "auth"], "src/auth imports src/core and src/engines only"),
  layer("testing", ["core", "engines", "testing"], "src/testing imports src/core and src/engines only"),
  ...adapterZones,
  ...integrationZones,
  // src/cli and src/index.ts may import anything.
];

export default tseslint.config(
  {
    ignores: ["dist/**", "node_modules/**", "src/generated/**", "coverage/**", ".bench-build/**", ".reliability-build/**"],
  },
  {
    files: ["src/**/*.ts"],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { "import-x": importX },
    settings: {
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".d.ts", ".js", ".json"] })],
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      // The subset: `any` stays where it is the honest type (`Session<any>`: a session of any data
      // shape at the engine boundary; Nest's `imports`/`inject`; `infer` patterns), and the
      // no-unsafe-* rules still report any `any` that flows into typed code.
      "@typescript-eslint/no-explicit-any": "off",
      // `async` without `await` is deliberate on Promise-returning contract methods (engines, row
      // adapters, hashers): a throw in them becomes a rejection, as callers expect.
      "@typescript-eslint/require-await": "off",
      // A leading underscore marks a parameter an override or a callback signature must accept.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      "import-x/no-restricted-paths": ["error", { zones: boundaryZones }],
      // The boundary rule skips an import it cannot resolve, so every relative import must resolve.
      "import-x/no-unresolved": ["error", { ignore: ["^[^.]"] }],
    },
  },
);
