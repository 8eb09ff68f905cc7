/**
 * The package as a user gets it: build into a staging directory, `npm pack` it, check what the
 * tarball holds, run publint and arethetypeswrong on it, install it (offline) into a scratch
 * CommonJS project and a scratch ESM project, load every entry point both ways, check that both
 * module systems share one instance, and type-check a consumer file with this repository's
 * TypeScript (node10, node16 and node20 from CommonJS, nodenext from ESM).
 *
 * Cache first: the tarball's own dependencies come from npm's cache, or from the registry when the
 * cache has no metadata for them (`npm ci` caches tarballs, not the metadata a plain install needs:
 * `--offline` failed with ENOTCACHED on a new machine);
 * the optional peers are not installed by npm (npm never installs optional peers) but linked from
 * this repository's node_modules, as a user would install the ones they use. Before they are
 * linked, every entry point must either load or fail naming a declared peer dependency.
 *
 * Set KEEP_PACKAGING_TMP=1 to keep the scratch directories (their path is printed).
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const FIXTURES = path.join(__dirname, "fixtures");
// Inside the repository (git-ignored), so that scripts/build-esm.js, which loads the CommonJS
// build to list its exports, resolves the dependencies from this repository's node_modules.
const STAGE_PARENT = path.join(ROOT, "test/.tmp/packaging");
const TSC = path.join(ROOT, "node_modules/typescript/bin/tsc");
const TYPECHECK = path.join(__dirname, "typecheck.cjs");
const BIN = (name: string) => path.join(ROOT, "node_modules/.bin", name);

type Conditions = { import: Record<string, string>; require: Record<string, string> };
/** A portable entry point adds `node` (Node, Bun, Deno: the wrapper of the CommonJS build) before `import` (the real ES modules). */
type Target = Conditions & { node?: Conditions };
type Pkg = {
  name: string;
  files: string[];
  bin?: Record<string, string>;
  exports: Record<string, string | Target>;
  typesVersions?: Record<string, Record<string, string[]>>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dependencies?: Record<string, string>;
};
const pkg: Pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

