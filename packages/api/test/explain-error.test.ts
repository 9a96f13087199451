import { describe, expect, it } from 'vitest';
import { explainError } from '../src/index.js';

describe('explainError', () => {
  it('explains launch, deep-linking and registration codes from their catalogues', () => {
    expect(explainError('kid_not_found')?.fix).toMatch(/re-save/i);
    expect(explainError('deep_link_type_not_accepted')?.admin).toMatch(/accept_types/);
    expect(explainError('registration_rejected')?.admin).toMatch(/refused/);
    expect(explainError('registration_url_expired')?.fix).toMatch(/new registration URL/);
    expect(explainError('something_new')?.admin).toMatch(/does not know yet/);
    expect(explainError(null)).toBeNull();
  });
});
