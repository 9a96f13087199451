// Problems with Tether's own one-time registration URL (before the LMS is even contacted),
// and a registration whose LMS identity is already taken by another workspace.
export type RegistrationUrlErrorCode = 'registration_url_invalid' | 'registration_url_expired' | 'registration_url_used' | 'platform_in_other_workspace';

export const REGISTRATION_URL_ERROR_CATALOG: Record<RegistrationUrlErrorCode, { status: 400 | 409 | 410; title: string; admin: string; fix: string }> = {
  registration_url_invalid: {
    status: 400,
    title: 'This registration URL is not valid',
    admin: 'The registration URL was altered or does not come from this Tether installation.',
    fix: 'Generate a new registration URL on the LTI settings page and paste it into the LMS unchanged.',
  },
  registration_url_expired: {
    status: 410,
    title: 'This registration URL has expired',
    admin: 'Registration URLs are valid for one hour.',
    fix: 'Generate a new registration URL on the LTI settings page and use it within the hour.',
  },
  registration_url_used: {
    status: 409,
    title: 'This registration URL was already used',
    admin: 'Each registration URL registers one LMS once.',
    fix: 'Generate a new registration URL for the next LMS (or to register this one again).',
  },
  platform_in_other_workspace: {
    status: 409,
    title: 'This LMS is connected to another workspace',
    admin: 'The LMS registered Tether with an issuer and client ID that another workspace already uses.',
    fix: 'Remove the connection from the other workspace first, or register a new tool in the LMS.',
  },
};
