// Types of rounds.js, shared by the JavaScript and TypeScript benchmarks.
export type Round = Record<string, number>;
export interface RatioSummary {
  median: number;
  min: number;
  max: number;
  /** "1.23× [1.10–1.30]" */
  text: string;
}
export function median(values: readonly number[]): number;
export function ratio(perRound: readonly Round[], name: string, baseline: string): RatioSummary;
export function medianRate(perRound: readonly Round[], name: string): number;
export function verdict(summary: RatioSummary, target: number): string;
export function header(title: string): string;
