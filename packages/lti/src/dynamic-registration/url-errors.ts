// Problems with Tether's own one-time registration URL (before the LMS is even contacted),
// and a registration whose LMS identity is already taken by another workspace. The runtime
// answers them itself; their words are in the one catalogue (`explain(code)` of @tether/errors).
export const REGISTRATION_URL_ERROR_CODES = ['registration_url_invalid', 'registration_url_expired', 'registration_url_used', 'registration_unusable'] as const;
export type RegistrationUrlErrorCode = (typeof REGISTRATION_URL_ERROR_CODES)[number];
