/**
 * What the safe order costs (issue 22): the ROM changes the rate before the stub only where a reset is
 * proven; elsewhere the stub goes up at the sync rate and changes the rate itself. Rows, each the
 * default job onto erased flash over rfc2217:// at the asked rate, a fresh board process each:
 * - reset: DTR/RTS reset the board (the shortcut stays, so the safe order should cost nothing);
 * - no reset: `--before no-reset` onto a board held in download mode (the stub upload at 115200);
 * - the same two on a board whose ROM runs its UART 1.54 times off the asked rate (--rom-baud-error):
 *   with a reset the failed ROM change is undone by one; without one it is never made.
 */
import { join } from 'node:path';
import { startBoardProcess } from '../harness/board-process.js';

export interface SafeOrderCase {
  readonly name: string;
  /** --before for the flash job. */
  readonly before: 'default-reset' | 'no-reset';
  /** Extra virtual-board options. */
  readonly board: readonly string[];
}

export const SAFE_ORDER_CASES: readonly SafeOrderCase[] = [
  { name: 'reset', before: 'default-reset', board: [] },
  { name: 'no reset', before: 'no-reset', board: [] },
  { name: 'reset, ROM 1.54x', before: 'default-reset', board: ['--rom-baud-error', '1.54'] },
  { name: 'no reset, ROM 1.54x', before: 'no-reset', board: ['--rom-baud-error', '1.54'] },
];

/** Runs `job` once per case against a fresh timed board process; `job` gets the port URL and --before. */
export async function safeOrderRows<R>(dir: string, baud: number | 'auto', job: (url: string, c: SafeOrderCase) => Promise<R>): Promise<R[]> {
  const rows: R[] = [];
  for (const [i, c] of SAFE_ORDER_CASES.entries()) {
    const boot = c.before === 'no-reset' ? 'download' : 'normal';
    const board = await startBoardProcess({ chip: 'esp32', flashFile: join(dir, `flash-safe-${baud}-${i}.img`), boot, linkModel: true, flashTiming: true, args: c.board });
    try {
      rows.push(await job(board.rfc2217, c));
    } finally {
      await board.stop();
    }
  }
  return rows;
}
