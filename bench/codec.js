"use strict";
// Session encode/decode throughput (issue 12, parts 1 and 4), one run, interleaved rounds:
//   ours      SessionCodec with its defaults (the library as an app uses it)
//   minimal   the strongest hand-written Node code for the same Django format: JSON.stringify with
//             ensure_ascii escaping, the same compression policy (zlib level 3 from 1 KiB, kept when
//             2 bytes shorter), base64url, TimestampSigner (base62 time, HMAC-SHA256 with the key
//             derived once from the db engine's salt, in two one-shot crypto.hash calls), and back:
//             split, constant-time compare, base64url, inflate, JSON.parse(latin-1)
//   exact     SessionCodec with compression { minSize: 0, exact: true }: Django's own bytes (pako)
//   Django    SessionStore.encode/decode in Django 5.2 (.venv-django52) and 3.2 (/usr/bin/python3),
//             each a persistent process running one round when asked (bench/django_codec.py)
// Each round measures every contender once: the Node contenders of a cell side by side, taking
// turns in short slices, then each Django (its own process, Node idle meanwhile); a ratio is the
// median of the per-round ratios with its [min–max] (bench/support/rounds.js).
// Targets: ours >= 3x each Django on the small session both ways; ours >= 0.9x minimal in every
// cell. The 8 KB session's ratios to Django are reported.
const { spawn } = require("node:child_process");
const crypto = require("node:crypto");
const { deflateSync, inflateSync } = require("node:zlib");
const path = require("node:path");
const readline = require("node:readline");
const { SessionCodec, silentLogger } = require("../dist/cjs");
const largeSession = require("./large-session");
const { header, ratio, medianRate, verdict } = require("./support/rounds");
const { secretKey, small } = require("./sessions.json");

const seconds = Number(process.env.BENCH_SECONDS ?? 0.5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const root = path.join(__dirname, "..");

const SLICES = 10;

/**
 * Rates (calls/s) of `fns`, measured side by side: SLICES slices of seconds/SLICES each, the
 * contenders taking turns within every slice (the order reversed every other slice), so that a
 * burst of load from elsewhere on the machine falls on all of them alike.
 */
function rates(fns) {
  for (const fn of fns) for (let i = 0; i < 300; i++) fn();
  const calls = fns.map(() => 0);
  const nanos = fns.map(() => 0);
  const slice = BigInt(Math.round((seconds / SLICES) * 1e9));
  for (let k = 0; k < SLICES; k++) {
    const order = fns.map((_, i) => i);
    if (k % 2) order.reverse();
    for (const i of order) {
      const fn = fns[i];
      const start = process.hrtime.bigint();
      const deadline = start + slice;
      let n = 0;
      let now;
      do {
        for (let j = 0; j < 20; j++) fn();
        n += 20;
        now = process.hrtime.bigint();
      } while (now < deadline);
      calls[i] += n;
      nanos[i] += Number(now - start);
    }
  }
  return calls.map((n, i) => n / (nanos[i] / 1e9));
}

// --- the minimal hand-written codec ---------------------------------------------------------

function minimalCodec(secret) {
  const key = crypto.createHash("sha256").update(`django.contrib.sessions.SessionStoresigner${secret}`).digest();
  const inner = Buffer.alloc(64 + 64 * 1024, 0x36);
  const outer = Buffer.alloc(64 + 32, 0x5c);
  for (let i = 0; i < key.length; i++) {
    inner[i] ^= key[i];
    outer[i] ^= key[i];
  }
  const hmac = (value) => {
    if (typeof crypto.hash !== "function" || value.length > 20000) return crypto.createHmac("sha256", key).update(value).digest("base64url");
    const n = inner.write(value, 64, "utf8");
    crypto.hash("sha256", inner.subarray(0, 64 + n), "buffer").copy(outer, 64);
    return crypto.hash("sha256", outer, "base64url");
  };
  const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  const b62 = (n) => {
    let s = "";
    do {
      s = B62[n % 62] + s;
      n = Math.floor(n / 62);
    } while (n > 0);
    return s;
  };
  const escape = (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  return {
    encode(data) {
      let json = JSON.stringify(data);
      if (/[\u007f-\uffff]/.test(json)) json = json.replace(/[\u007f-\uffff]/g, escape);
      const raw = Buffer.from(json, "latin1");
      let payload = null;
      if (raw.length >= 1024) {
        const z = deflateSync(raw, { level: 3 });
        if (z.length < raw.length - 1) payload = `.${z.toString("base64url")}`;
      }
      const value = `${payload ?? raw.toString("base64url")}:${b62(Math.floor(Date.now() / 1000))}`;
      return `${value}:${hmac(value)}`;
    },
    decode(signed) {
      const at = signed.lastIndexOf(":");
      if (at < 0) return {};
      const value = signed.slice(0, at);
      const sig = Buffer.from(signed.slice(at + 1));
      const expected = Buffer.from(hmac(value));
      if (sig.length !== expected.length || !crypto.timingSafeEqual(sig, expected)) return {};
      let payload = value.slice(0, value.lastIndexOf(":"));
      const compressed = payload.startsWith(".");
      if (compressed) payload = payload.slice(1);
      try {
        let bytes = Buffer.from(payload, "base64url");
        if (compressed) bytes = inflateSync(bytes, { maxOutputLength: 1024 * 1024 });
        const data = JSON.parse(bytes.toString("latin1"));
        return typeof data === "object" && data !== null && !Array.isArray(data) ? data : {};
      } catch {
        return {};
      }
    },
  };
}

// --- Django ---------------------------------------------------------------------------------

function djangoPythons() {
  return [
    ["5.2", process.env.DJANGO52_PYTHON ?? path.join(root, ".venv-django52", "bin", "python")],
    ["3.2", process.env.DJANGO32_PYTHON ?? "/usr/bin/python3"],
  ];
}

/** A persistent bench/django_codec.py: `info` from its first line, `round()` for each further one. */
async function startDjango(label, python, spec) {
  const child = spawn(python, [path.join(__dirname, "django_codec.py")], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`Django ${label} (${python}) exited: ${stderr.trim().split("\n").pop()}`);
    return JSON.parse(value);
  };
  const spawned = new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("spawn", resolve);
  });
  await spawned;
  child.stdin.write(`${JSON.stringify(spec)}\n`);
  const info = await next();
  if (!info.django.startsWith(`${label}.`)) throw new Error(`${python} runs Django ${info.django}, not ${label}`);
  return {
    label,
    info,
    round: async () => {
      child.stdin.write("round\n");
      return next();
    },
    close: () => child.stdin.end(),
  };
}

