export { explain, type CatalogueEntry } from './catalogue.js';
export { isTetherError, TetherError, type ErrorDetails, type TetherErrorOptions } from './tether-error.js';
