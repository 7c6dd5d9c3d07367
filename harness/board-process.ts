/**
 * `upyflash virtual-board` in a child process, as a user starts it next to the CLI: the board lives in
 * another process and is reached only over TCP (rfc2217:// with DTR/RTS and baud, or raw socket://).
 * The verb prints its URLs on stderr; this waits for that line and hands them out.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { cliPath } from './paths.js';

export interface BoardProcessOptions {
  chip?: string;
  /** --flash FILE: the flash is kept there and holds what was written after the board exits. */
  flashFile?: string;
  flashSize?: string;
  boot?: 'normal' | 'download';
  behaviour?: 'normal' | 'silent' | 'no-sync' | 'ignore-reset';
  /** Bytes at the baud rate (default false: instant, keeps tests fast). */
  linkModel?: boolean;
  /** Flash erase/program times (default false). */
  flashTiming?: boolean;
  /** More virtual-board options, e.g. ['--bridge', 'ch340'] or ['--count', '3']. */
  args?: readonly string[];
}

export interface BoardProcess {
  /** 127.0.0.1:PORT */
  readonly hostPort: string;
  readonly rfc2217: string;
  readonly socket: string;
  /** The board process's id (the bench reads its CPU time from /proc). */
  readonly pid: number | undefined;
  /** Everything the board process printed on stderr so far. */
  stderr(): string;
  /** SIGTERM and wait for the exit (the --flash file is complete after this); resolves with the exit code. */
  stop(): Promise<number | null>;
}

const URL_LINE = /listening on rfc2217:\/\/([\d.]+:\d+)/;
const START_TIMEOUT_MS = 20_000;

export async function startBoardProcess(opts: BoardProcessOptions = {}): Promise<BoardProcess> {
  const args = ['virtual-board', '--chip', opts.chip ?? 'esp32', '--listen', '127.0.0.1:0'];
  if (opts.flashFile) args.push('--flash', opts.flashFile);
  if (opts.flashSize) args.push('--flash-size', opts.flashSize);
  if (opts.boot) args.push('--boot', opts.boot);
  if (opts.behaviour) args.push('--behaviour', opts.behaviour);
  if (!opts.linkModel) args.push('--no-link-model');
  if (!opts.flashTiming) args.push('--no-flash-timing');
  if (opts.args) args.push(...opts.args);
  return spawnListening(args, URL_LINE, 'virtual-board');
}

/** `upyflash serve PORT...` in a child process: the first shared port's URL, its log, and a stop. */
export async function startServeProcess(ports: readonly string[], args: readonly string[] = []): Promise<BoardProcess> {
  return spawnListening(['serve', ...ports, '--base-port', '0', ...args], SERVE_LINE, 'serve');
}

const SERVE_LINE = /on rfc2217:\/\/([\d.]+:\d+)/;

/** Starts the CLI with `args` and waits for the line that names its listening address. */
async function spawnListening(args: readonly string[], urlLine: RegExp, verb: string): Promise<BoardProcess> {
  const child: ChildProcessByStdio<null, null, Readable> = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr.on('data', (d: Buffer) => (text += d.toString()));
  const hostPort = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${verb} did not print its URL within ${START_TIMEOUT_MS} ms:\n${text}`));
    }, START_TIMEOUT_MS);
    const look = () => {
      const m = urlLine.exec(text);
      if (!m) return;
      clearTimeout(timer);
      child.stderr.off('data', look);
      resolve(m[1]!);
    };
    child.stderr.on('data', look);
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${verb} exited (${code}) before listening:\n${text}`));
    });
  });
  let exited: Promise<number | null> | undefined;
  return {
    hostPort,
    rfc2217: `rfc2217://${hostPort}`,
    socket: `socket://${hostPort}`,
    pid: child.pid,
    stderr: () => text,
    stop() {
      exited ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        return exit;
      })();
      return exited;
    },
  };
}

/**
 * The rfc2217:// URLs of a `--count N` board process, in board order (it prints "board i: ... listening
 * on rfc2217://HOST:PORT" once per board as each starts); waits until all N are up.
 */
export async function pooledBoardUrls(board: BoardProcess, count: number, timeoutMs = START_TIMEOUT_MS * 3): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const urls = [...board.stderr().matchAll(/^board \d+: .*listening on (rfc2217:\/\/[\d.]+:\d+)/gm)].map((m) => m[1]!);
    if (urls.length >= count) return urls.slice(0, count);
    if (Date.now() > deadline) throw new Error(`only ${urls.length} of ${count} boards started:\n${board.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
