import type { ServiceTokenProvider } from '@tether/lti';
import { describe, expect, it } from 'vitest';
import { AGS_SCOPES, AgsError, createAgsClient, isAgsError, lineItemServiceUrl, scaleScore } from '../src/index.js';
import { LOCAL, rejection, UA } from './helpers.js';

describe('lineItemServiceUrl', () => {
  it('inserts the segment into the path, before the query string', () => {
    expect(lineItemServiceUrl('https://moodle.example/mod/lti/services.php/2/lineitems/10/lineitem?type_id=7', 'scores')).toBe(
      'https://moodle.example/mod/lti/services.php/2/lineitems/10/lineitem/scores?type_id=7',
    );
    expect(lineItemServiceUrl('https://lms.example/api/lti/courses/1/line_items/5', 'results')).toBe('https://lms.example/api/lti/courses/1/line_items/5/results');
    expect(lineItemServiceUrl('https://lms.example/li/5/?a=1&b=2#frag', 'scores')).toBe('https://lms.example/li/5/scores?a=1&b=2');
  });
  it('rejects a relative or non-http URL', () => {
    expect(() => lineItemServiceUrl('/li/5', 'scores')).toThrow(TypeError);
    expect(() => lineItemServiceUrl('ftp://lms.example/li/5', 'scores')).toThrow(TypeError);
  });
});

describe('scaleScore', () => {
  it('scales a percentage to the maximum, rounds to 4 decimals and clamps to [0, 100] %', () => {
    expect(scaleScore(80, 10)).toBe(8);
    expect(scaleScore(80, 100)).toBe(80);
    expect(scaleScore(80, 1)).toBe(0.8);
    expect(scaleScore(33.333333, 1)).toBe(0.3333);
    expect(scaleScore(70, 0.3)).toBe(0.21);
    expect(scaleScore(150, 10)).toBe(10);
    expect(scaleScore(-5, 10)).toBe(0);
  });
  it('refuses non-finite input and a non-positive maximum', () => {
    expect(() => scaleScore(Number.NaN, 10)).toThrow(AgsError);
    expect(() => scaleScore(50, 0)).toThrow(expect.objectContaining({ code: 'ags_invalid_score' }));
  });
});

describe('AgsError', () => {
  it('is retryable exactly for ags_platform_unavailable unless told otherwise', () => {
    expect(new AgsError('ags_platform_unavailable', 'x').retryable).toBe(true);
    expect(new AgsError('ags_request_rejected', 'x', { status: 409 })).toMatchObject({ retryable: false, status: 409, name: 'AgsError' });
    expect(isAgsError(new AgsError('ags_scope_missing', 'x'), 'ags_scope_missing')).toBe(true);
    expect(isAgsError(new Error('x'))).toBe(false);
  });
});

/** An AGS client against a scripted fetch (no sim): for responses the sim never sends. */
function scripted(pages: Record<string, { body: unknown; link?: string; status?: number }>) {
  const requests: string[] = [];
  const fetchImpl = (async (input: string | URL | Request) => {
    const url = String(input);
    requests.push(url);
    const page = pages[url];
    if (!page) return new Response('not found', { status: 404 });
    return new Response(typeof page.body === 'string' ? page.body : JSON.stringify(page.body), {
      status: page.status ?? 200,
      headers: page.link ? { link: page.link } : {},
    });
  }) as typeof fetch;
  const tokens: ServiceTokenProvider = {
    clientId: 'c',
    tokenUrl: 'https://lms.example/token',
    getToken: async (scopes) => ({ accessToken: 'tok', expiresAt: Date.now() + 3_600_000, scopes: [...scopes] }),
    invalidate: () => {},
    stats: () => ({ tokenRequests: 0, cacheHits: 0, joinedInFlight: 0, invalidations: 0 }),
  };
  const ags = createAgsClient({ tokens, grantedScopes: Object.values(AGS_SCOPES), userAgent: UA, allowPrivateHosts: LOCAL, fetch: fetchImpl });
  return { ags, requests };
}

const item = (id: number) => ({ id: `https://lms.example/li/${id}`, label: `L${id}`, scoreMaximum: 10, resourceId: null });

describe('paging and response checks', () => {
  it('a line item URL on a private address is ags_request_rejected, not retryable, and nothing is sent (SSRF)', async () => {
    const { ags, requests } = scripted({});
    const err = await rejection(ags.getLineItem('http://169.254.169.254/latest/meta-data/'));
    expect(err).toMatchObject({ code: 'ags_request_rejected', retryable: false, details: { reason: 'address_refused', host: '169.254.169.254' } });
    expect(requests).toEqual([]);
  });

  it('does not follow a next link to another origin (it would get the bearer token)', async () => {
    const { ags, requests } = scripted({
      'https://lms.example/li': { body: [item(1)], link: '<https://evil.example/li?page=2>; rel="next"' },
    });
    const err = await rejection(ags.listLineItems('https://lms.example/li'));
    expect(err.code).toBe('ags_invalid_response');
    expect(requests).toEqual(['https://lms.example/li']);
  });

  it('detects a paging loop instead of spinning', async () => {
    const { ags } = scripted({
      'https://lms.example/li': { body: [item(1)], link: '<https://lms.example/li?page=2>; rel="next"' },
      'https://lms.example/li?page=2': { body: [item(2)], link: '<https://lms.example/li>; rel="next"' },
    });
    expect((await rejection(ags.listLineItems('https://lms.example/li'))).code).toBe('ags_invalid_response');
  });

  it('treats null optional members as absent and refuses line items without id', async () => {
    const { ags } = scripted({
      'https://lms.example/li': { body: [item(1)] },
      'https://lms.example/bad': { body: [{ label: 'no id', scoreMaximum: 1 }] },
      'https://lms.example/notjson': { body: '<html>' },
    });
    const [li] = await ags.listLineItems('https://lms.example/li');
    expect(li).toEqual({ id: 'https://lms.example/li/1', label: 'L1', scoreMaximum: 10 });
    expect((await rejection(ags.listLineItems('https://lms.example/bad'))).code).toBe('ags_invalid_response');
    expect((await rejection(ags.listLineItems('https://lms.example/notjson'))).code).toBe('ags_invalid_response');
  });

  it('a 404 on a container is a rejection, not a missing line item', async () => {
    const { ags } = scripted({});
    expect(await rejection(ags.listLineItems('https://lms.example/none'))).toMatchObject({ code: 'ags_request_rejected', status: 404 });
  });
});
