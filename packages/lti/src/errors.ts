// Every failure a launch can meet has a stable code. The catalogue gives each one a plain
// learner message, an admin explanation and the fix; the runtime's error page and the
// dashboard's troubleshooting view both read it.

export type LtiErrorCode =
  | 'invalid_request'
  | 'unknown_platform'
  | 'ambiguous_platform'
  | 'target_link_uri_invalid'
  | 'platform_error'
  | 'state_missing'
  | 'state_unknown'
  | 'state_expired'
  | 'nonce_replayed'
  | 'jwt_malformed'
  | 'alg_not_allowed'
  | 'kid_missing'
  | 'kid_not_found'
  | 'jwks_unreachable'
  | 'bad_signature'
  | 'iss_mismatch'
  | 'aud_mismatch'
  | 'azp_mismatch'
  | 'token_expired'
  | 'iat_in_future'
  | 'token_too_old'
  | 'nonce_missing'
  | 'nonce_mismatch'
  | 'platform_mismatch'
  | 'deployment_missing'
  | 'unknown_deployment'
  | 'deployment_mismatch'
  | 'unsupported_message_type'
  | 'wrong_version'
  | 'claim_invalid'
  | 'sub_missing'
  | 'scenario_not_found'
  | 'internal_error';

export interface ErrorExplanation {
  status: 400 | 401 | 403 | 404 | 409 | 410 | 422 | 500 | 502;
  /** Shown to the learner: plain words, no jargon. */
  learner: string;
  /** What went wrong, for the workspace admin. */
  admin: string;
  /** What the admin should do. */
  fix: string;
}

const ASK_ADMIN = 'Please try again from your course. If it keeps happening, give the code below to your administrator.';

