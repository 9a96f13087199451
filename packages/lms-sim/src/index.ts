/** @tether/lms-sim — an LTI 1.3 platform (LMS) simulator. */

export { type BrowserLaunchOptions, type BrowserLaunchResult, simulateBrowserLaunch } from './browser.js';
export {
  ALL_SERVICE_SCOPES,
  BRIGHTSPACE_TOKEN_AUDIENCE,
  CLAIM,
  CLIENT_ASSERTION_TYPE,
  DEFAULT_AGS_SCOPES,
  MEDIA,
  PLATFORM_CONFIGURATION,
  PRODUCT_FAMILY_CODE,
  ROLE,
  SCOPE,
  TOOL_CONFIGURATION,
} from './constants.js';
export { DEFAULT_CONTEXT, DEFAULT_INSTRUCTOR, DEFAULT_RESOURCE_LINK, DEFAULT_USER } from './defaults.js';
export { autoPostForm, escapeHtml, parseAutoPostForm } from './html.js';
export { applyClaimTamper, claimKey, signPlatformJwt } from './id-token.js';
export { buildLaunchClaims } from './routes/launch.js';
export { type LmsSim, startLmsSim } from './server.js';
export { createLmsSimApp, LmsSimulator } from './sim.js';
export type { PendingLaunch } from './state.js';
export { SIM_USER_AGENT } from './tool-jwks.js';
export type * from './types.js';
