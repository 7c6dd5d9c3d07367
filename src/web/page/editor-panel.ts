import { UpyflashError, isUpyflashError } from '../../errors.js';
import { parseTraceback } from '../../repl/traceback.js';
import { boardPins } from '../../examples/board-pins.js';
import { EXAMPLES, exampleByName } from '../../examples/catalog.js';
import type { BoardSession } from './board-session.js';
import type { CodeEditor } from './code-editor.js';
import { byId } from './dom.js';
import { SessionPanel } from './session-panel.js';
import type { ReplConsole } from './repl-console.js';

export interface EditorPanelHost {
  /** The board's files changed (saved, reset): the files panel lists them again. */
  filesChanged(): Promise<void>;
}

const STARTER = '# Runs on the board: Run tries it without saving, Save (Ctrl-S) stores it.\nprint("Hello from MicroPython")\n';

/**
 * The editor and the buttons that act on the board: Save (Ctrl-S), Run (the buffer, not saved, like
 * `upyflash run`; output in the console, a traceback's line marked in the editor), Stop (Ctrl-C),
 * Save as main.py and reset, Soft reset, Hard reset.
 */
export class EditorPanel extends SessionPanel {
  private readonly path = byId('editor-path', HTMLInputElement);
  private readonly save = byId('editor-save', HTMLButtonElement);
  private readonly runButton = byId('editor-run', HTMLButtonElement);
  private readonly stopButton = byId('editor-stop', HTMLButtonElement);
  private readonly mainButton = byId('editor-main', HTMLButtonElement);
  private readonly softButton = byId('soft-reset', HTMLButtonElement);
  private readonly hardButton = byId('hard-reset', HTMLButtonElement);
  private readonly status = byId('editor-status', HTMLParagraphElement);
  private readonly examples = byId('editor-example', HTMLSelectElement);
  /** CodeMirror is loaded as its own chunk once the page is up: flashing does not wait for it. */
  private readonly editorReady: Promise<CodeEditor>;
  /** The buffer as last opened or saved: opening another file over other changes asks first. */
  private savedText = STARTER;

  constructor(
    private readonly console: ReplConsole,
    private readonly host: EditorPanelHost,
  ) {
    super('editor-error');
    this.editorReady = import('./code-editor.js').then(({ CodeEditor }) => {
      const editor = new CodeEditor(byId('editor', HTMLDivElement), 'Python code (the file named above)', {
        save: () => void this.job(() => this.saveFile()),
        run: () => void this.job(() => this.run()),
      });
      editor.text = STARTER;
      return editor;
    });
    this.save.addEventListener('click', () => void this.job(() => this.saveFile()));
    this.runButton.addEventListener('click', () => void this.job(() => this.run()));
    this.stopButton.addEventListener('click', () => void this.stop());
    this.mainButton.addEventListener('click', () => void this.job(() => this.saveAsMain()));
    this.softButton.addEventListener('click', () => void this.job(() => this.softReset()));
    this.hardButton.addEventListener('click', () => void this.hardReset());
    for (const e of EXAMPLES) this.examples.append(new Option(`${e.title}: ${e.summary}`, e.name));
    this.examples.addEventListener('change', () => {
      const name = this.examples.value;
      this.examples.value = '';
      if (name) void this.job(() => this.openExample(name));
    });
    this.setEnabled();
  }

  /** Shows a board file (from the files panel) and puts the cursor in the editor. */
  async show(path: string, text: string): Promise<void> {
    const editor = await this.editorReady;
    if (editor.text !== this.savedText && !window.confirm(`The editor has changes that are not saved on the board. Open ${path} anyway?`)) return;
    this.savedText = text;
    this.path.value = path;
    editor.text = text;
    this.errors.clear();
    this.status.textContent = `Editing ${path}.`;
    editor.focus();
  }

  private need(): BoardSession {
    if (!this.session) throw new UpyflashError('DISCONNECTED', 'No board running MicroPython is open');
    return this.session;
  }

  protected setEnabled(): void {
    const open = this.session !== undefined;
    const idle = this.idle;
    for (const b of [this.save, this.runButton, this.mainButton, this.softButton, this.examples]) b.disabled = !idle;
    this.stopButton.disabled = !open;
    this.hardButton.disabled = !open;
  }

