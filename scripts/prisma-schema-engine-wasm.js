#!/usr/bin/env node
// A stand-in for Prisma's `schema-engine` binary that runs Prisma's own WebAssembly schema engine
// (`@prisma/schema-engine-wasm`, the build matching prisma 7.10.0) on PostgreSQL through
// `@prisma/adapter-pg`, so that `prisma migrate diff` / `migrate dev` run on a machine that cannot
// download the native binary (binaries.prisma.sh). Point the CLI at it:
//
//   PRISMA_SCHEMA_ENGINE_BINARY=<repo>/scripts/prisma-schema-engine-wasm.js npx prisma migrate diff ...
//
// It speaks what the Prisma 7.10 CLI speaks to the binary (node_modules/prisma/build/cli.js,
// SchemaEngineCLI): started as `schema-engine [--datamodels <file>]... [--datasource <json>] ...`, it
// answers line-delimited JSON-RPC 2.0 on stdin/stdout, sends a `print` request for what the engine
// prints (the `diff` script), logs JSON lines on stderr; started as `... cli <command>` it runs one
// command (`can-connect-to-database`, `create-database`) and exits. Every plan, diff and migration is
// computed by the WebAssembly engine; this file only carries the messages and opens connections.
//
// Two driver fixes. One: adapter-pg 7.10 rejects result columns of PostgreSQL's internal one-byte "char"
// type (oid 18: pg_constraint.contype, confdeltype, confupdtype, which the engine's schema
// describer selects) with `Column type 'char' could not be deserialized from the database`. The
// connections opened here report such columns as text, which is what they hold.
//
// A second one: its shadow database (`prisma_migrate_shadow_db_<uuid>`, created on the same server)
// is dropped before its pool is closed, which PostgreSQL refuses; here the pool is closed first.
//
// PostgreSQL only. A `shadowDatabaseUrl` is not used (the adapter makes its own shadow database).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const readline = require("node:readline");

const root = path.resolve(__dirname, "..");
const fromRoot = (id) => require(require.resolve(id, { paths: [root] }));

function parseArgs(argv) {
  const args = { datamodels: [], datasource: undefined, cli: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--datamodels" || arg === "-d") args.datamodels.push(argv[++i]);
    else if (arg === "--datasource") args.datasource = JSON.parse(argv[++i]);
    else if (arg === "--enabled-preview-features" || arg === "--extension-types") i++;
    else if (arg === "cli") args.cli = argv[++i];
    else if (arg === "--version" || arg === "-V") args.cli = "version";
  }
  return args;
}

/** A JSON log line as the native engine writes them on stderr (the CLI parses these). */
function log(level, message, extra = {}) {
  process.stderr.write(JSON.stringify({ level, fields: { message, ...extra }, target: "schema_engine::logger" }) + "\n");
}

/** pg connection options from a postgres:// URL, with a Client that reports "char" columns as text. */
function pgConfig(url) {
  const pg = fromRoot("pg");
  const parsed = new URL(url);
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) {
    throw Object.assign(new Error(`prisma-schema-engine-wasm.js supports PostgreSQL only, not ${parsed.protocol}`), { code: "P1013" });
  }
  const charAsText = (result) => {
    for (const one of [].concat(result ?? [])) for (const field of one?.fields ?? []) if (field.dataTypeID === 18) field.dataTypeID = 25;
    return result;
  };
  class Client extends pg.Client {
    query(...args) {
      const callback = typeof args[args.length - 1] === "function" ? args.pop() : undefined;
      if (callback) return super.query(...args, (error, result) => callback(error, error ? result : charAsText(result)));
      const pending = super.query(...args);
      return pending && typeof pending.then === "function" ? pending.then(charAsText) : pending;
    }
  }
  return {
    config: {
      host: decodeURIComponent(parsed.hostname) || "localhost",
      port: Number(parsed.port || 5432),
      user: decodeURIComponent(parsed.username) || undefined,
      password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
      database: decodeURIComponent(parsed.pathname.slice(1)) || undefined,
      Client,
    },
    schema: parsed.searchParams.get("schema") ?? undefined,
    pg,
  };
}

/** One-shot `cli <command>` mode. Exit 0 on success; on failure an ERROR log line with a Prisma code. */
async function runCliCommand(command, datasource) {
  if (command === "version") {
    process.stdout.write(`schema-engine-wasm ${(await loadWasm()).version()} (prisma-schema-engine-wasm.js)\n`);
    return 0;
  }
  const { config, pg } = pgConfig(datasource?.url ?? "");
  if (command === "can-connect-to-database") {
    const client = new pg.Client(config);
    try {
      await client.connect();
      return 0;
    } catch (error) {
      const missing = error.code === "3D000";
      log("ERROR", missing ? `Database \`${config.database}\` does not exist` : String(error.message), { error_code: missing ? "P1003" : "P1001" });
      return 1;
    } finally {
      await client.end().catch(() => {});
    }
  }
  if (command === "create-database") {
    const client = new pg.Client({ ...config, database: "postgres" });
    try {
      await client.connect();
      await client.query(`CREATE DATABASE "${String(config.database).replace(/"/g, '""')}"`);
      return 0;
    } catch (error) {
      log("ERROR", String(error.message), { error_code: "P1000" });
      return 1;
    } finally {
      await client.end().catch(() => {});
    }
  }
  log("ERROR", `prisma-schema-engine-wasm.js: unsupported cli command ${command}`);
  return 1;
}

