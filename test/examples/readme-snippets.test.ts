/**
 * The README's TypeORM and Redis snippets are self-contained: each block, pasted as it is into a
 * scratch ESM app (test/.tmp/readme-snippets, git-ignored), type-checks with strict TypeScript
 * against the package's published types (dist/, through its exports) and the real `typeorm` and
 * `redis` types. A name used and never imported (or declared) fails the check. The TypeORM block
 * also lists `PostgresAuthUser` in `entities`, which its user loader needs.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TMP_DIR } from "../support/databases";
import { runCommand, type CommandResult } from "../support/run-command";

const ROOT = join(__dirname, "..", "..");
const TSC = require.resolve("typescript/bin/tsc", { paths: [ROOT] });
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const APP = join(TMP_DIR, "readme-snippets");

function section(heading: string): string {
  const start = README.indexOf(heading);
  if (start < 0) throw new Error(`README has no ${heading}`);
  const end = README.indexOf("\n## ", start + heading.length);
  return README.slice(start, end < 0 ? undefined : end);
}
const firstTs = (text: string) => /```ts\n([\s\S]*?)```/.exec(text)?.[1] ?? "";

const SNIPPETS = {
  typeorm: firstTs(section("## TypeORM: `django-session/typeorm`")),
  redis: firstTs(section("## Redis: `django-session/redis`")),
};

const run = (command: string, args: string[], cwd: string) => runCommand(command, args, { cwd });

let check: CommandResult;

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist", "esm", "index.d.mts"))) {
    const built = await run("npm", ["run", "build"], ROOT);
    if (built.code !== 0) throw new Error(`npm run build failed:\n${built.output}`);
  }
  rmSync(APP, { recursive: true, force: true });
  mkdirSync(join(APP, "node_modules"), { recursive: true });
  symlinkSync(ROOT, join(APP, "node_modules", "django-session"), "dir");
  writeFileSync(join(APP, "package.json"), JSON.stringify({ name: "readme-snippets", private: true, type: "module" }));
  for (const [name, code] of Object.entries(SNIPPETS)) writeFileSync(join(APP, `${name}.mts`), `${code}\nexport {};\n`);
  writeFileSync(
    join(APP, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "nodenext",
        moduleResolution: "nodenext",
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        noUnusedLocals: false,
        types: ["node"],
        typeRoots: [join(ROOT, "node_modules", "@types")],
      },
      files: Object.keys(SNIPPETS).map((name) => `${name}.mts`),
    }),
  );
  check = await run(process.execPath, [TSC, "-p", "tsconfig.json"], APP);
}, 120_000);

test("the README has both snippets", () => {
  expect(SNIPPETS.typeorm).toContain("createTypeOrmAdapter(dataSource)");
  expect(SNIPPETS.redis).toContain("new RedisSessionCache(");
});

test("the TypeORM snippet's DataSource lists PostgresAuthUser, which createTypeOrmUserLoader reads", () => {
  const entities = /entities: \[([^\]]*)\]/.exec(SNIPPETS.typeorm)?.[1] ?? "";
  expect(entities.split(",").map((name) => name.trim())).toEqual(expect.arrayContaining(["PostgresDjangoSession", "PostgresAuthUser"]));
  expect(SNIPPETS.typeorm).toContain("createTypeOrmUserLoader(dataSource)");
});

test("both snippets type-check as they are (strict, nodenext, the package's published types)", () => {
  expect({ code: check.code, output: check.output }).toEqual({ code: 0, output: "" });
});
