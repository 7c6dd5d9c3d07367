/**
 * Telnet framing and RFC 2217 (COM-PORT-OPTION) messages, shared by our client transport and the
 * virtual board's server. Pure byte work, no I/O, so it runs in the browser too.
 */

export const IAC = 255;
export const DONT = 254;
export const DO = 253;
export const WONT = 252;
export const WILL = 251;
export const SB = 250;
export const SE = 240;

export const BINARY = 0;
export const SGA = 3;
export const COM_PORT_OPTION = 44;

/** Client-to-server COM-PORT-OPTION commands; the server answers with the same command + SERVER_OFFSET. */
export const ComPort = {
  SIGNATURE: 0,
  SET_BAUDRATE: 1,
  SET_DATASIZE: 2,
  SET_PARITY: 3,
  SET_STOPSIZE: 4,
  SET_CONTROL: 5,
  NOTIFY_LINESTATE: 6,
  NOTIFY_MODEMSTATE: 7,
  FLOWCONTROL_SUSPEND: 8,
  FLOWCONTROL_RESUME: 9,
  SET_LINESTATE_MASK: 10,
  SET_MODEMSTATE_MASK: 11,
  PURGE_DATA: 12,
} as const;

export const SERVER_OFFSET = 100;

/** SET_CONTROL values for the two lines we drive (RFC 2217 sets one line per command). */
export const Control = {
  DTR_ON: 8,
  DTR_OFF: 9,
  RTS_ON: 11,
  RTS_OFF: 12,
} as const;

/** PURGE_DATA values. */
export const Purge = {
  RECEIVE: 1,
  TRANSMIT: 2,
  BOTH: 3,
} as const;

export type TelnetEvent =
  | { type: 'data'; data: Uint8Array }
  | { type: 'negotiation'; command: number; option: number }
  /** For COM-PORT-OPTION, data[0] is the command and the rest its payload (IAC IAC already undone). */
  | { type: 'subnegotiation'; option: number; data: Uint8Array };

const enum State {
  Data,
  Iac,
  Negotiation,
  SbOption,
  SbData,
  SbIac,
}

/**
 * Splits a telnet byte stream into data, option negotiations and subnegotiations. Keeps its state
 * between pushes, because TCP may cut a sequence anywhere.
 */
export class TelnetDecoder {
  private state: State = State.Data;
  private command = 0;
  private sbOption = 0;
  private sbData: number[] = [];

  push(bytes: Uint8Array): TelnetEvent[] {
    const events: TelnetEvent[] = [];
    let data: number[] = [];
    const flushData = (): void => {
      if (data.length > 0) {
        events.push({ type: 'data', data: Uint8Array.from(data) });
        data = [];
      }
    };
    for (const b of bytes) {
      switch (this.state) {
        case State.Data:
          if (b === IAC) this.state = State.Iac;
          else data.push(b);
          break;
        case State.Iac:
          if (b === IAC) {
            data.push(IAC);
            this.state = State.Data;
          } else if (b === WILL || b === WONT || b === DO || b === DONT) {
            this.command = b;
            this.state = State.Negotiation;
          } else if (b === SB) {
            this.state = State.SbOption;
          } else {
            // Two-byte commands (NOP, GA, AYT, a stray SE...) carry nothing a serial link needs.
            this.state = State.Data;
          }
          break;
        case State.Negotiation:
          flushData();
          events.push({ type: 'negotiation', command: this.command, option: b });
          this.state = State.Data;
          break;
        case State.SbOption:
          this.sbOption = b;
          this.sbData = [];
          this.state = State.SbData;
          break;
        case State.SbData:
          if (b === IAC) this.state = State.SbIac;
          else this.sbData.push(b);
          break;
        case State.SbIac:
          if (b === IAC) {
            this.sbData.push(IAC);
            this.state = State.SbData;
          } else if (b === SE) {
            flushData();
            events.push({ type: 'subnegotiation', option: this.sbOption, data: Uint8Array.from(this.sbData) });
            this.sbData = [];
            this.state = State.Data;
          } else {
            // IAC <other> inside SB is malformed; keep the byte rather than lose the frame.
            this.sbData.push(b);
            this.state = State.SbData;
          }
          break;
      }
    }
    flushData();
    return events;
  }
}

/** Doubles every 0xFF so payload bytes are never read as telnet commands. */
export function escapeIac(data: Uint8Array): Uint8Array {
  let count = 0;
  for (const b of data) if (b === IAC) count++;
  if (count === 0) return data;
  const out = new Uint8Array(data.length + count);
  let at = 0;
  for (const b of data) {
    out[at++] = b;
    if (b === IAC) out[at++] = IAC;
  }
  return out;
}

export function negotiation(command: number, option: number): Uint8Array {
  return Uint8Array.of(IAC, command, option);
}

/** IAC SB COM-PORT-OPTION cmd <payload, IAC-escaped> IAC SE. */
export function comPortCommand(cmd: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const body = escapeIac(Uint8Array.of(cmd, ...payload));
  const out = new Uint8Array(body.length + 5);
  out.set([IAC, SB, COM_PORT_OPTION]);
  out.set(body, 3);
  out.set([IAC, SE], 3 + body.length);
  return out;
}

/** SET_BAUDRATE carries the rate as a 4-byte big-endian integer (0 asks for the current rate). */
export function baudPayload(baud: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, baud >>> 0, false);
  return out;
}

export function readBaudPayload(payload: Uint8Array): number | undefined {
  if (payload.length < 4) return undefined;
  return new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, false);
}
