export * from './platform-input.js';
