/**
 * Node-only: turns what the OS says when a serial port cannot be opened into an error the user can act
 * on — which group to join, which program holds the port. Reads /etc/group and /proc directly so it
 * works without extra tools.
 */
import { readFile, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { UpyflashError } from '../../errors.js';

export interface SerialErrorContext {
  /** Defaults to the running platform; Windows words "busy" as "Access denied". */
  platform?: NodeJS.Platform;
  groupFile?: string;
  procRoot?: string;
}

export interface PortHolder {
  pid: number;
  command: string;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Classifies an error thrown while opening `path`. */
export async function serialOpenError(err: unknown, path: string, ctx: SerialErrorContext = {}): Promise<UpyflashError> {
  const platform = ctx.platform ?? process.platform;
  const text = `${codeOf(err) ?? ''} ${messageOf(err)}`;
  const details: Record<string, unknown> = { path, osMessage: messageOf(err) };
  if (/ENOENT|No such file|File not found|cannot find the file/i.test(text)) {
    return new UpyflashError('PORT_NOT_FOUND', `Serial port ${path} does not exist`, { details, cause: err });
  }
  if (/EBUSY|Resource busy|Cannot lock port|Resource temporarily unavailable/i.test(text) || (platform === 'win32' && /Access denied|EACCES/i.test(text))) {
    const holders = platform === 'linux' ? await portHolders(path, ctx.procRoot) : [];
    details['holders'] = holders;
    const who = holders.map((h) => `${h.command} (pid ${h.pid})`).join(', ');
    return new UpyflashError('PORT_BUSY', who ? `Serial port ${path} is in use by ${who}` : `Serial port ${path} is in use by another program`, {
      ...(who ? { hint: `Close ${who} (or stop it: kill ${holders.map((h) => h.pid).join(' ')}) and try again.` } : {}),
      details,
      cause: err,
    });
  }
  if (/EACCES|Permission denied|EPERM|Operation not permitted/i.test(text)) {
    const group = await owningGroup(path, ctx.groupFile);
    if (group) details['group'] = group;
    return new UpyflashError('PERMISSION_DENIED', `No permission to open ${path}`, {
      ...(group
        ? {
            hint: `${path} belongs to the group "${group}": run \`sudo usermod -aG ${group} $USER\`, then log out and back in (or run \`newgrp ${group}\`).`,
          }
        : {}),
      details,
      cause: err,
    });
  }
  if (/ENOTTY|Inappropriate ioctl|Is a directory|EISDIR/i.test(text)) {
    return new UpyflashError('BAD_ARGUMENT', `${path} is not a serial port`, {
      hint: 'Pick a serial device from `upyflash ports` (e.g. /dev/ttyUSB0, /dev/ttyACM0, COM3).',
      details,
      cause: err,
    });
  }
  return new UpyflashError('PORT_NOT_FOUND', `Cannot open ${path}: ${messageOf(err)}`, { details, cause: err });
}

/** The name of the group owning the device node, read from /etc/group (no getent needed). */
export async function owningGroup(path: string, groupFile = '/etc/group'): Promise<string | undefined> {
  try {
    const { gid } = await stat(path);
    const text = await readFile(groupFile, 'utf8');
    for (const line of text.split('\n')) {
      const [name, , id] = line.split(':');
      if (name && id !== undefined && Number(id) === gid) return name;
    }
  } catch {
    // No node, no group file: the generic hint still helps.
  }
  return undefined;
}

/** Processes with the device open, found through their /proc/<pid>/fd links (Linux). */
export async function portHolders(path: string, procRoot = '/proc'): Promise<PortHolder[]> {
  let target: string;
  try {
    target = await realpath(path);
  } catch {
    target = path;
  }
  let pids: string[];
  try {
    pids = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const holders: PortHolder[] = [];
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`${procRoot}/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to look at
    }
    for (const fd of fds) {
      const link = await readlink(`${procRoot}/${pid}/fd/${fd}`).catch(() => undefined);
      if (link === target || link === path) {
        const command = (await readFile(`${procRoot}/${pid}/comm`, 'utf8').catch(() => '?')).trim();
        holders.push({ pid: Number(pid), command });
        break;
      }
    }
  }
  return holders;
}
