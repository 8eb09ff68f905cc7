/**
 * The layering of src/ as eslint.config.mjs encodes it (import-x/no-restricted-paths): each case
 * lints one import, as if written in a file of the given folder, with the project's own config.
 * ESLint loads its config with import(), which Jest's module sandbox does not offer, so the lint
 * runs in a child Node process (only the import-x rules: they need no type information).
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");

const LINT = `
const { ESLint } = require("eslint");
(async () => {
  const cases = JSON.parse(process.argv[1]);
  const eslint = new ESLint({
    cwd: process.cwd(),
    overrideConfig: [{ files: ["**/*.ts"], languageOptions: { parserOptions: { projectService: false } } }],
    ruleFilter: ({ ruleId }) => ruleId.startsWith("import-x/"),
  });
  const out = [];
  for (const [filePath, code] of cases) {
    const [result] = await eslint.lintText(code, { filePath });
    out.push(result.messages.map((m) => m.ruleId + ": " + m.message));
  }
  process.stdout.write(JSON.stringify(out));
})().catch((error) => { console.error(error); process.exit(2); });
`;

/** [file the import is written in, module specifier, the rule expected to report or null]. */
const cases: Array<[string, string, string | null]> = [
  ["src/core/probe.ts", "./session", null],
  ["src/core/pickle/probe.ts", "../errors", null],
  ["src/core/probe.ts", "../engines/db", "import-x/no-restricted-paths"],
  ["src/core/pickle/probe.ts", "../../auth", "import-x/no-restricted-paths"],
  ["src/core/probe.ts", "../index", "import-x/no-restricted-paths"],
  ["src/engines/probe.ts", "../core/session", null],
  ["src/engines/probe.ts", "./db", null],
  ["src/engines/probe.ts", "../adapters/sql/sql-row-adapter", "import-x/no-restricted-paths"],
  ["src/engines/probe.ts", "../auth", "import-x/no-restricted-paths"],
  ["src/adapters/prisma/probe.ts", "../sql/sql-row-adapter", null],
  ["src/adapters/prisma/probe.ts", "../../engines", null],
  ["src/adapters/prisma/probe.ts", "../typeorm", "import-x/no-restricted-paths"],
  ["src/adapters/sql/probe.ts", "../redis", "import-x/no-restricted-paths"],
  ["src/adapters/redis/probe.ts", "../../integrations/express", "import-x/no-restricted-paths"],
  ["src/integrations/nestjs/probe.ts", "../express", null],
  ["src/integrations/nestjs/probe.ts", "../fastify", null],
  ["src/integrations/nestjs/probe.ts", "../koa", "import-x/no-restricted-paths"],
  ["src/integrations/express/probe.ts", "../fastify", "import-x/no-restricted-paths"],
  ["src/integrations/hono/probe.ts", "../../adapters/redis", "import-x/no-restricted-paths"],
  ["src/auth/probe.ts", "../core/session", null],
  ["src/auth/probe.ts", "../integrations/express", "import-x/no-restricted-paths"],
  ["src/testing/probe.ts", "../engines", null],
  ["src/testing/probe.ts", "../adapters/sql/sql-row-adapter", "import-x/no-restricted-paths"],
  ["src/cli/probe.ts", "../adapters/prisma", null],
  ["src/cli/probe.ts", "../integrations/express", null],
  // An import the resolver cannot find would escape the boundary rule, so it is an error itself.
  ["src/core/probe.ts", "../no-such-module", "import-x/no-unresolved"],
];

describe("eslint import boundaries (eslint.config.mjs)", () => {
  let reports: string[][];

  beforeAll(() => {
    const input = JSON.stringify(cases.map(([file, spec]) => [file, `import "${spec}";\n`]));
    const child = spawnSync(process.execPath, ["-e", LINT, input], { cwd: root, encoding: "utf8" });
    if (child.status !== 0) throw new Error(`eslint child failed (${child.status}): ${child.stderr}`);
    reports = JSON.parse(child.stdout) as string[][];
  });

  it.each(cases.map(([file, spec, expected], index) => [file, spec, expected ?? "allowed", index] as const))(
    "%s importing %s: %s",
    (_file, _spec, expected, index) => {
      const messages = reports[index] ?? [];
      if (expected === "allowed") {
        expect(messages).toEqual([]);
      } else {
        expect(messages).toHaveLength(1);
        expect(messages[0]).toMatch(new RegExp(`^${expected}: `));
      }
    },
  );
});
