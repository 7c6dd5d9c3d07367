import { createInterface } from 'node:readline/promises';
import { isUpyflashError } from '../errors.js';
import { rootsFromEnv } from '../doctor/node/host-facts.js';
import { type PortInfo, choosePort, listPorts, portLabel } from '../ports/node/list.js';

/**
 * The ports this machine has, as the CLI sees them. Test-only environment variables (see doctor)
 * point the listing at a fake sysfs tree, so the choice below is testable without hardware.
 */
export function listHostPorts(): Promise<PortInfo[]> {
  return listPorts(rootsFromEnv());
}

/**
 * The port to use when the user named none: the one ESP-looking port; on a terminal, a numbered choice
 * when there are several (as Thonny and uPyCraft offer a list); otherwise the error that lists them.
 */
export async function pickPort(ports: readonly PortInfo[], interactive: boolean): Promise<PortInfo> {
  try {
    return choosePort(ports);
  } catch (e) {
    if (!interactive || !isUpyflashError(e, 'MULTIPLE_PORTS')) throw e;
    return askForPort(ports.filter((p) => p.likelyEsp));
  }
}

async function askForPort(candidates: readonly PortInfo[]): Promise<PortInfo> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    process.stderr.write('Several boards are connected:\n');
    candidates.forEach((p, i) => process.stderr.write(`  ${i + 1}) ${portLabel(p)}\n`));
    for (;;) {
      const answer = (await rl.question(`Which one (1-${candidates.length})? `)).trim();
      const n = Number(answer);
      if (Number.isInteger(n) && n >= 1 && n <= candidates.length) return candidates[n - 1]!;
      const byPath = candidates.find((p) => p.path === answer);
      if (byPath) return byPath;
    }
  } finally {
    rl.close();
  }
}

/** One line per port for `upyflash ports`: path, VID:PID, what the USB chip is, serial, ESP mark. */
export function formatPortLine(p: PortInfo): string {
  const parts = [p.path.padEnd(16)];
  parts.push(p.vid && p.pid ? `${p.vid}:${p.pid}` : '-        ');
  const what = p.bridge?.name ?? [p.manufacturer, p.product].filter(Boolean).join(' ');
  if (what) parts.push(what);
  if (p.serialNumber) parts.push(`serial ${p.serialNumber}`);
  if (p.likelyEsp) parts.push(p.bridge?.nativeUsb ? '<- ESP board (native USB)' : '<- likely ESP board');
  return parts.join('  ');
}
