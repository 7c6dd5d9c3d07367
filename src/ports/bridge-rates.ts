/**
 * How fast each USB-serial part can carry an ESP link, as data with the source of every figure, and the
 * rates worth trying on a given bridge. Browser-safe.
 *
 * Two figures per part: what the maker's datasheet promises, and the fastest rate we trust. They differ
 * where the field disagrees with the datasheet (the CH340 promises 2 Mbaud, but boards with it fail at
 * 921600 on Linux while 460800 works: espressif/esptool#435). The native USB of the ESP chip has no
 * UART in between, so a rate set on it changes nothing.
 */
import type { UsbBridge } from './usb-bridges.js';

/**
 * What rate worked before, per bridge: `--baud auto`'s memory (flasher/auto-baud.ts asks it; Node keeps
 * it on disk, ports/node/baud-memory.ts; the page in the browser's storage).
 */
export interface BaudMemory {
  recall(bridgeKey: string): number | undefined;
  remember(bridgeKey: string, baud: number): Promise<void>;
}

export type BridgePartId = 'cp2102' | 'cp2102n' | 'cp2104' | 'ch340' | 'ch341' | 'ch343' | 'ch9102' | 'ft232r' | 'ftdi-other' | 'native';

export interface BridgeRateFacts {
  readonly part: BridgePartId;
  /** As users see it, e.g. "CP2102N". */
  readonly name: string;
  /** The USB_BRIDGES entry whose VID:PID this part answers to. */
  readonly bridgeIds: readonly string[];
  /**
   * Parts that share a VID:PID (CP2102, CP2102N and CP2104 are all 10c4:ea60) are told apart by the
   * USB product string; the first matching entry of a bridge wins, so the most specific comes first.
   */
  readonly product?: RegExp;
  /** The datasheet's upper rate; undefined for native USB (no UART to limit it). */
  readonly datasheetMaxBaud?: number;
  /** Fastest rate we trust, or 'native' when the rate is irrelevant. */
  readonly reliableMaxBaud: number | 'native';
  /** Datasheet name and section (or the report) behind the figures. */
  readonly source: string;
  /** Where the field disagrees with the datasheet: what was observed, and by whom. */
  readonly observed?: string;
}

export const BRIDGE_RATE_FACTS: readonly BridgeRateFacts[] = [
  {
    part: 'cp2102n',
    name: 'CP2102N',
    bridgeIds: ['cp210x'],
    product: /CP2102N/i,
    datasheetMaxBaud: 3_000_000,
    reliableMaxBaud: 3_000_000,
    source: 'Silicon Labs CP2102N data sheet, Features / UART: baud rates 300 bps to 3 Mbps',
  },
  {
    part: 'cp2104',
    name: 'CP2104',
    bridgeIds: ['cp210x'],
    product: /CP210[458]/i,
    datasheetMaxBaud: 2_000_000,
    reliableMaxBaud: 2_000_000,
    source: 'Silicon Labs CP2104 data sheet rev 1.1, 6.1 Baud Rate Generation: any rate from 300 bps to 2 Mbps',
  },
  {
    // Listed last of the CP210x family: without a product string the oldest part's limit is the safe one.
    part: 'cp2102',
    name: 'CP2102',
    bridgeIds: ['cp210x'],
    datasheetMaxBaud: 1_000_000,
    reliableMaxBaud: 921_600,
    source:
      'Silicon Labs CP2102/9 data sheet, UART: 300 bps to 1 Mbps; AN205 Table 1 (and the Linux cp210x driver notes): ' +
      'only listed rates up to 921600, results above 1053257 undefined',
  },
  {
    part: 'ch340',
    name: 'CH340',
    bridgeIds: ['ch340'],
    datasheetMaxBaud: 2_000_000,
    reliableMaxBaud: 460_800,
    source: 'WCH CH340 data sheet (CH340DS1), 2 Features: 50 bps to 2 Mbps; 5.x lists 921600, 1500000, 2000000 among common rates',
    observed:
      'espressif/esptool#435: CH340/CH341 boards (WeMos D1 mini) fail at 921600 on Linux yet work at 460800 ' +
      '(and at 1000000, which is not one of our candidate rates)',
  },
  {
    part: 'ch341',
    name: 'CH341',
    bridgeIds: ['ch341'],
    datasheetMaxBaud: 2_000_000,
    reliableMaxBaud: 460_800,
    source: 'WCH CH341 data sheet (CH341DS1), 2.2 UART: 50 bps to 2 Mbps',
    observed: 'espressif/esptool#435: the same 921600 failure as the CH340 (same driver, same divisor)',
  },
  {
    part: 'ch343',
    name: 'CH343',
    bridgeIds: ['ch343'],
    datasheetMaxBaud: 6_000_000,
    reliableMaxBaud: 6_000_000,
    source: 'WCH CH343 data sheet (CH343DS1), Features: 50 bps to 6 Mbps (transmit rate error < 1.6%)',
  },
  {
    part: 'ch9102',
    name: 'CH9102',
    bridgeIds: ['ch9102'],
    datasheetMaxBaud: 4_000_000,
    reliableMaxBaud: 4_000_000,
    source: 'WCH CH9102 data sheet (CH9102DS1), 2 Features: 50 bps to 4 Mbps',
  },
  {
    part: 'ft232r',
    name: 'FT232R',
    bridgeIds: ['ftdi'],
    product: /FT232R/i,
    datasheetMaxBaud: 3_000_000,
    reliableMaxBaud: 3_000_000,
    source: 'FTDI FT232R data sheet (FT_000053), 1 Features and 4.x Baud Rates: 300 baud to 3 Mbaud at TTL levels',
  },
  {
    // FT2232/FT4232/FT-X share the FTDI table entry; the slowest of them (FT-X, 3 Mbaud) is the safe bound.
    part: 'ftdi-other',
    name: 'FTDI (FT2232/FT4232/FT-X)',
    bridgeIds: ['ftdi'],
    datasheetMaxBaud: 3_000_000,
    reliableMaxBaud: 3_000_000,
    source: 'FTDI FT231X/FT230X data sheets, Features: up to 3 Mbaud (FT2232H/FT4232H: 12 Mbaud)',
  },
  {
    part: 'native',
    name: 'Espressif native USB (USB-Serial/JTAG or USB-OTG CDC)',
    bridgeIds: ['esp-usb-serial-jtag', 'esp-usb-cdc'],
    reliableMaxBaud: 'native',
    source:
      'Espressif ESP32-S3/C3 TRM, USB Serial/JTAG Controller: a CDC-ACM device with no UART behind it; ' +
      'the host\'s line coding (baud) is accepted and ignored',
  },
];

