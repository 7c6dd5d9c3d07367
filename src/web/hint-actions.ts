/**
 * The page's words for what helps after a failure. Error hints are written for the CLI (they name
 * flags such as --baud); the page renders the error's front-end-neutral actions instead, naming what
 * the page offers, and keeps a thrower's own specific hint.
 */
import { type ActionId, ERRORS, type UpyflashError } from '../errors.js';

export const PAGE_ACTIONS: Readonly<Record<ActionId, string>> = {
  'retry': 'Press Flash again.',
  'lower-baud': 'Use a shorter or better USB cable and another USB port: this page picks the fastest speed your USB adapter is known to carry and lowers it by itself when the line does not hold.',
  'no-reset': 'Hold the BOOT (IO0) button, tap EN (RST), release BOOT, then connect again.',
  'no-stub': 'Use `upyflash flash --no-stub` on the command line: the page always uses the flasher stub where it can start.',
  'use-stub': 'Disconnect and connect again so the flasher stub is uploaded.',
  'erase': 'Tick "Erase the whole flash first" and flash again.',
  'backup': 'Save the flash first with `upyflash read-flash` on the command line.',
  'flash-mode-dout': 'Flash with `upyflash flash --flash-mode dout` on the command line.',
  'flash-size-detect': 'The page writes the detected flash size into ESP8266 images; for other sizes use `upyflash flash --flash-size` on the command line.',
  'default-address': 'The page writes at the address the file belongs at; choose the full .bin for this board.',
  'force-address': 'Writing at another address is only offered by the command line (`upyflash flash --addr ... --force-addr`).',
  'other-firmware': 'Choose the firmware for the detected board in the firmware list, or a .bin built for it.',
  'local-file': 'Choose a local .bin file.',
  'choose-port': 'Press Connect and choose the board\'s port in the browser\'s list.',
  'check-cable': 'Check the USB cable (charge-only cables carry no data), the power and the USB-serial driver.',
  'close-other-programs': 'Close other programs and browser tabs that hold the port (Thonny, Arduino IDE, a serial monitor).',
  'port-permission': 'Allow this page to use the port when the browser asks; on Linux your user needs access to the port (`upyflash doctor`).',
  'reset-board': 'Press EN (RST) on the board, then connect again.',
  'check-connection': 'Check the internet connection, or choose a local .bin file.',
  'restore-files': 'Copy the kept files back with `upyflash fs sync DIR`.',
  'report-bug': 'Please report this with the log below.',
};

/** What the page shows under the error: the thrower's own hint, else the actions in the page's words. */
export function pageHint(err: UpyflashError): string {
  if (err.hint !== ERRORS[err.kind].hint || err.actions.length === 0) return err.hint;
  return err.actions.map((a) => PAGE_ACTIONS[a]).join(' ');
}
