import { STUB_ERR } from './reply.js';

/**
 * How each family of Espressif flasher stub behaves where they differ, as data the stub loader reads.
 * Two families exist in the field:
 * - the legacy stub (esptool-legacy-flasher-stub, `flasher_stub/stub_flasher.c` and
 *   `stub_write_flash.c`), uploaded by esptool v4, PlatformIO and the Arduino IDE;
 * - esp-flasher-stub (espressif/esp-flasher-stub, `src/main.c`, `src/command_handler.c`,
 *   `src/frame_buffer.c`), esptool v5.3's default and the one esptool-js 0.7.0 ships (v1.2.x).
 * Both speak the same framing and two status bytes [code, 0]; esp-flasher-stub writes its 16-bit
 * response code big-endian (`s_send_response`, codes 0xC000.. in commands.h), which is the same bytes.
 */
export interface StubFamily {
  readonly name: string;
  /**
   * Receive path. 'legacy': two buffers the RX interrupt fills alternately, overwriting one the main
   * loop may still be reading (stub_flasher.c `uart_buf_t`). 'frame-buffers': two buffers the interrupt
   * only fills when re-armed by the main loop's poll; a frame that starts while none is armed is lost,
   * nothing is overwritten (frame_buffer.c `frame_buffer_acquire`, transport.c `slip_recv_poll`).
   */
  readonly rx: 'legacy' | 'frame-buffers';
  /**
   * Where a write error after the acknowledgement shows. 'sticky': every later data acknowledgement
   * carries it until the next BEGIN (stub_write_flash.c `fs.last_error`). 'next-command': the next
   * command of any kind is answered with it and not executed (command_handler.c `accumulated_result`).
   */
  readonly deferredErrors: 'sticky' | 'next-command';
  /** Before erasing a sector of a flash BEGIN, read it and skip the erase while sectors are blank (v1.1.0+). */
  readonly blankSectorSkip: boolean;
  /** On ESP32/S2/P4, raise the UART clock at start and re-program the ROM's recorded baud (v1.1.0+). */
  readonly resetsUartToRomBaud: boolean;
  /** READ_FLASH: host's max-in-flight is a byte count (legacy), or ignored and one packet at a time. */
  readonly readFlashWindow: 'bytes' | 'one-packet';
  /** FLASH_END(0) resets the chip (legacy); esp-flasher-stub leaves it as a TODO and stays. */
  readonly flashEndReboots: boolean;
  /** RUN_USER_CODE leaves for the firmware (legacy); esp-flasher-stub does nothing ("TODO: WDT reset"). */
  readonly runUserCodeLeaves: boolean;
  /** MEM_END jumps: legacy when the entry is non-zero, esp-flasher-stub when the no-entry flag is 0. */
  readonly memEndJumps: 'entry-nonzero' | 'flag-zero';
  /** Error for an opcode the stub does not know (plugin opcodes 0xD5..0xEF: not implemented on both). */
  readonly unknownCommandError: number;
  /** ERASE_REGION with an unaligned address / length. */
  readonly eraseUnalignedErrors: readonly [number, number];
  /** SPI_FLASH_MD5 past the end of the flash. */
  readonly md5ReadError: number;
  /** FLASH_END before all announced data arrived. */
  readonly flashEndShortError: number;
  /** Erase only as far as a write reaches ('end'), or through the sector its last byte+1 is in ('sector'). */
  readonly eraseAhead: 'end' | 'sector';
}

export const LEGACY_STUB: StubFamily = {
  name: 'legacy flasher stub (stub_flasher.c)',
  rx: 'legacy',
  deferredErrors: 'sticky',
  blankSectorSkip: false,
  resetsUartToRomBaud: false,
  readFlashWindow: 'bytes',
  flashEndReboots: true,
  runUserCodeLeaves: true,
  memEndJumps: 'entry-nonzero',
  unknownCommandError: STUB_ERR.NOT_IMPLEMENTED,
  eraseUnalignedErrors: [STUB_ERR.ERASE_ADDR_UNALIGNED, STUB_ERR.ERASE_LEN_UNALIGNED],
  md5ReadError: STUB_ERR.MD5_READ_FAILED,
  flashEndShortError: STUB_ERR.NOT_ENOUGH_DATA,
  eraseAhead: 'sector',
};

/** esp-flasher-stub v1.0.0 (esptool v5.3.1's own stub): no blank-sector skip, no UART clock boost yet. */
export const FLASHER_STUB_V1_0: StubFamily = {
  name: 'esp-flasher-stub v1.0',
  rx: 'frame-buffers',
  deferredErrors: 'next-command',
  blankSectorSkip: false,
  resetsUartToRomBaud: false,
  readFlashWindow: 'one-packet',
  flashEndReboots: false,
  runUserCodeLeaves: false,
  memEndJumps: 'flag-zero',
  unknownCommandError: STUB_ERR.INVALID_COMMAND,
  eraseUnalignedErrors: [STUB_ERR.BAD_DATA_LEN, STUB_ERR.BAD_DATA_LEN],
  md5ReadError: STUB_ERR.FAILED_SPI_OP,
  flashEndShortError: STUB_ERR.BAD_DATA_LEN,
  eraseAhead: 'end',
};

/** esp-flasher-stub v1.1.0+ (v1.2.x in esptool-js 0.7.0): CHANGELOG v1.1.0 "skip erase on already-blank sectors", "enable UART clock boost on safe chips". */
export const FLASHER_STUB_V1_2: StubFamily = {
  ...FLASHER_STUB_V1_0,
  name: 'esp-flasher-stub v1.2',
  blankSectorSkip: true,
  resetsUartToRomBaud: true,
};

/** A program the board does not know, started with MEM_END: run as the chip's current flasher stub. */
export const GENERIC_STUB = FLASHER_STUB_V1_2;

/** First and last plugin opcode of esp-flasher-stub (plugin_table.h): unpatched slots answer "not implemented". */
export const PLUGIN_OPCODES = { first: 0xd5, last: 0xef } as const;
