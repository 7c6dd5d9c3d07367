/**
 * The demo board's LED shown in the page, driven by the virtual board's pin events.
 */
import type { BoardPins } from '../../virtual-board/board.js';
import type { BoardLed } from '../../virtual-board/board-leds.js';

export interface LedSource {
  readonly pins: BoardPins;
  readonly leds: readonly BoardLed[];
}

/** Lights `el` while the board's first LED is on; returns the unsubscribe. */
export function watchLed(el: HTMLElement, source: LedSource): () => void {
  const led = source.leds[0];
  if (!led) return () => undefined;
  // A pin nothing drives (after a reset) leaves the LED dark.
  const show = (level: 0 | 1 | undefined): void => {
    const on = level !== undefined && (level === 1) !== led.activeLow;
    el.classList.toggle('on', on);
    el.setAttribute('aria-label', `Board LED (GPIO${led.pin}): ${on ? 'on' : 'off'}`);
    el.dataset.on = String(on);
  };
  el.hidden = false;
  show(source.pins.level(led.pin));
  const off = source.pins.onChange((pin, level) => {
    if (pin === led.pin) show(level);
  });
  return () => {
    off();
    el.hidden = true;
  };
}
