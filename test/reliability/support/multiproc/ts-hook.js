// `node --require ./ts-hook.js file.ts`: runs the TypeScript of the multi-process runs in child
// processes when they start from Jest (the full run compiles them with tsc instead). Each file is
// transpiled alone (no type check: Jest and `npm run typecheck` do that), and the output is kept
// in test/.tmp/ts-hook by path and modification time, so the 2–4 workers of a run compile once.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..", "..", "..", "..");
const cacheDir = path.join(root, "test", ".tmp", "ts-hook");
fs.mkdirSync(cacheDir, { recursive: true });
// typescript itself is loaded only on a miss: most of a process's start otherwise.
let ts = null;
const options = () => ({ esModuleInterop: true, experimentalDecorators: true, emitDecoratorMetadata: true, sourceMap: false, inlineSourceMap: true });

require.extensions[".ts"] = (module, filename) => {
  const stat = fs.statSync(filename);
  const cached = path.join(cacheDir, `${path.relative(root, filename).replace(/[\\/]/g, "__")}.${Math.trunc(stat.mtimeMs)}.js`);
  let code;
  try {
    code = fs.readFileSync(cached, "utf8");
  } catch {
    ts ??= require("typescript");
    code = ts.transpileModule(fs.readFileSync(filename, "utf8"), { compilerOptions: { ...options(), module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 }, fileName: filename }).outputText;
    fs.writeFileSync(`${cached}.${process.pid}`, code);
    fs.renameSync(`${cached}.${process.pid}`, cached);
  }
  module._compile(code, filename);
};
