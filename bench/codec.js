"use strict";
// Session encode/decode throughput: ours vs Django's own, same machine, same data, one run.
// Targets (issue: foundation): >= 3x Django on the small session, >= 2x on the large one.
const { execFileSync } = require("node:child_process");
const path = require("node:path");
const { SessionCodec, silentLogger } = require("../dist/cjs");
const largeSession = require("./large-session");
const { secretKey, small } = require("./sessions.json");

const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const root = path.join(__dirname, "..");

function rate(fn) {
  for (let i = 0; i < 2000; i++) fn();
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  for (;;) {
    for (let i = 0; i < 500; i++) fn();
    n += 500;
    const now = process.hrtime.bigint();
    if (now >= deadline) return n / (Number(now - start) / 1e9);
  }
}

function djangoPythons() {
  const found = [];
  const venv = process.env.DJANGO52_PYTHON ?? path.join(root, ".venv-django52", "bin", "python");
  found.push(["5.2", venv]);
  found.push(["3.2", process.env.DJANGO32_PYTHON ?? "/usr/bin/python3"]);
  return found;
}

function main() {
  const large = largeSession();
  const codec = new SessionCodec({ secretKey, logger: silentLogger });
  const ours = {};
  for (const [name, data] of [["small", small], ["large", large]]) {
    const encoded = codec.encode(data);
    ours[name] = {
      jsonBytes: JSON.stringify(data).length,
      encodedBytes: encoded.length,
      encode: rate(() => codec.encode(data)),
      decode: rate(() => codec.decode(encoded)),
    };
  }
  const rows = [];
  for (const [label, python] of djangoPythons()) {
    let django;
    try {
      django = JSON.parse(execFileSync(python, [path.join(__dirname, "django_codec.py")], { input: JSON.stringify({ secretKey, small, large, seconds }), encoding: "utf8" }));
    } catch (error) {
      console.log(`Django ${label}: not available (${error.message.split("\n")[0]})`);
      continue;
    }
    for (const name of ["small", "large"]) {
      for (const op of ["encode", "decode"]) {
        const target = name === "small" ? 3 : 2;
        const ratio = ours[name][op] / django[name][op];
        rows.push({
          session: `${name} (${ours[name].jsonBytes} B JSON)`,
          op,
          django: `${django.django}: ${Math.round(django[name][op]).toLocaleString("en")} ops/s`,
          ours: `${Math.round(ours[name][op]).toLocaleString("en")} ops/s`,
          ratio: `${ratio.toFixed(2)}x`,
          target: `${target}x ${ratio >= target ? "met" : "MISSED"}`,
        });
      }
    }
  }
  console.table(rows);
}

main();
