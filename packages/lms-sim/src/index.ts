/** @tether/lms-sim — an LTI 1.3 platform (LMS) simulator. */
export { createLmsSimApp, LmsSimulator } from './sim.js';
export { DEFAULT_USER, DEFAULT_CONTEXT, DEFAULT_RESOURCE_LINK } from './defaults.js';
export { SIM_USER_AGENT } from './tool-jwks.js';
export type { PendingLaunch } from './state.js';
export { startLmsSim, type LmsSim } from './server.js';
export { parseAutoPostForm, autoPostForm, escapeHtml } from './html.js';
export { simulateBrowserLaunch, type BrowserLaunchOptions, type BrowserLaunchResult } from './browser.js';
export { signPlatformJwt, applyClaimTamper, claimKey } from './id-token.js';
export { buildLaunchClaims } from './routes/launch.js';
export {
  CLAIM,
  SCOPE,
  MEDIA,
  ROLE,
  ALL_SERVICE_SCOPES,
  DEFAULT_AGS_SCOPES,
  CLIENT_ASSERTION_TYPE,
  BRIGHTSPACE_TOKEN_AUDIENCE,
  TOOL_CONFIGURATION,
  PLATFORM_CONFIGURATION,
  PRODUCT_FAMILY_CODE,
} from './constants.js';
export type * from './types.js';
