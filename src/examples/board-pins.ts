/**
 * The pins a first program uses on the generic boards MicroPython's ESP32 and ESP8266 builds are for:
 * the on-board LED (GPIO 2 on both; lit by a low level on ESP-12 modules), the BOOT button on GPIO 0
 * (pressed reads 0), and an ADC input. Keyed by sys.platform, which is what the board reports.
 */
export interface BoardPins {
  readonly platform: 'esp32' | 'esp8266';
  readonly led: number;
  readonly ledActiveLow: boolean;
  readonly button: number;
  /** The argument ADC() takes: a GPIO on the ESP32 (34, input only), the one channel 0 on the ESP8266. */
  readonly adc: string;
  /** Extra line that gives the ADC its full 0-3.3 V range, where the port has one. */
  readonly adcSetup: string | undefined;
}

const PINS: Readonly<Record<BoardPins['platform'], BoardPins>> = {
  esp32: { platform: 'esp32', led: 2, ledActiveLow: false, button: 0, adc: 'Pin(34)', adcSetup: 'adc.atten(ADC.ATTN_11DB)  # measure the full 0-3.3 V range' },
  esp8266: { platform: 'esp8266', led: 2, ledActiveLow: true, button: 0, adc: '0', adcSetup: undefined },
};

export const PLATFORMS = Object.keys(PINS) as Array<BoardPins['platform']>;

export function boardPins(platform: string): BoardPins | undefined {
  return PINS[platform as BoardPins['platform']];
}
