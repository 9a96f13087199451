/** Browser-facing protocol routes: auth endpoint, JWKS, deep-linking return, the platform-storage course page. */
import type { Context, Hono } from 'hono';
import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader } from 'jose';
import { contentItemProblems, placeContentItems } from '../activities.js';
import { CLAIM, PRODUCT_FAMILY_CODE } from '../constants.js';
import { DEFAULT_CONTEXT } from '../defaults.js';
import { autoPostForm, escapeHtml, page } from '../html.js';
import { html, json } from '../http.js';
import { applyClaimTamper, launchTimes, signPlatformJwt } from '../id-token.js';
import { loginInitiation, pendingLaunch } from '../login.js';
import { contentAddedPage, deepLinkFailedPage } from '../pages/content-added.js';
import { platformName } from '../platform.js';
import type { PendingLaunch, SimContext } from '../state.js';
import { fetchToolJwks } from '../tool-jwks.js';
import { nowSec } from '../util.js';

async function readParams(c: Context): Promise<URLSearchParams> {
  if (c.req.method === 'GET') return new URL(c.req.url).searchParams;
  const text = await c.req.text();
  const params = new URLSearchParams(text);
  // Also honour query parameters on a POST (some tools put them there); the body wins.
  for (const [k, v] of new URL(c.req.url).searchParams) if (!params.has(k)) params.set(k, v);
  return params;
}

function authError(error: string, description: string, parameter?: string): Response {
  return json(400, { error, error_description: description, ...(parameter ? { parameter } : {}) });
}

/** Build the id_token payload for a pending launch (before tamper). */
export function buildLaunchClaims(sim: SimContext, p: PendingLaunch, nonce: string): Record<string, unknown> {
  const { iat, exp } = launchTimes(p.tamper);
  const claims: Record<string, unknown> = {
    iss: sim.issuer,
    aud: p.audArray ? [p.clientId] : p.clientId,
    azp: p.clientId,
    iat,
    exp,
    nonce,
  };
  if (p.user !== 'anonymous') {
    for (const [k, v] of Object.entries(p.user)) if (v !== undefined) claims[k] = v;
  }
  claims[CLAIM.messageType] = p.messageType;
  claims[CLAIM.version] = '1.3.0';
  claims[CLAIM.deploymentId] = p.deploymentId;
  claims[CLAIM.targetLinkUri] = p.targetLinkUri;
  if (p.resourceLink) claims[CLAIM.resourceLink] = { ...p.resourceLink };
  claims[CLAIM.roles] = [...p.roles];
  if (p.context) claims[CLAIM.context] = { ...p.context };
  claims[CLAIM.toolPlatform] = {
    guid: sim.platformGuid,
    name: platformName(sim),
    version: '1.0.0-sim',
    product_family_code: PRODUCT_FAMILY_CODE[sim.mode],
  };
  if (p.custom) claims[CLAIM.custom] = { ...p.custom };
  claims[CLAIM.launchPresentation] = { ...p.launchPresentation };
  if (p.ags) claims[CLAIM.ags] = { ...p.ags, scope: [...p.ags.scope] };
  if (p.nrps) claims[CLAIM.nrps] = { ...p.nrps };
  if (p.deepLinking) claims[CLAIM.deepLinkingSettings] = { ...p.deepLinking };
  Object.assign(claims, p.extraClaims);
  return claims;
}

