// Keys, secrets, remote keysets and one-time links (the JWT verification codes a launch meets
// are worded in launch.ts). Most of these stop the runtime itself: only the admin can act.
import { ASK_ADMIN, type CatalogueSlice } from './entry.js';

const OUR_SIDE = `Something went wrong on our side. ${ASK_ADMIN}`;
const LINK_AGAIN = 'Please open the activity again from your course.';

export const cryptoEntries: CatalogueSlice = {
  secret_missing: {
    status: 500,
    learner: OUR_SIDE,
    admin: 'The runtime has no master secret: TETHER_SECRET is not set (it is required when NODE_ENV=production; otherwise a data directory keeps a generated one).',
    fix: 'Set TETHER_SECRET (at least 32 bytes, the same on every node; `openssl rand -base64 48` makes one), then restart the runtime.',
  },
  secret_invalid: {
    status: 500,
    learner: OUR_SIDE,
    admin: 'The master secret is too short, or its secret file could not be read.',
    fix: 'Set TETHER_SECRET to a value of at least 32 bytes (or restore the secret file in the data directory), then restart the runtime.',
  },
  key_decrypt_failed: {
    status: 500,
    learner: OUR_SIDE,
    admin: 'A stored tool signing key could not be decrypted with the master secret, or it is not the key its kid names.',
    fix: 'Make sure every node runs with the same TETHER_SECRET the keys were created with; a changed secret needs the old one back.',
  },
  no_current_key: {
    status: 500,
    learner: OUR_SIDE,
    admin: 'The tool has no current signing key, so it cannot sign messages to the LMS.',
    fix: 'Restart the runtime (it creates the first key on start) and check that it can write to the database.',
  },
  duplicate_kid: {
    status: 500,
    learner: OUR_SIDE,
    admin: 'The tool key store holds two keys with the same kid.',
    fix: 'Remove the duplicate row from the tool keys table, keeping the one the LMS knows, then restart the runtime.',
  },
  key_state_conflict: {
    status: 500,
    learner: OUR_SIDE,
    admin: 'The tool key store is inconsistent (an unknown state, several current keys), or two nodes rotated the keys at the same time.',
    fix: 'If it was a rotation, run it again; otherwise check the tool keys table: exactly one key must be current.',
  },
  key_set_not_loaded: {
    status: 500,
    learner: OUR_SIDE,
    admin: 'The tool keys were used before the runtime loaded them — a start-up bug, not a configuration problem.',
    fix: 'Restart the runtime; report the correlation ID to the Tether team if it repeats.',
  },
  jwks_fetch_failed: {
    status: 502,
    learner: `We could not reach your learning platform to check your sign-in. ${ASK_ADMIN}`,
    admin: 'The platform keyset URL could not be fetched: not an http(s) URL, a network error, a redirect, or an error status.',
    fix: 'Check the public keyset URL of this connection (the final URL, not one that redirects) and that the LMS is reachable from the runtime.',
  },
  jwks_timeout: {
    status: 502,
    learner: `We could not reach your learning platform to check your sign-in. ${ASK_ADMIN}`,
    admin: 'The platform keyset URL did not answer in time.',
    fix: 'Check that the LMS is up and reachable from the runtime; if it is slow, try again later.',
  },
  jwks_too_large: {
    status: 502,
    learner: `We could not reach your learning platform to check your sign-in. ${ASK_ADMIN}`,
    admin: 'The platform keyset answer is larger than Tether accepts — probably not a keyset at all.',
    fix: 'Check that the public keyset URL of this connection points at the LMS’s JWKS, not at a page.',
  },
  jwks_invalid: {
    status: 502,
    learner: `We could not reach your learning platform to check your sign-in. ${ASK_ADMIN}`,
    admin: 'The platform keyset answer is not a JWKS (not JSON, no "keys" array) or holds a key that cannot be used.',
    fix: 'Check that the public keyset URL of this connection points at the LMS’s JWKS.',
  },
  key_lookup_failed: {
    status: 502,
    learner: `We could not reach your learning platform to check your sign-in. ${ASK_ADMIN}`,
    admin: 'The key to verify the token could not be found for an unexpected reason (the cause is in the runtime logs).',
    fix: 'Search the runtime logs for the correlation ID; check the public keyset URL of this connection.',
  },
  one_time_token_invalid: {
    status: 401,
    learner: `This link is not valid. ${LINK_AGAIN}`,
    admin: 'A one-time link Tether issued was altered, truncated, or signed by another Tether installation.',
    fix: 'Nothing to fix if it was a copied or edited URL; links must be opened as Tether issued them.',
  },
  one_time_token_expired: {
    status: 401,
    learner: `This link has expired. ${LINK_AGAIN}`,
    admin: 'A one-time link Tether issued was used after its lifetime.',
    fix: 'Usually a one-off (a tab left open); open it again from the LMS.',
  },
  one_time_token_purpose: {
    status: 401,
    learner: `This link is not valid here. ${LINK_AGAIN}`,
    admin: 'A one-time link Tether issued for one purpose was used for another (for example a picker link pasted as a registration URL).',
    fix: 'Nothing to fix if it was a pasted URL; each link works only where Tether sent it.',
  },
  handoff_token_invalid: {
    status: 401,
    learner: 'This link to the scenario is not valid. Please open the activity again from your course.',
    admin:
      'A scenario player refused a hand-off token: it is not a Tether hand-off token (wrong "typ" header) or its claims are malformed — usually a player and a runtime on different versions of @tether/crypto.',
    fix: "Update the player's @tether/crypto to the runtime's version; the error's details.claims names the claims it could not read.",
  },
  handoff_token_replayed: {
    status: 401,
    learner: 'This launch was already used to open the scenario. Please open the activity again from your course.',
    admin: 'A scenario player received a hand-off token it had already accepted: the form was posted twice (a reload, the back button) or a captured token was replayed.',
    fix: 'Nothing to fix for a one-off. If it happens on the first opening and the player runs several processes, give its verifier a shared replayStore.',
  },
};
