import type { Reporter } from '../../progress.js';
import type { Transport } from '../../transport/transport.js';
import { BoardSession } from './board-session.js';
import { watchLed, type LedSource } from './board-led.js';
import { byId } from './dom.js';
import { EditorPanel } from './editor-panel.js';
import { FilesPanel } from './files-panel.js';
import type { ReplConsole } from './repl-console.js';
import { WifiPanel } from './wifi-panel.js';
import { LibsPanel } from './libs-panel.js';

/**
 * Steps 4 and 5 once a board runs MicroPython (after the flash, or opened as it is): the files panel
 * and the editor share one BoardSession with the console; the demo board's LED is shown when it has one.
 */
export class Workspace {
  readonly files: FilesPanel;
  readonly editor: EditorPanel;
  readonly wifi = new WifiPanel();
  readonly libs: LibsPanel;
  private session: BoardSession | undefined;
  private unwatchLed: (() => void) | undefined;

  constructor(
    private readonly console: ReplConsole,
    private readonly reporter: Reporter,
    private readonly onLost: (e: unknown) => void,
  ) {
    this.editor = new EditorPanel(console, { filesChanged: () => this.files.job(() => this.files.refresh()) });
    this.libs = new LibsPanel(reporter);
    this.files = new FilesPanel({ openInEditor: (path, text) => this.editor.show(path, text) });
  }

  get isOpen(): boolean {
    return this.session !== undefined;
  }

  /** The console must already be attached to `transport` (it is paused and resumed around each job). */
  async open(transport: Transport, led: LedSource | undefined): Promise<void> {
    await this.close();
    const session = new BoardSession(transport, this.console, this.reporter, (e) => {
      if (this.session === session) this.onLost(e);
    });
    this.session = session;
    if (led) this.unwatchLed = watchLed(byId('board-led', HTMLSpanElement), led);
    this.editor.open(session);
    this.wifi.open(session);
    this.libs.open(session);
    await this.files.open(session);
  }

  /** Before the flasher or a disconnect takes the line: a job still running is cut short first. */
  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    this.unwatchLed?.();
    this.unwatchLed = undefined;
    this.editor.close();
    this.wifi.close();
    this.libs.close();
    this.files.close();
    await session?.close();
  }
}
