/**
 * The one doctor check that talks to the board: enter the ROM loader the way a flash would, identify
 * the chip, and (when asked) try the fast baud rate. Whatever fails is reported with the same code as
 * the verb that would have failed, with the fix for this kind of port. Browser-safe.
 */
import { asUpyflashError, type ErrorKind } from '../errors.js';
import { connect, type SessionOptions } from '../flasher/session.js';
import type { PortInfo } from '../ports/port-info.js';
import type { Reporter } from '../progress.js';
import type { Transport } from '../transport/transport.js';
import { connectFix } from './fixes.js';
import type { Finding } from './types.js';

export interface BoardProbeOptions {
  readonly session: SessionOptions;
  /** Try the link at session.baud through the stub (--baud given). */
  readonly tryBaud: boolean;
  /** The listing of the port, when it is a local one: its bridge decides the advice. */
  readonly port?: PortInfo;
}

const CONNECT_KINDS = ['NO_SERIAL_DATA', 'WRONG_BOOT_MODE', 'NO_SYNC_REPLY', 'BAUD_FAILED', 'SECURE_DOWNLOAD_MODE'] as const;
type ConnectKind = (typeof CONNECT_KINDS)[number];
const isConnectKind = (k: ErrorKind): k is ConnectKind => (CONNECT_KINDS as readonly string[]).includes(k);

/** Runs the probe and always closes the transport (with --after, normally a hard reset). */
export async function probeBoard(transport: Transport, opts: BoardProbeOptions, reporter: Reporter): Promise<Finding[]> {
  const findings: Finding[] = [];
  let session;
  try {
    session = await connect(transport, opts.session, reporter);
  } catch (e) {
    await transport.close().catch(() => undefined);
    return [failure('board', asUpyflashError(e), opts.port)];
  }
  try {
    const d = await session.detect();
    findings.push({
      check: 'board',
      status: 'ok',
      message: `${d.description} answers in download mode on ${transport.name}${d.mac ? ` (MAC ${d.mac})` : ''}`,
      details: { chip: d.chip, mac: d.mac ?? null, flashSizeBytes: d.flashSizeBytes ?? null },
    });
    if (d.secureDownload) {
      findings.push({
        check: 'secure-download',
        status: 'warn',
        kind: 'SECURE_DOWNLOAD_MODE',
        message: 'The chip is in Secure Download Mode (eFuse): no stub, no reading, no MD5 verify',
        fix: connectFix('SECURE_DOWNLOAD_MODE'),
      });
    }
    if (opts.tryBaud && opts.session.baud !== undefined) {
      await session.ensureStub();
      await session.ensureBaud();
      findings.push({ check: 'baud', status: 'ok', message: `The link works at ${transport.baud} baud` });
    }
    await session.close();
  } catch (e) {
    await session.close('no-reset').catch(() => undefined);
    findings.push(failure(opts.tryBaud ? 'baud' : 'board', asUpyflashError(e), opts.port));
  }
  return findings;
}

function failure(check: string, err: ReturnType<typeof asUpyflashError>, port: PortInfo | undefined): Finding {
  return {
    check,
    status: 'fail',
    kind: err.kind,
    message: err.message,
    // Connect failures get the advice for this port's kind of USB; the rest keep the error's own hint.
    fix: port && isConnectKind(err.kind) ? connectFix(err.kind, port) : err.hint,
    details: { ...err.details },
  };
}
