// Every code any package can raise — and every code a passback or roster sync can fail
// with — has words in the one catalogue, and the catalogue words nothing else.
import { AGS_ERROR_CODES } from '@tether/ags';
import { CRYPTO_ERROR_CODES } from '@tether/crypto';
import { catalogueCodes, explain, GRADES_API_ERROR_CODES, PASSBACK_ERROR_CODES, RATE_LIMIT_ERROR_CODES, ROSTER_SYNC_ERROR_CODES } from '@tether/errors';
import { HTTP_ERROR_CODES } from '@tether/http';
import { DEEP_LINKING_ERROR_CODES, LTI_ERROR_CODES, NRPS_ERROR_CODES, REGISTRATION_ERROR_CODES, REGISTRATION_URL_ERROR_CODES, SERVICE_TOKEN_ERROR_CODES } from '@tether/lti';
import { describe, expect, it } from 'vitest';
import type { RequestInputCode } from '../src/http/request-input-error.js';

const RAISED: Record<string, readonly string[]> = {
  http: HTTP_ERROR_CODES,
  crypto: CRYPTO_ERROR_CODES,
  launch: LTI_ERROR_CODES,
  'deep linking': DEEP_LINKING_ERROR_CODES,
  registration: REGISTRATION_ERROR_CODES,
  'registration URL': REGISTRATION_URL_ERROR_CODES,
  'service token': SERVICE_TOKEN_ERROR_CODES,
  nrps: NRPS_ERROR_CODES,
  ags: AGS_ERROR_CODES,
  'grade passback': PASSBACK_ERROR_CODES,
  'grades API': GRADES_API_ERROR_CODES,
  'roster sync': ROSTER_SYNC_ERROR_CODES,
  'rate limits': RATE_LIMIT_ERROR_CODES,
  'request input': ['invalid_request', 'request_too_large'] satisfies RequestInputCode[],
};

describe('error catalogue coverage', () => {
  it.each(Object.entries(RAISED))('words every %s code', (_, codes) => {
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.filter((code) => explain(code) === undefined)).toEqual([]);
  });

  it('words no code that nothing raises', () => {
    const raised = new Set(Object.values(RAISED).flat());
    expect(catalogueCodes().filter((code) => !raised.has(code))).toEqual([]);
  });
});
