/**
 * What the plotter reads from the board's output, as Thonny's and Mu's plotters do: a line made only of
 * numbers (`1.0 2.5`, `(1, 2)`, `[3, 4]`) gives one value per position; `name=value`, `name: value` and
 * `name value` pairs (`t=3 v=4.2`, `temp: 21.5`) give named series. A line with other words
 * (`blinked 5 times`) or no number is not data and is left alone. Browser-safe.
 */

export interface PlotSample {
  /** Series name per value: the given name, or its 1-based position ("1", "2") when unnamed. */
  readonly values: ReadonlyArray<readonly [string, number]>;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?(?:inf|nan)$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function num(token: string): number | undefined {
  return NUMBER.test(token) ? Number(token.replace(/^([+-]?)inf$/, '$1Infinity')) : undefined;
}

export function parsePlotLine(line: string): PlotSample | undefined {
  // `name = 3` and `name: 3` read as one pair; brackets and commas only separate.
  const text = line.replace(/\s*([=:])\s*/g, '$1').replace(/[()[\]{},;]/g, ' ').trim();
  if (text === '') return undefined;
  const tokens = text.split(/\s+/);
  const values: Array<[string, number]> = [];
  let position = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const plain = num(t);
    if (plain !== undefined) {
      values.push([String(++position), plain]);
      continue;
    }
    const pair = /^([^=:]+)[=:](.+)$/.exec(t);
    if (pair && NAME.test(pair[1]!) && num(pair[2]!) !== undefined) {
      values.push([pair[1]!, num(pair[2]!)!]);
      continue;
    }
    const next = tokens[i + 1];
    const label = t.replace(/[=:]$/, '');
    if (NAME.test(label) && next !== undefined && num(next) !== undefined) {
      values.push([label, num(next)!]);
      i++;
      continue;
    }
    return undefined;
  }
  return values.length > 0 ? { values } : undefined;
}

/** The series seen so far, each with its last `capacity` points, fed with output as it arrives. */
export class PlotSeries {
  private partial = '';
  private readonly decoder = new TextDecoder();
  /** x (sample count) of each kept point, shared by all series; NaN where a series had no value. */
  readonly x: number[] = [];
  readonly series = new Map<string, number[]>();
  private samples = 0;

  constructor(readonly capacity = 500) {}

  /** Returns how many samples the text completed. */
  push(data: Uint8Array | string): number {
    const text = typeof data === 'string' ? data : this.decoder.decode(data, { stream: true });
    const lines = (this.partial + text).split(/\r?\n/);
    this.partial = lines.pop() ?? '';
    let added = 0;
    for (const line of lines) {
      const sample = parsePlotLine(line);
      if (!sample) continue;
      this.add(sample);
      added++;
    }
    return added;
  }

  clear(): void {
    this.x.length = 0;
    this.series.clear();
    this.samples = 0;
    this.partial = '';
  }

  private add(sample: PlotSample): void {
    this.x.push(++this.samples);
    for (const [name, value] of sample.values) {
      let ys = this.series.get(name);
      if (!ys) {
        // A series that starts late has no values for the earlier points.
        ys = new Array<number>(this.x.length - 1).fill(Number.NaN);
        this.series.set(name, ys);
      }
      ys.push(value);
    }
    for (const ys of this.series.values()) if (ys.length < this.x.length) ys.push(Number.NaN);
    if (this.x.length > this.capacity) {
      this.x.shift();
      for (const ys of this.series.values()) ys.shift();
    }
  }
}