export const ERROR_CATALOG: Record<LtiErrorCode, ErrorExplanation> = {
  invalid_request: {
    status: 400,
    learner: `The learning platform sent an incomplete request. ${ASK_ADMIN}`,
    admin: 'The login or launch request was missing a required parameter or had an invalid one.',
    fix: 'Check the tool configuration in the LMS: the login URL and redirect URI must be the ones shown on the LTI settings page.',
  },
  unknown_platform: {
    status: 400,
    learner: `This course's platform is not connected to this workspace yet. ${ASK_ADMIN}`,
    admin: 'No connected LMS matches the issuer and client ID sent with the login.',
    fix: 'Connect the LMS (dynamic registration or the manual form) with exactly this issuer and client ID, or correct the client ID in the LMS.',
  },
  ambiguous_platform: {
    status: 400,
    learner: `The platform could not be identified. ${ASK_ADMIN}`,
    admin: 'Several connections share this issuer and the LMS did not send a client_id to tell them apart.',
    fix: 'Configure the LMS to send client_id on login initiation (Canvas does by default), or keep a single connection for this issuer.',
  },
  target_link_uri_invalid: {
    status: 400,
    learner: `The link in your course points to the wrong place. ${ASK_ADMIN}`,
    admin: 'target_link_uri does not point at this Tether runtime.',
    fix: 'Set the tool’s target link URI in the LMS to the launch URL shown on the LTI settings page.',
  },
  platform_error: {
    status: 400,
    learner: 'Your learning platform could not sign you in to this activity. Try opening it in a new window, or sign in to your course again.',
    admin: 'The LMS answered the authentication request with an error (for example login_required when its own session cookie is blocked in the iframe).',
    fix: 'Set the placement to open in a new window, or ask learners to allow cookies for the LMS; check the LMS error description in the timeline.',
  },
  state_missing: {
    status: 401,
    learner: 'Your browser blocked a cookie this activity needs. Open the activity in a new window, or allow cookies for this site, then try again.',
    admin: 'The launch arrived without the state cookie set at login — usually a browser blocking third-party cookies in the LMS iframe (Safari, Chrome incognito).',
    fix: 'Open the placement in a new window, or use an LMS that supports LTI platform storage (Canvas does); the runtime uses it automatically when offered.',
  },
  state_unknown: {
    status: 401,
    learner: `This launch could not be matched to your sign-in. ${ASK_ADMIN}`,
    admin: 'The state in the launch does not match any login this tool started (or it does not match the cookie of this browser).',
    fix: 'Make sure the LMS redirect URI points to this environment’s launch URL and that login and launch reach the same Tether deployment.',
  },
  state_expired: {
    status: 401,
    learner: 'The launch took too long and expired. Please open the activity again from your course.',
    admin: 'More than 10 minutes passed between login initiation and launch.',
    fix: 'Usually a one-off (laptop asleep). If frequent, check the LMS for slow redirects.',
  },
  nonce_replayed: {
    status: 401,
    learner: 'This launch link was already used. Please open the activity again from your course.',
    admin: 'The launch was replayed: its state and nonce were already consumed by an earlier launch.',
    fix: 'Nothing to fix if it was a double-click or browser back/refresh; repeated replays may be an attack.',
  },
  jwt_malformed: {
    status: 400,
    learner: `The platform sent a damaged sign-in token. ${ASK_ADMIN}`,
    admin: 'The id_token is missing or is not a compact three-part JWS.',
    fix: 'Check that the LMS posts to the launch URL (redirect URI), not the login URL.',
  },
  alg_not_allowed: {
    status: 401,
    learner: `The platform's sign-in token was not acceptable. ${ASK_ADMIN}`,
    admin: 'The id_token is signed with an algorithm outside the allow-list (RS256). none and HMAC are never accepted.',
    fix: 'Configure the LMS to sign LTI tokens with RS256.',
  },
  kid_missing: {
    status: 401,
    learner: `The platform's sign-in token could not be checked. ${ASK_ADMIN}`,
    admin: 'The id_token header has no kid, so its key cannot be looked up in the platform keyset.',
    fix: 'Check the LMS key configuration; LTI 1.3 platforms must send kid.',
  },
  kid_not_found: {
    status: 401,
    learner: `The platform's sign-in token could not be checked. ${ASK_ADMIN}`,
    admin: 'The key that signed the id_token is not in the platform keyset, even after refetching it — the LMS probably rotated its keys, or the keyset URL is wrong.',
    fix: 'Check the public keyset URL of this connection, then re-save it (this refreshes the cached keys).',
  },
  jwks_unreachable: {
    status: 502,
    learner: `We could not reach your learning platform to check your sign-in. ${ASK_ADMIN}`,
    admin: 'Fetching the platform keyset failed (network error, timeout, non-200 or invalid JSON).',
    fix: 'Check the public keyset URL of this connection and that the LMS is reachable from the runtime.',
  },
  bad_signature: {
    status: 401,
    learner: `The platform's sign-in token could not be verified. ${ASK_ADMIN}`,
    admin: 'The id_token signature does not verify with the platform key named by its kid.',
    fix: 'Check that the keyset URL belongs to this LMS; re-save the connection to refresh cached keys.',
  },
  iss_mismatch: {
    status: 401,
    learner: `The sign-in token came from an unexpected platform. ${ASK_ADMIN}`,
    admin: 'The id_token iss differs from the registered issuer (exact string compare).',
    fix: 'Correct the issuer of the connection (trailing slashes matter).',
  },
  aud_mismatch: {
    status: 401,
    learner: `The sign-in token was meant for another tool. ${ASK_ADMIN}`,
    admin: 'The id_token aud does not contain this connection’s client ID, or lists audiences that are not trusted.',
    fix: 'Correct the client ID of the connection to the one the LMS shows for this tool.',
  },
  azp_mismatch: {
    status: 401,
    learner: `The sign-in token was meant for another tool. ${ASK_ADMIN}`,
    admin: 'The id_token azp is not this connection’s client ID.',
    fix: 'Correct the client ID of the connection.',
  },
  token_expired: {
    status: 401,
    learner: 'The sign-in expired before it reached us. Please open the activity again.',
    admin: 'The id_token exp is in the past (beyond the allowed clock skew).',
    fix: 'Check the clocks of the LMS and runtime servers (NTP) if this repeats.',
  },
  iat_in_future: {
    status: 401,
    learner: `The sign-in token's time is off. ${ASK_ADMIN}`,
    admin: 'The id_token iat is in the future beyond the allowed clock skew.',
    fix: 'Clock skew between the LMS and the runtime: check NTP on both.',
  },
  token_too_old: {
    status: 401,
    learner: 'The sign-in is too old. Please open the activity again.',
    admin: 'The id_token iat is older than the maximum accepted age.',
    fix: 'Check the LMS and runtime clocks; a slow redirect chain can also cause it.',
  },
  nonce_missing: {
    status: 401,
    learner: `The platform's sign-in token was incomplete. ${ASK_ADMIN}`,
    admin: 'The id_token has no nonce.',
    fix: 'The LMS must echo the nonce from the authentication request; check its LTI implementation.',
  },
  nonce_mismatch: {
    status: 401,
    learner: `This launch could not be matched to your sign-in. ${ASK_ADMIN}`,
    admin: 'The id_token nonce is not the one issued with this state: a token from another login was posted.',
    fix: 'Usually a replayed or mixed-up launch; if it repeats for everyone, check that the LMS echoes the nonce.',
  },
  platform_mismatch: {
    status: 401,
    learner: `This launch could not be matched to your sign-in. ${ASK_ADMIN}`,
    admin: 'The id_token issuer/client ID differ from those of the login that issued this state.',
    fix: 'Check that each LMS connection has its own client ID.',
  },
  deployment_missing: {
    status: 400,
    learner: `The platform did not say which installation this is. ${ASK_ADMIN}`,
    admin: 'The id_token has no deployment_id claim.',
    fix: 'The LMS must send deployment_id; check its LTI configuration.',
  },
  unknown_deployment: {
    status: 403,
    learner: `This course's installation of the activity is not approved yet. ${ASK_ADMIN}`,
    admin: 'The deployment ID is not registered for this connection, and its policy is strict.',
    fix: 'Add the deployment ID to the connection (LTI settings → Connected LMSes → edit), or switch the connection to learn new deployments.',
  },
  deployment_mismatch: {
    status: 401,
    learner: `This launch could not be matched to your sign-in. ${ASK_ADMIN}`,
    admin: 'The deployment ID at login differs from the one in the id_token.',
    fix: 'Usually an LMS misconfiguration of the placement; re-install the tool in the course.',
  },
  unsupported_message_type: {
    status: 400,
    learner: 'This kind of link is not supported by this activity yet.',
    admin: 'The message type of the launch is not one Tether handles (LtiResourceLinkRequest and LtiDeepLinkingRequest are).',
    fix: 'Add the activity as an LTI link (or through the deep-linking scenario picker) with the custom parameter scenario_id.',
  },
  wrong_version: {
    status: 400,
    learner: `The platform uses an LTI version this activity does not support. ${ASK_ADMIN}`,
    admin: 'The LTI version claim is not "1.3.0".',
    fix: 'Configure the tool in the LMS as LTI 1.3.',
  },
  claim_invalid: {
    status: 400,
    learner: `The platform sent incomplete launch information. ${ASK_ADMIN}`,
    admin: 'A claim the message type requires is missing or malformed (named in the timeline).',
    fix: 'Check the LMS placement configuration; the claim name tells what is missing.',
  },
  sub_missing: {
    status: 400,
    learner: 'This activity needs to know who you are, but the platform launched it anonymously.',
    admin: 'The id_token has no sub (an anonymous launch) or an empty one.',
    fix: 'Set the tool’s privacy level in the LMS to share at least the user ID.',
  },
  scenario_not_found: {
    status: 404,
    learner: 'This activity is not linked to a scenario yet. Please tell your instructor.',
    admin: 'The launch has no custom parameter scenario_id, or it names a scenario that does not exist in this workspace.',
    fix: 'In the LMS activity settings, add the custom parameter scenario_id=<slug> — copy it from the scenario page in the dashboard.',
  },
  internal_error: {
    status: 500,
    learner: `Something went wrong on our side. ${ASK_ADMIN}`,
    admin: 'An unexpected error occurred; the runtime logs carry the same correlation ID.',
    fix: 'Search the runtime logs for the correlation ID.',
  },
};

export class LtiError extends Error {
  override readonly name = 'LtiError';
  constructor(
    readonly code: LtiErrorCode,
    message: string,
    /** Safe to log and show to admins: claim names, kids, URLs — never tokens or secrets. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
  get status() {
    return ERROR_CATALOG[this.code].status;
  }
}

export const isLtiError = (e: unknown): e is LtiError => e instanceof LtiError;
