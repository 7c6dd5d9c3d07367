export { micropythonApp, type MicroPythonAppOptions } from './board-app.js';
export { flashedMicroPython, findFlashedApp, type FlashedApp } from './flashed-app.js';
export { fsRegion, type FlashRegion } from './fs-region.js';
