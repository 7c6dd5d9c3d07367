/** First programs per board (blink, button, fade, ADC, Wi-Fi scan, web server) as data. Browser-safe. */
export { EXAMPLES, exampleByName, type Example } from './catalog.js';
export { boardPins, PLATFORMS, type BoardPins } from './board-pins.js';
