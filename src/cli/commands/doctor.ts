import type { Command } from 'commander';
import { ERRORS, UpyflashError, asUpyflashError } from '../../errors.js';
import { explainFailure } from '../../doctor/explain.js';
import { probeBoard } from '../../doctor/board-probe.js';
import { runHostChecks, summarize } from '../../doctor/checks.js';
import { gatherHostFacts, rootsFromEnv, type HostRoots } from '../../doctor/node/host-facts.js';
import type { Finding, HostFacts } from '../../doctor/types.js';
import { parseTransportSpec } from '../../transport/spec.js';
import { type ConnectionFlags, addConnectionOptions, openTransportFor, sessionOptions } from '../connect-options.js';
import { exitCodeFor } from '../exit-codes.js';
import { runCommand, type CommandIo, type GlobalOptions } from '../run-command.js';

interface DoctorFlags extends ConnectionFlags, GlobalOptions {
  /** commander turns --no-probe into probe: false. */
  probe?: boolean;
  sysfsRoot?: string;
  devRoot?: string;
}

interface ReportedFinding {
  check: string;
  status: Finding['status'];
  code: string | null;
  kind: string | null;
  message: string;
  fix: string | null;
  details?: Readonly<Record<string, unknown>>;
}

const LABEL: Record<Finding['status'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

export function register(program: Command): void {
  const cmd = program
    .command('doctor')
    .description('find the board and explain what stands in the way: ports, drivers, permissions, busy ports, download mode, baud')
    .option('--no-probe', 'only look at the computer; do not reset or talk to the board')
    .option('--sysfs-root <dir>', 'read a fake sysfs tree instead of /sys (for tests only)')
    .option('--dev-root <dir>', 'device nodes live here instead of /dev (for tests only)');
  addConnectionOptions(cmd).action(async (_o: unknown, command: Command) => {
    const flags = command.optsWithGlobals<DoctorFlags>();
    await runCommand(flags, async (io) => {
      const roots: HostRoots = {
        ...rootsFromEnv(),
        ...(flags.sysfsRoot ? { sysfsRoot: flags.sysfsRoot, platform: 'linux' as const } : {}),
        ...(flags.devRoot ? { devRoot: flags.devRoot } : {}),
      };
      const report = await doctor(flags, roots, io);
      print(io, report.facts, report.findings);
      const firstFailure = report.findings.find((f) => f.status === 'fail' && f.kind);
      return {
        result: {
          os: report.facts.os,
          ports: report.facts.ports,
          checks: report.findings.map(toReported),
          problems: report.findings.filter((f) => f.status === 'fail').map(toReported),
        },
        ...(firstFailure?.kind ? { exitCode: exitCodeFor(new UpyflashError(firstFailure.kind)) } : {}),
      };
    });
  });
}

async function doctor(flags: DoctorFlags, roots: HostRoots, io: CommandIo): Promise<{ facts: HostFacts; findings: Finding[] }> {
  const spec = flags.port ? parseTransportSpec(flags.port) : undefined;
  const facts = await gatherHostFacts({ ...roots, ...(spec?.kind === 'serial' ? { portPaths: [spec.path] } : {}) });
  const findings: Finding[] = [];
  if (spec && spec.kind !== 'serial') {
    findings.push({ check: 'host', status: 'skip', message: `--port ${flags.port} is not a local serial port: the USB and permission checks do not apply` });
  } else {
    findings.push(...runHostChecks(facts));
  }

  const target = probeTarget(flags, facts, findings);
  if (flags.probe === false) findings.push({ check: 'board', status: 'skip', message: 'Not talking to the board (--no-probe)' });
  else if (typeof target !== 'string') findings.push(target);
  else findings.push(...(await probe(target, flags, facts, io)));
  return { facts, findings };
}

/** The port to talk to, or why there is none. A port the host checks already failed is not tried again. */
function probeTarget(flags: DoctorFlags, facts: HostFacts, findings: readonly Finding[]): string | Finding {
  const blocked = findings.find((f) => f.status === 'fail' && ['port-node', 'port-access', 'port-free', 'usb-serial'].includes(f.check));
  if (blocked) return { check: 'board', status: 'skip', message: 'Not talking to the board until the problem above is fixed' };
  if (flags.port) return flags.port;
  const likely = facts.ports.filter((p) => p.likelyEsp);
  if (likely.length === 1) return likely[0]!.path;
  return {
    check: 'board',
    status: 'skip',
    message: likely.length > 1 ? 'Several boards: pass --port to check one of them' : 'No ESP board port to talk to (pass --port to try one)',
  };
}

async function probe(spec: string, flags: DoctorFlags, facts: HostFacts, io: CommandIo): Promise<Finding[]> {
  const port = facts.ports.find((p) => p.path === spec);
  let transport;
  try {
    transport = await openTransportFor(spec);
  } catch (e) {
    const err = explainFailure(asUpyflashError(e), facts);
    return [{ check: 'board', status: 'fail', kind: err.kind, message: err.message, fix: err.hint, details: { ...err.details } }];
  }
  return probeBoard(transport, { session: sessionOptions(flags), tryBaud: flags.baud !== undefined, ...(port ? { port } : {}) }, io.reporter);
}

function toReported(f: Finding): ReportedFinding {
  return {
    check: f.check,
    status: f.status,
    code: f.kind ? ERRORS[f.kind].code : null,
    kind: f.kind ?? null,
    message: f.message,
    fix: f.fix ?? null,
    ...(f.details ? { details: f.details } : {}),
  };
}

function print(io: CommandIo, facts: HostFacts, findings: readonly Finding[]): void {
  io.print(`upyflash doctor (${facts.os})`);
  for (const f of findings) {
    const code = f.kind && f.status !== 'ok' ? `${ERRORS[f.kind].code} ` : '';
    io.print(`  ${LABEL[f.status]}  ${code}${f.check}: ${f.message}`);
    if (f.fix && f.status !== 'ok') io.print(`        fix: ${f.fix}`);
  }
  io.print(summarize(findings));
}
