// The launch's protocol decisions, as pure functions: the runtime's launch handler calls them
// in hop order (state → signature → claims → deployment → target → scenario) and only does
// the I/O around them. Each refusal names its error code; nothing here reads or writes storage.
import { MESSAGE_TYPE } from '../claims.js';
import { type DeepLinkingSettingsInput, deepLinkingPolicy } from '../deep-linking/build-response.js';
import { CONTENT_ITEM_TYPE } from '../deep-linking/constants.js';
import type { DeepLinkingErrorCode } from '../deep-linking/errors.js';
import type { LtiErrorCode } from '../errors.js';

/** A check's refusal: the code, an admin-facing note and safe details for the timeline. */
export interface LaunchRefusal<Code extends string = LtiErrorCode> {
  ok: false;
  code: Code;
  note?: string;
  details?: Record<string, unknown>;
}

/** How the browser proved it holds the login state. */
export type StateBinding = 'cookie' | 'platform_storage';

/** The stored login state as far as the launch checks need it. */
export interface LoginStateView {
  expiresAt: Date;
  consumedAt: Date | null;
  /** What the login set up: a cookie only, or a cookie plus platform storage. */
  storage: StateBinding;
  deploymentIdHint: string | null;
}

/** Single use and short-lived: a consumed state is a replay, an old one has expired. */
export function checkLoginStateFresh(login: LoginStateView, now: Date): { ok: true } | LaunchRefusal {
  if (login.consumedAt) return { ok: false, code: 'nonce_replayed' };
  if (login.expiresAt.getTime() < now.getTime()) return { ok: false, code: 'state_expired' };
  return { ok: true };
}

/**
 * Which proof ties this browser to the state: its own per-state cookie, or (when the platform
 * offers postMessage storage) the storage round trip that follows. A cookie holding another
 * state is refused; no cookie and no storage means the browser dropped the cookie.
 */
export function decideStateBinding(input: {
  state: string;
  /** The per-state cookie's value, if the browser sent it. */
  cookie: string | undefined;
  /** `lti_storage_target` posted with the launch, if any. */
  storageTarget: string | undefined;
  login: Pick<LoginStateView, 'storage'>;
}): { ok: true; binding: StateBinding } | LaunchRefusal {
  if (input.cookie === input.state) return { ok: true, binding: 'cookie' };
  if (input.cookie !== undefined) return { ok: false, code: 'state_unknown', note: 'the state cookie of this browser holds another state' };
  if (input.storageTarget || input.login.storage === 'platform_storage') return { ok: true, binding: 'platform_storage' };
  return { ok: false, code: 'state_missing' };
}

export type DeploymentPolicy = 'strict' | 'learn';

/**
 * The deployment in the token must match the login's hint, and be known to the connection —
 * or, under the `learn` policy, is learned on first use (stored with the completed launch).
 */
export function checkDeployment(input: { claim: string; loginHint: string | null; known: boolean; policy: DeploymentPolicy }): { ok: true; learn: boolean } | LaunchRefusal {
  if (input.loginHint && input.loginHint !== input.claim) {
    return { ok: false, code: 'deployment_mismatch', details: { login: input.loginHint, claim: input.claim } };
  }
  if (!input.known && input.policy === 'strict') {
    return { ok: false, code: 'unknown_deployment', details: { deployment_id: input.claim, policy: 'strict' } };
  }
  return { ok: true, learn: !input.known };
}

/**
 * A resource link must say where it goes, and a signed target_link_uri (optional for deep
 * linking) must point at this tool: a token minted for another tool is not ours to honour.
 */
export function checkTargetLinkUri(input: { messageType: string; targetLinkUri: string | null; toolOrigin: string }): { ok: true } | LaunchRefusal {
  const refusal: LaunchRefusal = { ok: false, code: 'target_link_uri_invalid', details: { target_link_uri: input.targetLinkUri } };
  if (!input.targetLinkUri) return input.messageType === MESSAGE_TYPE.resourceLink ? refusal : { ok: true };
  return originOf(input.targetLinkUri) === input.toolOrigin ? { ok: true } : refusal;
}

/** The scenario reference of a resource link: the `scenario_id` custom parameter, trimmed. */
export function scenarioRefOf(custom: Record<string, string>): string | undefined {
  const ref = custom.scenario_id?.trim();
  return ref ? ref : undefined;
}

/**
 * A deep-linking request Tether can answer: an http(s) return URL to post the response to,
 * and a placement that accepts LTI resource links (what the picker returns).
 */
export function checkDeepLinkingSettings(settings: DeepLinkingSettingsInput): { ok: true } | LaunchRefusal<DeepLinkingErrorCode> {
  const returnUrl = settings.deep_link_return_url;
  const protocol = originOf(returnUrl) === null ? null : new URL(returnUrl).protocol;
  if (protocol !== 'https:' && protocol !== 'http:') {
    return { ok: false, code: 'deep_link_settings_invalid', note: 'deep_link_return_url is not an http(s) URL' };
  }
  if (!deepLinkingPolicy(settings).acceptTypes.includes(CONTENT_ITEM_TYPE.ltiResourceLink)) {
    return { ok: false, code: 'deep_link_type_not_accepted', note: `this placement accepts ${settings.accept_types.join(', ')}; Tether returns ltiResourceLink` };
  }
  return { ok: true };
}

/** Codes raised while the token's signature is checked; the rest belong to the claims step. */
const SIGNATURE_CODES: ReadonlySet<LtiErrorCode> = new Set(['jwt_malformed', 'alg_not_allowed', 'kid_missing', 'kid_not_found', 'jwks_unreachable', 'bad_signature']);

/** The timeline step a validation failure belongs to. */
export const validationStepOf = (code: LtiErrorCode): 'signature' | 'claims' => (SIGNATURE_CODES.has(code) ? 'signature' : 'claims');

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
