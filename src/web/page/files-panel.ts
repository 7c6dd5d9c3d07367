import { UpyflashError, isUpyflashError } from '../../errors.js';
import { joinBoardPath, type BoardEntry, type BoardFs } from '../../repl/board-fs.js';
import { uploadItems, verifyOnBoard, type LocalFiles } from '../../repl/file-transfer.js';
import { Reporter } from '../../progress.js';
import { formatBytes } from '../progress-view.js';
import type { BoardSession } from './board-session.js';
import { byId } from './dom.js';
import { ErrorBox, PanelJobs } from './error-box.js';

export interface FilesPanelHost {
  /** Opens a board file in the editor. */
  openInEditor(path: string, text: string): Promise<void>;
}

/** FAT and littlefs on the ESP ports: 255 bytes per name; "/" separates folders. */
const MAX_NAME_BYTES = 255;

/**
 * The board's files: a tree with sizes, new file and folder, rename, delete (confirmed), upload (file
 * input or drag and drop; unchanged files are skipped by SHA-256) and download. Every board operation
 * is a BoardSession raw job running the CLI's BoardFs code.
 */
export class FilesPanel {
  private readonly tree = byId('fs-tree', HTMLUListElement);
  private readonly note = byId('files-note', HTMLParagraphElement);
  private readonly cwdLabel = byId('fs-cwd', HTMLElement);
  private readonly refreshButton = byId('fs-refresh', HTMLButtonElement);
  private readonly newFile = byId('fs-new-file', HTMLButtonElement);
  private readonly newFolder = byId('fs-new-folder', HTMLButtonElement);
  private readonly upload = byId('fs-upload', HTMLInputElement);
  private readonly drop = byId('fs-drop', HTMLDivElement);
  private readonly progress = byId('fs-progress', HTMLProgressElement);
  private readonly status = byId('fs-status', HTMLParagraphElement);
  private readonly dialog = byId('fs-dialog', HTMLDialogElement);
  private readonly dialogTitle = byId('fs-dialog-title', HTMLParagraphElement);
  private readonly dialogField = byId('fs-dialog-field', HTMLDivElement);
  private readonly dialogLabel = byId('fs-dialog-label', HTMLLabelElement);
  private readonly dialogInput = byId('fs-dialog-input', HTMLInputElement);
  private readonly dialogOk = byId('fs-dialog-ok', HTMLButtonElement);
  private readonly errors = new ErrorBox(byId('fs-error', HTMLDivElement));
  private session: BoardSession | undefined;
  private entries: BoardEntry[] = [];
  private cwd = '/';
  private readonly jobs = new PanelJobs(this.errors, () => this.setEnabled());

  constructor(private readonly host: FilesPanelHost) {
    this.refreshButton.addEventListener('click', () => void this.job(() => this.refresh()));
    this.newFile.addEventListener('click', () => void this.job(() => this.create('file')));
    this.newFolder.addEventListener('click', () => void this.job(() => this.create('dir')));
    this.upload.addEventListener('change', () => {
      const files = [...(this.upload.files ?? [])];
      this.upload.value = '';
      if (files.length > 0) void this.job(() => this.uploadFiles(files));
    });
    this.drop.addEventListener('dragover', (ev) => {
      if (!this.session) return;
      ev.preventDefault();
      this.drop.classList.add('over');
    });
    this.drop.addEventListener('dragleave', () => this.drop.classList.remove('over'));
    this.drop.addEventListener('drop', (ev) => {
      ev.preventDefault();
      this.drop.classList.remove('over');
      const files = [...(ev.dataTransfer?.files ?? [])];
      if (this.session && files.length > 0) void this.job(() => this.uploadFiles(files));
    });
    this.setEnabled();
  }

  async open(session: BoardSession): Promise<void> {
    this.session = session;
    this.note.hidden = true;
    this.setEnabled();
    await this.job(() => this.refresh());
  }

  close(): void {
    this.session = undefined;
    this.entries = [];
    this.tree.replaceChildren();
    this.note.hidden = false;
    this.errors.clear();
    this.setEnabled();
  }

  /** Names in the tree, for tests and the status line: every path with its size. */
  listing(): readonly BoardEntry[] {
    return this.entries;
  }

