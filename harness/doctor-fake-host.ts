/**
 * A fake Linux host for doctor and diagnostics tests: a sysfs tree laid out as the kernel lays it out
 * (devices/, bus/usb/devices/ and class/tty/ links, drivers bound to interfaces), /dev nodes as
 * plain files, an /etc/group file and a /proc tree. Nothing here runs udevadm or needs real devices.
 */
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { type CliJsonDocument, type CliResult, cliJson } from './cli-run.js';

const USB = 'sys/devices/pci0000:00/0000:00:14.0/usb1';

/**
 * Why fake-Linux-host tests skip on Windows: the tree is POSIX symlinks (which need privileges there)
 * and the ports it yields are /dev paths. Windows' own listing is tested from recorded listings.
 */
export const FAKE_LINUX_HOST_SKIP: string | false =
  process.platform === 'win32' ? 'a fake Linux host (sysfs symlinks, /dev paths) does not stand on Windows; test/ports/serialport-listings covers Windows listings' : false;

export interface FakeUsbDevice {
  /** sysfs name, e.g. "1-2". */
  location: string;
  vid: string;
  pid: string;
  product?: string;
  manufacturer?: string;
  serial?: string;
  /** Kernel driver bound to interface 0 (none = no driver). */
  driver?: string;
  /** The tty the driver made: ttyUSBn (usb-serial layout) or ttyACMn (cdc_acm layout). */
  tty?: string;
}

export class FakeHost {
  private constructor(readonly root: string) {}

  static async create(): Promise<FakeHost> {
    const root = await mkdtemp(join(tmpdir(), 'upyflash-doctor-'));
    // Readable by "nobody" too: the permission tests run the CLI as another user.
    await chmod(root, 0o755);
    const host = new FakeHost(root);
    for (const d of ['sys/bus/usb/devices', 'sys/bus/usb/drivers', 'sys/bus/usb-serial', 'sys/class/tty', 'dev', 'proc', 'etc']) {
      await mkdir(join(root, d), { recursive: true });
    }
    await host.groups({ root: 0, dialout: 20, plugdev: 46 });
    return host;
  }

  get sysfsRoot(): string {
    return join(this.root, 'sys');
  }
  get devRoot(): string {
    return join(this.root, 'dev');
  }
  get procRoot(): string {
    return join(this.root, 'proc');
  }
  get groupFile(): string {
    return join(this.root, 'etc', 'group');
  }
  dev(name: string): string {
    return join(this.devRoot, name);
  }

  /** Environment for a CLI child process that reads this host (test-only variables). */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      UPYFLASH_TEST_SYSFS_ROOT: this.sysfsRoot,
      UPYFLASH_TEST_DEV_ROOT: this.devRoot,
      UPYFLASH_TEST_PROC_ROOT: this.procRoot,
      UPYFLASH_TEST_GROUP_FILE: this.groupFile,
      ...extra,
    };
  }

  async groups(groups: Record<string, number>, members: Record<string, string[]> = {}): Promise<void> {
    const lines = Object.entries(groups).map(([name, gid]) => `${name}:x:${gid}:${(members[name] ?? []).join(',')}`);
    await writeFile(this.groupFile, lines.join('\n') + '\n');
  }

  private async link(at: string, target: string): Promise<void> {
    const abs = join(this.root, at);
    await mkdir(dirname(abs), { recursive: true });
    await rm(abs, { force: true, recursive: true });
    await symlink(relative(dirname(abs), join(this.root, target)), abs);
  }

  private async attrs(dir: string, attrs: Record<string, string | undefined>): Promise<void> {
    await mkdir(join(this.root, dir), { recursive: true });
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined) await writeFile(join(this.root, dir, k), `${v}\n`);
  }

  /** Plugs a USB device in: device and interface directories, driver link, tty and /dev node. */
  async plug(d: FakeUsbDevice, node: { mode?: number } = {}): Promise<void> {
    const dev = `${USB}/${d.location}`;
    const intf = `${dev}/${d.location}:1.0`;
    await this.attrs(dev, { idVendor: d.vid, idProduct: d.pid, product: d.product, manufacturer: d.manufacturer, serial: d.serial, bDeviceClass: '00' });
    await this.attrs(intf, { bInterfaceNumber: '00' });
    await this.link(`sys/bus/usb/devices/${d.location}`, dev);
    if (d.driver) {
      await mkdir(join(this.root, 'sys/bus/usb/drivers', d.driver), { recursive: true });
      await this.link(`${intf}/driver`, `sys/bus/usb/drivers/${d.driver}`);
    }
    if (!d.tty) return;
    // usb-serial drivers hang the port under the interface; cdc_acm hangs tty/ttyACMn off the interface.
    const acm = d.tty.startsWith('ttyACM');
    const ttyDir = acm ? `${intf}/tty/${d.tty}` : `${intf}/${d.tty}/tty/${d.tty}`;
    const deviceDir = acm ? intf : `${intf}/${d.tty}`;
    await this.attrs(ttyDir, { dev: '188:0' });
    await this.link(`${ttyDir}/device`, deviceDir);
    await this.link(`sys/class/tty/${d.tty}`, ttyDir);
    await writeFile(this.dev(d.tty), '');
    await chmod(this.dev(d.tty), node.mode ?? 0o666);
  }

  /** Unplugs: the device, its links and its node disappear, as after a native-USB reset. */
  async unplug(d: FakeUsbDevice): Promise<void> {
    await rm(join(this.root, USB, d.location), { recursive: true, force: true });
    await rm(join(this.root, 'sys/bus/usb/devices', d.location), { force: true });
    if (d.tty) {
      await rm(join(this.root, 'sys/class/tty', d.tty), { force: true });
      await rm(this.dev(d.tty), { force: true });
    }
  }

  /** A fake process: /proc/PID/comm, and fd links to the given files. */
  async process(pid: number, command: string, openFiles: string[] = []): Promise<void> {
    await this.attrs(`proc/${pid}`, { comm: command });
    await mkdir(join(this.procRoot, String(pid), 'fd'), { recursive: true });
    let fd = 3;
    for (const f of openFiles) await symlink(f, join(this.procRoot, String(pid), 'fd', String(fd++)));
  }

  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

/** Parses the one JSON document a doctor/detect --json run prints on stdout. */
export function jsonOf(run: CliResult): CliJsonDocument<DoctorResult> {
  return cliJson<DoctorResult>(run);
}

export interface DoctorCheckResult {
  check: string;
  status: string;
  code: string | null;
  kind: string | null;
  message: string;
  fix: string | null;
}

export interface DoctorResult {
  os: string;
  ports: { path: string; likelyEsp: boolean }[];
  checks: DoctorCheckResult[];
  problems: DoctorCheckResult[];
}
