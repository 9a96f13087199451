// docs/lti-requirements.md R51–R55 (Deep Linking 2.0 response) and P32–P33: the claims of
// the response, the data echo, what the platform accepts, item validation, the auto-post form.
import { parseAutoPostForm } from '@tether/lms-sim';
import { decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  type BuildDeepLinkingResponseInput,
  buildDeepLinkingResponse,
  CONTENT_ITEM_TYPE,
  DeepLinkingError,
  type DeepLinkingSettingsInput,
  DL_CLAIM,
  deepLinkingFlag,
  deepLinkingFormHtml,
  signDeepLinkingResponse,
} from '../src/index.js';

// Spelled out here on purpose: a typo in the constants must not pass by being used on both sides.
const URI = {
  messageType: 'https://purl.imsglobal.org/spec/lti/claim/message_type',
  version: 'https://purl.imsglobal.org/spec/lti/claim/version',
  deploymentId: 'https://purl.imsglobal.org/spec/lti/claim/deployment_id',
  contentItems: 'https://purl.imsglobal.org/spec/lti-dl/claim/content_items',
  data: 'https://purl.imsglobal.org/spec/lti-dl/claim/data',
  msg: 'https://purl.imsglobal.org/spec/lti-dl/claim/msg',
  log: 'https://purl.imsglobal.org/spec/lti-dl/claim/log',
  errormsg: 'https://purl.imsglobal.org/spec/lti-dl/claim/errormsg',
  errorlog: 'https://purl.imsglobal.org/spec/lti-dl/claim/errorlog',
  settings: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
};

const settings = (over: Partial<DeepLinkingSettingsInput> = {}): DeepLinkingSettingsInput => ({
  deep_link_return_url: 'https://lms.example.edu/deep_link_return?course=7',
  accept_types: ['ltiResourceLink'],
  accept_presentation_document_targets: ['iframe', 'window'],
  accept_multiple: true,
  data: 'opaque-42',
  ...over,
});

const link = (over: Record<string, unknown> = {}) => ({
  type: 'ltiResourceLink',
  title: 'Fire drill',
  text: 'Evacuate the building safely.',
  url: 'https://tool.example/lti/launch',
  custom: { scenario_id: 'fire-drill' },
  lineItem: { label: 'Fire drill', scoreMaximum: 100, resourceId: 'scn-1', tag: 'scenario' },
  ...over,
});

const build = (over: Partial<BuildDeepLinkingResponseInput> = {}, s: Partial<DeepLinkingSettingsInput> = {}) =>
  buildDeepLinkingResponse({
    request: { deploymentId: 'dep-1', settings: settings(s), issuer: 'https://lms.example.edu', clientId: 'client-abc' },
    items: [link()],
    ...over,
  });

function refusal(fn: () => unknown): DeepLinkingError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DeepLinkingError) return e;
    throw e;
  }
  throw new Error('expected a DeepLinkingError');
}

describe('R51 the LtiDeepLinkingResponse claims', () => {
  it('iss = client_id, aud = platform issuer, fresh nonce, message type, version, same deployment_id', () => {
    const a = build();
    expect(a.iss).toBe('client-abc');
    expect(a.aud).toBe('https://lms.example.edu');
    expect(a[URI.messageType]).toBe('LtiDeepLinkingResponse');
    expect(a[URI.version]).toBe('1.3.0');
    expect(a[URI.deploymentId]).toBe('dep-1');
    expect(a[URI.contentItems]).toEqual([link()]);
    // ≥ 128 bits, never reused
    expect(Buffer.from(a.nonce, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(build().nonce).not.toBe(a.nonce);
    // no request-only claims leak into the response
    expect(a).not.toHaveProperty([URI.settings]);
  });

  it('spells the claim URIs as the spec does', () => {
    expect(DL_CLAIM).toMatchObject({
      contentItems: URI.contentItems,
      data: URI.data,
      msg: URI.msg,
      log: URI.log,
      errormsg: URI.errormsg,
      errorlog: URI.errorlog,
      settings: URI.settings,
    });
    expect(Object.values(CONTENT_ITEM_TYPE).sort()).toEqual(['file', 'html', 'image', 'link', 'ltiResourceLink']);
  });

  it('carries msg / log / errormsg / errorlog only when given', () => {
    const plain = build();
    for (const k of [URI.msg, URI.log, URI.errormsg, URI.errorlog]) expect(plain).not.toHaveProperty([k]);
    const cancel = build({ items: [], msg: 'No scenario was added', log: 'cancelled', errormsg: 'e', errorlog: 'el' });
    expect(cancel[URI.contentItems]).toEqual([]);
    expect(cancel).toMatchObject({ [URI.msg]: 'No scenario was added', [URI.log]: 'cancelled', [URI.errormsg]: 'e', [URI.errorlog]: 'el' });
  });

  it('R34 is signed RS256 with the kid in the header and integer iat/exp, at most 10 minutes', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const claims = build();
    const jwt = await signDeepLinkingResponse(claims, { key: privateKey, kid: 'tool-kid-1' });
    expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: 'RS256', kid: 'tool-kid-1' });
    const { payload } = await jwtVerify(jwt, publicKey, { issuer: 'client-abc', audience: 'https://lms.example.edu', algorithms: ['RS256'] });
    expect(Number.isInteger(payload.iat)).toBe(true);
    expect(Number.isInteger(payload.exp)).toBe(true);
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(600);
    expect(payload[URI.contentItems]).toEqual(claims[URI.contentItems]);
    await expect(signDeepLinkingResponse(claims, { key: privateKey, kid: 'k', expiresInSec: 3600 })).rejects.toThrow(RangeError);
    await expect(signDeepLinkingResponse(claims, { key: privateKey, kid: '' })).rejects.toThrow(/kid/);
    expect((await exportJWK(publicKey)).kty).toBe('RSA');
  });
});

