/**
 * Telnet option negotiation state (RFC 854/855 with the "no answer to an answer" rule of RFC 1143 in
 * its simple form): which options are on for our side (WILL, answered by DO) and for the peer's side
 * (DO, answered by WILL). Pure state, no I/O; browser-safe.
 */
import { DO, DONT, WILL, WONT, negotiation } from './rfc2217-codec.js';

export type OptionState = 'requested' | 'active' | 'inactive';

export class TelnetOptions {
  private readonly ours = new Map<number, OptionState>();
  private readonly theirs = new Map<number, OptionState>();

  constructor(private readonly supported: ReadonlySet<number>) {}

  /** Marks an option as asked for and returns the bytes that ask (IAC WILL/DO option). */
  request(command: typeof WILL | typeof DO, option: number): Uint8Array {
    (command === WILL ? this.ours : this.theirs).set(option, 'requested');
    return negotiation(command, option);
  }

  /** Our side: the peer's DO/DONT decides. */
  ourState(option: number): OptionState {
    return this.ours.get(option) ?? 'inactive';
  }

  theirState(option: number): OptionState {
    return this.theirs.get(option) ?? 'inactive';
  }

  /**
   * Takes the peer's WILL/WONT/DO/DONT and returns what to send back, if anything: accept what we
   * support, refuse the rest, and never answer an answer (that is how two peers avoid looping).
   */
  receive(command: number, option: number): Uint8Array | undefined {
    const forUs = command === DO || command === DONT;
    const table = forUs ? this.ours : this.theirs;
    const state = table.get(option) ?? 'inactive';
    if (command === DO || command === WILL) {
      if (!this.supported.has(option)) return negotiation(forUs ? WONT : DONT, option);
      table.set(option, 'active');
      return state === 'inactive' ? negotiation(forUs ? WILL : DO, option) : undefined;
    }
    table.set(option, 'inactive');
    return state === 'active' ? negotiation(forUs ? WONT : DONT, option) : undefined;
  }
}
