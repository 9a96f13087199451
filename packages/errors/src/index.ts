export { isTetherError, TetherError, type ErrorDetails, type TetherErrorOptions } from './tether-error.js';