export function installLaunchRoutes(app: Hono, sim: SimContext): void {
  // ------------------------------------------------------------------ OIDC auth endpoint
  const auth = async (c: Context): Promise<Response> => {
    sim.state.stats.authRequests++;
    const q = await readParams(c);
    const get = (k: string): string => q.get(k) ?? '';

    const clientId = get('client_id');
    if (!clientId) return authError('invalid_request', 'client_id is required', 'client_id');
    const tool = sim.state.tools.get(clientId);
    if (!tool) return authError('unauthorized_client', `unknown client_id "${clientId}"`, 'client_id');

    const redirectUri = get('redirect_uri');
    if (!redirectUri) return authError('invalid_request', 'redirect_uri is required', 'redirect_uri');
    if (!tool.redirectUris.includes(redirectUri)) {
      return authError(
        'invalid_request',
        `invalid redirect_uri "${redirectUri}": not registered for client_id "${clientId}" ` +
          `(registered: ${tool.redirectUris.map((u) => `"${u}"`).join(', ')}; matched exactly, trailing slash included)`,
        'redirect_uri',
      );
    }

    const scopes = get('scope').split(/\s+/).filter(Boolean);
    if (!scopes.includes('openid')) return authError('invalid_scope', 'scope must be "openid"', 'scope');
    if (get('response_type') !== 'id_token') {
      return authError('unsupported_response_type', 'response_type must be "id_token"', 'response_type');
    }
    if (get('response_mode') !== 'form_post') {
      return authError('invalid_request', 'response_mode must be "form_post"', 'response_mode');
    }
    if (get('prompt') !== 'none') return authError('invalid_request', 'prompt must be "none"', 'prompt');

    const loginHint = get('login_hint');
    if (!loginHint) return authError('invalid_request', 'login_hint is required', 'login_hint');
    const messageHint = get('lti_message_hint');
    if (!messageHint) return authError('invalid_request', 'lti_message_hint is required', 'lti_message_hint');
    const pending = pendingLaunch(sim, messageHint);
    if (!pending) {
      return authError('invalid_request', 'unknown or expired lti_message_hint (no pending launch)', 'lti_message_hint');
    }
    if (pending.loginHint !== loginHint) {
      return authError('invalid_request', 'login_hint does not match the launch (it must be echoed unchanged)', 'login_hint');
    }
    if (pending.clientId !== clientId) {
      return authError('invalid_request', `client_id "${clientId}" does not match the launch`, 'client_id');
    }
    const state = get('state');
    if (!state) return authError('invalid_request', 'state is required', 'state');
    const nonce = get('nonce');
    if (!nonce) return authError('invalid_request', 'nonce is required', 'nonce');

    pending.uses++;
    const tamper = pending.tamper;
    const fields: Record<string, string> = {};

    if (tamper?.postError) {
      fields.error = tamper.postError.error;
      if (tamper.postError.error_description) fields.error_description = tamper.postError.error_description;
      fields.state = tamper.state ?? state;
      if (pending.storageTarget) fields.lti_storage_target = pending.storageTarget;
      return html(200, autoPostForm(redirectUri, fields, 'Launch error'));
    }

    let idToken: string;
    let header: Record<string, unknown> | null = null;
    let claims: Record<string, unknown> | null = null;
    if (tamper?.replayOf) {
      idToken = tamper.replayOf;
    } else {
      claims = applyClaimTamper(buildLaunchClaims(sim, pending, nonce), tamper);
      const signed = await signPlatformJwt(sim.keyStore, claims, tamper);
      idToken = signed.token;
      header = signed.header;
    }
    sim.state.issued.push({ idToken, header, claims, state, redirectUri, messageHint, at: Date.now() });
    sim.state.stats.idTokensIssued++;

    fields.id_token = idToken;
    fields.state = tamper?.state ?? state;
    if (pending.storageTarget) fields.lti_storage_target = pending.storageTarget;
    return html(200, autoPostForm(redirectUri, fields, 'Launching…'));
  };
  app.get('/auth', auth);
  app.post('/auth', auth);

  // ------------------------------------------------------------------ JWKS
  app.get('/jwks', () => {
    sim.state.stats.jwksRequests++;
    return new Response(JSON.stringify(sim.keyStore.jwks()), {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'max-age=300' },
    });
  });

  // ------------------------------------------------------------------ deep-linking return
  app.post('/deep_link_return', async (c) => {
    sim.state.stats.deepLinkResponses++;
    const form = new URLSearchParams(await c.req.text());
    const jwt = form.get('JWT') ?? '';
    const errors: string[] = [];
    let header: Record<string, unknown> | null = null;
    let claims: Record<string, unknown> | null = null;
    try {
      header = decodeProtectedHeader(jwt) as Record<string, unknown>;
      claims = decodeJwt(jwt) as Record<string, unknown>;
    } catch {
      errors.push(jwt ? 'JWT is not a compact JWS' : 'form field "JWT" is missing');
    }
    if (header && claims) errors.push(...(await checkDeepLinkResponse(sim, jwt, header, claims)));
    sim.state.deepLinkResponses.push({ jwt, header, claims, errors, at: Date.now() });
    const items = claims && Array.isArray(claims[CLAIM.dlContentItems]) ? (claims[CLAIM.dlContentItems] as unknown[]) : [];
    if (errors.length || !claims) return html(400, deepLinkFailedPage(errors));
    // Accepted: place the links in the course the request came from, as an LMS does.
    const data = claims[CLAIM.dlData];
    const at = {
      clientId: String(claims.iss),
      deploymentId: String(claims[CLAIM.deploymentId]),
      contextId: (typeof data === 'string' ? sim.state.deepLinkContexts.get(data) : undefined) ?? DEFAULT_CONTEXT.id,
    };
    const placed = placeContentItems(sim, at, items);
    const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    return html(200, contentAddedPage(sim, { ...at, items, placed, msg: text(claims[CLAIM.dlMsg]), errorMsg: text(claims[CLAIM.dlErrorMsg]) }));
  });

  // A course page that frames the tool and answers LTI platform-storage postMessages
  // (lti.put_data / lti.get_data, both subject prefixes), for cookie-less launch tests in a
  // real browser. Values are partitioned by the sender's origin, as the spec asks.
  app.get('/storage-launch', (c) => {
    const q = new URL(c.req.url).searchParams;
    try {
      const init = loginInitiation(sim, {
        clientId: q.get('client_id') ?? undefined,
        storageTarget: '_parent',
        ...(q.get('scenario_id') ? { custom: { scenario_id: q.get('scenario_id')! } } : {}),
      });
      const script = `
var store = {};
window.addEventListener('message', function (ev) {
  var d = ev.data || {};
  var subject = String(d.subject || '');
  var base = subject.replace(/^org\\.imsglobal\\./, '');
  var bucket = store[ev.origin] || (store[ev.origin] = {});
  var reply = { subject: subject + '.response', message_id: d.message_id, key: d.key };
  if (base === 'lti.put_data') { bucket[d.key] = d.value; reply.value = d.value; }
  else if (base === 'lti.get_data') {
    if (Object.prototype.hasOwnProperty.call(bucket, d.key)) reply.value = bucket[d.key];
    else reply.error = { code: 'key_not_found', message: 'no value for ' + d.key };
  } else if (base === 'lti.capabilities') { reply.supported_messages = [{ subject: 'lti.put_data' }, { subject: 'lti.get_data' }]; }
  else { reply.error = { code: 'unsupported_subject', message: subject }; }
  document.getElementById('log').textContent += subject + ' ' + (d.key || '') + '\\n';
  ev.source.postMessage(reply, ev.origin);
});`;
      const body = `<p>Course page with the tool in a frame (platform storage).</p>
<iframe name="tool" title="tool" src="${escapeHtml(init.url)}" style="width:100%;height:420px;border:1px solid #ccc"></iframe>
<pre id="log"></pre><script>${script}</script>`;
      return html(200, page('Course — storage launch', body));
    } catch (err) {
      return html(400, page('Cannot launch', `<p>${escapeHtml((err as Error).message)}</p>`));
    }
  });
}

