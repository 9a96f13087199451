import { OUTBOUND_TIMEOUT_MS, parseJsonBody as parseJson, requireUserAgent } from '@tether/http';
import type { ServiceTokenProvider } from '@tether/lti';
import { AGS_MEDIA_TYPES, AGS_SCOPES } from './constants.js';
import { AgsError } from './errors.js';
import { type AgsResult, buildLineItemBody, type LineItem, type LineItemInput, parseLineItem, parseResult } from './line-item.js';
import { pagedGet } from './paged-get.js';
import { buildScoreBody, type ScoreInput } from './score.js';
import { processScoreClock } from './score-clock.js';
import { type ServiceContext, serviceRequest } from './service-request.js';
import { lineItemServiceUrl, parseHttpUrl, withQuery } from './service-url.js';

export interface AgsClientOptions {
  tokens: ServiceTokenProvider;
  /**
   * Scopes the platform granted: the `scope` array of the AGS endpoint claim (stored with the
   * registration/resource link so background jobs can post after the session ended). Calls
   * that need a scope not listed here are refused without a request.
   */
  grantedScopes: readonly string[];
  userAgent: string;
  fetch?: typeof fetch;
  /** Hosts (`host` or `host:port`) that may be private/internal addresses — local test LMSes only. */
  allowPrivateHosts?: readonly string[];
  /** Per request, headers and body. Default 10 000 ms. */
  timeoutMs?: number;
  /** Largest answer read (a page of a container included). Default 16 MiB. */
  maxBytes?: number;
  /** Milliseconds since the epoch, for score timestamps. Default Date.now. */
  now?: () => number;
  /** Upper bound on pages read by one list call. Default 1000. */
  maxPages?: number;
}

export interface LineItemFilter {
  resourceLinkId?: string;
  resourceId?: string;
  tag?: string;
  /** Page size asked of the platform; every page is still read. */
  limit?: number;
}

export interface FindOrCreateLineItemInput extends LineItemInput {
  resourceLinkId: string;
}

export interface AgsClient {
  getLineItem(lineItemUrl: string): Promise<LineItem>;
  listLineItems(containerUrl: string, filter?: LineItemFilter): Promise<LineItem[]>;
  createLineItem(containerUrl: string, input: LineItemInput): Promise<LineItem>;
  updateLineItem(lineItemUrl: string, input: LineItemInput): Promise<LineItem>;
  deleteLineItem(lineItemUrl: string): Promise<void>;
  findOrCreateLineItem(containerUrl: string, input: FindOrCreateLineItemInput): Promise<{ lineItem: LineItem; created: boolean }>;
  /** Resolves with the HTTP status and the timestamp sent (keep it to retry the identical score). */
  postScore(lineItemUrl: string, score: ScoreInput): Promise<{ status: number; timestamp: string }>;
  getResults(lineItemUrl: string, filter?: { userId?: string; limit?: number }): Promise<AgsResult[]>;
}

const ALL_AGS_SCOPES: readonly string[] = Object.values(AGS_SCOPES);
const READ_LINE_ITEMS = [AGS_SCOPES.lineItem, AGS_SCOPES.lineItemReadonly] as const;
const WRITE_LINE_ITEMS = [AGS_SCOPES.lineItem] as const;

function optionalLimit(limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isInteger(limit) || limit <= 0) throw new TypeError('limit must be a positive integer');
  return limit;
}

