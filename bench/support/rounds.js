"use strict";
// What every benchmark reports the same way (issue 12, part 4): each contender is measured once per
// round, rounds interleave the contenders so machine drift hits all alike, and a ratio is the median
// of the per-round ratios with its [min–max]. The run's header says when, on what, and how busy the
// machine was, so a figure copied into the README carries its conditions.
const os = require("node:os");

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * `perRound` is an array of rounds, each an object of contender → rate (higher is better).
 * Returns `{ median, min, max, text }` for `name` against `baseline`: "1.23× [1.10–1.30]".
 */
function ratio(perRound, name, baseline) {
  const ratios = perRound.map((round) => round[name] / round[baseline]);
  const summary = { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
  return { ...summary, text: `${summary.median.toFixed(2)}× [${summary.min.toFixed(2)}–${summary.max.toFixed(2)}]` };
}

/** The median rate of `name` over the rounds. */
function medianRate(perRound, name) {
  return median(perRound.map((round) => round[name]));
}

/** The verdict of a target: "met" or "MISSED", from the median ratio. */
function verdict(summary, target) {
  return `${target}× ${summary.median >= target ? "met" : "MISSED"}`;
}

/** Printed first by each benchmark: date, Node, CPUs and the load average when it started. */
function header(title) {
  const load = os.loadavg().map((l) => l.toFixed(2)).join(" ");
  const line = `${title}: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, Node ${process.versions.node}, ${os.cpus().length} cores, load average ${load}`;
  console.log(line);
  return line;
}

module.exports = { median, ratio, medianRate, verdict, header };