async function checkDeepLinkResponse(sim: SimContext, jwt: string, header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string[]> {
  const errors: string[] = [];
  if (header.alg !== 'RS256') errors.push(`alg must be RS256 (got ${String(header.alg)})`);
  if (typeof header.kid !== 'string' || !header.kid) errors.push('kid header missing');
  const iss = typeof claims.iss === 'string' ? claims.iss : '';
  const tool = sim.state.tools.get(iss);
  if (!tool) {
    errors.push(`iss "${iss}" is not a registered client_id`);
    return errors;
  }
  try {
    const jwks = await fetchToolJwks(sim, tool.jwksUrl);
    await compactVerify(jwt, createLocalJWKSet(jwks), { algorithms: ['RS256'] });
  } catch (err) {
    errors.push(`signature check failed: ${(err as Error).message}`);
  }
  const aud = claims.aud;
  const audOk = aud === sim.issuer || (Array.isArray(aud) && aud.includes(sim.issuer));
  if (!audOk) errors.push(`aud must be the platform issuer "${sim.issuer}"`);
  const now = nowSec();
  if (typeof claims.exp !== 'number' || claims.exp <= now) errors.push('exp missing or in the past');
  if (typeof claims.iat !== 'number') errors.push('iat missing');
  if (typeof claims.nonce !== 'string' || !claims.nonce) errors.push('nonce missing');
  if (claims[CLAIM.messageType] !== 'LtiDeepLinkingResponse') errors.push('message_type must be LtiDeepLinkingResponse');
  if (claims[CLAIM.version] !== '1.3.0') errors.push('version must be 1.3.0');
  const dep = claims[CLAIM.deploymentId];
  if (typeof dep !== 'string' || !tool.deploymentIds.includes(dep)) errors.push(`deployment_id "${String(dep)}" unknown`);
  const items = claims[CLAIM.dlContentItems];
  if (!Array.isArray(items)) errors.push('content_items must be an array');
  else errors.push(...contentItemProblems(items));
  const sent = sim.state.deepLinkData.get(tool.clientId) ?? [];
  const data = claims[CLAIM.dlData];
  if (data !== undefined) {
    if (typeof data !== 'string' || !sent.includes(data)) errors.push('data claim does not match any deep linking request');
  } else if (sent[sent.length - 1] !== undefined) {
    errors.push('data claim missing: the request carried data, which must be echoed');
  }
  return errors;
}
