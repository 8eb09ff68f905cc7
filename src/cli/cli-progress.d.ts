// The part of cli-progress (a runtime dependency of the CLI) that src/cli uses; the package ships no types.
declare module "cli-progress" {
  export interface Options {
    format?: string;
    stream?: NodeJS.WritableStream;
    barsize?: number;
    hideCursor?: boolean;
    clearOnComplete?: boolean;
    fps?: number;
  }
  export class SingleBar {
    constructor(options: Options, preset?: object);
    start(total: number, startValue: number, payload?: object): void;
    update(value: number, payload?: object): void;
    setTotal(total: number): void;
    getTotal(): number;
    stop(): void;
  }
  export const Presets: { shades_classic: object; legacy: object; rect: object };
}
