/**
 * The host checks, as data: what each looks at, which failures (codes) it explains, and how it tells.
 * Order matters only for reading: from "is anything plugged in" down to "can I open this port".
 */
import { ERRORS } from '../errors.js';
import { portLabel } from '../ports/port-info.js';
import { INTERFERERS, bridgeForIds, busyFix, noBoardPortFix, noPortsFix, permissionFix } from './fixes.js';
import type { DeviceNodeFact, DoctorCheck, Finding, HostFacts } from './types.js';

const ok = (check: string, message: string, details?: Record<string, unknown>): Finding => ({
  check,
  status: 'ok',
  message,
  ...(details ? { details } : {}),
});

export const USB_SERIAL_CHECK: DoctorCheck = {
  id: 'usb-serial',
  looksAt: 'serial ports and the USB devices behind them',
  explains: ['NO_PORTS'],
  tell(facts) {
    if (facts.ports.length > 0) {
      return [ok('usb-serial', `${facts.ports.length} serial port(s): ${facts.ports.map(portLabel).join(', ')}`)];
    }
    const interferers = facts.interferers.map((p) => p.command);
    return [
      {
        check: 'usb-serial',
        status: 'fail',
        kind: 'NO_PORTS',
        message: ERRORS.NO_PORTS.title,
        fix: noPortsFix(facts.os, facts.usbDevices, interferers),
        details: { usbDevices: facts.usbDevices?.map((d) => `${d.vid}:${d.pid}${d.product ? ` ${d.product}` : ''}`) ?? null },
      },
    ];
  },
};

/** A bridge that is plugged in but has no tty, while other ports exist (so USB_SERIAL_CHECK passed). */
export const UNBOUND_BRIDGE_CHECK: DoctorCheck = {
  id: 'unbound-bridge',
  looksAt: 'USB-serial chips without a serial port (missing or hijacked driver)',
  explains: ['NO_PORTS'],
  tell(facts) {
    if (facts.ports.length === 0 || !facts.usbDevices) return [];
    return facts.usbDevices
      .filter((d) => d.ttys.length === 0 && bridgeForIds(d.vid, d.pid))
      .map((d): Finding => {
        const bridge = bridgeForIds(d.vid, d.pid)!;
        return {
          check: 'unbound-bridge',
          status: 'warn',
          kind: 'NO_PORTS',
          message: `${bridge.name} (${d.vid}:${d.pid}) at USB ${d.location} has no serial port${d.drivers.length ? ` (claimed by: ${d.drivers.join(', ')})` : ' (no driver)'}`,
          fix: noPortsFix(facts.os, [d], facts.interferers.map((p) => p.command)),
        };
      });
  },
};

export const ESP_PORT_CHECK: DoctorCheck = {
  id: 'esp-port',
  looksAt: 'which port is the ESP board',
  explains: ['NO_PORTS', 'MULTIPLE_PORTS'],
  tell(facts) {
    if (facts.ports.length === 0) return [];
    const likely = facts.ports.filter((p) => p.likelyEsp);
    if (likely.length === 1) return [ok('esp-port', `The board is most likely on ${portLabel(likely[0]!)}`)];
    if (likely.length > 1) {
      return [
        {
          check: 'esp-port',
          status: 'warn',
          kind: 'MULTIPLE_PORTS',
          message: `${likely.length} ports look like ESP boards: ${likely.map(portLabel).join(', ')}`,
          fix: `Pass the one you mean with --port, e.g. --port ${likely[0]!.path}.`,
        },
      ];
    }
    return [
      {
        check: 'esp-port',
        status: 'warn',
        kind: 'NO_PORTS',
        message: `None of the ${facts.ports.length} serial port(s) has a USB bridge used on ESP boards`,
        fix: noBoardPortFix(facts.os, facts.usbDevices, facts.interferers.map((p) => p.command)),
      },
    ];
  },
};

function nodeFindings(facts: HostFacts, pick: (n: DeviceNodeFact) => Finding | undefined): Finding[] {
  return facts.nodes.map(pick).filter((f): f is Finding => f !== undefined);
}

