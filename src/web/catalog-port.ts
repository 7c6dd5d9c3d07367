import type { ChipSpec } from '../chips/types.js';
import type { BoardChoice, FirmwareChoice } from './api.js';

/**
 * What the local server needs from the firmware catalog: the images published for a board (the chip's
 * generic one unless named), the chip's boards matching a search, and one image's bytes. The Node adapter over src/firmware implements it (node/catalog.ts);
 * the seam keeps the HTTP code free of catalog details.
 */
export interface FirmwareCatalogPort {
  list(chip: ChipSpec, board?: string): Promise<{ board: string; choices: FirmwareChoice[]; offline: boolean }>;
  searchBoards(chip: ChipSpec, search: string): Promise<BoardChoice[]>;
  /** `source` says where the bytes came from: 'cache' or 'download'. */
  fetch(file: string): Promise<{ bytes: Uint8Array; source: 'cache' | 'download' }>;
}
