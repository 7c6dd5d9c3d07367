/**
 * What the doctor looks at (facts about the host, gathered once by a platform adapter) and what it
 * says (findings). Checks are pure functions of the facts, so they run the same against a real
 * machine, a fake sysfs tree in a test, or facts sent from a browser.
 */
import type { ErrorKind } from '../errors.js';
import type { PortInfo } from '../ports/port-info.js';
import type { HostOs } from '../ports/usb-bridges.js';

/** A USB device as sysfs shows it, whether or not a driver made a serial port of it. */
export interface UsbDeviceFact {
  /** sysfs name, e.g. "1-2" or "3-1.4". */
  readonly location: string;
  readonly vid: string;
  readonly pid: string;
  readonly manufacturer?: string;
  readonly product?: string;
  readonly serialNumber?: string;
  /** Kernel drivers bound to its interfaces (e.g. ["cp210x"], ["cdc_acm"], ["usbfs"] when a program took it). */
  readonly drivers: readonly string[];
  /** Serial ports the kernel made of it (e.g. ["ttyUSB0"]). */
  readonly ttys: readonly string[];
}

export interface PortHolderFact {
  readonly pid: number;
  readonly command: string;
}

/** One serial device node: does it exist, may we open it, who has it open. */
export interface DeviceNodeFact {
  readonly path: string;
  readonly exists: boolean;
  /** Read and write allowed for this user (the OS decides, ACLs included). */
  readonly accessible: boolean;
  readonly mode?: number;
  readonly owner?: string;
  readonly group?: string;
  readonly holders: readonly PortHolderFact[];
}

export interface UserFact {
  readonly name: string;
  readonly uid: number;
  /** Groups this login session has (what the OS checks now). */
  readonly sessionGroups: readonly string[];
  /** Groups the account is listed in (what a new login would have). */
  readonly accountGroups: readonly string[];
}

export interface HostFacts {
  readonly os: HostOs;
  readonly ports: readonly PortInfo[];
  /** Every USB device (Linux sysfs); undefined where the OS gives no such view. */
  readonly usbDevices?: readonly UsbDeviceFact[];
  /** The nodes of the ports under examination (--port, or the likely ESP ports). */
  readonly nodes: readonly DeviceNodeFact[];
  readonly user?: UserFact;
  /** Programs known to grab serial ports (ModemManager, brltty) that are running. */
  readonly interferers: readonly PortHolderFact[];
  /** Groups that exist on this system, for naming the serial group (dialout on Debian/Fedora, uucp on Arch). */
  readonly systemGroups: readonly string[];
}

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Finding {
  /** The check that produced it. */
  readonly check: string;
  readonly status: CheckStatus;
  /** What was seen, in one sentence. */
  readonly message: string;
  /** Present on warn and fail: the failure it is, with its stable code. */
  readonly kind?: ErrorKind;
  /** One line: what to do about it, for this OS. */
  readonly fix?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * A check as data: what it looks at, which failure it explains, and how it tells (a pure function of
 * the facts returning its findings; an empty list means there was nothing to look at).
 */
export interface DoctorCheck {
  readonly id: string;
  readonly looksAt: string;
  readonly explains: readonly ErrorKind[];
  readonly tell: (facts: HostFacts) => readonly Finding[];
}
