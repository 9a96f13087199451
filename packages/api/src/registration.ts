// One-time dynamic-registration URLs (valid one hour). Shared by the dashboard (tRPC) and
// the CLI: the token is signed, and its jti is stored so the runtime can refuse a second use.
import type { OneTimeTokens } from '@tether/crypto';
import { type Database, type Kysely, storeRegistrationToken } from '@tether/db';
import { toolEndpoints } from '@tether/lti';

export const REGISTRATION_PURPOSE = 'dynamic-registration';
export const REGISTRATION_TTL_SEC = 3600;

export interface MintedRegistrationUrl {
  url: string;
  jti: string;
  expiresAt: Date;
}

export async function mintRegistrationUrl(
  db: Kysely<Database>,
  tokens: OneTimeTokens,
  input: { workspaceId: string; publicUrl: string; createdBy: string | null /** audit actor; defaults to createdBy, else 'system' */; actor?: string },
): Promise<MintedRegistrationUrl> {
  const { token, jti, expiresAt } = await tokens.sign({
    purpose: REGISTRATION_PURPOSE,
    data: { workspace: input.workspaceId },
    ttlSec: REGISTRATION_TTL_SEC,
  });
  await storeRegistrationToken(db, { jti, workspaceId: input.workspaceId, createdBy: input.createdBy, expiresAt, actor: input.actor ?? input.createdBy ?? 'system' });
  const url = `${toolEndpoints(input.publicUrl).register}?token=${encodeURIComponent(token)}`;
  return { url, jti, expiresAt };
}
