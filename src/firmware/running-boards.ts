import type { ChipId } from '../chips/types.js';

/**
 * Which MicroPython build a running board says it is. `os.uname().machine` is
 * "<MICROPY_HW_BOARD_NAME> with <MICROPY_HW_MCU_NAME>"; the board name is set per board (and per
 * variant) in MicroPython's ports/<port>/boards/<BOARD>/mpconfigboard.h, mpconfigboard.cmake and
 * mpconfigvariant_<VARIANT>.cmake, which is where each entry below was read. A variant of `undefined`
 * means the name does not tell the variants apart (FLASH_4M keeps the S3's plain name): the detected
 * facts decide then.
 */
interface RunningBoardEntry {
  /** MICROPY_HW_BOARD_NAME as the firmware prints it. */
  readonly name: string;
  readonly board: string;
  /** null: the standard build; undefined: not told by the name. */
  readonly variant: string | null | undefined;
  readonly chip: ChipId;
  readonly source: string;
}

const ESP32_BOARDS = 'micropython ports/esp32/boards';

export const RUNNING_BOARDS: readonly RunningBoardEntry[] = [
  { name: 'Generic ESP32 module', board: 'ESP32_GENERIC', variant: undefined, chip: 'esp32', source: `${ESP32_BOARDS}/ESP32_GENERIC/mpconfigboard.h` },
  { name: 'Generic ESP32 module with SPIRAM', board: 'ESP32_GENERIC', variant: 'SPIRAM', chip: 'esp32', source: `${ESP32_BOARDS}/ESP32_GENERIC/mpconfigvariant_SPIRAM.cmake` },
  { name: 'Generic ESP32 module with OTA', board: 'ESP32_GENERIC', variant: 'OTA', chip: 'esp32', source: `${ESP32_BOARDS}/ESP32_GENERIC/mpconfigboard.cmake` },
  { name: 'Generic ESP32S2 module', board: 'ESP32_GENERIC_S2', variant: null, chip: 'esp32s2', source: `${ESP32_BOARDS}/ESP32_GENERIC_S2/mpconfigboard.h` },
  { name: 'Generic ESP32S3 module', board: 'ESP32_GENERIC_S3', variant: undefined, chip: 'esp32s3', source: `${ESP32_BOARDS}/ESP32_GENERIC_S3/mpconfigboard.h` },
  {
    name: 'Generic ESP32S3 module with Octal-SPIRAM', board: 'ESP32_GENERIC_S3', variant: 'SPIRAM_OCT', chip: 'esp32s3',
    source: `${ESP32_BOARDS}/ESP32_GENERIC_S3/mpconfigvariant_SPIRAM_OCT.cmake`,
  },
  { name: 'ESP32C2 module', board: 'ESP32_GENERIC_C2', variant: undefined, chip: 'esp32c2', source: `${ESP32_BOARDS}/ESP32_GENERIC_C2/mpconfigboard.h` },
  { name: 'ESP32C3 module', board: 'ESP32_GENERIC_C3', variant: null, chip: 'esp32c3', source: `${ESP32_BOARDS}/ESP32_GENERIC_C3/mpconfigboard.h` },
  { name: 'ESP32C6 module', board: 'ESP32_GENERIC_C6', variant: null, chip: 'esp32c6', source: `${ESP32_BOARDS}/ESP32_GENERIC_C6/mpconfigboard.h` },
  { name: 'ESP module', board: 'ESP8266_GENERIC', variant: undefined, chip: 'esp8266', source: 'micropython ports/esp8266/boards/ESP8266_GENERIC/mpconfigboard.h' },
  { name: 'ESP module (1M)', board: 'ESP8266_GENERIC', variant: 'FLASH_1M', chip: 'esp8266', source: 'micropython ports/esp8266/boards/ESP8266_GENERIC, FLASH_1M variant' },
  { name: 'ESP module (512K)', board: 'ESP8266_GENERIC', variant: 'FLASH_512K', chip: 'esp8266', source: 'micropython ports/esp8266/boards/ESP8266_GENERIC, FLASH_512K variant' },
  { name: 'LOLIN_S2_MINI', board: 'LOLIN_S2_MINI', variant: null, chip: 'esp32s2', source: `${ESP32_BOARDS}/LOLIN_S2_MINI/mpconfigboard.h` },
  { name: 'TinyPICO', board: 'UM_TINYPICO', variant: null, chip: 'esp32', source: `${ESP32_BOARDS}/UM_TINYPICO/mpconfigboard.h` },
  { name: 'FeatherS3', board: 'UM_FEATHERS3', variant: null, chip: 'esp32s3', source: `${ESP32_BOARDS}/UM_FEATHERS3/mpconfigboard.h` },
];

export interface RunningBuild {
  readonly board: string;
  readonly variant: string | null | undefined;
  readonly chip: ChipId;
  readonly boardName: string;
  readonly source: string;
}

/**
 * The build a machine string names, or undefined for a name not in the table. The board name is what
 * comes before the last " with " (board names may contain " with " themselves: "... with SPIRAM").
 */
export function buildFromMachine(machine: string): RunningBuild | undefined {
  const cut = machine.lastIndexOf(' with ');
  const name = (cut >= 0 ? machine.slice(0, cut) : machine).trim();
  const entry = RUNNING_BOARDS.find((e) => e.name === name);
  if (!entry) return undefined;
  return { board: entry.board, variant: entry.variant, chip: entry.chip, boardName: entry.name, source: entry.source };
}