  /** Re-reads the tree (after the editor saved a file, or a reset). */
  async refresh(): Promise<void> {
    const s = this.need();
    this.entries = await s.raw(async (fs) => {
      const all = await fs.walk('/');
      // Some ports' ilistdir gives no size (MicroPython's own unix and wasm ports): ask stat for those.
      for (const e of all) if (e.type === 'file' && e.size === undefined) e.size = (await fs.stat(e.path))?.size;
      return all;
    });
    this.render();
    const files = this.entries.filter((e) => e.type === 'file').length;
    this.status.textContent = `${files} file${files === 1 ? '' : 's'} on the board.`;
  }

  /** Runs a panel action: one at a time, errors shown in the panel with code and hint. */
  async job(action: () => Promise<void>): Promise<void> {
    if (!this.session) return;
    await this.jobs.run(action, () => {
      this.progress.hidden = true;
    });
  }

  private need(): BoardSession {
    if (!this.session) throw new UpyflashError('DISCONNECTED', 'No board running MicroPython is open');
    return this.session;
  }

  private setEnabled(): void {
    const on = this.session !== undefined && !this.jobs.busy;
    for (const b of [this.refreshButton, this.newFile, this.newFolder]) b.disabled = !on;
    this.upload.disabled = !on;
    for (const b of this.tree.querySelectorAll('button')) b.disabled = !on;
  }

  private async create(type: 'file' | 'dir'): Promise<void> {
    const what = type === 'file' ? 'file' : 'folder';
    const name = await this.ask(`New ${what} in ${this.cwd}`, `Name of the new ${what}`, type === 'file' ? 'new.py' : 'lib');
    if (name === undefined) return;
    checkName(name);
    const path = joinBoardPath(this.cwd, name);
    await this.onBoard(name, async (fs) => {
      if (await fs.stat(path)) throw new UpyflashError('NAME_REFUSED', `${path} already exists on the board`, { hint: 'Choose another name, or rename or delete the existing one first.' });
      if (type === 'dir') await fs.mkdir(path);
      else await fs.writeFile(path, new Uint8Array(0));
    });
    await this.refresh();
    this.status.textContent = `Created ${path}.`;
    if (type === 'file') await this.host.openInEditor(path, '');
    else this.setCwd(path);
  }

  private async rename(entry: BoardEntry): Promise<void> {
    const name = await this.ask(`Rename ${entry.path}`, 'New name', entry.name);
    if (name === undefined || name === entry.name) return;
    checkName(name);
    const parent = entry.path.slice(0, entry.path.length - entry.name.length - 1) || '/';
    const to = joinBoardPath(parent, name);
    await this.onBoard(name, async (fs) => {
      if (await fs.stat(to)) throw new UpyflashError('NAME_REFUSED', `${to} already exists on the board`, { hint: 'Choose another name, or delete the existing one first.' });
      await fs.rename(entry.path, to);
    });
    if (this.cwd === entry.path) this.setCwd(to);
    await this.refresh();
    this.status.textContent = `Renamed ${entry.path} to ${to}.`;
    this.focusEntry(to);
  }

  private async remove(entry: BoardEntry): Promise<void> {
    const what = entry.type === 'dir' ? 'the folder and everything in it' : 'the file';
    const ok = await this.ask(`Delete ${entry.path}? This removes ${what} from the board.`, undefined, '', 'Delete');
    if (ok === undefined) return;
    await this.need().raw((fs) => fs.removeTree(entry.path));
    if (this.cwd === entry.path || this.cwd.startsWith(entry.path + '/')) this.setCwd('/');
    await this.refresh();
    this.status.textContent = `Deleted ${entry.path}.`;
    this.refreshButton.focus();
  }