export function createAgsClient(opts: AgsClientOptions): AgsClient {
  if (opts.tokens === undefined || typeof opts.tokens.getToken !== 'function') throw new TypeError('createAgsClient: tokens is required');
  if (!Array.isArray(opts.grantedScopes)) throw new TypeError('createAgsClient: grantedScopes must be an array (the AGS claim scope)');
  const userAgent = requireUserAgent(opts.userAgent, 'createAgsClient');
  const timeoutMs = opts.timeoutMs ?? OUTBOUND_TIMEOUT_MS;
  const maxPages = opts.maxPages ?? 1000;
  const now = opts.now ?? Date.now;
  const grantedScopes = [...new Set(opts.grantedScopes)];
  // Ask for every granted AGS scope at once: one cached token then serves line items, scores
  // and results alike, instead of one token per kind of call.
  const tokenScopes = grantedScopes.filter((s) => ALL_AGS_SCOPES.includes(s)).sort();
  const ctx: ServiceContext = {
    tokens: opts.tokens,
    grantedScopes,
    tokenScopes,
    userAgent,
    fetch: opts.fetch,
    allowPrivateHosts: opts.allowPrivateHosts,
    timeoutMs,
    maxBytes: opts.maxBytes ?? 16 * 1024 * 1024,
  };

  // Posts for one (line item, user) go out one after the other, so they reach the platform in
  // timestamp order; concurrent posts would otherwise race and the older stamp could win.
  const scoreQueues = new Map<string, Promise<unknown>>();
  const findOrCreateInFlight = new Map<string, Promise<{ lineItem: LineItem; created: boolean }>>();

  async function getLineItem(lineItemUrl: string): Promise<LineItem> {
    const url = parseHttpUrl(lineItemUrl, 'lineItemUrl').toString();
    const res = await serviceRequest(ctx, {
      method: 'GET',
      url,
      accept: AGS_MEDIA_TYPES.lineItem,
      anyOf: READ_LINE_ITEMS,
      notFound: 'lineitem',
    });
    return parseLineItem(parseJson(res.text), url);
  }

  async function listLineItems(containerUrl: string, filter: LineItemFilter = {}): Promise<LineItem[]> {
    const first = withQuery(containerUrl, {
      resource_link_id: filter.resourceLinkId,
      resource_id: filter.resourceId,
      tag: filter.tag,
      limit: optionalLimit(filter.limit),
    });
    return pagedGet(ctx, { accept: AGS_MEDIA_TYPES.lineItemContainer, anyOf: READ_LINE_ITEMS, notFound: 'other' }, first, parseLineItem, maxPages);
  }

  async function writeLineItem(method: 'POST' | 'PUT', url: string, input: LineItemInput): Promise<LineItem> {
    const body = buildLineItemBody(input);
    if (method === 'PUT') body.id = url;
    const res = await serviceRequest(ctx, {
      method,
      url,
      accept: AGS_MEDIA_TYPES.lineItem,
      contentType: AGS_MEDIA_TYPES.lineItem,
      body: JSON.stringify(body),
      anyOf: WRITE_LINE_ITEMS,
      notFound: method === 'PUT' ? 'lineitem' : 'other',
    });
    return parseLineItem(parseJson(res.text), url);
  }

  async function createLineItem(containerUrl: string, input: LineItemInput): Promise<LineItem> {
    return writeLineItem('POST', parseHttpUrl(containerUrl, 'containerUrl').toString(), input);
  }

  async function updateLineItem(lineItemUrl: string, input: LineItemInput): Promise<LineItem> {
    return writeLineItem('PUT', parseHttpUrl(lineItemUrl, 'lineItemUrl').toString(), input);
  }

  async function deleteLineItem(lineItemUrl: string): Promise<void> {
    await serviceRequest(ctx, {
      method: 'DELETE',
      url: parseHttpUrl(lineItemUrl, 'lineItemUrl').toString(),
      accept: AGS_MEDIA_TYPES.lineItem,
      anyOf: WRITE_LINE_ITEMS,
      notFound: 'lineitem',
    });
  }

  async function findOrCreate(containerUrl: string, input: FindOrCreateLineItemInput): Promise<{ lineItem: LineItem; created: boolean }> {
    const found = await listLineItems(containerUrl, {
      resourceLinkId: input.resourceLinkId,
      ...(input.resourceId !== undefined && { resourceId: input.resourceId }),
      ...(input.tag !== undefined && { tag: input.tag }),
    });
    // Some platforms ignore the filters and return the whole container: match locally too.
    const match = found.find(
      (li) =>
        li.resourceLinkId === input.resourceLinkId && (input.resourceId === undefined || li.resourceId === input.resourceId) && (input.tag === undefined || li.tag === input.tag),
    );
    if (match !== undefined) return { lineItem: match, created: false };
    return { lineItem: await createLineItem(containerUrl, input), created: true };
  }

  async function findOrCreateLineItem(containerUrl: string, input: FindOrCreateLineItemInput): Promise<{ lineItem: LineItem; created: boolean }> {
    if (input === null || typeof input !== 'object' || typeof input.resourceLinkId !== 'string' || input.resourceLinkId === '') {
      throw new AgsError('ags_invalid_lineitem', 'resourceLinkId is required', { details: { field: 'resourceLinkId' } });
    }
    // Validate and check the write scope before anything is sent, not only on the create path.
    buildLineItemBody(input);
    if (!grantedScopes.includes(AGS_SCOPES.lineItem)) {
      throw new AgsError('ags_scope_missing', `findOrCreateLineItem needs scope ${AGS_SCOPES.lineItem}, which was not granted`, {
        details: { url: containerUrl, needed: WRITE_LINE_ITEMS, granted: grantedScopes, reason: 'not_granted' },
      });
    }
    // Two concurrent calls for one resource link would both miss and both create a column.
    const key = JSON.stringify([containerUrl, input.resourceLinkId, input.resourceId ?? null, input.tag ?? null]);
    const running = findOrCreateInFlight.get(key);
    if (running !== undefined) return running;

    const promise = findOrCreate(containerUrl, input).finally(() => findOrCreateInFlight.delete(key));
    findOrCreateInFlight.set(key, promise);
    return promise;
  }

  async function postScore(lineItemUrl: string, score: ScoreInput): Promise<{ status: number; timestamp: string }> {
    const url = lineItemServiceUrl(lineItemUrl, 'scores');
    const clockKey = JSON.stringify([lineItemUrl, typeof score?.userId === 'string' ? score.userId : '']);
    const body = buildScoreBody(score, () => new Date(processScoreClock.next(clockKey, now())).toISOString());
    if (score.timestamp !== undefined) processScoreClock.observe(clockKey, Date.parse(body.timestamp));

    const previous = scoreQueues.get(clockKey) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(() =>
        serviceRequest(ctx, {
          method: 'POST',
          url,
          // Moodle refuses anything but the score media type (lineitem+json is a common mistake).
          contentType: AGS_MEDIA_TYPES.score,
          accept: 'application/json',
          body: JSON.stringify(body),
          anyOf: [AGS_SCOPES.score],
          notFound: 'lineitem',
        }),
      );
    scoreQueues.set(clockKey, run);
    try {
      const res = await run;
      return { status: res.status, timestamp: body.timestamp };
    } finally {
      if (scoreQueues.get(clockKey) === run) scoreQueues.delete(clockKey);
    }
  }

  async function getResults(lineItemUrl: string, filter: { userId?: string; limit?: number } = {}): Promise<AgsResult[]> {
    const first = withQuery(lineItemServiceUrl(lineItemUrl, 'results'), {
      user_id: filter.userId,
      limit: optionalLimit(filter.limit),
    });
    return pagedGet(ctx, { accept: AGS_MEDIA_TYPES.resultContainer, anyOf: [AGS_SCOPES.resultReadonly], notFound: 'lineitem' }, first, parseResult, maxPages);
  }

  return {
    getLineItem,
    listLineItems,
    createLineItem,
    updateLineItem,
    deleteLineItem,
    findOrCreateLineItem,
    postScore,
    getResults,
  };
}
