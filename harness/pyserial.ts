import { execFile, execFileSync } from 'node:child_process';

/**
 * Debian's Python with pyserial (apt python3-serial): the RFC 2217 client esptool itself uses. The
 * `python3` on PATH may be another one without it, so the system interpreter is named.
 */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** Why pyserial cannot be used here, or undefined when it can. */
export function pyserialMissing(): string | undefined {
  try {
    execFileSync(SYSTEM_PYTHON, ['-c', 'import serial.rfc2217'], { stdio: 'ignore', timeout: 10_000 });
    return undefined;
  } catch {
    return `${SYSTEM_PYTHON} has no pyserial (apt-get install python3-serial)`;
  }
}

export interface PythonRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Python script with the system interpreter; never rejects (the exit code tells). */
export function runPython(script: string, timeoutMs = 30_000): Promise<PythonRun> {
  return new Promise((resolve) => {
    execFile(SYSTEM_PYTHON, ['-c', script], { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}
