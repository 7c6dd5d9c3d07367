/**
 * Node-only: gathers the facts the doctor's checks read — ports, USB devices, device nodes, the user
 * and its groups, programs that grab serial ports — straight from the OS files (sysfs, /proc,
 * /etc/group), so it needs neither udevadm nor lsof.
 *
 * The roots can be moved for tests only (fake sysfs/dev/proc trees and group file): the doctor's
 * --sysfs-root/--dev-root flags, or the UPYFLASH_TEST_SYSFS_ROOT, UPYFLASH_TEST_DEV_ROOT,
 * UPYFLASH_TEST_PROC_ROOT and UPYFLASH_TEST_GROUP_FILE environment variables; and
 * UPYFLASH_TEST_PORT_LISTING names a JSON file `{ platform, ports }` holding a node-serialport listing
 * recorded on Windows or macOS, so the CLI answers as it would there. Users never need them.
 */
import { constants, readFileSync } from 'node:fs';
import { access, readFile, readdir, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { hostOs, listPorts, type PortInfo, type SerialportListEntry } from '../../ports/node/list.js';
import { portHolders } from '../../transport/node/serial-errors.js';
import type { DeviceNodeFact, HostFacts, PortHolderFact, UserFact } from '../types.js';
import { listUsbDevices } from './usb-devices.js';

export interface HostRoots {
  readonly sysfsRoot?: string;
  readonly devRoot?: string;
  readonly procRoot?: string;
  readonly groupFile?: string;
  readonly platform?: NodeJS.Platform;
  readonly recordedListing?: readonly SerialportListEntry[];
}

/** Test-only overrides from the environment (see the file comment). */
export function rootsFromEnv(env: NodeJS.ProcessEnv = process.env): HostRoots {
  const pick = (name: string): string | undefined => (env[name] ? env[name] : undefined);
  const sysfsRoot = pick('UPYFLASH_TEST_SYSFS_ROOT');
  const devRoot = pick('UPYFLASH_TEST_DEV_ROOT');
  const procRoot = pick('UPYFLASH_TEST_PROC_ROOT');
  const groupFile = pick('UPYFLASH_TEST_GROUP_FILE');
  const listing = pick('UPYFLASH_TEST_PORT_LISTING');
  return {
    ...(listing ? recordedListing(listing) : {}),
    ...(sysfsRoot ? { sysfsRoot, platform: 'linux' as const } : {}),
    ...(devRoot ? { devRoot } : {}),
    ...(procRoot ? { procRoot } : {}),
    ...(groupFile ? { groupFile } : {}),
  };
}

function recordedListing(file: string): { platform: NodeJS.Platform; recordedListing: SerialportListEntry[] } {
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as { platform: NodeJS.Platform; ports: SerialportListEntry[] };
  return { platform: recorded.platform, recordedListing: recorded.ports };
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

async function readGroups(file: string): Promise<GroupEntry[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .map((line) => line.split(':'))
    .filter((f) => f.length >= 3 && f[0])
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

async function readPasswdName(uid: number): Promise<string | undefined> {
  const text = await readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length > 2 && Number(f[2]) === uid) return f[0];
  }
  return undefined;
}

function currentUser(groups: readonly GroupEntry[]): UserFact | undefined {
  let info: { username: string; uid: number; gid: number };
  try {
    info = userInfo();
  } catch {
    return undefined; // a uid without a passwd entry (some containers)
  }
  const nameOf = (gid: number) => groups.find((g) => g.gid === gid)?.name ?? String(gid);
  const sessionGids = typeof process.getgroups === 'function' ? process.getgroups() : [];
  const sessionGroups = [...new Set([info.gid, ...sessionGids])].map(nameOf);
  const accountGroups = [nameOf(info.gid), ...groups.filter((g) => g.members.includes(info.username)).map((g) => g.name)];
  return { name: info.username, uid: info.uid, sessionGroups, accountGroups: [...new Set(accountGroups)] };
}

async function examineNode(path: string, groups: readonly GroupEntry[], platform: NodeJS.Platform, procRoot: string | undefined): Promise<DeviceNodeFact> {
  let st;
  try {
    st = await stat(path);
  } catch {
    return { path, exists: false, accessible: false, holders: [] };
  }
  const accessible = await access(path, constants.R_OK | constants.W_OK).then(
    () => true,
    () => false,
  );
  const group = groups.find((g) => g.gid === st.gid)?.name;
  const owner = await readPasswdName(st.uid);
  const holders = platform === 'linux' ? (await portHolders(path, procRoot)).filter((h) => h.pid !== process.pid) : [];
  return { path, exists: true, accessible, mode: st.mode, ...(owner ? { owner } : {}), ...(group ? { group } : {}), holders };
}

/**
 * Windows has no device node to look at: a COM port exists when the OS lists it, and whether it opens
 * is only known by opening it (a port another program holds says "access denied"). So the only node
 * fact is a named port that is not there.
 */
function missingComPorts(paths: readonly string[], ports: readonly PortInfo[]): DeviceNodeFact[] {
  const listed = new Set(ports.map((p) => p.path.toUpperCase()));
  return paths.filter((p) => !listed.has(p.toUpperCase())).map((path) => ({ path, exists: false, accessible: false, holders: [] }));
}

const INTERFERER_NAMES = new Set(['ModemManager', 'brltty']);

async function runningInterferers(procRoot = '/proc'): Promise<PortHolderFact[]> {
  const found: PortHolderFact[] = [];
  let pids: string[];
  try {
    pids = (await readdir(procRoot)).filter((n) => /^\d+$/.test(n));
  } catch {
    return found;
  }
  for (const pid of pids) {
    const command = (await readFile(join(procRoot, pid, 'comm'), 'utf8').catch(() => '')).trim();
    if (INTERFERER_NAMES.has(command)) found.push({ pid: Number(pid), command });
  }
  return found;
}

export interface GatherOptions extends HostRoots {
  /** Serial device paths to examine; default: the likely ESP ports, or every port when none looks like one. */
  readonly portPaths?: readonly string[];
}

export async function gatherHostFacts(opts: GatherOptions = {}): Promise<HostFacts> {
  const platform = opts.platform ?? process.platform;
  const ports: PortInfo[] = await listPorts({
    platform,
    ...(opts.sysfsRoot ? { sysfsRoot: opts.sysfsRoot } : {}),
    ...(opts.devRoot ? { devRoot: opts.devRoot } : {}),
    ...(opts.recordedListing ? { recordedListing: opts.recordedListing } : {}),
  });
  const linux = platform === 'linux';
  const groups = linux || platform === 'darwin' ? await readGroups(opts.groupFile ?? '/etc/group') : [];
  const likely = ports.filter((p) => p.likelyEsp);
  const paths = opts.portPaths ?? (likely.length ? likely : ports).map((p) => p.path);
  const usbDevices = linux ? await listUsbDevices(opts.sysfsRoot) : undefined;
  const user = platform === 'win32' ? undefined : currentUser(groups);
  return {
    os: hostOs(platform),
    ports,
    ...(usbDevices ? { usbDevices } : {}),
    nodes: platform === 'win32' ? missingComPorts(paths, ports) : await Promise.all(paths.map((p) => examineNode(p, groups, platform, opts.procRoot))),
    ...(user ? { user } : {}),
    interferers: linux ? await runningInterferers(opts.procRoot) : [],
    systemGroups: groups.map((g) => g.name),
  };
}
