/**
 * The demo board's LED shown in the page. Built against the virtual board's pin API (pins.onChange,
 * pins.level, boardLeds(chip)); the types are local so the page compiles before or without it, and
 * a board without `pins` simply shows no LED.
 */
export interface PinsLike {
  onChange(listener: (pin: number, level: 0 | 1) => void): () => void;
  level(pin: number): 0 | 1;
}

export interface LedSpec {
  readonly pin: number;
  readonly activeLow: boolean;
}

export interface LedSource {
  readonly pins: PinsLike;
  readonly leds: readonly LedSpec[];
}

/** Lights `el` while the board's first LED is on; returns the unsubscribe. */
export function watchLed(el: HTMLElement, source: LedSource): () => void {
  const led = source.leds[0];
  if (!led) return () => undefined;
  const show = (level: 0 | 1): void => {
    const on = (level === 1) !== led.activeLow;
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
