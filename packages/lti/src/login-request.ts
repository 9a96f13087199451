// OIDC third-party initiated login (step 1) and the authentication request (step 2).
import { z } from 'zod';
import { safeText } from './safe-text.js';

const nonEmpty = (field: string) => safeText({ max: 2048, min: 1, trim: true, label: field });

/** Login initiation parameters, from the query string (GET) or the form body (POST) alike; no NUL or broken UTF-8 in any. */
export const loginRequestSchema = z.object({
  iss: nonEmpty('iss'),
  login_hint: nonEmpty('login_hint'),
  target_link_uri: nonEmpty('target_link_uri'),
  lti_message_hint: safeText({ max: 4096 }).optional(),
  client_id: safeText({ max: 255, min: 1, trim: true }).optional(),
  // Canvas sends deployment_id instead of lti_deployment_id (canvas-lms #2201): read both.
  lti_deployment_id: safeText({ max: 255, min: 1 }).optional(),
  deployment_id: safeText({ max: 255, min: 1 }).optional(),
  lti_storage_target: safeText({ max: 255, min: 1 }).optional(),
});
export type LoginRequest = z.output<typeof loginRequestSchema>;

export function loginDeploymentHint(req: LoginRequest): string | undefined {
  return req.lti_deployment_id ?? req.deployment_id;
}

export interface AuthRequestInput {
  authLoginUrl: string;
  clientId: string;
  redirectUri: string;
  loginHint: string;
  ltiMessageHint?: string | undefined;
  state: string;
  nonce: string;
}

/** The authentication request URL (response_mode=form_post, prompt=none), keeping any query the platform's URL already has. */
export function buildAuthRequestUrl(input: AuthRequestInput): string {
  const url = new URL(input.authLoginUrl);
  const p = url.searchParams;
  p.set('scope', 'openid');
  p.set('response_type', 'id_token');
  p.set('response_mode', 'form_post');
  p.set('prompt', 'none');
  p.set('client_id', input.clientId);
  p.set('redirect_uri', input.redirectUri);
  p.set('login_hint', input.loginHint);
  if (input.ltiMessageHint !== undefined) p.set('lti_message_hint', input.ltiMessageHint);
  p.set('state', input.state);
  p.set('nonce', input.nonce);
  return url.toString();
}