/** "django-session", "django-session/prisma", ... for every code entry point in `exports`. */
const specifiers = Object.entries(pkg.exports)
  .filter(([, target]) => typeof target !== "string")
  .map(([subpath]) => (subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`));

/** A few named exports per entry point that a user relies on (any other entry point is still loaded). */
const EXPECTED_EXPORTS: Record<string, string[]> = {
  "django-session": ["Signer", "TimestampSigner", "SessionCodec", "Session", "DjangoSessionRepository", "CachedDbSessionRepository", "BadSignature", "UpdateError", "isDjangoSessionError"],
  "django-session/auth": ["getUser", "checkPassword", "login", "logout", "makePassword"],
  "django-session/low-level": ["pickleLoads", "pyJsonLoads", "SessionMiddlewareCore", "signObject"],
  "django-session/prisma": ["createPrismaAdapter", "PrismaSessionAdapter"],
  "django-session/typeorm": ["createTypeOrmAdapter", "createDjangoSessionEntity", "PostgresDjangoSession"],
  "django-session/express": ["djangoSession", "getSession"],
  "django-session/fastify": ["djangoSession"],
  "django-session/koa": ["djangoSession"],
  "django-session/hono": ["djangoSession"],
  "django-session/testing": ["defineConformanceSuite", "conformanceCases"],
  "django-session/nestjs": ["DjangoSessionModule", "DjangoSession", "CurrentUser"],
  "django-session/redis": ["RedisSessionCache", "CacheSessionRepository"],
};

type RunResult = { code: number; stdout: string; stderr: string };

/** The environment without what `npm test` exports for its own package (a nested npm must not see it). */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(package|lifecycle)_/.test(key) || /^npm_config_(local_prefix|prefix|global_prefix)$/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs a command; never rejects (the caller asserts on the code, with the output in the message). */
function run(file: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: childEnv(env), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (error && code === 1 ? String(error.message) : "") });
    });
  });
}

function ok(result: RunResult, what: string): string {
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  return result.stdout;
}

const node = (args: string[], cwd: string, env?: Record<string, string>) => run(process.execPath, args, cwd, env);

/** Links a package of this repository's node_modules into a scratch project's node_modules. */
function linkFromRepo(project: string, name: string): boolean {
  const source = path.join(ROOT, "node_modules", name);
  if (!fs.existsSync(source)) return false;
  const target = path.join(project, "node_modules", name);
  if (fs.existsSync(target)) return true;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.symlinkSync(source, target, "dir");
  return true;
}

/** `@types/` package name for a package name (`@nestjs/core` -> `@types/nestjs__core`). */
const typesPackage = (name: string) => `@types/${name.replace(/^@/, "").replace("/", "__")}`;

/**
 * Entry points whose peer ships ES modules only (NestJS 12): their CommonJS declarations import it,
 * which TypeScript's `module: node16` refuses (TS1479: it models Node 16, which cannot `require` an
 * ES module), and so does any CommonJS NestJS 12 application's own `import ... from "@nestjs/common"`.
 * They are type-checked from CommonJS with `module: node20` (Node 20.19+ `require`s ES modules) and
 * `node10`, and from ESM; only the node16 check leaves them out.
 */
const NEEDS_REQUIRE_ESM = new Set(["django-session/nestjs"]);

/** The consumer file type-checked in each scratch project: every entry point's types, imported. */
function consumerSource(exclude: ReadonlySet<string> = new Set()): string {
  const lines = [
    "// Generated by test/packaging/packaging.test.ts: a consumer of every entry point's types.",
    'import { Signer, BadSignature, SessionCodec, DjangoSessionRepository, type SessionData, type SessionRowAdapter } from "django-session";',
    'import { createPrismaAdapter, type PrismaClientLike } from "django-session/prisma";',
    'import { createTypeOrmAdapter, type TypeOrmAdapterOptions } from "django-session/typeorm";',
    'import { djangoSession as expressSession, type DjangoSessionOptions } from "django-session/express";',
    'import { djangoSession as fastifySession, type DjangoSessionFastifyOptions } from "django-session/fastify";',
    'import { djangoSession as koaSession, type DjangoSessionKoaOptions } from "django-session/koa";',
    'import { djangoSession as honoSession, type DjangoSessionHonoOptions } from "django-session/hono";',
    'import { defineConformanceSuite, type ConformanceCase } from "django-session/testing";',
    "",
    'const signer: Signer = new Signer({ key: "secret" });',
    'const signed: string = signer.sign("value");',
    "const unsigned: string = signer.unsign(signed);",
    "const error: BadSignature | undefined = undefined as unknown as BadSignature | undefined;",
    'const data: SessionData = new SessionCodec({ secretKey: "secret" }).decode("");',
    "type Repository = DjangoSessionRepository;",
    "type Types = [SessionRowAdapter, PrismaClientLike, TypeOrmAdapterOptions, DjangoSessionOptions, DjangoSessionFastifyOptions, DjangoSessionKoaOptions, DjangoSessionHonoOptions, ConformanceCase, Repository];",
    "const functions: Function[] = [createPrismaAdapter, createTypeOrmAdapter, expressSession, fastifySession, koaSession, honoSession, defineConformanceSuite];",
    "export const used: unknown[] = [unsigned, error, data, functions, null as unknown as Types];",
    "",
    "// Every entry point in package.json `exports`, whatever it holds.",
  ];
  specifiers.forEach((specifier, i) => {
    if (exclude.has(specifier)) return;
    lines.push(`import * as entry${i} from "${specifier}";`);
    lines.push(`export type Entry${i} = typeof entry${i};`);
  });
  return lines.join("\n") + "\n";
}

function tsconfig(compilerOptions: Record<string, unknown>, file = "consumer.ts") {
  return JSON.stringify(
    {
      compilerOptions: {
        target: "ES2022",
        lib: ["ES2022"],
        strict: true,
        noEmit: true,
        // typecheck.cjs checks the consumer and this package's declaration files (not third-party ones).
        skipLibCheck: false,
        types: ["node"],
        ...compilerOptions,
      },
      files: [file],
    },
    null,
    2,
  );
}

let tmp: string;
let stage: string;
let tarball: string;
let unpacked: string; // the tarball extracted: <unpacked>/package/...
let tarballFiles: string[];
let cjsProject: string;
let esmProject: string;
let publint: RunResult;
let attw: RunResult;
let probes: Record<string, Record<string, { ok: boolean; missing?: string; message?: string }>>;
let binHelp: RunResult | undefined;
let tarballName: string;
let publishDryRun: { name: string; version: string; filename: string; files: { path: string }[] };

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "django-session-packaging-"));
  if (process.env.KEEP_PACKAGING_TMP) console.log(`packaging scratch directory: ${tmp}`);

  // 1. `npm run build`, into a staging directory (the repository's own dist/ is left alone).
  fs.mkdirSync(STAGE_PARENT, { recursive: true });
  stage = fs.mkdtempSync(path.join(STAGE_PARENT, "stage-"));
  fs.copyFileSync(path.join(ROOT, "package.json"), path.join(stage, "package.json"));
  const topLevel = new Set(pkg.files.filter((f) => !f.startsWith("!")).map((f) => f.split("/")[0]));
  for (const entry of topLevel) {
    if (entry !== "dist" && fs.existsSync(path.join(ROOT, entry))) fs.cpSync(path.join(ROOT, entry), path.join(stage, entry), { recursive: true });
  }
  ok(await node([TSC, "-p", path.join(ROOT, "tsconfig.build.json"), "--outDir", path.join(stage, "dist/cjs")], ROOT), "tsc -p tsconfig.build.json");
  ok(await node([path.join(ROOT, "scripts/build-esm.js"), stage], ROOT), "scripts/build-esm.js");

  // 2. npm pack (its `prepack` would build again in place: the build is the step above).
  const packed = JSON.parse(ok(await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", tmp], stage), "npm pack"));
  tarballName = packed[0].filename;
  tarball = path.join(tmp, tarballName);
  // A release is one command away: what `npm publish` would send, without sending it.
  // npm 11 keys its --json answer by package name; older npm printed the object itself.
  const published = JSON.parse(ok(await run("npm", ["publish", "--dry-run", "--json", "--ignore-scripts", "--tag", "dry-run"], stage), "npm publish --dry-run"));
  publishDryRun = published[pkg.name] ?? published;
  tarballFiles = (packed[0].files as { path: string }[]).map((f) => f.path).sort();
  unpacked = path.join(tmp, "unpacked");
  fs.mkdirSync(unpacked);
  ok(await run("tar", ["-xzf", tarball, "-C", unpacked], tmp), "tar -x");

  // 3. Scratch projects, the tarball installed offline; publint and attw meanwhile.
  cjsProject = path.join(tmp, "cjs");
  esmProject = path.join(tmp, "esm");
  const install = async (project: string, type: string) => {
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: `scratch-${type}`, private: true, type }, null, 2));
    ok(await run("npm", ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", "--no-package-lock"], project), `npm install (${type})`);
    for (const file of fs.readdirSync(FIXTURES)) fs.copyFileSync(path.join(FIXTURES, file), path.join(project, file));
  };
  [publint, attw] = await Promise.all([
    run(BIN("publint"), ["run", tarball, "--strict"], tmp),
    run(BIN("attw"), [tarball, "--format", "json"], tmp),
    install(cjsProject, "commonjs"),
    install(esmProject, "module"),
  ]);

  // 4. Before any optional peer is there: what loads, and the CLI's --help.
  const list = JSON.stringify(specifiers);
  const binName = pkg.bin ? Object.keys(pkg.bin)[0] : undefined;
  const probeRuns = [
    ["CommonJS project, require", cjsProject, "require"],
    ["CommonJS project, import()", cjsProject, "import"],
    ["ESM project, import()", esmProject, "import"],
  ] as const;
  const [help, ...probed] = await Promise.all([
    binName ? run(path.join(cjsProject, "node_modules/.bin", binName), ["--help"], cjsProject) : undefined,
    ...probeRuns.map(([, project, mode]) => node(["probe.cjs", mode, list], project)),
  ]);
  binHelp = help;
  probes = Object.fromEntries(probeRuns.map(([label], i) => [label, JSON.parse(ok(probed[i], `probe (${label})`))]));

  // 5. The optional peers (and their @types), as a user installs the ones they use.
  for (const project of [cjsProject, esmProject]) {
    for (const peer of Object.keys(pkg.peerDependencies ?? {})) {
      linkFromRepo(project, peer);
      linkFromRepo(project, typesPackage(peer));
    }
    linkFromRepo(project, "@types/node");
    fs.writeFileSync(path.join(project, "consumer.ts"), consumerSource());
  }
  fs.writeFileSync(path.join(cjsProject, "consumer-node16.ts"), consumerSource(NEEDS_REQUIRE_ESM));
  fs.writeFileSync(path.join(cjsProject, "tsconfig.node10.json"), tsconfig({ module: "commonjs", moduleResolution: "node10", esModuleInterop: true }));
  fs.writeFileSync(path.join(cjsProject, "tsconfig.node16.json"), tsconfig({ module: "node16", moduleResolution: "node16" }, "consumer-node16.ts"));
  fs.writeFileSync(path.join(cjsProject, "tsconfig.node20.json"), tsconfig({ module: "node20", moduleResolution: "node16" }));
  fs.writeFileSync(path.join(esmProject, "tsconfig.nodenext.json"), tsconfig({ module: "nodenext", moduleResolution: "nodenext" }));
}, 300_000);

afterAll(() => {
  if (tmp && !process.env.KEEP_PACKAGING_TMP) fs.rmSync(tmp, { recursive: true, force: true });
  if (stage) fs.rmSync(stage, { recursive: true, force: true });
});

describe("the npm tarball", () => {
  test("holds what a user needs and nothing else", () => {
    const allowed = [
      /^package\.json$/,
      /^README\.md$/,
      /^LICENSE$/,
      /^dist\/cjs\/.+\.(js|d\.ts)$/,
      /^dist\/node\/.+\.(mjs|d\.mts)$/,
      /^dist\/esm\/.+\.(js|d\.ts)$/,
      /^dist\/esm\/package\.json$/,
      /^prisma\/[^/]+\.prisma$/,
      /^(prisma|migrations)\/README\.md$/,
      /^migrations\/[^/]+\.sql$/,
    ];
    expect(tarballFiles.filter((file) => !allowed.some((re) => re.test(file)))).toEqual([]);
    expect(tarballFiles.filter((file) => /(^|\/)(test|tests|__tests__|src|generated|node_modules)\/|\.map$|\.tsbuildinfo$|\.test\.|(^|\/)\.env|\.npmrc$/.test(file))).toEqual([]);
    expect(tarballFiles).toEqual(expect.arrayContaining(["LICENSE", "README.md", "package.json", "prisma/postgresql.prisma", "prisma/mysql.prisma", "prisma/sqlite.prisma", "migrations/postgres.sql"]));

    // Every file `exports`, `main`, `types`, `typesVersions` and `bin` name is in it.
    const named = new Set<string>();
    const add = (p: string) => named.add(p.replace(/^\.\//, ""));
    for (const target of Object.values(pkg.exports)) {
      if (typeof target === "string") add(target);
      else for (const condition of [target.import, target.require, target.node?.import ?? {}, target.node?.require ?? {}]) Object.values(condition).forEach(add);
    }
    for (const paths of Object.values(pkg.typesVersions?.["*"] ?? {})) paths.forEach(add);
    Object.values(pkg.bin ?? {}).forEach(add);
    expect([...named].filter((file) => !tarballFiles.includes(file))).toEqual([]);
  });

  test("the root entry is small: Session, the engines, codec and signing, errors; the rest in subpaths", () => {
    const installed = path.join(cjsProject, "node_modules", "django-session");
    const root = require(path.join(installed, "dist", "cjs", "index.js")) as Record<string, unknown>;
    const names = Object.keys(root).filter((name) => name !== "__esModule");
    // About 40 names in all, lucia-sized, instead of the 155 the root once had.
    expect(names.length).toBeLessThanOrEqual(40);
    for (const internal of ["signObject", "pyFloatRepr", "integerExpiryOnly", "serializeSessionCookie", "pickleLoads", "getUser", "login", "checkPassword", "SessionMiddlewareCore"]) {
      expect([internal, names.includes(internal)]).toEqual([internal, false]);
    }
    // What a backend needs of a Session is not part of the type users see.
    const sessionTypes = fs.readFileSync(path.join(installed, "dist", "cjs", "core", "session.d.ts"), "utf8");
    for (const member of ["backendState", "setSessionKeyForBackend", "replaceDataForBackend", "dataForSave", "changeSet"]) {
      expect([member, sessionTypes.includes(member)]).toEqual([member, false]);
    }
    expect(sessionTypes).toContain("saveIfModified(): Promise<boolean>;");
    expect(sessionTypes).toContain("getExpireAtBrowserClose(): boolean;");
  });

  test("npm publish --dry-run would publish this very tarball", () => {
    expect(publishDryRun.name).toBe(pkg.name);
    expect(publishDryRun.filename).toBe(tarballName);
    expect(publishDryRun.files.map((f) => f.path).sort()).toEqual(tarballFiles);
  });

  test("the README's install commands are the ones this test runs, with this tarball's name", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Installing the package"), readme.indexOf("## Install and test"));
    const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
    expect(block).toMatch(/^npm ci && npm pack\b/m);
    expect(block).toContain(`npm install /path/to/django-session/${tarballName}\n`);
    for (const example of ["express-prisma", "nestjs-typeorm", "fastify"]) {
      const text = fs.readFileSync(path.join(ROOT, "examples", example, "README.md"), "utf8");
      expect(text).toContain(`npm install /path/to/${tarballName}`);
      expect(text).not.toMatch(/^npm install django-session/m);
    }
  });

  test("exports: types first in every condition; Node's import is the wrapper, other ESM the real build; typesVersions mirrors them for node10", () => {
    const portable: string[] = [];
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === "string") continue;
      for (const condition of [target.import, target.require, ...(target.node ? [target.node.import, target.node.require] : [])]) {
        expect(Object.keys(condition)).toEqual(["types", "default"]);
      }
      const nodeImport = target.node?.import ?? target.import;
      expect(nodeImport.types).toMatch(/^\.\/dist\/node\/.+\.d\.mts$/);
      expect(target.require.types).toMatch(/\.d\.ts$/);
      if (target.node) {
        portable.push(subpath);
        // `node` first: Node, Bun and Deno must never reach the second copy in dist/esm.
        expect(Object.keys(target)).toEqual(["node", "import", "require"]);
        expect(target.node.require).toEqual(target.require);
        expect(target.import.default).toBe(target.require.default.replace("./dist/cjs/", "./dist/esm/"));
      }
      if (subpath !== ".") expect(pkg.typesVersions?.["*"]?.[subpath.slice(2)]).toEqual([target.require.types]);
    }
    expect(portable).toEqual([".", "./low-level", "./hono"]);
    expect(pkg.exports["./package.json"]).toBe("./package.json");
  });

  test("dist/esm is real ES modules: no CommonJS, relative imports with extensions, the same names as each CommonJS entry", async () => {
    const esm = path.join(unpacked, "package", "dist", "esm");
    expect(JSON.parse(fs.readFileSync(path.join(esm, "package.json"), "utf8"))).toEqual({ type: "module", sideEffects: false });
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (/\.(js|d\.ts)$/.test(entry.name)) {
          const code = fs.readFileSync(file, "utf8").split("\n").filter((line) => !/^\s*(\*|\/\/)/.test(line)).join("\n");
          if (/\bexports\.|module\.exports|Object\.defineProperty\(exports/.test(code)) offenders.push(`${entry.name}: CommonJS`);
          for (const m of code.matchAll(/\bfrom\s*["'](\.{1,2}\/[^"']*)["']/g)) if (!/\.js$/.test(m[1] ?? "")) offenders.push(`${entry.name}: ${m[1]}`);
        }
      }
    };
    walk(esm);
    expect(offenders).toEqual([]);
    // Node can load the real build straight from its files (a bundler's view of it), with the CommonJS entry's names.
    const script = `const names = {}; for (const [sub, file] of ${JSON.stringify(
      Object.entries(pkg.exports)
        .filter(([, t]) => typeof t !== "string" && t.node)
        .map(([sub, t]) => [sub, (t as Target).import.default]),
    )}) names[sub] = Object.keys(await import("./node_modules/django-session/" + file.slice(2))).sort(); console.log(JSON.stringify(names));`;
    const loaded = JSON.parse(ok(await node(["--input-type=module", "-e", script], esmProject), "import dist/esm")) as Record<string, string[]>;
    for (const [sub, names] of Object.entries(loaded)) {
      const target = pkg.exports[sub] as Target;
      const cjsNames = Object.keys(require(path.join(esmProject, "node_modules", "django-session", target.require.default)) as object).filter((n) => n !== "__esModule").sort();
      expect({ sub, names }).toEqual({ sub, names: cjsNames });
    }
  });

  test("every peer dependency is optional", () => {
    const peers = Object.keys(pkg.peerDependencies ?? {});
    expect(peers.filter((peer) => pkg.peerDependenciesMeta?.[peer]?.optional !== true)).toEqual([]);
  });

  test("holds no machine path and no secret", () => {
    const machinePaths = [ROOT, os.homedir(), os.tmpdir() + path.sep, ...["work", "root", "home"].map((dir) => `/${dir}/`)].filter((p) => p && p !== "/");
    // The secrets this repository's tests and vectors use must not leak into the package.
    const testSecrets = new Set<string>();
    const vectorsDir = path.join(ROOT, "test/vectors");
    for (const file of fs.readdirSync(vectorsDir).filter((f) => f.endsWith(".json"))) {
      JSON.stringify(JSON.parse(fs.readFileSync(path.join(vectorsDir, file), "utf8")), (key, value) => {
        if (/secret/i.test(key) && typeof value === "string" && value.length >= 8) testSecrets.add(value);
        return value;
      });
    }
    const secretPatterns = [
      /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
      /\bAKIA[0-9A-Z]{16}\b/, // AWS access key id
      /\bgh[pousr]_[A-Za-z0-9]{30,}\b/, // GitHub token
      /\bgithub_pat_[A-Za-z0-9_]{30,}/,
      /\bnpm_[A-Za-z0-9]{36}\b/, // npm token
      /\bxox[abpr]-[A-Za-z0-9-]{10,}/, // Slack token
      /\bsk_live_[A-Za-z0-9]{16,}/,
      /django-insecure-[A-Za-z0-9_\-!@#$%^&*()=+]{10,}/, // a generated Django SECRET_KEY
      /\/\/_authToken=/,
    ];
    // URLs with a password, unless the password is a placeholder ("postgres://USER:PASSWORD@HOST").
    const credentialUrl = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"`]+:([^\s/@'"`]+)@/gi;
    const placeholder = /^(password|pass|secret|\*+|\$\{[^}]*\}|<[^>]*>|[A-Z_]+)$/i;

    const findings: string[] = [];
    for (const file of tarballFiles) {
      const text = fs.readFileSync(path.join(unpacked, "package", file), "utf8");
      for (const p of machinePaths) if (text.includes(p)) findings.push(`${file}: machine path ${p}`);
      for (const secret of testSecrets) if (text.includes(secret)) findings.push(`${file}: a test secret (${secret.slice(0, 12)}...)`);
      for (const re of secretPatterns) if (re.test(text)) findings.push(`${file}: matches ${re}`);
      for (const match of text.matchAll(credentialUrl)) if (!placeholder.test(match[1])) findings.push(`${file}: URL with credentials ${match[0]}`);
    }
    expect(findings).toEqual([]);
  });

  test("publint --strict reports nothing", () => {
    const output = `${publint.stdout}\n${publint.stderr}`;
    expect({ code: publint.code, output }).toEqual({ code: 0, output: expect.not.stringMatching(/Errors:|Warnings:|Suggestions:/) });
  });

  test("arethetypeswrong finds no problem in any resolution mode", () => {
    const report = JSON.parse(attw.stdout);
    expect({ code: attw.code, problems: report.problems }).toEqual({ code: 0, problems: {} });
    const analysed = Object.keys(report.analysis.entrypoints).sort();
    expect(analysed).toEqual([...specifiers.map((s) => `.${s.slice(pkg.name.length)}`), "./package.json"].sort());
  });
});

