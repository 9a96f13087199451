import { createHash, randomBytes } from 'node:crypto';
import { v7 as timeOrderedUuid } from 'uuid';

/** ≥ 128 bits from the CSPRNG, URL-safe. */
export const randomToken = (bytes = 32) => randomBytes(bytes).toString('base64url');
/**
 * Correlation IDs and launch IDs are UUIDv7: time-ordered, so each launch's index entries go
 * to the right edge of their B-trees (hot pages, no full-page image in the WAL for a random
 * leaf on a table of millions). They are identifiers, not secrets: 74 random bits each.
 */
export const newCorrelationId = () => timeOrderedUuid();
export const newLaunchId = () => timeOrderedUuid();

/** Per-state cookie so parallel launches in several tabs don't overwrite each other. */
export const stateCookieName = (state: string) => `lti_state_${state.slice(0, 24)}`;

/** A random code as stored: its SHA-256 (the code is 256 random bits, so a fast hash is enough). */
export const hashCode = (code: string) => createHash('sha256').update(code, 'utf8').digest('hex');

/** `frame-ancestors` when no platform is known: only this tool may frame the page. */
export const SELF_FRAME_ANCESTORS = "'self'";

/**
 * Who may frame a learner page: the LMS that launched it — the origins of the platform's
 * `auth_login_url` and issuer, and of the launch's signed `launch_presentation.return_url`
 * when there is one (Canvas and Blackboard SaaS frame tools from a course host that is
 * neither their login host nor their issuer) — or only this tool when the platform is
 * unknown. The one place that decides it: the landing, the launch error page, the storage
 * check and the picker all take their value from here.
 */
export function frameAncestorsOf(platform: { auth_login_url: string; issuer?: string } | null | undefined, launchUrls: readonly (string | null | undefined)[] = []): string {
  if (!platform) return SELF_FRAME_ANCESTORS;
  const origins = new Set<string>();
  for (const u of [platform.auth_login_url, platform.issuer, ...launchUrls]) {
    const origin = httpOrigin(u);
    if (origin) origins.add(origin);
  }
  return origins.size > 0 ? [...origins].join(' ') : SELF_FRAME_ANCESTORS;
}

/** An http(s) origin, the only safe CSP source here (no `*`, `;` or scheme-only sources). */
function httpOrigin(u: string | null | undefined): string | null {
  if (!u) return null;
  try {
    const url = new URL(u);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : null;
  } catch {
    return null;
  }
}

/**
 * Headers of every HTML page. `frameAncestors` limits who may frame it (learner pages pass
 * `frameAncestorsOf(platform)`); without it the page stays framable by anyone — pages that
 * an LMS not yet known to Tether opens in a frame (dynamic registration) need that.
 */
export function pageHeaders(nonce: string, frameAncestors?: string): Record<string, string> {
  const framing = frameAncestors ? `; frame-ancestors ${frameAncestors}` : '';
  return {
    // Pages render inside LMS iframes, so framing stays allowed (to the LMS); scripts only by nonce.
    'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; img-src 'self' data:; form-action *; base-uri 'none'${framing}`,
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  };
}
