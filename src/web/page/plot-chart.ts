/**
 * The chart itself, on uPlot (a small canvas time-series library). Loaded as its own chunk only when
 * the plot opens, so the flasher's first load does not carry it.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

export class PlotChart {
  private chart: uPlot | undefined;
  private names: string[] = [];

  constructor(private readonly host: HTMLElement) {}

  /** Draws the series (recreating the chart when the set of names changed). */
  draw(x: readonly number[], series: ReadonlyMap<string, readonly number[]>): void {
    const names = [...series.keys()];
    const data = [x.slice(), ...names.map((n) => series.get(n)!.map((v) => (Number.isFinite(v) ? v : null)))] as uPlot.AlignedData;
    if (!this.chart || names.join('\0') !== this.names.join('\0')) {
      this.chart?.destroy();
      this.names = names;
      this.chart = new uPlot(
        {
          width: this.width(),
          height: 240,
          scales: { x: { time: false } },
          axes: [{ label: 'sample' }, {}],
          series: [{ label: 'sample' }, ...names.map((label, i) => ({ label, stroke: COLOURS[i % COLOURS.length]!, width: 2, spanGaps: false }))],
        },
        data,
        this.host,
      );
      return;
    }
    this.chart.setData(data);
  }

  resize(): void {
    this.chart?.setSize({ width: this.width(), height: 240 });
  }

  destroy(): void {
    this.chart?.destroy();
    this.chart = undefined;
    this.names = [];
  }

  private width(): number {
    return Math.max(200, this.host.clientWidth || 320);
  }
}
