// The hand-off to the host product's scenario player: after a landing, a short-lived launch
// context signed with the tool's current key (the same JWKS the LMSes read), which the host
// verifies with @tether/crypto's createHandoffVerifier. It travels in a POSTed form field,
// never in a URL, and is single use at the host (its jti).
import { type HandoffContext, signHandoffToken } from '@tether/crypto';
import type { RuntimeDeps } from './deps.js';

/** What the landing knows of a launch: its signed session's fields, all strings. */
export interface HandoffSession {
  launch: string;
  cid: string;
  user: string;
  name: string;
  email: string;
  workspace: string;
  roles: string;
  course: string;
  context: string;
  grade: '0' | '1';
}

export function handoffContextOf(s: HandoffSession, scenario: { id: string; slug: string }): HandoffContext {
  return {
    learner: { id: s.user, name: s.name || null, email: s.email || null },
    workspace: { id: s.workspace },
    scenario: { id: scenario.id, slug: scenario.slug },
    launch: { id: s.launch, correlationId: s.cid },
    roles: s.roles ? s.roles.split(' ') : [],
    course: s.course || s.context ? { id: s.course || null, title: s.context || null } : null,
    canSendGrade: s.grade === '1',
  };
}

/** The player's address and the token to post there; undefined when no player is configured. */
export async function prepareHandoff(deps: RuntimeDeps, ctx: HandoffContext): Promise<{ action: string; token: string } | undefined> {
  const player = deps.config.SCENARIO_PLAYER_URL;
  if (!player) return undefined;
  const signing = await deps.keys.signingKey();
  const token = await signHandoffToken(ctx, {
    key: signing.key,
    kid: signing.kid,
    alg: signing.alg,
    issuer: deps.config.PUBLIC_URL,
    audience: new URL(player).origin,
  });
  return { action: player, token };
}