let wasmRuntime;
/** Instantiates the engine as @prisma/internals' wasmSchemaEngineLoader does (wasm-bindgen, bundler target). */
async function loadWasm() {
  if (wasmRuntime) return wasmRuntime;
  const dir = path.dirname(require.resolve("@prisma/schema-engine-wasm", { paths: [root] }));
  const runtime = await import(require("node:url").pathToFileURL(path.join(dir, "schema_engine_bg.js")).href);
  const module = new WebAssembly.Module(fs.readFileSync(path.join(dir, "schema_engine_bg.wasm")));
  const instance = new WebAssembly.Instance(module, { "./schema_engine_bg.js": runtime });
  runtime.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  wasmRuntime = runtime;
  return runtime;
}

/** JSON-RPC method names of the binary that the Wasm engine spells differently. */
const METHODS = { getDatabaseVersion: "version" };

function rpcError(error) {
  const message = String(error?.message ?? error);
  const isPanic = error instanceof WebAssembly.RuntimeError || /^RuntimeError/.test(message);
  return {
    code: 4466,
    message: "An error happened. Check the data field for details.",
    data: { is_panic: isPanic, message, meta: error?.meta ?? null, error_code: typeof error?.code === "string" ? error.code : null },
  };
}

/** Creates the engine on the datasource's database and the given schema files. */
async function createEngine(args) {
  const runtime = await loadWasm();
  const { PrismaPg } = fromRoot("@prisma/adapter-pg");
  const { bindMigrationAwareSqlAdapterFactory } = fromRoot("@prisma/driver-adapter-utils");
  const { config, schema } = pgConfig(args.datasource?.url ?? "");
  const options = schema ? { schema } : undefined;
  class PgWithShadow extends PrismaPg {
    // adapter-pg 7.10 drops the shadow database before it closes its pool on it, which PostgreSQL
    // refuses ("is being accessed by other users") and leaves the database behind: close first.
    async connectToShadowDb() {
      const main = await this.connect();
      const database = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID()}`;
      await main.executeScript(`CREATE DATABASE "${database}"`);
      const shadow = await new PrismaPg({ ...config, database }, options).connect();
      const close = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        await close();
        await main.executeScript(`DROP DATABASE IF EXISTS "${database}"`);
        await main.dispose();
      };
      return shadow;
    }
  }
  const adapter = bindMigrationAwareSqlAdapterFactory(new PgWithShadow(config, options));
  const datamodels = args.datamodels.length ? args.datamodels.map((file) => [file, fs.readFileSync(file, "utf8")]) : undefined;
  const debug = (line) => process.stderr.write(String(line).trimEnd() + "\n");
  return runtime.SchemaEngine.new({ datamodels }, debug, adapter);
}

function serve(args) {
  // A failure to start is answered to each request (as an RPC error the CLI prints), not by exiting.
  const ready = createEngine(args);
  ready.catch(() => {});

  const send = (message) => process.stdout.write(JSON.stringify(message) + "\n");
  let printId = 1_000_000_000;
  const acks = new Map();
  const print = (content) =>
    new Promise((resolve) => {
      const id = printId++;
      acks.set(id, resolve);
      send({ jsonrpc: "2.0", id, method: "print", params: { content } });
    });

  let queue = Promise.resolve();
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on("line", (line) => {
    if (!line.trim()) return;
    let request;
    try {
      request = JSON.parse(line);
    } catch {
      return log("ERROR", `prisma-schema-engine-wasm.js: not JSON: ${line.slice(0, 200)}`);
    }
    if (request.method === undefined && acks.has(request.id)) {
      acks.get(request.id)();
      acks.delete(request.id);
      return;
    }
    // One request at a time, in order, as the native engine does.
    queue = queue.then(async () => {
      try {
        const engine = await ready;
        const method = METHODS[request.method] ?? request.method;
        if (typeof engine[method] !== "function") throw new Error(`prisma-schema-engine-wasm.js: the Wasm engine has no method ${request.method}`);
        // Called on the engine itself: wasm-bindgen methods need their `this`.
        let result = await engine[method](request.params ?? undefined);
        if (request.method === "diff" && result && typeof result === "object") {
          const { stdout, ...rest } = result;
          if (stdout) await print(stdout.replace(/\n$/, ""));
          result = rest;
        }
        send({ jsonrpc: "2.0", id: request.id, result: result === undefined ? null : result });
      } catch (error) {
        send({ jsonrpc: "2.0", id: request.id, error: rpcError(error) });
      }
    });
  });
  lines.on("close", () => {
    queue.then(() => process.exit(0));
  });
}

const args = parseArgs(process.argv.slice(2));
if (args.cli) {
  runCliCommand(args.cli, args.datasource).then(
    (code) => process.exit(code),
    (error) => {
      log("ERROR", String(error?.message ?? error), { error_code: error?.code ?? null });
      process.exit(1);
    },
  );
} else {
  serve(args);
}
