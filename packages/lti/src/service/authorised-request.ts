// The one authorised service call of LTI Advantage (AGS, NRPS): Bearer token from the token
// source, 401 → drop that token → fetch a fresh one → retry once.
import { type HttpClientOptions, type HttpResponse, send } from '@tether/http';

/**
 * Where access tokens come from: a `ServiceTokenProvider` (one platform registration, tokens
 * shared process-wide by `createServiceConnector`), or any stand-in with the same two methods.
 */
export interface AccessTokenSource {
  getToken(scopes: string[]): Promise<{ accessToken: string; scopes?: readonly string[] }>;
  /** Drop the cached token for these scopes (only if it is still `accessToken`, when given). */
  invalidate(scopes: string[], accessToken?: string): void;
}

export interface ServiceAccessToken {
  accessToken: string;
  /** What the token carries, when the source knows. */
  scopes?: readonly string[];
}

export interface AuthorisedRequestOptions extends HttpClientOptions {
  tokens: AccessTokenSource;
  /** The scope set asked of the token endpoint (one cached token serves every call with it). */
  scopes: readonly string[];
  /** Runs on each token before it is used; throw to refuse the call (e.g. a scope the platform did not grant). */
  checkToken?: (token: ServiceAccessToken) => void;
}

export interface AuthorisedCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  accept: string;
  contentType?: string;
  body?: string;
}

/**
 * Sends `call` with `Authorization: Bearer` (capital B: Blackboard refuses `bearer`), Accept
 * and User-Agent. A 401 means the token expired or was revoked before the cache noticed: it is
 * dropped (only if nobody refreshed it yet), a fresh one is fetched and the call is sent once
 * more. Resolves with the last answer whatever its status — a 401 here means even a fresh
 * token was refused, which callers report with their own code; retrying will not change it.
 */
export async function authorisedRequest(opts: AuthorisedRequestOptions, call: AuthorisedCall): Promise<HttpResponse> {
  const { tokens, scopes, checkToken, ...http } = opts;
  const attempt = async (): Promise<{ res: HttpResponse; accessToken: string }> => {
    const token = await tokens.getToken([...scopes]);
    if (token === null || typeof token !== 'object' || typeof token.accessToken !== 'string' || token.accessToken === '') {
      throw new TypeError('authorisedRequest: tokens.getToken() returned no accessToken');
    }
    checkToken?.(token);
    const headers: Record<string, string> = { accept: call.accept, authorization: `Bearer ${token.accessToken}` };
    if (call.contentType !== undefined) headers['content-type'] = call.contentType;
    const res = await send({ ...http, url: call.url, method: call.method, headers, ...(call.body === undefined ? {} : { body: call.body }) });
    return { res, accessToken: token.accessToken };
  };

  const first = await attempt();
  if (first.res.status !== 401) return first.res;
  tokens.invalidate([...scopes], first.accessToken);
  return (await attempt()).res;
}
