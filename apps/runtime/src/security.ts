import { randomBytes, randomUUID } from 'node:crypto';

/** ≥ 128 bits from the CSPRNG, URL-safe. */
export const randomToken = (bytes = 32) => randomBytes(bytes).toString('base64url');
export const newCorrelationId = () => randomUUID();

/** Per-state cookie so parallel launches in several tabs don't overwrite each other. */
export const stateCookieName = (state: string) => `lti_state_${state.slice(0, 24)}`;

export function pageHeaders(nonce: string): Record<string, string> {
  return {
    // Pages render inside LMS iframes, so framing stays allowed; scripts only by nonce.
    'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; img-src 'self' data:; form-action *; base-uri 'none'`,
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  };
}
