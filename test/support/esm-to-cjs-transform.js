// Jest transform for NestJS 12, which ships ES modules only. Jest (before Node 24.9) cannot
// require() an ES module, so the Nest packages are compiled to CommonJS here. `import.meta.url`
// (used by Nest's optional-package loader) has no CommonJS spelling and is rewritten first.
"use strict";
const ts = require("typescript");
const { createHash } = require("node:crypto");

const VERSION = "1";

module.exports = {
  getCacheKey(source, path) {
    return createHash("sha256").update(VERSION).update("\0").update(path).update("\0").update(source).digest("hex");
  },
  process(source, path) {
    const text = source.replace(/\bimport\.meta\.url\b/g, 'require("node:url").pathToFileURL(__filename).href');
    const { outputText } = ts.transpileModule(text, {
      fileName: path,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, allowJs: true, esModuleInterop: true, sourceMap: false },
    });
    return { code: outputText };
  },
};
