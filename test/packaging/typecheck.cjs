// Type-checks a scratch project's consumer with this repository's TypeScript, as `tsc -p CONFIG`
// would, except for which declaration files are checked: the consumer and every declaration file
// of the installed django-session package are (strictly, as with `skipLibCheck: false`), the
// third-party ones (TypeORM, @types/koa, ...) are not (as with `skipLibCheck: true`: their authors
// type them against their own settings, and checking them all would take most of the time).
//
// Usage: node test/packaging/typecheck.cjs PROJECT_DIR CONFIG_FILE
// Prints JSON: { diagnostics: string[], packageFiles: string[] } (package files relative to the
// installed package), exits 0 either way.
"use strict";
const path = require("node:path");
const ts = require(path.join(__dirname, "../../node_modules/typescript"));

const [project, configName] = process.argv.slice(2);
const configFile = path.resolve(project, configName);
const read = ts.readConfigFile(configFile, ts.sys.readFile);
if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
const config = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(configFile), undefined, configFile);
const options = { ...config.options, skipLibCheck: false, skipDefaultLibCheck: true };
const program = ts.createProgram({ rootNames: config.fileNames, options, projectReferences: config.projectReferences });

const packageDir = path.join(path.resolve(project), "node_modules", "django-session") + path.sep;
const ours = program.getSourceFiles().filter((sf) => config.fileNames.includes(sf.fileName) || path.resolve(sf.fileName).startsWith(packageDir));
const diagnostics = [
  ...config.errors,
  ...program.getOptionsDiagnostics(),
  ...program.getGlobalDiagnostics(),
  ...ours.flatMap((sf) => [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]),
];
const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => path.resolve(project), getNewLine: () => "\n" };
process.stdout.write(
  JSON.stringify({
    diagnostics: diagnostics.map((d) => ts.formatDiagnostic(d, host).trim()),
    packageFiles: ours.map((sf) => path.resolve(sf.fileName)).filter((f) => f.startsWith(packageDir)).map((f) => path.relative(packageDir, f).split(path.sep).join("/")).sort(),
  }),
);
