/** The firmware catalog's browser-safe core. Node programs use ./node/resolve.js for fetch + disk cache. */
export * from './version.js';
export * from './file-name.js';
export * from './site-urls.js';
export * from './site-parser.js';
export * from './release-table.js';
export * from './board-variants.js';
export * from './build-choice.js';
export * from './running-boards.js';
export * from './select.js';
export * from './http.js';
export * from './store.js';
export * from './catalog.js';
export * from './list.js';
export * from './resolve.js';
export * from './check-download.js';
