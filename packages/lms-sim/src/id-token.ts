/** Building, tampering and signing the id_token a launch carries. */
import { base64url, type CompactJWSHeaderParameters, CompactSign } from 'jose';
import { CLAIM, CLAIM_SHORT_NAMES } from './constants.js';
import type { KeyStore } from './keys.js';
import type { Tamper } from './types.js';
import { nowSec } from './util.js';

/** Map a short LTI claim name (`roles`) to its full URI; other names pass through. */
export function claimKey(name: string): string {
  return CLAIM_SHORT_NAMES[name] ?? name;
}

export interface TimeClaims {
  iat: number;
  exp: number;
}

export function launchTimes(tamper: Tamper | undefined, lifetimeSec = 300): TimeClaims {
  const now = nowSec();
  let iat = now;
  let exp = now + lifetimeSec;
  if (tamper?.expired) {
    iat = now - 600;
    exp = now - 300;
  }
  if (tamper?.iatOffsetSec !== undefined) iat = now + tamper.iatOffsetSec;
  if (tamper?.expOffsetSec !== undefined) exp = now + tamper.expOffsetSec;
  return { iat, exp };
}

/** Apply the claim-level parts of a Tamper to an id_token payload (in place) and return it. */
export function applyClaimTamper(claims: Record<string, unknown>, tamper: Tamper | undefined): Record<string, unknown> {
  if (!tamper) return claims;
  if (tamper.iss !== undefined) claims.iss = tamper.iss;
  if (tamper.aud !== undefined) claims.aud = tamper.aud;
  if (tamper.azp !== undefined) claims.azp = tamper.azp;
  if (tamper.nonce === null) delete claims.nonce;
  else if (tamper.nonce !== undefined) claims.nonce = tamper.nonce;
  if (tamper.deploymentId === null) delete claims[CLAIM.deploymentId];
  else if (tamper.deploymentId !== undefined) claims[CLAIM.deploymentId] = tamper.deploymentId;
  if (tamper.version !== undefined) claims[CLAIM.version] = tamper.version;
  if (tamper.messageType !== undefined) claims[CLAIM.messageType] = tamper.messageType;
  for (const name of tamper.omit ?? []) {
    delete claims[name];
    delete claims[claimKey(name)];
  }
  for (const [name, value] of Object.entries(tamper.set ?? {})) {
    claims[claimKey(name)] = value;
  }
  return claims;
}

function encodeJson(v: unknown): string {
  return base64url.encode(new TextEncoder().encode(JSON.stringify(v)));
}

/** Sign a payload as the platform, honouring the signature-level parts of a Tamper. */
export async function signPlatformJwt(keys: KeyStore, payload: Record<string, unknown>, tamper?: Tamper): Promise<{ token: string; header: Record<string, unknown> }> {
  let token: string;
  let header: Record<string, unknown>;
  const kid = tamper?.omitKid ? undefined : (tamper?.kid ?? keys.current.kid);
  const bytes = new TextEncoder().encode(JSON.stringify(payload));

  if (tamper?.alg === 'none') {
    header = { alg: 'none', typ: 'JWT' };
    if (kid !== undefined) header.kid = kid;
    token = `${encodeJson(header)}.${encodeJson(payload)}.`;
  } else if (tamper?.alg === 'HS256') {
    // Algorithm-confusion attack: HMAC keyed with the platform's *public* key.
    const secret = new TextEncoder().encode(await keys.currentPublicPem());
    const h: CompactJWSHeaderParameters = { alg: 'HS256', typ: 'JWT' };
    if (kid !== undefined) h.kid = kid;
    header = { ...h };
    token = await new CompactSign(bytes).setProtectedHeader(h).sign(secret);
  } else {
    const key = tamper?.wrongKey ? (await keys.rogueKey()).privateKey : keys.current.privateKey;
    const h: CompactJWSHeaderParameters = { alg: 'RS256', typ: 'JWT' };
    if (kid !== undefined) h.kid = kid;
    header = { ...h };
    token = await new CompactSign(bytes).setProtectedHeader(h).sign(key);
  }

  if (tamper?.garbleToken) {
    // Drop the signature segment: two parts, not a compact JWS.
    token = token.split('.').slice(0, 2).join('.');
  }
  return { token, header };
}
