import type { Command } from 'commander';
import { type ChipIdentityReport, describeAttachment } from '../../flasher/chip-identity.js';
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
      const id = d.identity;
      if (id) {
        io.print(`Features: ${id.features.join(', ')}`);
        io.print(`CPU: ${id.cores === 1 ? 'single core' : `${id.cores} cores`}, up to ${id.cpuMHz} MHz; radio: ${id.radio.join(', ')}`);
        const inPackage = packageMemory(id);
        if (inPackage) io.print(`In the package: ${inPackage}`);
      }
      if (d.crystalMHz) io.print(`Crystal is ${d.crystalMHz}MHz`);
      if (id?.usb) io.print(`Port: ${describeAttachment(id.usb)}`);
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
          revision: d.revision ?? id?.revision ?? null,
          mac: d.mac ?? null,
          crystalMHz: d.crystalMHz ?? null,
          flashId: d.flashId ? { manufacturer: hex2(d.flashId.manufacturer), device: d.flashId.device.toString(16).padStart(4, '0') } : null,
          flashSizeBytes: d.flashSizeBytes ?? null,
          secureDownload: d.secureDownload,
          flashEncryption: d.security.source === 'none' ? null : d.security.flashEncryption,
          secureBoot: d.security.source === 'none' ? null : d.security.secureBoot,
          identity: id
            ? {
                model: id.model,
                features: id.features,
                cores: id.cores,
                cpuMHz: id.cpuMHz,
                radio: id.radio,
                embeddedFlashBytes: id.embeddedFlashBytes ?? null,
                embeddedPsram: id.embeddedPsram ? { bytes: id.embeddedPsram.bytes, type: id.embeddedPsram.type ?? null } : null,
                usb: id.usb ?? null,
                fields: id.fields,
                efuseWords: id.efuseWords,
                sources: id.sources,
              }
            : null,
        },
      };
    });
  });
}

/** "8 MB flash, 2 MB quad PSRAM" from what the eFuses say is inside the chip's package. */
function packageMemory(id: ChipIdentityReport): string | undefined {
  const parts: string[] = [];
  if (id.embeddedFlashBytes) parts.push(`${formatSize(id.embeddedFlashBytes)} flash`);
  if (id.embeddedPsram) parts.push(`${formatSize(id.embeddedPsram.bytes)}${id.embeddedPsram.type ? ` ${id.embeddedPsram.type}` : ''} PSRAM`);
  return parts.length ? parts.join(', ') : undefined;
}
