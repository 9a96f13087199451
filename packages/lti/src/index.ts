export * from './platform-input.js';
export * from './claims.js';
export * from './roles.js';
export * from './errors.js';
export * from './login-request.js';
export * from './validate-id-token.js';
export * from './tool-configuration.js';
export * from './dynamic-registration/index.js';
