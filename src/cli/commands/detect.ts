import type { Command } from 'commander';
import { formatSize } from '../../flasher/spi-flash.js';
import { type ConnectionFlags, addConnectionOptions, withSession } from '../connect-options.js';
import { runCommand, type GlobalOptions } from '../run-command.js';

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

export function register(program: Command): void {
  const cmd = program.command('detect').description("identify the board's chip and flash (esptool chip_id + flash_id)");
  addConnectionOptions(cmd).action(async (_o: unknown, command: Command) => {
    const flags = command.optsWithGlobals<ConnectionFlags & GlobalOptions>();
    await runCommand(flags, async (io) => {
      const d = await withSession(flags, io, async (session) => ({ ...(await session.detect()), port: session.transport.name }));
      io.print(`Chip is ${d.description}`);
      if (d.crystalMHz) io.print(`Crystal is ${d.crystalMHz}MHz`);
      if (d.mac) io.print(`MAC: ${d.mac}`);
      if (d.secureDownload) io.print('Secure Download Mode: enabled');
      // What the chip will accept: a plain image does not boot with either of these on (E03A, E03B).
      if (d.security.source !== 'none') {
        io.print(`Flash encryption: ${d.security.flashEncryption ? 'on' : 'off'}`);
        io.print(`Secure boot: ${d.security.secureBoot ? 'on' : 'off'}`);
      }
      if (d.flashId) {
        io.print(`Manufacturer: ${hex2(d.flashId.manufacturer)}`);
        io.print(`Device: ${d.flashId.device.toString(16).padStart(4, '0')}`);
      }
      io.print(`Detected flash size: ${d.flashSizeBytes ? formatSize(d.flashSizeBytes) : 'unknown'}`);
      return {
        result: {
          port: d.port,
          chip: d.chip,
          description: d.description,
          revision: d.revision ?? null,
          mac: d.mac ?? null,
          crystalMHz: d.crystalMHz ?? null,
          flashId: d.flashId ? { manufacturer: hex2(d.flashId.manufacturer), device: d.flashId.device.toString(16).padStart(4, '0') } : null,
          flashSizeBytes: d.flashSizeBytes ?? null,
          secureDownload: d.secureDownload,
          flashEncryption: d.security.source === 'none' ? null : d.security.flashEncryption,
          secureBoot: d.security.source === 'none' ? null : d.security.secureBoot,
        },
      };
    });
  });
}
