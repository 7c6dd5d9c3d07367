/**
 * The CLI as a subprocess, the way a user or a script runs it: `node bin/upyflash.js ARGS`. Resolves
 * with the exit code and both streams whatever the outcome, so tests can assert on failures too.
 */
import { spawn } from 'node:child_process';
import { cliPath } from './paths.js';

export interface CliResult {
  /** Exit code; null when the process was killed by a signal (e.g. the timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  env?: NodeJS.ProcessEnv;
  /** Kill the CLI after this long; a stuck verb then fails its test instead of the whole run. */
  timeoutMs?: number;
  cwd?: string;
  /** Run as another user/group (needs root), for real permission errors. */
  uid?: number;
  gid?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;

export function runCli(args: readonly string[], opts: CliRunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The error object of a failed --json run (UpyflashError.toJSON()). */
export interface CliJsonError {
  code: string;
  kind: string;
  message: string;
  hint: string;
  details: Record<string, unknown>;
}

export interface CliJsonDocument<T> {
  ok: boolean;
  result?: T;
  error?: CliJsonError;
}

/**
 * Parses the one JSON document a --json run prints on stdout; fails with both streams in the message
 * when stdout is not exactly one JSON document (anything else there would break scripts).
 */
export function cliJson<T = Record<string, unknown>>(run: CliResult): CliJsonDocument<T> {
  try {
    return JSON.parse(run.stdout) as CliJsonDocument<T>;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${run.code}):\n${run.stdout}\n--- stderr ---\n${run.stderr}`);
  }
}

/** A one-line description of a run for assertion messages. */
export function describeRun(run: CliResult): string {
  return `exit ${run.code}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
}
