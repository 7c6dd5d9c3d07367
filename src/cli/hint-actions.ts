/**
 * The CLI's controls for the front-end-neutral actions of errors.ts (the page has its own, in
 * web/hint-actions.ts). The built-in hints already say these in full; this table is what a script
 * reading `--json` (error.actions) or a new message can map an action to.
 */
import type { ActionId } from '../errors.js';

export const CLI_ACTIONS: Readonly<Record<ActionId, string>> = {
  'retry': 'run the command again',
  'lower-baud': '--baud 460800 (or 115200)',
  'no-reset': 'hold BOOT, tap EN, release BOOT, then --before no-reset',
  'no-stub': '--no-stub',
  'use-stub': 'leave out --no-stub',
  'erase': '--erase (or `upyflash erase`)',
  'backup': '--backup FILE',
  'flash-mode-dout': '--flash-mode dout',
  'flash-size-detect': '--flash-size detect',
  'default-address': 'leave out --addr',
  'force-address': '--force-addr',
  'other-firmware': '`upyflash flash` without FILE (or --board/--variant/--version)',
  'local-file': 'pass a local .bin FILE',
  'choose-port': '--port (see `upyflash ports`)',
  'check-cable': '`upyflash doctor`',
  'close-other-programs': '`upyflash doctor` (names the programs holding the port)',
  'port-permission': '`upyflash doctor` (names the group to join)',
  'reset-board': 'press EN (RST), then run the command again',
  'check-connection': '--base-url, or a local .bin FILE',
  'restore-files': '`upyflash fs sync DIR`',
  'report-bug': 'run again with --verbose and report the output',
};

/** "try: --baud 460800 (or 115200); --erase (or `upyflash erase`)". */
export function cliActions(actions: readonly ActionId[]): string {
  return actions.map((a) => CLI_ACTIONS[a]).join('; ');
}
