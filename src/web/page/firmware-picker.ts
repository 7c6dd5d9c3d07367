import type { ChipSpec } from '../../chips/types.js';
import type { Reporter } from '../../progress.js';
import { UpyflashError } from '../../errors.js';
import { analyzeFirmware, type FirmwareFile } from '../../image/firmware-file.js';
import { buildSampleFirmware } from '../../image/sample.js';
import { formatBytes } from '../progress-view.js';
import type { CatalogClient } from '../catalog-client.js';
import type { BoardChoice, FirmwareChoice } from '../api.js';
import { type DetectedBoard, preferredFirmware } from '../firmware-choice.js';
import { byId } from './dom.js';

export type FirmwareSource = 'catalog' | 'file' | 'sample';

/** What the Flash button writes, with where it came from for the log. */
export interface PickedFirmware {
  readonly bytes: Uint8Array;
  readonly name: string;
  readonly firmware: FirmwareFile;
}

/**
 * Step 2 of the page: where the firmware comes from. The catalog (through the local server) offers the
 * images published for the detected chip's generic board; a local file is read and analysed as soon as
 * it is chosen, so a wrong file (a saved web page, an .elf, another chip's image) is refused with the
 * same code and hint as the CLI before anything is erased.
 */
export class FirmwarePicker {
  private readonly catalogRadio = byId('source-catalog', HTMLInputElement);
  private readonly fileRadio = byId('source-file', HTMLInputElement);
  private readonly sampleRadio = byId('source-sample', HTMLInputElement);
  private readonly sampleLabel = byId('source-sample-label', HTMLLabelElement);
  private readonly catalogSelect = byId('catalog-select', HTMLSelectElement);
  private readonly catalogNote = byId('catalog-note', HTMLParagraphElement);
  private readonly boardSearch = byId('board-search', HTMLInputElement);
  private readonly boardResults = byId('board-results', HTMLUListElement);
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly fileInput = byId('file-input', HTMLInputElement);
  private readonly summary = byId('image-summary', HTMLParagraphElement);
  private choices: readonly FirmwareChoice[] = [];
  private chip: ChipSpec | undefined;
  private localFile: { name: string; bytes: Uint8Array; firmware: FirmwareFile } | undefined;
  private detected: DetectedBoard | undefined;

  constructor(
    private readonly catalog: CatalogClient | undefined,
    private readonly onChange: () => void,
    private readonly onError: (e: unknown) => void,
  ) {
    for (const radio of [this.catalogRadio, this.fileRadio, this.sampleRadio]) {
      radio.addEventListener('change', () => this.changed());
    }
    this.catalogSelect.addEventListener('change', () => this.changed());
    this.boardSearch.addEventListener('input', () => this.searchSoon());
    this.fileInput.addEventListener('change', () => void this.readLocalFile());
    this.fileInput.addEventListener('click', () => {
      this.fileRadio.checked = true;
    });
    if (!catalog) {
      this.catalogRadio.disabled = true;
      this.catalogNote.textContent =
        'The firmware list needs the local server: start this page with `upyflash ui`. A local .bin file works anyway.';
      this.fileRadio.checked = true;
    } else {
      this.catalogRadio.checked = true;
      this.catalogNote.textContent = 'Connect a board: the list shows the firmware for its chip.';
    }
  }

  get source(): FirmwareSource {
    if (this.sampleRadio.checked && !this.sampleLabel.hidden) return 'sample';
    if (this.catalogRadio.checked && !this.catalogRadio.disabled) return 'catalog';
    return 'file';
  }

  /** True when the Flash button has something to write. */
  get ready(): boolean {
    switch (this.source) {
      case 'sample':
        return this.chip !== undefined;
      case 'catalog':
        return this.chip !== undefined && this.catalogSelect.value !== '';
      case 'file':
        return this.localFile !== undefined;
    }
  }

