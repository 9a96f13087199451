import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  buildAuthRequestUrl,
  CLAIM,
  isInstructor,
  isLtiError,
  type KeyResolver,
  LtiError,
  loginDeploymentHint,
  loginRequestSchema,
  normaliseRoles,
  parseDeploymentIds,
  platformInputSchema,
  slugify,
  toolDiscoveryDocument,
  validateIdToken,
} from '../src/index.js';

describe('login request', () => {
  it('reads Canvas deployment_id as well as lti_deployment_id', () => {
    const base = { iss: 'https://canvas.instructure.com', login_hint: 'u', target_link_uri: 'https://tool/lti/launch' };
    expect(loginDeploymentHint(loginRequestSchema.parse({ ...base, deployment_id: '1:abc' }))).toBe('1:abc');
    expect(loginDeploymentHint(loginRequestSchema.parse({ ...base, lti_deployment_id: '2:def' }))).toBe('2:def');
    expect(loginRequestSchema.safeParse({ ...base, iss: '' }).success).toBe(false);
    expect(loginRequestSchema.safeParse({ login_hint: 'u', target_link_uri: 'x' }).success).toBe(false);
  });

  it('builds the authentication request, keeping a query the auth URL already has', () => {
    const url = new URL(
      buildAuthRequestUrl({ authLoginUrl: 'https://lms.example/auth?tenant=7', clientId: 'c', redirectUri: 'https://tool/lti/launch', loginHint: 'h', state: 's', nonce: 'n' }),
    );
    expect(url.searchParams.get('tenant')).toBe('7');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
      client_id: 'c',
      redirect_uri: 'https://tool/lti/launch',
    });
    expect(url.searchParams.has('lti_message_hint')).toBe(false);
  });
});

describe('roles', () => {
  it('normalises short context roles and recognises instructors and TAs', () => {
    expect(normaliseRoles(['Learner', 'Learner', ' http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student '])).toEqual([
      'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner',
      'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student',
    ]);
    expect(isInstructor(['Instructor'])).toBe(true);
    expect(isInstructor(['http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant'])).toBe(true);
    expect(isInstructor(['Learner'])).toBe(false);
  });
});

describe('manual connection input', () => {
  const valid = {
    name: 'Moodle',
    issuer: 'https://moodle.example.edu',
    clientId: 'abc',
    deploymentIds: '1, 2 3\n4',
    authLoginUrl: 'https://moodle.example.edu/mod/lti/auth.php',
    tokenUrl: 'https://moodle.example.edu/mod/lti/token.php',
    jwksUrl: 'https://moodle.example.edu/mod/lti/certs.php',
  };
  it('parses deployment IDs separated by spaces, commas or lines', () => {
    expect(parseDeploymentIds('1, 2 3\n4,,1')).toEqual(['1', '2', '3', '4']);
    expect(platformInputSchema.parse(valid).deploymentIds).toEqual(['1', '2', '3', '4']);
    expect(platformInputSchema.parse(valid).deploymentPolicy).toBe('strict');
  });
  it('names the field of every error', () => {
    const r = platformInputSchema.safeParse({ ...valid, issuer: 'not a url', jwksUrl: 'ftp://x', deploymentIds: ' ' });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path[0]).sort()).toEqual(['deploymentIds', 'issuer', 'jwksUrl']);
  });
  it('slugifies names', () => {
    expect(slugify('Ácme Training!  2026')).toBe('acme-training-2026');
  });
});

describe('LtiError', () => {
  it('answers with the catalogue status of its code and keeps its details', () => {
    const e = new LtiError('unknown_deployment', 'strict policy', { details: { deploymentId: 'd1' } });
    expect(e).toMatchObject({ name: 'LtiError', code: 'unknown_deployment', status: 403, details: { deploymentId: 'd1' }, retryable: false });
    expect(new LtiError('jwks_unreachable', 'down').status).toBe(502);
    expect(isLtiError(e, 'unknown_deployment')).toBe(true);
    expect(isLtiError(e, 'kid_missing')).toBe(false);
  });
});