  private async download(entry: BoardEntry): Promise<void> {
    const total = entry.size ?? 0;
    this.showProgress(0, total);
    const data = await this.need().raw((fs) => fs.readFile(entry.path, (done) => this.showProgress(done, total, `Downloading ${entry.path}`)));
    const url = URL.createObjectURL(new Blob([data as BlobPart], { type: 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = entry.name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    this.status.textContent = `Downloaded ${entry.path} (${formatBytes(data.length)}).`;
  }

  private async openFile(entry: BoardEntry): Promise<void> {
    const data = await this.need().raw((fs) => fs.readFile(entry.path));
    await this.host.openInEditor(entry.path, new TextDecoder().decode(data));
    this.status.textContent = `Opened ${entry.path} in the editor.`;
  }

  private async uploadFiles(files: readonly File[]): Promise<void> {
    for (const f of files) checkName(f.name);
    const local = await memoryFiles(files);
    const items = files.map((f) => ({ localPath: f.name, boardPath: joinBoardPath(this.cwd, f.name), type: 'file' as const }));
    const total = files.reduce((n, f) => n + f.size, 0);
    let before = 0;
    let current = '';
    this.showProgress(0, total);
    const result = await this.onBoard(files.map((f) => f.name).join(', '), async (fs) => {
      const r = await uploadItems(items, local, fs, {
        skipUnchanged: true,
        onBytes: (path, done, size) => {
          if (path !== current) {
            current = path;
            before = items.slice(0, items.findIndex((i) => i.boardPath === path)).reduce((n, i) => n + (local.sizes.get(i.localPath) ?? 0), 0);
          }
          this.showProgress(before + done, total, `Uploading ${path}: ${formatBytes(done)} of ${formatBytes(size)}`);
        },
      }, new Reporter());
      // "Uploaded" and "already the same" are claims about the board now: checked after the last write.
      const bad = await verifyOnBoard(fs, r.records);
      if (bad.length) throw new UpyflashError('REPL_ERROR', `These files differ on the board after the upload: ${bad.join(', ')}`);
      return r;
    }).catch((e: unknown) => {
      if (isUpyflashError(e, 'DISCONNECTED')) throw new UpyflashError('TRANSFER_INTERRUPTED', `The upload of ${current || 'the files'} stopped: ${e.message}`, { cause: e });
      throw e;
    });
    await this.refresh();
    const skipped = result.skipped.length > 0 ? `; ${result.skipped.length} already the same on the board, not sent again (${result.skipped.join(', ')})` : '';
    this.status.textContent = `Uploaded ${result.written.length} file${result.written.length === 1 ? '' : 's'}${skipped}; all checked by SHA-256 on the board.`;
  }

  /** A job whose board errors about a name (OSError) become NAME_REFUSED with the board's reason. */
  private async onBoard<T>(name: string, job: (fs: BoardFs) => Promise<T>): Promise<T> {
    try {
      return await this.need().raw(job);
    } catch (e) {
      if (isUpyflashError(e, 'REPL_ERROR') && /OSError/.test(e.message)) {
        throw new UpyflashError('NAME_REFUSED', `The board's file system refused ${JSON.stringify(name)}: ${e.message.replace(/^The board raised /, '')}`, { cause: e });
      }
      throw e;
    }
  }

  private showProgress(done: number, total: number, text?: string): void {
    this.progress.hidden = false;
    this.progress.value = total > 0 ? Math.round((done / total) * 100) : 0;
    if (text) this.status.textContent = text;
  }

  private setCwd(path: string): void {
    this.cwd = path;
    this.cwdLabel.textContent = path;
    for (const b of this.tree.querySelectorAll<HTMLButtonElement>('button.name[data-dir]')) {
      b.setAttribute('aria-pressed', String(b.dataset.path === path));
    }
  }

  private focusEntry(path: string): void {
    for (const b of this.tree.querySelectorAll<HTMLButtonElement>('button.name')) if (b.dataset.path === path) b.focus();
  }

  private render(): void {
    const lists = new Map<string, HTMLUListElement>([['/', this.tree]]);
    this.tree.replaceChildren(this.row({ path: '/', name: '/', type: 'dir', size: undefined }, true));
    for (const e of this.entries) {
      const parent = e.path.slice(0, e.path.length - e.name.length - 1) || '/';
      const list = lists.get(parent) ?? this.tree;
      const li = this.row(e, false);
      list.append(li);
      if (e.type === 'dir') {
        const sub = document.createElement('ul');
        sub.setAttribute('aria-label', `In ${e.path}`);
        li.append(sub);
        lists.set(e.path, sub);
      }
    }
    this.setCwd(this.entries.some((e) => e.path === this.cwd && e.type === 'dir') ? this.cwd : '/');
  }

  private row(e: BoardEntry, top: boolean): HTMLLIElement {
    const li = document.createElement('li');
    li.className = `entry ${e.type}`;
    const name = button(top ? '/ (top folder)' : e.type === 'dir' ? `${e.name}/` : e.name, 'name');
    name.dataset.path = e.path;
    if (e.type === 'dir') {
      name.dataset.dir = '';
      name.setAttribute('aria-pressed', 'false');
      name.title = `Put new files and uploads in ${e.path}`;
      name.addEventListener('click', () => this.setCwd(e.path));
    } else {
      name.title = `Open ${e.path} in the editor`;
      name.setAttribute('aria-label', `Open ${e.path}`);
      name.addEventListener('click', () => void this.job(() => this.openFile(e)));
    }
    li.append(name);
    if (e.type === 'file') {
      const size = document.createElement('span');
      size.className = 'size';
      size.textContent = e.size === undefined ? '' : formatBytes(e.size);
      li.append(size);
    }
    if (!top) {
      const actions = document.createElement('span');
      actions.className = 'row-actions';
      if (e.type === 'file') actions.append(labelled(button('Download'), `Download ${e.path}`, () => void this.job(() => this.download(e))));
      actions.append(labelled(button('Rename'), `Rename ${e.path}`, () => void this.job(() => this.rename(e))));
      actions.append(labelled(button('Delete'), `Delete ${e.path}`, () => void this.job(() => this.remove(e))));
      li.append(actions);
    }
    return li;
  }

  /** A modal question (focus is trapped in it, Escape cancels): a name, or with no label a confirmation. */
  private ask(title: string, label: string | undefined, initial: string, okText = 'OK'): Promise<string | undefined> {
    this.dialogTitle.textContent = title;
    this.dialogField.hidden = label === undefined;
    this.dialogLabel.textContent = label ?? '';
    this.dialogInput.value = initial;
    this.dialogOk.textContent = okText;
    const opener = document.activeElement;
    return new Promise((resolve) => {
      this.dialog.addEventListener(
        'close',
        () => {
          if (opener instanceof HTMLElement) opener.focus();
          resolve(this.dialog.returnValue === 'ok' ? this.dialogInput.value.trim() : undefined);
        },
        { once: true },
      );
      this.dialog.returnValue = '';
      this.dialog.showModal();
      if (label !== undefined) {
        this.dialogInput.focus();
        this.dialogInput.select();
      } else {
        this.dialogOk.focus();
      }
    });
  }
}

/** What the page refuses before asking the board (the board would refuse or misplace these). */
function checkName(name: string): void {
  const why =
    name === '' ? 'a name cannot be empty'
    : name === '.' || name === '..' ? `"${name}" names a folder itself`
    : name.includes('/') ? 'a name cannot contain "/" (open the folder first, then create the file in it)'
    : /[\x00-\x1f\x7f]/.test(name) ? 'a name cannot contain control characters'
    : new TextEncoder().encode(name).length > MAX_NAME_BYTES ? `a name is at most ${MAX_NAME_BYTES} bytes long`
    : undefined;
  if (why) throw new UpyflashError('NAME_REFUSED', `${JSON.stringify(name)} cannot be a file name on the board: ${why}`);
}

function button(text: string, className?: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  if (className) b.className = className;
  return b;
}

function labelled(b: HTMLButtonElement, label: string, onClick: () => void): HTMLButtonElement {
  b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}

/** Files the visitor picked or dropped, as the transfer code's LocalFiles (read-only, names flat). */
async function memoryFiles(files: readonly File[]): Promise<LocalFiles & { sizes: Map<string, number> }> {
  const data = new Map<string, Uint8Array>();
  for (const f of files) data.set(f.name, new Uint8Array(await f.arrayBuffer()));
  const sizes = new Map([...data].map(([k, v]) => [k, v.length]));
  return {
    description: 'files from this computer',
    namePolicy: {},
    sizes,
    list: async () => [...data.keys()].map((path) => ({ path, type: 'file' as const })),
    read: async (path) => {
      const d = data.get(path);
      if (!d) throw new UpyflashError('FILE_ERROR', `${path} was not among the picked files`);
      return d;
    },
    write: async () => {
      throw new UpyflashError('INTERNAL', 'Picked files are read-only');
    },
    mkdir: async () => {
      throw new UpyflashError('INTERNAL', 'Picked files are read-only');
    },
  };
}
