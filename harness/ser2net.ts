import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from './tcp-listen.js';

/** Debian's ser2net 4.x (apt ser2net), a plain RFC 2217 bridge as people put in front of real boards. */
export const SER2NET = '/usr/sbin/ser2net';

export function ser2netMissing(): string | undefined {
  return existsSync(SER2NET) ? undefined : `${SER2NET} is not installed (apt-get install ser2net)`;
}

export interface Ser2net {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * ser2net accepting RFC 2217 (telnet(rfc2217)) on a free local port and connecting with RFC 2217 to
 * `upstreamPort`, from a config file written into `dir`; resolves once it accepts connections.
 */
export async function startSer2net(dir: string, upstreamPort: number): Promise<Ser2net> {
  const port = await freePort();
  const config = join(dir, 'ser2net.yaml');
  await writeFile(
    config,
    [
      '%YAML 1.1',
      '---',
      'connection: &board',
      `  accepter: telnet(rfc2217),tcp,127.0.0.1,${port}`,
      `  connector: telnet(rfc2217),tcp,127.0.0.1,${upstreamPort}`,
      '  enable: on',
      '',
    ].join('\n'),
  );
  // -n: stay in the foreground (so the test owns the process), -u: no UUCP lock files.
  const child: ChildProcess = spawn(SER2NET, ['-n', '-u', '-c', config, '-P', join(dir, 'ser2net.pid')], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`ser2net did not listen on ${port}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
