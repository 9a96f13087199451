// The LtiDeepLinkingResponse message: claims built from the request it answers, content
// items checked against what the platform said it accepts, then signed with the tool key.
import { randomBytes } from 'node:crypto';
import { type CryptoKey, type KeyObject, signJwt } from '@tether/crypto';
import { CLAIM } from '../claims.js';
import { DEEP_LINKING_RESPONSE, DL_CLAIM, MAX_RESPONSE_LIFETIME_SEC } from './constants.js';
import { type ContentItem, contentItemSchema } from './content-items.js';
import { DeepLinkingError } from './errors.js';
import { isHttpUrl } from './url.js';

/** The request's deep_linking_settings, as validated or as received (flags may be strings). */
export interface DeepLinkingSettingsInput {
  deep_link_return_url: string;
  accept_types: readonly string[];
  accept_presentation_document_targets?: readonly string[] | undefined;
  accept_multiple?: boolean | string | undefined;
  accept_lineitem?: boolean | string | undefined;
  /** Opaque platform value: echoed byte-for-byte when present (D2L refuses a mismatch). */
  data?: string | undefined;
  [k: string]: unknown;
}

export interface DeepLinkingRequestContext {
  deploymentId: string;
  settings: DeepLinkingSettingsInput;
  /** The platform's issuer — the response's audience. */
  issuer: string;
  /** The tool's client_id on that platform — the response's issuer. */
  clientId: string;
}

export interface BuildDeepLinkingResponseInput {
  request: DeepLinkingRequestContext;
  /** Content items to return; an empty list is a valid answer (e.g. cancel). */
  items: readonly unknown[];
  /** Shown to the user by the platform. */
  msg?: string | undefined;
  errormsg?: string | undefined;
  /** Logged by the platform. */
  log?: string | undefined;
  errorlog?: string | undefined;
}

export type DeepLinkingResponseClaims = {
  iss: string;
  aud: string;
  nonce: string;
  [claim: string]: unknown;
};

/**
 * A deep-linking flag as platforms send it: a boolean, or "true"/"false" (any case).
 * Anything else is "not said" (undefined).
 */
export function deepLinkingFlag(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'true') return true;
    if (v === 'false') return false;
  }
  return undefined;
}

/** What a request lets the tool return, with the spec's defaults applied. */
export function deepLinkingPolicy(settings: DeepLinkingSettingsInput) {
  return {
    acceptTypes: [...settings.accept_types],
    /** At most one item unless the platform says it takes several. */
    acceptMultiple: deepLinkingFlag(settings.accept_multiple) === true,
    /** Line items are sent unless the platform says it ignores them. */
    acceptLineItem: deepLinkingFlag(settings.accept_lineitem) !== false,
    presentationTargets: settings.accept_presentation_document_targets ? [...settings.accept_presentation_document_targets] : undefined,
  };
}

/**
 * The unsigned claims of an LtiDeepLinkingResponse. Refuses (DeepLinkingError) items of a type
 * the platform does not accept and more than one item unless accept_multiple is true; drops
 * `lineItem` when accept_lineitem is false and presentation hints for targets not accepted.
 */
export function buildDeepLinkingResponse(input: BuildDeepLinkingResponseInput): DeepLinkingResponseClaims {
  const { request } = input;
  const settings = request.settings;
  if (!isHttpUrl(settings.deep_link_return_url)) {
    throw new DeepLinkingError('deep_link_settings_invalid', 'deep_link_return_url is not an http(s) URL', { details: { field: 'deep_link_return_url' } });
  }
  if (!Array.isArray(settings.accept_types)) {
    throw new DeepLinkingError('deep_link_settings_invalid', 'accept_types is not a list', { details: { field: 'accept_types' } });
  }
  if (!request.deploymentId) throw new DeepLinkingError('deep_link_settings_invalid', 'The request has no deployment_id', { details: { field: 'deployment_id' } });
  const policy = deepLinkingPolicy(settings);

  if (input.items.length > 1 && !policy.acceptMultiple) {
    throw new DeepLinkingError('deep_link_multiple_not_accepted', `${input.items.length} items chosen, but the platform accepts one`, {
      details: { items: input.items.length, accept_multiple: settings.accept_multiple ?? null },
    });
  }

  const items: ContentItem[] = input.items.map((raw, index) => {
    const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
    if (typeof type !== 'string' || !policy.acceptTypes.includes(type)) {
      throw new DeepLinkingError('deep_link_type_not_accepted', `Content item type ${String(type)} is not in accept_types`, {
        details: { index, type: typeof type === 'string' ? type : null, accept_types: policy.acceptTypes },
      });
    }
    const parsed = contentItemSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new DeepLinkingError('deep_link_item_invalid', `Content item ${index} (${type}): ${issue?.path.join('.') || 'item'} ${issue?.message ?? 'is invalid'}`, {
        details: { index, type, issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
      });
    }
    return shapeForPlatform(parsed.data, policy);
  });

  const claims: DeepLinkingResponseClaims = {
    iss: request.clientId,
    aud: request.issuer,
    nonce: randomBytes(16).toString('base64url'),
    [CLAIM.messageType]: DEEP_LINKING_RESPONSE,
    [CLAIM.version]: '1.3.0',
    [CLAIM.deploymentId]: request.deploymentId,
    [DL_CLAIM.contentItems]: items,
  };
  // Echo `data` exactly as received — same string, no trimming or re-encoding — iff present.
  if (settings.data !== undefined) claims[DL_CLAIM.data] = settings.data;
  if (input.msg !== undefined) claims[DL_CLAIM.msg] = input.msg;
  if (input.log !== undefined) claims[DL_CLAIM.log] = input.log;
  if (input.errormsg !== undefined) claims[DL_CLAIM.errormsg] = input.errormsg;
  if (input.errorlog !== undefined) claims[DL_CLAIM.errorlog] = input.errorlog;
  return claims;
}

function shapeForPlatform(item: ContentItem, policy: ReturnType<typeof deepLinkingPolicy>): ContentItem {
  const out: Record<string, unknown> = { ...item };
  if (item.type === 'ltiResourceLink' && !policy.acceptLineItem) delete out.lineItem;
  const targets = policy.presentationTargets;
  if (targets) {
    if (!targets.includes('iframe')) delete out.iframe;
    if (!targets.includes('window')) delete out.window;
    if (!targets.includes('embed')) delete out.embed;
  }
  return out as ContentItem;
}

export interface SignDeepLinkingResponseOptions {
  /** The tool's current signing key (RS256) and its kid, which goes in the header. */
  key: CryptoKey | KeyObject;
  kid: string;
  /** Lifetime; default 300 s, at most 600 s. */
  expiresInSec?: number;
}

/** Signs the response: RS256, `kid` header, integer `iat`/`exp`. */
export async function signDeepLinkingResponse(claims: DeepLinkingResponseClaims, opts: SignDeepLinkingResponseOptions): Promise<string> {
  const expiresInSec = opts.expiresInSec ?? 300;
  if (expiresInSec > MAX_RESPONSE_LIFETIME_SEC) throw new RangeError(`A deep-linking response lives at most ${MAX_RESPONSE_LIFETIME_SEC} s`);
  return signJwt(claims, { key: opts.key, kid: opts.kid, alg: 'RS256', expiresInSec });
}
