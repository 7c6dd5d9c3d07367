import type { ChipSpec } from '../chips/types.js';
import { type ChipFacts, chooseBuild, choiceLine } from '../firmware/build-choice.js';
import type { FirmwareChoice } from './api.js';

/** What the page knows of the connected board for the choice (flash-flow.ts BoardFacts). */
export interface DetectedBoard {
  readonly flashSizeBytes: number | undefined;
  readonly identity: ChipFacts | undefined;
}

/**
 * The catalog entry the CLI's `flash` would pick for this board (firmware/build-choice.ts): the newest
 * release of the board and variant the detected facts call for, with the same one-line reason. Undefined
 * when the list has no such release (the page then keeps its plain newest-first order).
 */
export function preferredFirmware(
  choices: readonly FirmwareChoice[],
  chip: ChipSpec,
  board: DetectedBoard,
): { choice: FirmwareChoice; line: string; reasons: readonly string[]; notes: readonly string[] } | undefined {
  const build = chooseBuild({ chip, flashBytes: board.flashSizeBytes, facts: board.identity });
  const pick = choices.find((c) => !c.preview && c.board === build.board && c.variant === build.variant);
  if (!pick) return undefined;
  return { choice: pick, line: choiceLine(build, pick.version), reasons: build.reasons, notes: build.notes };
}