describe('tool discovery document', () => {
  it('lists the endpoints built from PUBLIC_URL', () => {
    const d = toolDiscoveryDocument('https://tether.example.com/');
    expect(d.initiate_login_uri).toBe('https://tether.example.com/lti/login');
    expect(d.redirect_uris).toEqual(['https://tether.example.com/lti/launch']);
    expect(d['https://purl.imsglobal.org/spec/lti-tool-configuration'].domain).toBe('tether.example.com');
  });
});

describe('validateIdToken', async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = await exportJWK(publicKey);
  const keys: KeyResolver = {
    getKey: async (_u, kid) => {
      if (kid !== 'k1') throw new Error('unexpected kid');
      return { key: publicKey, refetched: false, fromCache: true };
    },
  };
  void jwk;
  const platform = { issuer: 'https://lms.example', clientId: 'client-1', jwksUrl: 'https://lms.example/jwks' };
  const claims = (over: Record<string, unknown> = {}) => ({
    iss: platform.issuer,
    aud: 'client-1',
    sub: 'u1',
    nonce: 'n1',
    [CLAIM.messageType]: 'LtiResourceLinkRequest',
    [CLAIM.version]: '1.3.0',
    [CLAIM.deploymentId]: 'd1',
    [CLAIM.targetLinkUri]: 'https://tool.example/lti/launch',
    [CLAIM.resourceLink]: { id: 'rl1' },
    [CLAIM.roles]: [],
    ...over,
  });
  const sign = (c: Record<string, unknown>) => new SignJWT(c).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuedAt().setExpirationTime('5m').sign(privateKey);
  const check = async (c: Record<string, unknown>, extra = {}) => validateIdToken(await sign(c), { platform, expectedNonce: 'n1', keys, ...extra });
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: LtiError) => e.code,
    );

  it('accepts a valid launch with an empty roles array', async () => {
    const v = await check(claims());
    expect(v.messageType).toBe('LtiResourceLinkRequest');
    expect(v.deploymentId).toBe('d1');
    expect(v.header).toEqual({ kid: 'k1', alg: 'RS256' });
  });
  it('accepts aud as an array with azp, rejects extra untrusted audiences and a missing azp', async () => {
    expect(await code(check(claims({ aud: ['client-1'] })))).toBe('ok');
    expect(await code(check(claims({ aud: ['client-1', 'other'], azp: 'client-1' })))).toBe('aud_mismatch');
    expect(await code(check(claims({ aud: ['client-1', 'other'], azp: 'client-1' }), { trustedAudiences: ['other'] }))).toBe('ok');
    expect(await code(check(claims({ aud: ['client-1', 'other'] }), { trustedAudiences: ['other'] }))).toBe('azp_mismatch');
  });
  it('checks nonce, version, deployment, message type, sub and required claims', async () => {
    expect(await code(check(claims({ nonce: 'other' })))).toBe('nonce_mismatch');
    expect(await code(check(claims({ [CLAIM.version]: '1.3' })))).toBe('wrong_version');
    expect(await code(check(claims({ [CLAIM.deploymentId]: '' })))).toBe('deployment_missing');
    expect(await code(check(claims({ [CLAIM.messageType]: 'Other' })))).toBe('unsupported_message_type');
    expect(await code(check(claims({ sub: undefined })))).toBe('sub_missing');
    expect(await code(check(claims({ sub: undefined }), { allowAnonymous: true }))).toBe('ok');
    expect(await code(check(claims({ [CLAIM.resourceLink]: {} })))).toBe('claim_invalid');
    expect(await code(check(claims({ [CLAIM.messageType]: 'LtiDeepLinkingRequest' })))).toBe('claim_invalid');
  });
  it('refuses a non-string or oversized token before parsing', async () => {
    expect(await code(validateIdToken(undefined, { platform, expectedNonce: 'n1', keys }))).toBe('jwt_malformed');
    expect(await code(validateIdToken('a'.repeat(70_000), { platform, expectedNonce: 'n1', keys }))).toBe('jwt_malformed');
  });
});
