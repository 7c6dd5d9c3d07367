/**
 * Bits of the SPI controller's "user command" registers, the same on every chip esptool drives this
 * way (loader.py's run_spiflash_command; ESP8266 set_data_lengths). Register offsets differ per chip
 * and live in each chip's SpiRegisters; these are the bits within them.
 */
export const SPI_USER_COMMAND = {
  /** Offset of the command register from SpiRegisters.base. */
  cmdReg: 0x00,
  /** In the command register: start the user command; the hardware clears it when done. */
  cmdUsr: 1 << 18,
  /** In USR: the transaction has a command phase. */
  usrCommand: 1 << 31,
  /** In USR: the transaction has a MISO (read) phase. */
  usrMiso: 1 << 28,
  /** In USR: the transaction has a MOSI (write) phase. */
  usrMosi: 1 << 27,
  /** In USR2: where the command phase's bit length (minus one) starts; the opcode sits below it. */
  usr2CommandLenShift: 28,
  /** ESP8266 (no MOSI/MISO length registers): USR1 holds both bit lengths minus one, 9 bits each. */
  usr1MosiBitlenShift: 17,
  usr1MisoBitlenShift: 8,
  usr1BitlenMask: 0x1ff,
} as const;
