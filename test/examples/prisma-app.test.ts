/**
 * The README's Prisma section, in scratch apps (test/.tmp/prismaapp-*, git-ignored) on a database
 * real Django 5.2 migrated (`ds_prismaapp_pg`):
 * - the README's generator block, pasted verbatim before a model of the app's own and the
 *   package's Django models (prisma/postgresql.prisma), generates a client that a CommonJS app
 *   compiles, `require`s and queries through the README's snippet; the same block with
 *   `moduleFormat = "esm"` (as its comment says) does the same for an ESM app;
 * - an ES-module client (`moduleFormat = "esm"`, or Prisma's pick for a "type": "module" package)
 *   crashes a CommonJS app on `import.meta`: the format must match the app;
 * - generation runs offline with the README's `PRISMA_SCHEMA_ENGINE_BINARY=package.json`;
 * - the README's `prisma.config.ts` loads with `tables.external` naming every table Django created,
 *   and the client generated with it still has both Django models.
 *
 * The apps load `django-session` from dist/ (built here only when missing: run `npm run build`
 * after changing src/).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TMP_DIR } from "../support/databases";
import { expectSuccess, runCommand, type CommandResult } from "../support/run-command";
import { djangoMigratedDatabase, type MigratedDatabase } from "./fixtures/django-migrated";

const ROOT = join(__dirname, "..", "..");
const PRISMA = require.resolve("prisma/build/index.js", { paths: [ROOT] });
const TSC = require.resolve("typescript/bin/tsc", { paths: [ROOT] });
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const SECRET_KEY = "prisma-app-test-secret-key";

type Run = CommandResult;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runCommand(command, args, { cwd, env: { PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1", ...env } });
}


/** The README's Prisma section, and its fenced blocks of one language. */
const section = README.slice(README.indexOf("## Prisma: `django-session/prisma`"), README.indexOf("## TypeORM: `django-session/typeorm`"));
const blocks = (lang: string) => [...section.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]);
const generatorBlock = () => /generator client \{[\s\S]*?\n\}\n/.exec(blocks("prisma")[0] ?? "")?.[0] ?? "";
const datasourceBlock = () => /datasource db \{[\s\S]*?\n\}\n/.exec(blocks("prisma")[0] ?? "")?.[0] ?? "";
const snippet = () => blocks("ts").find((block) => block.includes("createPrismaAdapter(prisma)")) ?? "";
const configBlock = () => blocks("ts").find((block) => block.includes("defineConfig(")) ?? "";

/** The package's Django models, as a user pastes them: from the DjangoSession doc comment on. */
const djangoModels = () => {
  const text = readFileSync(join(ROOT, "prisma", "postgresql.prisma"), "utf8");
  return text.slice(text.indexOf("/// django.contrib.sessions.models.Session"));
};

const APP_MODEL = `
/// The app's own table.
model Note {
  id     Int    @id @default(autoincrement())
  userId Int    @map("user_id")
  text   String @db.VarChar(200)

  @@map("app_note")
}

`;

/** What the app does after the README's snippet: a session saved through the adapter, read back through the model. */
const APP_TAIL = `
async function main(): Promise<void> {
  const session = sessions.get(null);
  await session.set("counter", 7);
  await session.save();
  const row = await prisma.djangoSession.findUnique({ where: { sessionKey: session.sessionKey! } });
  const back = await sessions.get(session.sessionKey).get("counter");
  console.log(JSON.stringify({ key: session.sessionKey, found: row !== null, back, users: await prisma.authUser.count() }));
  await prisma.$disconnect();
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

interface App {
  dir: string;
  type: "commonjs" | "module";
}

/** A scratch app: package.json, tsconfig, prisma/schema.prisma, prisma.config.ts, src/app.ts. */
function writeApp(name: string, type: App["type"], generator: string, config: string): App {
  const dir = join(TMP_DIR, `prismaapp-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "prisma"), { recursive: true });
  mkdirSync(join(dir, "src"), { recursive: true });
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  // `npm install <tarball>` in a real app; here the repository itself (dist/, through its exports).
  symlinkSync(ROOT, join(dir, "node_modules", "django-session"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `prismaapp-${name}`, private: true, type }, null, 2));
  const esm = type === "module";
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify(
      {
        compilerOptions: {
          target: "ES2022",
          module: esm ? "nodenext" : "node16",
          moduleResolution: esm ? "nodenext" : "node16",
          strict: true,
          skipLibCheck: true,
          outDir: "dist",
          rootDir: "src",
          types: ["node"],
          typeRoots: [join(ROOT, "node_modules", "@types")],
        },
        include: ["src"],
      },
      null,
      2,
    ),
  );
  writeFileSync(join(dir, "prisma", "schema.prisma"), `${generator}\n${datasourceBlock()}${APP_MODEL}${djangoModels()}`);
  writeFileSync(join(dir, "prisma.config.ts"), config);
  let code = snippet();
  if (esm) code = code.replace('"./generated/prisma/client"', '"./generated/prisma/client.js"'); // as the README's comment says
  writeFileSync(join(dir, "src", "app.ts"), code + APP_TAIL);
  return { dir, type };
}

