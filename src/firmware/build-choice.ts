/**
 * Which MicroPython build a board gets when no file is given, and the one line that says why:
 * "ESP32-S3 (QFN56) v0.2, 16 MB flash, 8 MB octal PSRAM → ESP32_GENERIC_S3 SPIRAM_OCT v1.27.0".
 * In order: what the user asked for (--board/--variant), else the board the running MicroPython names
 * (an update stays on the same board), else the chip's generic board with the variant its facts call
 * for (board-variants.ts). A build the user asked for that a detected fact contradicts is refused
 * unless forced.
 */
import type { ChipSpec } from '../chips/index.js';
import { UpyflashError } from '../errors.js';
import { type HardwareFacts, type PsramKind, buildContradiction, chooseVariant, describeBuild, formatBytes, parseVariant } from './board-variants.js';
import { parseFirmwareFileName } from './file-name.js';
import { buildFromMachine } from './running-boards.js';
import { checkBoardId } from './site-urls.js';

/** What the chip's eFuses said (flasher/chip-identity.ts), as far as the choice needs it. */
export interface ChipFacts {
  /** esptool's model name: "ESP32-S3 (QFN56)". */
  readonly model: string;
  readonly revision?: { readonly major: number; readonly minor: number } | undefined;
  /** PSRAM in the package; undefined = none. */
  readonly embeddedPsram?: { readonly bytes: number; readonly type?: PsramKind | undefined } | undefined;
}

/** What the board ran before, read over its REPL (repl/running-board.ts). */
export interface RunningFirmware {
  /** os.uname().machine: "LOLIN_S2_MINI with ESP32-S2FN4R2". */
  readonly machine: string;
  /** os.uname().release: "1.26.1". */
  readonly version: string;
}

export interface ChoiceInput {
  readonly chip?: ChipSpec | undefined;
  readonly flashBytes?: number | undefined;
  readonly facts?: ChipFacts | undefined;
  readonly running?: RunningFirmware | undefined;
  readonly board?: string | undefined;
  readonly variant?: string | undefined;
}

export interface BuildChoice {
  readonly board: string;
  readonly variant: string | undefined;
  /** request: --board/--variant; running: the board's own MicroPython; chip: the detected chip. */
  readonly from: 'request' | 'running' | 'chip';
  /** The detected facts in a few words: "ESP32-S3 (QFN56) v0.2, 16 MB flash, 8 MB octal PSRAM". */
  readonly facts: string;
  readonly reasons: readonly string[];
  /** Things the user should know (a machine string the table does not know, PSRAM that cannot be seen). */
  readonly notes: readonly string[];
}

/**
 * Boards whose PSRAM may sit outside the chip, where no eFuse can tell of it: said once when the plain
 * build is chosen (ESP32 WROVER modules).
 */
const UNSEEN_PSRAM: Readonly<Record<string, string>> = {
  ESP32_GENERIC: 'PSRAM outside the chip (a WROVER module\'s) cannot be detected: pass --variant SPIRAM if the board has it',
};

export function hardwareFacts(input: ChoiceInput): HardwareFacts {
  return {
    flashBytes: input.flashBytes,
    // Read eFuses that list no PSRAM mean none in the package; no eFuses read means unknown.
    psram: input.facts ? (input.facts.embeddedPsram ?? null) : undefined,
  };
}

export function describeFacts(input: ChoiceInput): string {
  const f = input.facts;
  const parts = [f ? `${f.model}${f.revision ? ` v${f.revision.major}.${f.revision.minor}` : ''}` : (input.chip?.name ?? 'this board')];
  if (input.flashBytes !== undefined) parts.push(`${formatBytes(input.flashBytes)} flash`);
  if (f) parts.push(f.embeddedPsram ? `${formatBytes(f.embeddedPsram.bytes)}${f.embeddedPsram.type ? ` ${f.embeddedPsram.type}` : ''} PSRAM` : 'no PSRAM in the package');
  if (input.running) parts.push(`running ${input.running.machine} v${input.running.version}`);
  return parts.join(', ');
}

