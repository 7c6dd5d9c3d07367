import { fetchGet } from '../../firmware/http.js';
import { boardLibInfo, installOnBoard } from '../../mip/board-side.js';
import { parseIndex, type IndexPackage } from '../../mip/index-format.js';
import { planInstall, searchIndex } from '../../mip/plan.js';
import { fetchSource } from '../../mip/source.js';
import type { Reporter } from '../../progress.js';
import { ROUTES } from '../api.js';
import type { BoardSession } from './board-session.js';
import { byId } from './dom.js';
import { SessionPanel } from './session-panel.js';

const SHOWN = 30;

/**
 * The Libraries panel: search the package index and install a package with its dependencies onto the
 * board, with the same planner and board code as `upyflash mip install` (the .mpy for the board's
 * bytecode version, files checked against the index, same-content files skipped). micropython.org
 * sends no CORS headers, so `upyflash ui` fetches the index for the page, through its download cache.
 */
export class LibsPanel extends SessionPanel {
  private readonly form = byId('libs-form', HTMLFormElement);
  private readonly query = byId('libs-query', HTMLInputElement);
  private readonly searchButton = byId('libs-search', HTMLButtonElement);
  private readonly list = byId('libs-list', HTMLUListElement);
  private readonly progress = byId('libs-progress', HTMLProgressElement);
  private readonly status = byId('libs-status', HTMLParagraphElement);
  private readonly index = new URL(`.${ROUTES.mip}`.replace(/\/$/, ''), location.href).href;

  constructor(private readonly reporter: Reporter) {
    super('libs-error');
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.job(() => this.search());
    });
    this.setEnabled();
  }

  private async search(): Promise<void> {
    this.status.textContent = 'Searching…';
    const url = `${this.index}/index.json`;
    const found = searchIndex(parseIndex((await fetchGet(url)).bytes, url), this.query.value);
    this.list.replaceChildren(...found.slice(0, SHOWN).map((p) => this.row(p)));
    this.status.textContent = found.length > SHOWN ? `${found.length} packages, the first ${SHOWN} shown.` : `${found.length} package(s).`;
  }

  private row(p: IndexPackage): HTMLLIElement {
    const li = document.createElement('li');
    const install = document.createElement('button');
    install.type = 'button';
    install.className = 'name';
    install.textContent = `Install ${p.name}`;
    install.dataset['package'] = p.name;
    install.addEventListener('click', () => void this.job((session) => this.install(session, p.name)));
    li.append(install, ` ${p.version}${p.description ? ` — ${p.description}` : ''}`);
    return li;
  }

  private async install(session: BoardSession, name: string): Promise<void> {
    this.status.textContent = `Installing ${name}…`;
    const { plan, result } = await session.raw(async (_fs, repl) => {
      const info = await boardLibInfo(repl);
      const planned = await planInstall([name], { index: this.index, mpy: info.mpy, source: fetchSource(), reporter: this.reporter });
      const total = planned.files.reduce((n, f) => n + f.bytes.length, 0);
      const sent = new Map<string, number>();
      this.progress.hidden = false;
      const r = await installOnBoard(repl, planned, info.libDir ?? '/lib', this.reporter, (path, done) => {
        sent.set(path, done);
        let sum = 0;
        for (const n of sent.values()) sum += n;
        this.progress.value = total ? Math.round((sum / total) * 100) : 100;
      });
      return { plan: planned, result: r };
    }).finally(() => {
      this.progress.hidden = true;
    });
    const names = plan.packages.map((p) => `${p.name} ${p.version}`).join(', ');
    this.status.textContent = `Installed ${names} in ${result.target}: ${result.written.length} written, ${result.skipped.length} unchanged. Try: import ${name.split('.')[0]}`;
  }

  protected setEnabled(): void {
    const idle = this.idle;
    for (const c of [this.query, this.searchButton]) c.disabled = !idle;
    for (const b of this.list.querySelectorAll('button')) b.disabled = !idle;
  }
}