/** `prisma generate` offline, as the README says: PRISMA_SCHEMA_ENGINE_BINARY=package.json. */
const generate = (app: App) => run(process.execPath, [PRISMA, "generate"], app.dir, { PRISMA_SCHEMA_ENGINE_BINARY: "package.json" });
const compile = (app: App) => run(process.execPath, [TSC, "-p", "tsconfig.json"], app.dir);
const start = (app: App, db: MigratedDatabase) => run(process.execPath, ["dist/app.js"], app.dir, { DATABASE_URL: db.url, DJANGO_SECRET_KEY: SECRET_KEY });

let db: MigratedDatabase;

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist", "cjs", "index.js"))) expectSuccess("npm run build", await run("npm", ["run", "build"], ROOT));
  db = await djangoMigratedDatabase("postgres", "ds_prismaapp_pg", "5.2");
}, 120_000);

test("the README's Prisma section has the generator block, the snippet and the config this file runs", () => {
  expect(generatorBlock()).toMatch(/provider\s+= "prisma-client"/);
  expect(generatorBlock()).toMatch(/moduleFormat = "cjs"/);
  expect(generatorBlock()).toContain('"esm" when your package.json says "type": "module"');
  expect(datasourceBlock()).toMatch(/provider = "postgresql"/);
  expect(snippet()).toContain('from "./generated/prisma/client"');
  expect(configBlock()).toContain("experimental: { externalTables: true }");
  expect(section).toContain("PRISMA_SCHEMA_ENGINE_BINARY=package.json");
});

test("CommonJS app: the README's generator block, offline generate, compiled, required and queried through the README's snippet", async () => {
  const app = writeApp("cjs", "commonjs", generatorBlock(), configBlock());
  const generated = expectSuccess("prisma generate", await generate(app));
  expect(generated).toMatch(/Generated Prisma Client/);
  expect(readFileSync(join(app.dir, "src", "generated", "prisma", "client.ts"), "utf8")).not.toContain("import.meta");
  expectSuccess("tsc", await compile(app));
  const out = JSON.parse(expectSuccess("node dist/app.js", await start(app, db)).trim().split("\n").pop()!);
  expect(out).toEqual({ key: expect.stringMatching(/^[a-z0-9]{32}$/), found: true, back: 7, users: 0 });
}, 60_000);

test("ESM app: the same block with moduleFormat = \"esm\", imported and queried", async () => {
  const block = generatorBlock().replace('moduleFormat = "cjs"', 'moduleFormat = "esm"');
  expect(block).toContain('moduleFormat = "esm"');
  const app = writeApp("esm", "module", block, configBlock());
  expectSuccess("prisma generate", await generate(app));
  expectSuccess("tsc", await compile(app));
  const out = JSON.parse(expectSuccess("node dist/app.js", await start(app, db)).trim().split("\n").pop()!);
  expect(out).toMatchObject({ found: true, back: 7, users: 0 });
}, 60_000);

test("an ES-module client in a CommonJS app crashes on import.meta: why the block's moduleFormat must match the app", async () => {
  // What Prisma 7.10 generates without moduleFormat when the nearest package.json says "type": "module".
  const block = generatorBlock().replace('moduleFormat = "cjs"', 'moduleFormat = "esm"');
  const app = writeApp("cjs-esm-client", "commonjs", block, configBlock());
  expectSuccess("prisma generate", await generate(app));
  expect(readFileSync(join(app.dir, "src", "generated", "prisma", "client.ts"), "utf8")).toContain("import.meta.url");
  const compiled = await compile(app);
  const started = compiled.code === 0 ? await start(app, db) : compiled;
  expect(started.code).not.toBe(0);
  expect(started.output).toMatch(/import\.meta/);
}, 60_000);

test("the README's prisma.config.ts: Django's tables are external, and the client still has their models", async () => {
  const app = writeApp("config", "commonjs", generatorBlock(), configBlock());
  const probe = `
    const { loadConfigFromFile } = require(${JSON.stringify(require.resolve("@prisma/config", { paths: [ROOT] }))});
    loadConfigFromFile({ configFile: "prisma.config.ts" }).then(({ config, error }) => {
      if (error) throw error;
      console.log(JSON.stringify({ experimental: config.experimental, tables: config.tables, schema: config.schema }));
    });`;
  const loaded = JSON.parse(expectSuccess("loadConfigFromFile", await run(process.execPath, ["-e", probe], app.dir)).trim().split("\n").pop()!);
  expect(loaded.experimental).toEqual({ externalTables: true });
  // Every table Django created, schema-qualified (prisma-migrate-plan.test.ts shows what Prisma Migrate plans with it).
  expect(loaded.tables).toEqual({ external: db.django.tables.map((table: string) => `public.${table}`) });
  expect(loaded.schema).toBe(join(app.dir, "prisma", "schema.prisma"));
  // Every Django model's table is listed.
  const mapped = [...djangoModels().matchAll(/@@map\("([^"]+)"\)/g)].map((m) => `public.${m[1]}`);
  expect(mapped.length).toBe(2);
  expect(loaded.tables.external).toEqual(expect.arrayContaining(mapped));

  expectSuccess("prisma generate", await generate(app));
  const client = readFileSync(join(app.dir, "src", "generated", "prisma", "client.ts"), "utf8");
  for (const model of ["DjangoSession", "AuthUser", "Note"]) expect(client).toMatch(new RegExp(`export type ${model} = `));
}, 60_000);
