// The hand-off token's claims: the launch context Tether's runtime hands to the host product's
// scenario player, and its wire layout. Signer and verifier share this one schema, so a token
// the signer accepts to write is a token every verifier of the same version reads.
//
// Wire layout (JWS header: alg RS256|ES256, kid, typ `tether-handoff+jwt`):
//
//   iss    the runtime's PUBLIC_URL             aud    the player's origin (one string)
//   sub    learner.id (the workspace member)    jti    random, single use at the player
//   iat    issued at (whole seconds)            exp    iat + ttl (≤ 300 s)
//   name   learner.name  — omitted when null (OIDC standard claim)
//   email  learner.email — omitted when null (OIDC standard claim)
//   tether {
//     workspace:      { id }
//     scenario:       { id, slug }
//     launch:         { id, correlation_id }
//     roles:          [LTI role URIs]
//     course:         { id: string|null, title: string|null } | null
//     can_send_grade: boolean
//   }
//
// Members of `tether` a reader does not know are ignored, so the runtime may add some without
// breaking players; a change in meaning gets a new `typ`.
import type { JWTPayload } from 'jose';
import { z } from 'zod';

/** JWS `typ` header of a hand-off token (RFC 8725 §3.11: explicit typing, no cross-JWT confusion). */
export const HANDOFF_TOKEN_TYPE = 'tether-handoff+jwt';
/** Lifetime of a hand-off token, and the maximum age a verifier accepts. */
export const HANDOFF_TOKEN_TTL_SEC = 300;
/** The JWS algorithms of hand-off tokens: the tool's keys are RS256; ES256 leaves room for an EC key. */
export const HANDOFF_ALGORITHMS = ['RS256', 'ES256'] as const;

/** The launch context a scenario player receives. */
export interface HandoffContext {
  /** `id` is the workspace member (Tether user) id. */
  learner: { id: string; name: string | null; email: string | null };
  workspace: { id: string };
  scenario: { id: string; slug: string };
  launch: { id: string; correlationId: string };
  /** LTI role URIs. */
  roles: string[];
  course: { id: string | null; title: string | null } | null;
  /** The launch carries an AGS line item: the Grades API can take a score for it. */
  canSendGrade: boolean;
}

const id = z.string().min(1).max(255);
// Free text comes from the LMS, which caps none of it; refusing a long course title would
// strand a learner, so these are strings of any length.
const text = z.string();

/** The `tether` claim. */
const tetherClaimSchema = z.object({
  workspace: z.object({ id }),
  scenario: z.object({ id, slug: z.string().min(1).max(255) }),
  launch: z.object({ id, correlation_id: id }),
  roles: z.array(text),
  course: z.object({ id: text.nullable(), title: text.nullable() }).nullable(),
  can_send_grade: z.boolean(),
});

/** The claims that carry the context (the signer adds iss, aud, iat, exp and jti). */
const contextClaimsSchema = z.object({
  sub: id,
  name: text.nullish(),
  email: text.nullish(),
  tether: tetherClaimSchema,
});

/** The payload claims a verifier reads once the signature and registered claims have passed. */
const handoffClaimsSchema = contextClaimsSchema.extend({ jti: z.string().min(1).max(255) });

type ContextClaims = z.input<typeof contextClaimsSchema>;

/** The context as payload claims (without iss, aud, iat, exp, jti: the signer adds those). */
export function toHandoffClaims(ctx: HandoffContext): ContextClaims {
  return {
    sub: ctx.learner.id,
    // OIDC: a claim without a value is omitted rather than null.
    ...(ctx.learner.name === null ? {} : { name: ctx.learner.name }),
    ...(ctx.learner.email === null ? {} : { email: ctx.learner.email }),
    tether: {
      workspace: { id: ctx.workspace.id },
      scenario: { id: ctx.scenario.id, slug: ctx.scenario.slug },
      launch: { id: ctx.launch.id, correlation_id: ctx.launch.correlationId },
      roles: [...ctx.roles],
      course: ctx.course === null ? null : { id: ctx.course.id, title: ctx.course.title },
      can_send_grade: ctx.canSendGrade,
    },
  };
}

/** Paths of the claims `toHandoffClaims` made that a verifier would refuse (empty: none). */
export function invalidContextClaims(claims: ContextClaims): string[] {
  const parsed = contextClaimsSchema.safeParse(claims);
  return parsed.success ? [] : issuePaths(parsed.error);
}

type ParsedHandoffClaims = { ok: true; context: HandoffContext; jti: string } | { ok: false; invalid: string[] };

/**
 * Reads the context out of a payload. On failure, `invalid` names the offending claims by path
 * (`tether.scenario.slug`) — never their values, which may be personal data.
 */
export function parseHandoffClaims(payload: JWTPayload): ParsedHandoffClaims {
  const parsed = handoffClaimsSchema.safeParse(payload);
  if (!parsed.success) return { ok: false, invalid: issuePaths(parsed.error) };
  const { sub, jti, name, email, tether } = parsed.data;
  return {
    ok: true,
    jti,
    context: {
      learner: { id: sub, name: name ?? null, email: email ?? null },
      workspace: { id: tether.workspace.id },
      scenario: { id: tether.scenario.id, slug: tether.scenario.slug },
      launch: { id: tether.launch.id, correlationId: tether.launch.correlation_id },
      roles: tether.roles,
      course: tether.course === null ? null : { id: tether.course.id, title: tether.course.title },
      canSendGrade: tether.can_send_grade,
    },
  };
}

function issuePaths(error: z.ZodError): string[] {
  return [...new Set(error.issues.map((issue) => (issue.path.length === 0 ? '(payload)' : issue.path.join('.'))))];
}