describe('R52 P32 the data claim', () => {
  it('echoes data byte-for-byte whenever it was present', () => {
    for (const data of ['opaque-42', '  spaced  ', '{"a":1,"b":[2,3]}', 'é ü 漢字 🚀', '<&>"\'', 'x'.repeat(4000), '']) {
      const claims = build({}, { data });
      expect(claims[URI.data]).toBe(data);
      // and survives the JSON of the JWT payload unchanged
      expect((JSON.parse(JSON.stringify(claims)) as Record<string, unknown>)[URI.data]).toBe(data);
    }
  });
  it('omits the claim when the request had no data', () => {
    const s = settings();
    delete s.data;
    const claims = buildDeepLinkingResponse({ request: { deploymentId: 'd', settings: s, issuer: 'https://lms', clientId: 'c' }, items: [] });
    expect(claims).not.toHaveProperty([URI.data]);
    expect(build({}, { data: undefined })).not.toHaveProperty([URI.data]);
  });
});

describe('R53 what the platform accepts', () => {
  it('refuses items whose type is not in accept_types', () => {
    const e = refusal(() => build({}, { accept_types: ['link', 'file'] }));
    expect(e.code).toBe('deep_link_type_not_accepted');
    expect(e.details).toMatchObject({ type: 'ltiResourceLink', accept_types: ['link', 'file'] });
    expect(refusal(() => build({ items: [{ title: 'no type' }] })).code).toBe('deep_link_type_not_accepted');
    // accepted types pass
    expect(build({ items: [{ type: 'link', url: 'https://example.com/a' }] }, { accept_types: ['link'] })[URI.contentItems]).toHaveLength(1);
  });

  it('refuses more than one item unless accept_multiple is true (boolean or string)', () => {
    const two = { items: [link(), link({ title: 'Second' })] };
    for (const accept_multiple of [false, 'false', 'FALSE', undefined, 'nonsense']) {
      const e = refusal(() => build(two, { accept_multiple }));
      expect(e.code, String(accept_multiple)).toBe('deep_link_multiple_not_accepted');
      expect(e.status).toBe(400);
      // one item is fine either way
      expect(build({}, { accept_multiple })[URI.contentItems]).toHaveLength(1);
    }
    for (const accept_multiple of [true, 'true', 'True']) expect(build(two, { accept_multiple })[URI.contentItems]).toHaveLength(2);
    expect(deepLinkingFlag(' false ')).toBe(false);
    expect(deepLinkingFlag(0)).toBeUndefined();
  });

  it('drops lineItem when accept_lineitem is false, keeps it when true or not said', () => {
    for (const accept_lineitem of [false, 'false']) {
      const [item] = build({}, { accept_lineitem })[URI.contentItems] as Record<string, unknown>[];
      expect(item).not.toHaveProperty('lineItem');
      expect(item).toMatchObject({ custom: { scenario_id: 'fire-drill' } });
    }
    for (const accept_lineitem of [true, 'true', undefined]) {
      const [item] = build({}, { accept_lineitem })[URI.contentItems] as Record<string, unknown>[];
      expect(item!.lineItem).toEqual({ label: 'Fire drill', scoreMaximum: 100, resourceId: 'scn-1', tag: 'scenario' });
    }
  });

  it('drops presentation hints for document targets the platform does not accept', () => {
    const items = [link({ iframe: { width: 800, height: 600 }, window: { targetName: '_blank' } })];
    const [onlyWindow] = build({ items }, { accept_presentation_document_targets: ['window'] })[URI.contentItems] as Record<string, unknown>[];
    expect(onlyWindow).not.toHaveProperty('iframe');
    expect(onlyWindow!.window).toEqual({ targetName: '_blank' });
    const [both] = build({ items })[URI.contentItems] as Record<string, unknown>[];
    expect(both).toMatchObject({ iframe: { width: 800, height: 600 }, window: { targetName: '_blank' } });
  });
});