  /** A board was detected (or forgotten with undefined): list its firmware; offer the sample on the demo board. */
  async setBoard(chip: ChipSpec | undefined, demo: boolean, detected?: DetectedBoard): Promise<void> {
    this.chip = chip;
    this.detected = detected;
    this.sampleLabel.hidden = !demo;
    if (demo && chip) this.sampleRadio.checked = true;
    else if (this.sampleRadio.checked) (this.catalog ? this.catalogRadio : this.fileRadio).checked = true;
    this.choices = [];
    this.fillSelect([]);
    this.boardSearch.value = '';
    this.boardSearch.disabled = !(chip && this.catalog);
    this.showBoards([]);
    if (chip && this.catalog) await this.loadCatalog(chip);
    this.changed();
  }

  /** Produces the bytes to flash (downloading through the local server when the catalog is chosen). */
  async pick(reporter: Reporter): Promise<PickedFirmware> {
    const chip = this.chip;
    switch (this.source) {
      case 'sample': {
        if (!chip) throw new UpyflashError('BAD_ARGUMENT', 'Connect the demo board first');
        const bytes = buildSampleFirmware({ chip });
        const name = `sample-${chip.micropython.board}.bin`;
        return { bytes, name, firmware: analyzeFirmware(bytes, name) };
      }
      case 'catalog': {
        const file = this.catalogSelect.value;
        if (!file || !this.catalog) throw new UpyflashError('BAD_ARGUMENT', 'Choose a firmware version first');
        reporter.phase('download', `Fetching ${file} through the local server...`);
        const { bytes, source } = await this.catalog.download(file, (done, total) => reporter.progress('download', done, total));
        reporter.info(`${file}: ${formatBytes(bytes.length)} (${source === 'cache' ? 'from the cache' : 'downloaded from the site'})`);
        return { bytes, name: file, firmware: analyzeFirmware(bytes, file) };
      }
      case 'file': {
        if (!this.localFile) throw new UpyflashError('BAD_ARGUMENT', 'Choose a .bin file first');
        return { bytes: this.localFile.bytes, name: this.localFile.name, firmware: this.localFile.firmware };
      }
    }
  }

  /** `board`: one picked in the search; without it, the chip's generic board and the CLI's preferred build. */
  private async loadCatalog(chip: ChipSpec, board?: string): Promise<void> {
    if (!this.catalog) return;
    this.catalogNote.textContent = `Looking up MicroPython for ${board ?? chip.micropython.board}…`;
    try {
      const list = await this.catalog.list(chip.id, board);
      if (this.chip !== chip) return;
      this.choices = list.choices;
      this.fillSelect(list.choices);
      const where = list.offline ? `Offline: showing the ${list.board} list from the cache.` : `${list.choices.length} images for ${list.board} on micropython.org.`;
      // The build the CLI would pick for these facts goes first, with its reason in one line.
      const preferred = this.detected && !board ? preferredFirmware(list.choices, chip, this.detected) : undefined;
      if (preferred) this.catalogSelect.value = preferred.choice.file;
      const back = board ? ` Not the detected board: search ${chip.micropython.board} to go back.` : '';
      this.catalogNote.textContent = preferred ? `${preferred.line} (${[...preferred.reasons, ...preferred.notes].join('; ')}). ${where}` : where + back;
    } catch (e) {
      if (this.chip !== chip) return;
      const err = e instanceof UpyflashError ? e : undefined;
      this.catalogNote.textContent = err
        ? `Firmware list unavailable (${err.code}: ${err.message}). ${err.hint}`
        : 'Firmware list unavailable; choose a local .bin file.';
      if (this.catalogRadio.checked) this.fileRadio.checked = true;
    }
  }

  private searchSoon(): void {
    clearTimeout(this.searchTimer);
    // Wait for a pause in typing: each search is a request to the local server (and maybe the site).
    this.searchTimer = setTimeout(() => void this.searchBoards(), 250);
  }

  private async searchBoards(): Promise<void> {
    const chip = this.chip;
    const words = this.boardSearch.value.trim();
    if (!chip || !this.catalog || words.length < 2) {
      this.showBoards([]);
      return;
    }
    try {
      const boards = await this.catalog.searchBoards(chip.id, words);
      if (this.chip !== chip || this.boardSearch.value.trim() !== words) return;
      this.showBoards(boards, `No ${chip.name} board on micropython.org matches "${words}".`);
    } catch (e) {
      if (this.chip === chip) this.onError(e);
    }
  }

