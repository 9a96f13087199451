// The launch's protocol decisions, without a server: every refusal and its code.
import { describe, expect, it } from 'vitest';
import { checkDeepLinkingSettings, checkDeployment, checkLoginStateFresh, checkTargetLinkUri, decideStateBinding, scenarioRefOf, validationStepOf } from '../src/index.js';

const now = new Date('2026-11-29T10:00:00Z');
const login = { expiresAt: new Date('2026-11-29T10:05:00Z'), consumedAt: null, storage: 'cookie' as const, deploymentIdHint: null };

describe('login state', () => {
  it('is fresh until used or expired', () => {
    expect(checkLoginStateFresh(login, now)).toEqual({ ok: true });
    expect(checkLoginStateFresh({ ...login, consumedAt: now }, now)).toMatchObject({ ok: false, code: 'nonce_replayed' });
    expect(checkLoginStateFresh({ ...login, expiresAt: new Date('2026-11-29T09:59:59Z') }, now)).toMatchObject({ ok: false, code: 'state_expired' });
  });

  it('is bound by its own cookie, or by platform storage; another cookie or none is refused', () => {
    expect(decideStateBinding({ state: 's1', cookie: 's1', storageTarget: undefined, login })).toEqual({ ok: true, binding: 'cookie' });
    expect(decideStateBinding({ state: 's1', cookie: 's2', storageTarget: '_parent', login })).toMatchObject({ ok: false, code: 'state_unknown' });
    expect(decideStateBinding({ state: 's1', cookie: undefined, storageTarget: '_parent', login })).toEqual({ ok: true, binding: 'platform_storage' });
    expect(decideStateBinding({ state: 's1', cookie: undefined, storageTarget: undefined, login: { storage: 'platform_storage' } })).toEqual({
      ok: true,
      binding: 'platform_storage',
    });
    expect(decideStateBinding({ state: 's1', cookie: undefined, storageTarget: undefined, login })).toMatchObject({ ok: false, code: 'state_missing' });
  });
});

describe('deployment policy', () => {
  it('refuses a mismatch with the login hint, refuses unknown under strict, learns under learn', () => {
    expect(checkDeployment({ claim: 'd1', loginHint: 'd2', known: true, policy: 'learn' })).toMatchObject({ ok: false, code: 'deployment_mismatch' });
    expect(checkDeployment({ claim: 'd1', loginHint: null, known: false, policy: 'strict' })).toMatchObject({ ok: false, code: 'unknown_deployment' });
    expect(checkDeployment({ claim: 'd1', loginHint: 'd1', known: false, policy: 'learn' })).toEqual({ ok: true, learn: true });
    expect(checkDeployment({ claim: 'd1', loginHint: null, known: true, policy: 'strict' })).toEqual({ ok: true, learn: false });
  });
});

describe('target_link_uri', () => {
  const toolOrigin = 'https://tool.example';
  it('must point at this tool; required for resource links only; a malformed one is refused, not thrown', () => {
    expect(checkTargetLinkUri({ messageType: 'LtiResourceLinkRequest', targetLinkUri: 'https://tool.example/lti/launch', toolOrigin })).toEqual({ ok: true });
    expect(checkTargetLinkUri({ messageType: 'LtiResourceLinkRequest', targetLinkUri: 'https://evil.example/', toolOrigin })).toMatchObject({
      ok: false,
      code: 'target_link_uri_invalid',
    });
    expect(checkTargetLinkUri({ messageType: 'LtiResourceLinkRequest', targetLinkUri: null, toolOrigin })).toMatchObject({ ok: false, code: 'target_link_uri_invalid' });
    expect(checkTargetLinkUri({ messageType: 'LtiDeepLinkingRequest', targetLinkUri: null, toolOrigin })).toEqual({ ok: true });
    expect(checkTargetLinkUri({ messageType: 'LtiResourceLinkRequest', targetLinkUri: 'not a url', toolOrigin })).toMatchObject({ ok: false, code: 'target_link_uri_invalid' });
  });
});

describe('deep-linking settings', () => {
  const settings = { deep_link_return_url: 'https://lms.example/return', accept_types: ['ltiResourceLink'], accept_presentation_document_targets: ['iframe'] };
  it('need an http(s) return URL and a placement that takes resource links', () => {
    expect(checkDeepLinkingSettings(settings)).toEqual({ ok: true });
    expect(checkDeepLinkingSettings({ ...settings, deep_link_return_url: 'javascript:alert(1)' })).toMatchObject({ ok: false, code: 'deep_link_settings_invalid' });
    expect(checkDeepLinkingSettings({ ...settings, accept_types: ['file'] })).toMatchObject({ ok: false, code: 'deep_link_type_not_accepted' });
  });
});

describe('routing helpers', () => {
  it('reads the scenario reference and files validation codes under their step', () => {
    expect(scenarioRefOf({ scenario_id: '  fire-drill ' })).toBe('fire-drill');
    expect(scenarioRefOf({ scenario_id: '  ' })).toBeUndefined();
    expect(validationStepOf('kid_not_found')).toBe('signature');
    expect(validationStepOf('aud_mismatch')).toBe('claims');
  });
});