  private boardPath(): string {
    const p = this.path.value.trim();
    if (p === '' || p.endsWith('/')) throw new UpyflashError('NAME_REFUSED', 'The editor has no file name to save under', { hint: 'Type a name in "File on the board", e.g. /main.py.' });
    return p.startsWith('/') ? p : `/${p}`;
  }

  private async saveFile(path = this.boardPath()): Promise<void> {
    const text = (await this.editorReady).text;
    const data = new TextEncoder().encode(text);
    await this.need().raw(async (fs) => {
      const parent = path.slice(0, path.lastIndexOf('/'));
      if (parent !== '') await fs.makeDirs(parent);
      await fs.writeFile(path, data);
    });
    this.path.value = path;
    this.savedText = text;
    this.status.textContent = `Saved ${path} (${data.length} bytes).`;
    await this.host.filesChanged();
  }

  private async run(): Promise<void> {
    const session = this.need();
    const editor = await this.editorReady;
    const code = editor.text;
    editor.markError(undefined);
    this.status.textContent = 'Running… (Stop or Ctrl-C ends it)';
    this.console.append(`\r\n# Run ${this.path.value || 'editor'} (not saved)\r\n`);
    this.setEnabled();
    let stderr: string;
    try {
      ({ stderr } = await session.run(code, (d) => this.console.append(d)));
    } catch (e) {
      if (isUpyflashError(e) && e.details['hardReset'] === true) {
        this.status.textContent = 'The program was stopped by the hard reset.';
        return;
      }
      throw e;
    }
    if (stderr === '') {
      this.status.textContent = 'The program ended.';
      return;
    }
    const tb = parseTraceback(stderr);
    if (/^KeyboardInterrupt/.test(tb.summary)) {
      this.status.textContent = 'Stopped (KeyboardInterrupt).';
      return;
    }
    editor.markError(tb.line);
    this.status.textContent = 'The program raised an exception.';
    throw new UpyflashError('SCRIPT_ERROR', `${tb.line !== undefined ? `Line ${tb.line}: ` : ''}${tb.summary}`, {
      hint: tb.line !== undefined ? `Line ${tb.line} is marked in the editor; the whole traceback is in the console.` : 'The whole traceback is in the console.',
      details: { traceback: stderr },
    });
  }

  /** An example written for this board (its LED pin, its ADC), in the editor under its own name. */
  private async openExample(name: string): Promise<void> {
    const example = exampleByName(name);
    if (!example) return;
    const platform = new TextDecoder().decode(await this.need().raw((_fs, repl) => repl.execOk('import sys\r\nprint(sys.platform)'))).trim();
    const pins = boardPins(platform) ?? boardPins('esp32')!;
    await this.show(`/${name.replace(/-/g, '_')}.py`, example.source(pins));
    this.status.textContent = `Example "${example.title}" for ${pins.platform}: Run tries it, Save keeps it on the board.`;
  }

  private async stop(): Promise<void> {
    const session = this.session;
    if (!session) return;
    try {
      await session.stop();
    } catch (e) {
      this.errors.show(e);
      this.hardButton.focus();
    }
  }

  private async saveAsMain(): Promise<void> {
    await this.saveFile('/main.py');
    await this.softResetNow();
  }

  private async softReset(): Promise<void> {
    await this.softResetNow();
  }

  private async softResetNow(): Promise<void> {
    await this.need().softReset();
    this.status.textContent = 'Soft reset: MicroPython restarted (boot.py, then main.py).';
    await this.host.filesChanged().catch(() => undefined);
  }

  /** Not a queued job: it must work while a Run waits on a program that ignores Stop. */
  private async hardReset(): Promise<void> {
    const session = this.session;
    if (!session) return;
    this.errors.clear();
    this.status.textContent = 'Hard reset…';
    try {
      const boot = await session.hardReset();
      this.status.textContent = `Hard reset: MicroPython v${boot.version} started again.`;
      await this.host.filesChanged();
    } catch (e) {
      if (isUpyflashError(e) || e instanceof Error) this.errors.show(e);
      this.errors.element.focus();
    }
  }
}