  private showBoards(boards: readonly BoardChoice[], none?: string): void {
    const items = boards.map((b) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.value = b.id;
      button.textContent = [b.id, b.name, b.vendor && `(${b.vendor})`].filter(Boolean).join(' ');
      button.addEventListener('click', () => void this.pickBoard(b.id));
      const li = document.createElement('li');
      li.append(button);
      return li;
    });
    if (items.length === 0 && none) {
      const li = document.createElement('li');
      li.textContent = none;
      items.push(li);
    }
    this.boardResults.replaceChildren(...items);
    this.boardResults.hidden = items.length === 0;
  }

  private async pickBoard(board: string): Promise<void> {
    const chip = this.chip;
    if (!chip) return;
    this.showBoards([]);
    this.boardSearch.value = '';
    this.catalogRadio.checked = true;
    // Back on the detected board: its list comes with the CLI's pick and reason again.
    await this.loadCatalog(chip, board === chip.micropython.board ? undefined : board);
    this.changed();
  }

  private fillSelect(choices: readonly FirmwareChoice[]): void {
    this.catalogSelect.replaceChildren();
    if (choices.length === 0) {
      this.catalogSelect.append(new Option(this.chip ? 'No list available' : 'Connect a board first', ''));
      this.catalogSelect.disabled = true;
      return;
    }
    // Releases first (newest on top); previews after them, labelled, since beginners want a release.
    const releases = choices.filter((c) => !c.preview);
    const previews = choices.filter((c) => c.preview);
    for (const [label, group] of [
      ['Releases', releases],
      ['Previews (nightly builds)', previews],
    ] as const) {
      if (group.length === 0) continue;
      const g = document.createElement('optgroup');
      g.label = label;
      for (const c of group) g.append(new Option(choiceLabel(c), c.file));
      this.catalogSelect.append(g);
    }
    this.catalogSelect.disabled = false;
    this.catalogSelect.value = (releases[0] ?? previews[0])!.file;
  }

  private async readLocalFile(): Promise<void> {
    const file = this.fileInput.files?.[0];
    this.localFile = undefined;
    this.fileRadio.checked = true;
    if (!file) {
      this.changed();
      return;
    }
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const firmware = analyzeFirmware(bytes, file.name);
      this.localFile = { name: file.name, bytes, firmware };
    } catch (e) {
      this.onError(e);
    }
    this.changed();
  }

  private changed(): void {
    this.summary.textContent = this.describe();
    this.onChange();
  }

  private describe(): string {
    switch (this.source) {
      case 'sample':
        return this.chip ? `A sample MicroPython image for the ${this.chip.name}, built in this page.` : '';
      case 'catalog': {
        const c = this.choices.find((x) => x.file === this.catalogSelect.value);
        return c ? `${c.file}${c.cached ? ' (already downloaded)' : ''}` : '';
      }
      case 'file':
        return this.localFile ? describeFile(this.localFile.name, this.localFile.firmware) : 'No file chosen.';
    }
  }
}

function choiceLabel(c: FirmwareChoice): string {
  const parts = [`v${c.version}`];
  if (c.variant) parts.push(c.variant);
  if (c.date) parts.push(c.date);
  if (c.cached) parts.push('cached');
  return parts.join(' · ');
}

export function describeFile(name: string, fw: FirmwareFile): string {
  const chip = fw.chip?.name ?? (fw.kind === 'esp8266' ? 'ESP8266' : 'unknown chip');
  const mp = fw.micropython ? `MicroPython v${fw.micropython.version} (${fw.micropython.buildDate})` : 'not a recognised MicroPython build';
  return `${name}: ${chip}, ${mp}, ${formatBytes(fw.bytes.length)}, written at 0x${fw.suggestedOffset.toString(16)}.`;
}