export const PORT_NODE_CHECK: DoctorCheck = {
  id: 'port-node',
  looksAt: 'the device node exists',
  explains: ['PORT_NOT_FOUND'],
  tell: (facts) =>
    nodeFindings(facts, (n) =>
      n.exists
        ? undefined
        : {
            check: 'port-node',
            status: 'fail',
            kind: 'PORT_NOT_FOUND',
            message: `${n.path} does not exist`,
            fix: facts.ports.length
              ? `Use one of the ports that exist: ${facts.ports.map((p) => p.path).join(', ')} (native-USB boards change port after a reset).`
              : 'Re-plug the board with a data USB cable; no serial port exists right now.',
            details: { path: n.path },
          },
    ),
};

export const PORT_ACCESS_CHECK: DoctorCheck = {
  id: 'port-access',
  looksAt: 'permission to open the port',
  explains: ['PERMISSION_DENIED'],
  tell: (facts) =>
    nodeFindings(facts, (n) => {
      if (!n.exists) return undefined;
      const owner = n.group ? ` (owner ${n.owner ?? '?'}, group ${n.group}${n.mode !== undefined ? `, mode ${(n.mode & 0o777).toString(8)}` : ''})` : '';
      if (n.accessible) return ok('port-access', `${n.path} can be opened${owner}`);
      return {
        check: 'port-access',
        status: 'fail',
        kind: 'PERMISSION_DENIED',
        message: `No permission to read and write ${n.path}${owner}`,
        fix: permissionFix(facts.os, n, facts.user, facts.systemGroups),
        details: { path: n.path, group: n.group ?? null, user: facts.user?.name ?? null, userGroups: facts.user?.sessionGroups ?? [] },
      };
    }),
};

export const PORT_FREE_CHECK: DoctorCheck = {
  id: 'port-free',
  looksAt: 'other programs holding the port',
  explains: ['PORT_BUSY'],
  tell: (facts) =>
    nodeFindings(facts, (n) => {
      if (!n.exists) return undefined;
      if (n.holders.length === 0) return ok('port-free', `No other program has ${n.path} open`);
      return {
        check: 'port-free',
        status: 'fail',
        kind: 'PORT_BUSY',
        message: `${n.path} is in use by ${n.holders.map((h) => `${h.command} (pid ${h.pid})`).join(', ')}`,
        fix: busyFix(facts.os, n),
        details: { path: n.path, holders: n.holders.map((h) => ({ ...h })) },
      };
    }),
};

export const INTERFERER_CHECK: DoctorCheck = {
  id: 'interferers',
  looksAt: 'programs that grab serial ports by themselves (ModemManager, brltty)',
  explains: ['PORT_BUSY', 'NO_PORTS'],
  tell: (facts) =>
    facts.interferers.map((p): Finding => {
      const known = INTERFERERS[p.command];
      return {
        check: 'interferers',
        status: 'warn',
        kind: p.command === 'brltty' ? 'NO_PORTS' : 'PORT_BUSY',
        message: `${p.command} (pid ${p.pid}) is running: ${known?.why ?? 'it may open serial ports'}`,
        fix: `${known?.fix ?? `stop ${p.command}`} if flashing fails.`,
      };
    }),
};

/** All host checks, in the order the report lists them. */
export const HOST_CHECKS: readonly DoctorCheck[] = [
  USB_SERIAL_CHECK,
  UNBOUND_BRIDGE_CHECK,
  ESP_PORT_CHECK,
  PORT_NODE_CHECK,
  PORT_ACCESS_CHECK,
  PORT_FREE_CHECK,
  INTERFERER_CHECK,
];

export function runHostChecks(facts: HostFacts, checks: readonly DoctorCheck[] = HOST_CHECKS): Finding[] {
  return checks.flatMap((c) => [...c.tell(facts)]);
}

/**
 * The last line of the report, honest about what was and was not seen: warnings are named, and a run
 * that never reached a board does not claim that all is well.
 */
export function summarize(findings: readonly Finding[]): string {
  const label = (f: Finding) => (f.kind ? ERRORS[f.kind].code : f.check);
  const failures = findings.filter((f) => f.status === 'fail');
  if (failures.length > 0) return `${failures.length} problem(s): ${failures.map(label).join(', ')}`;
  const warnings = findings.filter((f) => f.status === 'warn');
  const boardSeen = findings.some((f) => f.check === 'board' && f.status === 'ok');
  const noBoard = boardSeen ? '' : '; no board was checked';
  if (warnings.length > 0) return `No failures, but ${warnings.length} warning(s) to look at: ${warnings.map(label).join(', ')}${noBoard}.`;
  return boardSeen ? 'No problems found.' : 'No problems found on this computer, but no board was checked.';
}