/**
 * Rates worth asking CHANGE_BAUDRATE for, slowest first. 115200 is where every session starts; the rest
 * are the rates esptool users pass, up to 2 Mbaud, which every ROM loader's UART can run (chips/uart.ts),
 * and 3 and 4 Mbaud, which only a stub that raises the UART clock can (the ESP32's 80 MHz UART clock
 * divides to exactly 4 Mbaud, below the 5 Mbit/s SOC_UART_BITRATE_MAX). The flasher caps these at the
 * chip's ceiling; this list is about the bridge.
 */
export const ESP_CANDIDATE_BAUDS: readonly number[] = [115_200, 230_400, 460_800, 921_600, 1_500_000, 2_000_000, 3_000_000, 4_000_000];

/** Facts for a part id, e.g. from `--bridge ch340`. */
export function bridgeRateFactsById(part: string): BridgeRateFacts | undefined {
  return BRIDGE_RATE_FACTS.find((f) => f.part === part);
}

/** The part behind a recognised bridge; the USB product string picks among parts that share a VID:PID. */
export function bridgeRateFacts(bridge: UsbBridge, product?: string): BridgeRateFacts | undefined {
  const family = BRIDGE_RATE_FACTS.filter((f) => f.bridgeIds.includes(bridge.id));
  return family.find((f) => f.product && product !== undefined && f.product.test(product)) ?? family.find((f) => !f.product);
}

/**
 * The rates to try on this bridge, fastest first, each one the part is trusted to carry (115200 always
 * last as the fallback), or 'native' when the link has no UART and the rate does not matter. An unknown
 * bridge gets the rates every common part carries.
 */
export function bestBaudFor(
  bridge: UsbBridge | BridgeRateFacts | BridgePartId | undefined,
  product?: string,
): readonly number[] | 'native' {
  const facts = resolveFacts(bridge, product);
  if (facts?.reliableMaxBaud === 'native') return 'native';
  const limit = facts?.reliableMaxBaud ?? UNKNOWN_BRIDGE_MAX;
  return ESP_CANDIDATE_BAUDS.filter((b) => b <= limit).reverse();
}

/** Every part in the table carries 460800 (the CH340 family is the slowest, and it is trusted up to there). */
const UNKNOWN_BRIDGE_MAX = 460_800;

function resolveFacts(
  bridge: UsbBridge | BridgeRateFacts | BridgePartId | undefined,
  product: string | undefined,
): BridgeRateFacts | undefined {
  if (bridge === undefined) return undefined;
  if (typeof bridge === 'string') return bridgeRateFactsById(bridge);
  if ('part' in bridge) return bridge;
  if (bridge.nativeUsb) return bridgeRateFactsById('native');
  return bridgeRateFacts(bridge, product);
}