export function chooseBuild(input: ChoiceInput): BuildChoice {
  const hw = hardwareFacts(input);
  const facts = describeFacts(input);
  const notes: string[] = [];
  if (input.board !== undefined) {
    const board = checkBoardId(input.board);
    const v = chooseVariant(board, input.variant, hw);
    return { board, variant: v.variant, from: 'request', facts, reasons: [v.automatic ? v.reason : 'as requested'], notes };
  }
  if (input.running) {
    const build = buildFromMachine(input.running.machine);
    if (!build) {
      notes.push(`the running MicroPython calls itself "${input.running.machine}", which upyflash's board table does not know: choosing by the chip`);
    } else if (input.chip && build.chip !== input.chip.id) {
      notes.push(`the running MicroPython says "${input.running.machine}", a build for another chip: choosing by the chip`);
    } else {
      const same = `same board as the running MicroPython v${input.running.version}`;
      if (input.variant !== undefined) return { board: build.board, variant: parseVariant(input.variant), from: 'request', facts, reasons: [same, 'variant as requested'], notes };
      if (build.variant !== undefined) {
        const variant = build.variant ?? undefined;
        const against = buildContradiction(build.board, variant, hw);
        if (!against) return { board: build.board, variant, from: 'running', facts, reasons: [same], notes };
        notes.push(`the running build does not fit this board (${against}): the variant follows the chip`);
      }
      const v = chooseVariant(build.board, undefined, hw);
      return { board: build.board, variant: v.variant, from: 'running', facts, reasons: [same, ...(v.automatic ? [v.reason] : [])], notes };
    }
  }
  if (!input.chip) throw new UpyflashError('BAD_ARGUMENT', 'say which firmware: --chip (e.g. esp32) or --board (e.g. ESP32_GENERIC)');
  const board = input.chip.micropython.board;
  const v = chooseVariant(board, input.variant, hw);
  if (v.variant === undefined && input.variant === undefined && UNSEEN_PSRAM[board] && hw.psram === null) notes.push(UNSEEN_PSRAM[board]);
  const from = input.variant !== undefined ? 'request' : 'chip';
  return { board, variant: v.variant, from, facts, reasons: [v.automatic ? v.reason : from === 'request' ? 'as requested' : `the ${input.chip.name}'s generic board`], notes };
}

/** "<facts> → ESP32_GENERIC_S3 SPIRAM_OCT v1.27.0" */
export function choiceLine(choice: BuildChoice, version: string): string {
  return `${choice.facts} → ${describeBuild(choice.board, choice.variant)} v${version}`;
}

/**
 * Which build a local image is: its file name where it follows micropython.org's naming
 * (BOARD[-VARIANT]-DATE-vX.bin), else the board name its banner carries (running-boards.ts). Undefined
 * when neither says.
 */
export function buildOfImage(fileName: string, bannerBoardName: string | undefined): { board: string; variant: string | undefined } | undefined {
  const named = parseFirmwareFileName(fileName);
  if (named) return { board: named.board, variant: named.variant };
  const running = bannerBoardName !== undefined ? buildFromMachine(bannerBoardName) : undefined;
  // A banner name shared by several variants (undefined) says nothing about the variant.
  return running && running.variant !== undefined ? { board: running.board, variant: running.variant ?? undefined } : undefined;
}

/**
 * A local image checked like a requested build: refused (E03C, before anything is erased) where a
 * detected fact rules it out, with the build that fits named; `force` lets it through with a warning.
 */
export function checkImageBuild(image: { fileName: string; boardName: string | undefined }, input: ChoiceInput, force: boolean): string | undefined {
  const build = buildOfImage(image.fileName, image.boardName);
  if (!build) return undefined;
  const choice: BuildChoice = { ...build, from: 'request', facts: describeFacts(input), reasons: [], notes: [] };
  return checkRequestedBuild(choice, { ...input, board: build.board, variant: build.variant ?? 'standard' }, force, (right) =>
    `Nothing was erased. This board wants ${right}: run \`upyflash flash\` without a file and it is fetched, or pass --force to flash this file anyway.`,
  );
}

/**
 * Refuses a build the user asked for that a detected fact rules out (before any download, so before
 * anything is erased), naming the build that fits. `force` lets it through.
 */
export function checkRequestedBuild(
  choice: BuildChoice,
  input: ChoiceInput,
  force: boolean,
  hint: (right: string) => string = (right) =>
    `Nothing was erased. ${right} fits this board (leave --board/--variant out and upyflash picks it), or pass --force to flash the other build anyway.`,
): string | undefined {
  if (choice.from !== 'request') return undefined;
  const against = buildContradiction(choice.board, choice.variant, hardwareFacts(input));
  if (!against) return undefined;
  if (force) return `--force: ${against}`;
  const right = chooseBuild({ ...input, board: undefined, variant: undefined });
  throw new UpyflashError('BUILD_CONTRADICTS_BOARD', `Refusing ${describeBuild(choice.board, choice.variant)}: ${against}.`, {
    hint: hint(describeBuild(right.board, right.variant)),
    details: { board: choice.board, variant: choice.variant ?? null, suggestedBoard: right.board, suggestedVariant: right.variant ?? null, fact: against },
  });
}
