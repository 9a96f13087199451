// LTI Deep Linking 2.0, tool side: content items, the response message, its delivery form.
// Framework-free and storage-free; the runtime keeps the request context and signs.

export * from './build-response.js';
export * from './constants.js';
export * from './content-items.js';
export * from './errors.js';
export { type DeepLinkingFormOptions, deepLinkingFormHtml } from './form.js';
