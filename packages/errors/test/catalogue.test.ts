import { describe, expect, it } from 'vitest';
import { agsEntries } from '../src/catalogue/ags.js';
import { cryptoEntries } from '../src/catalogue/crypto.js';
import { deepLinkingEntries } from '../src/catalogue/deep-linking.js';
import { gradePassbackEntries } from '../src/catalogue/grade-passback.js';
import { gradesApiEntries } from '../src/catalogue/grades-api.js';
import { launchEntries } from '../src/catalogue/launch.js';
import { nrpsEntries } from '../src/catalogue/nrps.js';
import { outboundEntries } from '../src/catalogue/outbound.js';
import { rateLimitEntries } from '../src/catalogue/rate-limits.js';
import { registrationEntries } from '../src/catalogue/registration.js';
import { sharedEntries } from '../src/catalogue/shared.js';
import { catalogueCodes, explain, explainOrUnknown, PASSBACK_ERROR_CODES, ROSTER_SYNC_ERROR_CODES } from '../src/index.js';

const slices = {
  launchEntries,
  deepLinkingEntries,
  registrationEntries,
  agsEntries,
  gradePassbackEntries,
  gradesApiEntries,
  nrpsEntries,
  cryptoEntries,
  outboundEntries,
  rateLimitEntries,
  sharedEntries,
};

describe('error catalogue', () => {
  it('gives every code an error status, a learner message, an admin explanation and a fix', () => {
    expect(catalogueCodes().length).toBeGreaterThan(80);
    for (const code of catalogueCodes()) {
      const e = explain(code)!;
      expect(e.status, code).toBeGreaterThanOrEqual(400);
      expect(e.status, code).toBeLessThan(600);
      for (const text of [e.learner, e.admin, e.fix]) expect(text.length, code).toBeGreaterThan(15);
      expect(Object.keys(e).sort(), code).toEqual(['admin', 'fix', 'learner', 'status']);
    }
  });

  it('holds every code of every domain module exactly once', () => {
    const perSlice = Object.values(slices).flatMap((s) => Object.keys(s));
    expect(new Set(perSlice).size).toBe(perSlice.length);
    expect([...catalogueCodes()].sort()).toEqual([...perSlice].sort());
  });

  it('explains launch, deep-linking, registration, grade and roster codes in one vocabulary', () => {
    expect(explain('kid_not_found')?.fix).toMatch(/re-save/i);
    expect(explain('state_missing')).toMatchObject({ status: 401, learner: expect.stringMatching(/cookie/) });
    expect(explain('deep_link_type_not_accepted')?.admin).toMatch(/accept_types/);
    expect(explain('deep_link_already_sent')?.learner).toMatch(/already sent/);
    expect(explain('registration_rejected')?.admin).toMatch(/refused/);
    expect(explain('registration_url_expired')).toMatchObject({ status: 410, learner: 'This registration URL has expired', fix: expect.stringMatching(/new registration URL/) });
    expect(explain('ags_scope_missing')?.fix).toMatch(/Assignment and Grade Services/);
    expect(explain('ags_not_available')?.admin).toMatch(/no usable AGS endpoint/);
    expect(explain('ags_not_available')?.status).toBe(422);
    expect(explain('launch_not_landed')?.status).toBe(409);
    expect(explain('nrps_scope_missing')?.admin).toMatch(/contextmembership\.readonly/);
    expect(explain('jwks_timeout')?.status).toBe(502);
  });

  it('answers the registration page with its own status, not the platform’s', () => {
    expect(explain('registration_request_invalid')?.status).toBe(400);
    expect(explain('insecure_url')?.status).toBe(400);
    for (const code of ['config_unreachable', 'config_invalid', 'issuer_mismatch', 'registration_unreachable', 'registration_rejected', 'registration_response_invalid']) {
      expect(explain(code)?.status, code).toBe(502);
    }
  });

  it('has no entry for unknown codes, nor for names every object has', () => {
    for (const code of ['something_new', '', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) expect(explain(code), code).toBeUndefined();
  });

  it('explains an unknown code as an internal error that names the code', () => {
    const e = explainOrUnknown('something_new');
    expect(e.admin).toMatch(/"something_new".*not in this process’s error catalogue.*newer Tether version/);
    expect(e).toMatchObject({ status: 500, learner: explain('internal_error')?.learner, fix: expect.stringMatching(/Update this process/) });
    expect(explainOrUnknown('kid_not_found')).toBe(explain('kid_not_found'));
  });

  it('words every passback and roster sync failure code', () => {
    for (const code of [...PASSBACK_ERROR_CODES, ...ROSTER_SYNC_ERROR_CODES]) expect(explain(code), code).toBeDefined();
  });

  it('cannot be changed by a consumer', () => {
    const e = explain('kid_not_found')!;
    expect(() => Object.assign(e, { fix: 'x' })).toThrow(TypeError);
    expect(explain('kid_not_found')?.fix).toMatch(/re-save/i);
  });
});