describe('R54 P33 ltiResourceLink items are validated', () => {
  const invalid: [string, Record<string, unknown>][] = [
    ['lineItem without scoreMaximum', link({ lineItem: { label: 'x' } })],
    ['lineItem with scoreMaximum 0', link({ lineItem: { label: 'x', scoreMaximum: 0 } })],
    ['lineItem with a negative scoreMaximum', link({ lineItem: { scoreMaximum: -5 } })],
    ['lineItem with a string scoreMaximum', link({ lineItem: { scoreMaximum: '100' } })],
    ['a non-string custom value', link({ custom: { scenario_id: 42 } })],
    ['a nested custom value', link({ custom: { a: { b: 'c' } } })],
    ['no url (Blackboard shows "Invalid Link")', link({ url: undefined })],
    ['a javascript: url', link({ url: 'javascript:alert(1)' })],
    ['a relative url', link({ url: '/lti/launch' })],
    ['a bad availability date', link({ available: { startDateTime: 'tomorrow' } })],
  ];
  for (const [name, item] of invalid) {
    it(`refuses ${name}`, () => {
      const e = refusal(() => build({ items: [item] }));
      expect(e.code).toBe('deep_link_item_invalid');
      expect(e.details.index).toBe(0);
    });
  }
  it('accepts a full item with icon, window, iframe, custom, line item and dates; keeps extension members', () => {
    const item = link({
      icon: { url: 'https://tool.example/icon.png', width: 32, height: 32 },
      iframe: { width: 800, height: 600 },
      available: { startDateTime: '2026-01-01T00:00:00Z', endDateTime: '2026-06-30T23:59:59.000+02:00' },
      'https://canvas.instructure.com/lti/preserve': true,
    });
    const [out] = build({ items: [item] })[URI.contentItems] as Record<string, unknown>[];
    expect(out).toEqual(item);
  });
});

describe('R55 the auto-submitting form', () => {
  it('POSTs the single field JWT to the return URL, with the script nonce', () => {
    const page = deepLinkingFormHtml('https://lms.example.edu/deep_link_return?course=7&x=1', 'aaa.bbb.ccc', { nonce: 'n0nce' });
    const form = parseAutoPostForm(page);
    expect(form.method).toBe('post');
    expect(form.action).toBe('https://lms.example.edu/deep_link_return?course=7&x=1');
    expect(form.fields).toEqual({ JWT: 'aaa.bbb.ccc' });
    expect(page).toContain('action="https://lms.example.edu/deep_link_return?course=7&amp;x=1"');
    expect(page).toMatch(/<script nonce="n0nce">[^<]*\.submit\(\)/);
    expect(page).toContain('<noscript><button type="submit">');
  });

  it('HTML-escapes every interpolated value', () => {
    const page = deepLinkingFormHtml('https://lms.example/"><script>alert(1)</script>', 'a"b<c>&d', { nonce: '"x', message: '<b>hi</b>' });
    expect(page).not.toContain('<script>alert(1)');
    expect(page).not.toContain('<b>hi</b>');
    expect(page).toContain('value="a&quot;b&lt;c&gt;&amp;d"');
    expect(page).toContain('nonce="&quot;x"');
    expect(parseAutoPostForm(page).fields.JWT).toBe('a"b<c>&d');
  });

  it('refuses a return URL that is not http(s)', () => {
    for (const url of ['javascript:alert(1)', 'data:text/html,x', 'not a url', '/relative']) {
      expect(refusal(() => deepLinkingFormHtml(url, 'a.b.c')).code).toBe('deep_link_settings_invalid');
    }
    expect(refusal(() => build({}, { deep_link_return_url: 'javascript:alert(1)' })).code).toBe('deep_link_settings_invalid');
  });
});

describe('DeepLinkingError', () => {
  it('answers with the catalogue status of its code', () => {
    expect(new DeepLinkingError('deep_link_already_sent', 'twice')).toMatchObject({ name: 'DeepLinkingError', status: 409, details: {} });
    expect(new DeepLinkingError('deep_link_item_invalid', 'bug', { details: { index: 0 } })).toMatchObject({ status: 500, details: { index: 0 } });
  });
});