describe("installed from the tarball", () => {
  test("without optional peers, an entry point loads or fails naming a declared peer dependency", () => {
    const peers = new Set(Object.keys(pkg.peerDependencies ?? {}));
    const packageName = (module: string) => module.split("/").slice(0, module.startsWith("@") ? 2 : 1).join("/");
    const undeclared: string[] = [];
    for (const [probe, results] of Object.entries(probes)) {
      for (const [specifier, result] of Object.entries(results)) {
        if (!result.ok && !(result.missing && peers.has(packageName(result.missing)))) undeclared.push(`${probe}, ${specifier}: ${result.message}`);
      }
      // The core needs no peer at all, and neither do the entry points that import their framework as types only.
      for (const specifier of ["django-session", "django-session/prisma", "django-session/express", "django-session/fastify", "django-session/koa", "django-session/hono", "django-session/testing"]) {
        if (results[specifier]) expect({ probe, specifier, ...results[specifier] }).toEqual({ probe, specifier, ok: true });
      }
    }
    expect(undeclared).toEqual([]);
  });

  test("the bin runs (--help) with no optional peer installed", () => {
    if (!pkg.bin) return;
    const binFile = Object.values(pkg.bin)[0].replace(/^\.\//, "");
    expect(fs.readFileSync(path.join(unpacked, "package", binFile), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/);
    ok(binHelp!, `${Object.keys(pkg.bin)[0]} --help`);
    expect(binHelp!.stdout).toMatch(/usage/i);
  });

  test.each([
    ["CommonJS", () => cjsProject, "load-all.cjs"],
    ["ESM", () => esmProject, "load-all.mjs"],
  ])("%s project: every entry point loads with require and import, one instance of the library", async (_name, project, script) => {
    const report = JSON.parse(ok(await node([script, JSON.stringify(specifiers)], project()), script));
    expect(Object.keys(report.entries).sort()).toEqual([...specifiers].sort());
    for (const [specifier, entry] of Object.entries(report.entries) as [string, { cjsNames: string[]; esmNames: string[]; notShared: string[] }][]) {
      // The ESM wrapper re-exports exactly the CommonJS exports, as the very same values.
      expect({ specifier, names: entry.esmNames, notShared: entry.notShared }).toEqual({ specifier, names: entry.cjsNames, notShared: [] });
      expect(entry.cjsNames).toEqual(expect.arrayContaining(EXPECTED_EXPORTS[specifier] ?? []));
    }
    expect(report.instance).toEqual({
      sameSignerClass: true,
      esmThrownIsCjsBadSignature: true,
      cjsThrownIsEsmBadSignature: true,
      esmThrownIsCjsDjangoSessionError: true,
      esmConstructedIsCjsBadSignature: true,
      esmRepositoryErrorIsCjsImproperlyConfigured: true,
    });
  }, 60_000);

  test("a consumer of every entry point type-checks: CommonJS (node10, node16, node20), ESM (nodenext)", async () => {
    const checks = [
      ["CommonJS, moduleResolution node10", cjsProject, "tsconfig.node10.json", "dist/cjs/index.d.ts"],
      ["CommonJS, module node16 (see NEEDS_REQUIRE_ESM)", cjsProject, "tsconfig.node16.json", "dist/cjs/index.d.ts"],
      ["CommonJS, module node20, moduleResolution node16", cjsProject, "tsconfig.node20.json", "dist/cjs/index.d.ts"],
      ["ESM, moduleResolution nodenext", esmProject, "tsconfig.nodenext.json", "dist/node/index.d.mts"],
    ] as const;
    const results = await Promise.all(checks.map(([, project, config]) => node([TYPECHECK, project, config], ROOT)));
    checks.forEach(([label, , config, rootTypes], i) => {
      const { diagnostics, packageFiles } = JSON.parse(ok(results[i], `typecheck ${config}`));
      expect({ label, diagnostics }).toEqual({ label, diagnostics: [] });
      // The types came from the installed tarball, through the condition this resolution picks.
      expect({ label, rootTypes: packageFiles.includes(rootTypes) }).toEqual({ label, rootTypes: true });
    });
  }, 120_000);
});
