// Which path a login's state takes to the launch, decided before the platform round trip:
// a top-level window keeps the state cookie; a frame with platform storage (lti_storage_target)
// uses it; any other frame first checks, in the browser, that it can keep the cookie — and when
// it cannot (third-party cookies blocked, partitioned ones too, and no platform storage), the
// login starts again, fresh, at the top level of a new window. Pure: the runtime's login does
// the I/O around these decisions.
import type { LoginRequest } from '../login-request.js';

/** The path a login's state takes; recorded on the login's timeline (`auth_redirect.details.path`). */
export type LoginPath = 'top-level' | 'frame-cookie' | 'new-window' | 'platform-storage';

/** Why the tool's own page started a login again: the learner opened it in a new window, or the frame was granted storage access. */
export const LOGIN_RESTARTS = ['new-window', 'storage-access'] as const;
export type LoginRestart = (typeof LOGIN_RESTARTS)[number];

/** A restart marker as the restarted login received it (anything else: not a restart). */
export const loginRestartOf = (value: string | undefined): LoginRestart | undefined =>
  (LOGIN_RESTARTS as readonly (string | undefined)[]).includes(value) ? (value as LoginRestart) : undefined;

/**
 * Where the login goes. `fetchDest` is the browser's `Sec-Fetch-Dest` header: `iframe` (or
 * `frame`) only for a login loaded in a frame. A browser that does not send it (or a client that
 * is no browser) is treated as top level — today's path, at no extra cost.
 */
export function decideLoginPath(input: { storageTarget: string | undefined; fetchDest: string | undefined; restart: LoginRestart | undefined }): {
  path: LoginPath;
  /** Answer with the frame check page (the browser checks it keeps the state cookie) instead of redirecting. */
  checkFrame: boolean;
} {
  if (input.storageTarget) return { path: 'platform-storage', checkFrame: false };
  if (input.fetchDest === 'iframe' || input.fetchDest === 'frame') return { path: 'frame-cookie', checkFrame: true };
  return { path: input.restart === 'new-window' ? 'new-window' : 'top-level', checkFrame: false };
}

/**
 * What the frame check page found about storage access (`document.hasStorageAccess` /
 * `requestStorageAccess`): `had` access already, was `granted` it without asking (the learner
 * allowed it before), was `denied` it, the browser has `none` of the API, or it failed (`error`).
 */
export const STORAGE_ACCESS_REPORTS = ['had', 'granted', 'denied', 'none', 'error'] as const;
export type StorageAccessReport = (typeof STORAGE_ACCESS_REPORTS)[number];

export const storageAccessReportOf = (value: string | undefined): StorageAccessReport =>
  (STORAGE_ACCESS_REPORTS as readonly (string | undefined)[]).includes(value) ? (value as StorageAccessReport) : 'error';

/** After the check: go on to the platform, start the login again in this frame (storage access was just granted), or offer a new window. */
export type FrameCheckNext = 'continue' | 'storage-access' | 'new-window';

/**
 * The frame check's verdict. The state cookie came back: continue as usual. It did not, but the
 * frame was just granted storage access: one fresh login in the frame, whose cookie the browser
 * may now keep (never twice: a restart that still cannot keep it goes to the new window).
 * Otherwise: the new window.
 */
export function decideFrameCheck(input: { cookieKept: boolean; storageAccess: StorageAccessReport; restart: LoginRestart | undefined }): FrameCheckNext {
  if (input.cookieKept) return 'continue';
  if (input.storageAccess === 'granted' && input.restart !== 'storage-access') return 'storage-access';
  return 'new-window';
}

/**
 * The login-initiation parameters a restart sends again — exactly the ones the platform sent
 * (as the login read them), and nothing of this login: no state, no nonce. The restarted login
 * validates them like any other and mints its own state and nonce.
 */
export function restartParamsOf(req: LoginRequest): Record<string, string> {
  const params: Record<string, string> = { iss: req.iss, login_hint: req.login_hint, target_link_uri: req.target_link_uri };
  if (req.lti_message_hint !== undefined) params.lti_message_hint = req.lti_message_hint;
  if (req.client_id !== undefined) params.client_id = req.client_id;
  if (req.lti_deployment_id !== undefined) params.lti_deployment_id = req.lti_deployment_id;
  if (req.deployment_id !== undefined) params.deployment_id = req.deployment_id;
  return params;
}
