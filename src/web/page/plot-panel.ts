import { PlotSeries } from '../plot-lines.js';
import { byId, oncePerFrame } from './dom.js';
import type { PlotChart } from './plot-chart.js';
import type { ReplConsole } from './repl-console.js';

/** Points kept per series: about a minute of output at ten lines a second. */
const KEEP = 600;

/**
 * The plotter beside the console: lines the board prints that hold numbers become series on a live
 * chart (last KEEP points, names from `name=value`), with Pause and Clear. The chart library loads only
 * when the plot is first opened.
 */
export class PlotPanel {
  private readonly toggle = byId('plot-toggle', HTMLButtonElement);
  private readonly view = byId('plot-view', HTMLDivElement);
  private readonly pause = byId('plot-pause', HTMLButtonElement);
  private readonly clearButton = byId('plot-clear', HTMLButtonElement);
  private readonly status = byId('plot-status', HTMLParagraphElement);
  private readonly host = byId('plot-chart', HTMLDivElement);
  private readonly data = new PlotSeries(KEEP);
  private chart: Promise<PlotChart> | undefined;
  private paused = false;
  private readonly schedule = oncePerFrame(() => void this.draw());

  constructor(console: ReplConsole) {
    console.onOutput((d) => {
      if (this.view.hidden || this.paused) return;
      if (this.data.push(d) > 0) this.schedule();
    });
    this.toggle.addEventListener('click', () => this.setOpen(this.view.hidden));
    this.pause.addEventListener('click', () => {
      this.paused = !this.paused;
      this.pause.textContent = this.paused ? 'Resume' : 'Pause';
      this.pause.setAttribute('aria-pressed', String(this.paused));
    });
    this.clearButton.addEventListener('click', () => {
      this.data.clear();
      void this.chart?.then((c) => c.destroy());
      this.describe();
    });
    window.addEventListener('resize', () => void this.chart?.then((c) => c.resize()));
  }

  private setOpen(open: boolean): void {
    this.view.hidden = !open;
    this.toggle.setAttribute('aria-expanded', String(open));
    this.toggle.textContent = open ? 'Hide plot' : 'Plot';
    if (open) {
      this.chart ??= import('./plot-chart.js').then(({ PlotChart }) => new PlotChart(this.host));
      this.describe();
    }
  }

  private async draw(): Promise<void> {
    if (!this.chart || this.data.x.length === 0) return;
    (await this.chart).draw(this.data.x, this.data.series);
    this.describe();
  }

  private describe(): void {
    const names = [...this.data.series.keys()];
    this.view.dataset['points'] = String(this.data.x.length);
    this.view.dataset['series'] = names.join(',');
    this.status.textContent = names.length
      ? `${names.length} series (${names.join(', ')}), last ${this.data.x.length} points.`
      : 'Waiting for lines with numbers, e.g. print(x, y) or print("t=", t).';
  }
}