// --- the run --------------------------------------------------------------------------------

const fmt = (n) => Math.round(n).toLocaleString("en");

async function main() {
  const title = header("bench/codec.js");
  const large = largeSession();
  const sessions = { small, large };
  const ours = new SessionCodec({ secretKey, logger: silentLogger });
  const exact = new SessionCodec({ secretKey, logger: silentLogger, compression: { minSize: 0, exact: true } });
  const minimal = minimalCodec(secretKey);

  // The contenders read each other's strings (and the same data back).
  for (const data of Object.values(sessions)) {
    for (const [writer, reader] of [[ours, minimal], [minimal, ours], [exact, minimal], [ours, ours]]) {
      const back = reader.decode(writer.encode(data));
      if (JSON.stringify(back) !== JSON.stringify(data)) throw new Error("the codecs do not read each other's strings");
    }
  }

  const djangos = [];
  for (const [label, python] of djangoPythons()) {
    try {
      djangos.push(await startDjango(label, python, { secretKey, small, large, seconds }));
    } catch (error) {
      console.log(`Django ${label}: not available (${error.message.split("\n")[0]}). Run scripts/setup-test-env.sh.`);
    }
  }

  const encoded = {};
  for (const [name, data] of Object.entries(sessions)) encoded[name] = { ours: ours.encode(data), minimal: minimal.encode(data) };
  // Groups measured side by side (see rates()).
  const groups = [];
  for (const [name, data] of Object.entries(sessions)) {
    groups.push([
      [`ours ${name} encode`, () => ours.encode(data)],
      [`minimal ${name} encode`, () => minimal.encode(data)],
      [`exact ${name} encode`, () => exact.encode(data)],
    ]);
    groups.push([
      [`ours ${name} decode`, () => ours.decode(encoded[name].ours)],
      [`minimal ${name} decode`, () => minimal.decode(encoded[name].minimal)],
    ]);
  }

  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const round = {};
    for (const group of r % 2 ? [...groups].reverse() : groups) {
      const measured = rates(group.map(([, fn]) => fn));
      group.forEach(([name], i) => (round[name] = measured[i]));
    }
    for (const django of djangos) {
      const out = await django.round();
      for (const name of Object.keys(sessions)) for (const op of ["encode", "decode"]) round[`django${django.label} ${name} ${op}`] = out[name][op];
    }
    rounds.push(round);
    process.stdout.write(`round ${r + 1}/${ROUNDS} done\n`);
  }
  for (const django of djangos) django.close();

  console.log(`\n${title}; ${ROUNDS} rounds of ${seconds} s per contender and cell (Node: in ${SLICES} alternating slices)`);
  for (const django of djangos) console.log(`Django ${django.info.django} on Python ${django.info.python}`);
  const rows = [];
  const misses = [];
  for (const name of Object.keys(sessions)) {
    for (const op of ["encode", "decode"]) {
      const cell = `${name} ${op}`;
      const row = {
        cell: `${name} (${ours.encode(sessions[name]).length} B encoded) ${op}`,
        ours: fmt(medianRate(rounds, `ours ${cell}`)),
        minimal: fmt(medianRate(rounds, `minimal ${cell}`)),
      };
      const vsMinimal = ratio(rounds, `ours ${cell}`, `minimal ${cell}`);
      row["ours/minimal"] = `${vsMinimal.text} ${verdict(vsMinimal, 0.9)}`;
      if (vsMinimal.median < 0.9) misses.push(`${cell} vs minimal`);
      for (const django of djangos) {
        const vs = ratio(rounds, `ours ${cell}`, `django${django.label} ${cell}`);
        row[`Django ${django.label}`] = fmt(medianRate(rounds, `django${django.label} ${cell}`));
        row[`ours/Django ${django.label}`] = name === "small" ? `${vs.text} ${verdict(vs, 3)}` : vs.text;
        if (name === "small" && vs.median < 3) misses.push(`${cell} vs Django ${django.label}`);
      }
      rows.push(row);
    }
  }
  console.table(rows);
  const exactRows = Object.keys(sessions).map((name) => ({
    "encode, Django's exact bytes (pako)": name,
    exact: fmt(medianRate(rounds, `exact ${name} encode`)),
    "exact/ours": ratio(rounds, `exact ${name} encode`, `ours ${name} encode`).text,
    ...Object.fromEntries(djangos.map((d) => [`exact/Django ${d.label}`, ratio(rounds, `exact ${name} encode`, `django${d.label} ${name} encode`).text])),
  }));
  console.table(exactRows);
  if (djangos.length < 2) misses.push("a Django baseline is missing");
  console.log(misses.length ? `MISSED: ${misses.join("; ")}` : "all targets met");
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
