/**
 * The LEDs on the boards the virtual board stands for, so a host (the web page) can draw them from
 * board.pins events. Generic ESP32 dev modules carry a blue LED on GPIO 2 wired to light when the pin
 * is high; ESP8266 modules (ESP-12 family) have theirs on GPIO 2 lighting when the pin is low. Other
 * families' generic boards differ from one maker to the next, so none is claimed for them.
 */
export interface BoardLed {
  pin: number;
  /** The LED lights when the pin is low. */
  activeLow: boolean;
}

const BOARD_LEDS: Readonly<Record<string, readonly BoardLed[]>> = {
  esp32: [{ pin: 2, activeLow: false }],
  esp8266: [{ pin: 2, activeLow: true }],
};

/** LEDs of the generic board for a chip, by id or name ('esp32', 'ESP32', 'ESP8266'); [] when unknown. */
export function boardLeds(chipName: string): BoardLed[] {
  const key = chipName.toLowerCase().replace(/[^a-z0-9]/g, '');
  return (BOARD_LEDS[key] ?? []).map((l) => ({ ...l }));
}
