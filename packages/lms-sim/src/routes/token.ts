/** OAuth2 client-credentials token endpoint with private_key_jwt client assertions. */
import type { Hono } from 'hono';
import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader } from 'jose';
import { ALL_SERVICE_SCOPES, CLIENT_ASSERTION_TYPE } from '../constants.js';
import { json, mediaType, oauthError } from '../http.js';
import { tokenAudience } from '../platform.js';
import type { SimContext } from '../state.js';
import { fetchToolJwks } from '../tool-jwks.js';
import { issueAccessToken } from '../tools.js';
import type { DecodedAssertion } from '../types.js';
import { nowSec } from '../util.js';

/** Largest allowed exp − now for a client assertion (5 min) plus a little skew. */
const MAX_ASSERTION_LIFETIME_SEC = 300;
const SKEW_SEC = 10;

export function installTokenRoutes(app: Hono, sim: SimContext): void {
  app.post('/token', async (c) => {
    sim.state.stats.tokenRequests++;
    if (mediaType(c.req.header('content-type')) !== 'application/x-www-form-urlencoded') {
      return oauthError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
    }
    const form = new URLSearchParams(await c.req.text());
    const grantType = form.get('grant_type');
    if (grantType !== 'client_credentials') {
      return oauthError(400, 'unsupported_grant_type', `grant_type must be client_credentials (got "${grantType ?? ''}")`);
    }
    if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE) {
      return oauthError(400, 'invalid_request', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
    }
    const assertion = form.get('client_assertion') ?? '';
    if (!assertion) return oauthError(400, 'invalid_request', 'client_assertion is required');

    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(assertion) as Record<string, unknown>;
      claims = decodeJwt(assertion) as Record<string, unknown>;
    } catch {
      return oauthError(401, 'invalid_client', 'client_assertion is not a compact JWS');
    }
    const record: DecodedAssertion = { header, claims, raw: assertion, rejected: null };
    sim.state.assertions.push(record);
    const reject = (status: number, error: string, description: string): Response => {
      record.rejected = description;
      return oauthError(status, error, description);
    };

    if (header.alg !== 'RS256') return reject(401, 'invalid_client', `client_assertion alg must be RS256 (got ${String(header.alg)})`);
    if (typeof header.kid !== 'string' || !header.kid) return reject(401, 'invalid_client', 'client_assertion has no kid header');

    const iss = typeof claims.iss === 'string' ? claims.iss : '';
    const tool = sim.state.tools.get(iss);
    if (!tool) return reject(401, 'invalid_client', `iss "${iss}" is not a registered client_id`);
    if (claims.sub !== iss) return reject(401, 'invalid_client', 'sub must equal iss (the client_id)');

    try {
      const jwks = await fetchToolJwks(sim, tool.jwksUrl);
      const kids = jwks.keys.map((k) => k.kid);
      if (!kids.includes(header.kid)) {
        return reject(401, 'invalid_client', `no key with kid "${header.kid}" in the tool JWKS ${tool.jwksUrl}`);
      }
      await compactVerify(assertion, createLocalJWKSet(jwks), { algorithms: ['RS256'] });
    } catch (err) {
      return reject(401, 'invalid_client', `client_assertion signature could not be verified: ${(err as Error).message}`);
    }

    const expectedAud = tokenAudience(sim);
    const aud = claims.aud;
    if (!(aud === expectedAud || (Array.isArray(aud) && aud.includes(expectedAud)))) {
      return reject(401, 'invalid_client', `aud must be "${expectedAud}" (or an array containing it); got ${JSON.stringify(aud)}`);
    }
    const now = nowSec();
    if (typeof claims.iat !== 'number' || !Number.isInteger(claims.iat)) {
      return reject(401, 'invalid_client', 'iat missing or not an integer (fractional seconds are rejected)');
    }
    if (claims.iat > now + SKEW_SEC) return reject(401, 'invalid_client', 'iat is in the future');
    if (typeof claims.exp !== 'number' || !Number.isInteger(claims.exp)) {
      return reject(401, 'invalid_client', 'exp missing or not an integer');
    }
    if (claims.exp <= now - SKEW_SEC) return reject(401, 'invalid_client', 'client_assertion has expired');
    if (claims.exp > now + MAX_ASSERTION_LIFETIME_SEC + SKEW_SEC) {
      return reject(401, 'invalid_client', 'exp is more than 5 minutes ahead');
    }
    if (typeof claims.jti !== 'string' || !claims.jti) return reject(401, 'invalid_client', 'jti is required');
    // forget jtis of long-expired assertions
    for (const [jti, exp] of sim.state.seenJti) if (exp < now - 3600) sim.state.seenJti.delete(jti);
    if (sim.state.seenJti.has(claims.jti)) return reject(401, 'invalid_client', `jti "${claims.jti}" was already used (replay)`);
    sim.state.seenJti.set(claims.jti, claims.exp);

    const requested = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
    if (!requested.length) return reject(400, 'invalid_scope', 'scope is required');
    const bad = requested.filter((s) => !ALL_SERVICE_SCOPES.includes(s) || !tool.scopes.includes(s));
    if (bad.length) return reject(400, 'invalid_scope', `scope(s) not allowed for this client: ${bad.join(' ')}`);

    const ttl = sim.opts.tokenTtlSec ?? 3600;
    const accessToken = issueAccessToken(sim, { clientId: tool.clientId, scopes: requested, ttlSec: ttl });
    return json(200, { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, scope: requested.join(' ') });
  });
}
