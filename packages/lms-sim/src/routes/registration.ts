/** LTI Dynamic Registration 1.0, platform side: OpenID configuration and the registration endpoint. */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { ALL_SERVICE_SCOPES, TOOL_CONFIGURATION } from '../constants.js';
import { json, mediaType } from '../http.js';
import { openidConfiguration } from '../platform.js';
import type { RegistrationTokenRecord, SimContext } from '../state.js';
import { registerTool } from '../tools.js';
import { isRecord, randomId } from '../util.js';

const ToolConfiguration = z.looseObject({
  domain: z.string().min(1, 'domain is required'),
  secondary_domains: z.array(z.string()).optional(),
  target_link_uri: z.url('target_link_uri must be a URL'),
  custom_parameters: z.record(z.string(), z.string()).optional(),
  description: z.string().optional(),
  claims: z.array(z.string(), 'claims must be an array of claim names'),
  messages: z.array(
    z.looseObject({
      type: z.string().min(1, 'message type is required'),
      target_link_uri: z.url().optional(),
      label: z.string().optional(),
      icon_uri: z.url().optional(),
      custom_parameters: z.record(z.string(), z.string()).optional(),
      placements: z.array(z.string()).optional(),
      roles: z.array(z.string()).optional(),
    }),
    'messages must be an array',
  ),
});

const RegistrationRequest = z.looseObject({
  application_type: z.literal('web', 'application_type must be "web"'),
  response_types: z.array(z.string()).refine((v) => v.includes('id_token'), 'response_types must include "id_token"'),
  grant_types: z.array(z.string()).refine((v) => v.includes('implicit') && v.includes('client_credentials'), 'grant_types must include "implicit" and "client_credentials"'),
  initiate_login_uri: z.url('initiate_login_uri must be a URL'),
  redirect_uris: z.array(z.url('redirect_uris must be URLs')).min(1, 'redirect_uris must not be empty'),
  client_name: z.string().min(1, 'client_name is required'),
  jwks_uri: z.url('jwks_uri must be a URL'),
  token_endpoint_auth_method: z.literal('private_key_jwt', 'token_endpoint_auth_method must be "private_key_jwt"'),
  scope: z.string().optional(),
  logo_uri: z.url().optional(),
  client_uri: z.url().optional(),
  policy_uri: z.url().optional(),
  tos_uri: z.url().optional(),
  contacts: z.array(z.string()).optional(),
  [TOOL_CONFIGURATION]: ToolConfiguration,
});

interface FieldError {
  field: string;
  message: string;
}

function bearerToken(c: Context): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
  return m ? m[1]! : null;
}

export function installRegistrationRoutes(app: Hono, sim: SimContext): void {
  const canvas = sim.mode === 'canvas';

  const unauthorized = (message: string): Response =>
    canvas
      ? json(401, { errors: [{ message }] }, { 'www-authenticate': 'Bearer' })
      : json(401, { error: 'invalid_token', error_description: message }, { 'www-authenticate': 'Bearer' });

  const invalid = (errors: FieldError[]): Response =>
    canvas
      ? json(422, { errors })
      : json(400, {
          error: 'invalid_client_metadata',
          error_description: errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; '),
        });

  const checkToken = (token: string | null): RegistrationTokenRecord | string => {
    if (!token) return 'Authorization: Bearer <registration_token> is required';
    const rec = sim.state.registrationTokens.get(token);
    if (!rec) return 'unknown registration token';
    if (rec.expiresAt < Date.now()) return 'registration token expired';
    if (rec.used) return 'registration token already used';
    return rec;
  };

  app.get('/.well-known/openid-configuration', (c) => {
    sim.state.stats.openidConfigurationRequests++;
    const token = bearerToken(c);
    // Canvas requires the registration token here; elsewhere it is optional but must be valid if sent.
    if (token !== null || canvas) {
      const rec = checkToken(token);
      if (typeof rec === 'string') return unauthorized(rec);
    }
    return json(200, openidConfiguration(sim));
  });

  app.post('/register', async (c) => {
    sim.state.stats.registrationRequests++;
    const reject = sim.opts.rejectRegistration;
    if (reject) return json(reject.status, reject.body);

    const rec = checkToken(bearerToken(c));
    if (typeof rec === 'string') return unauthorized(rec);

    if (mediaType(c.req.header('content-type')) !== 'application/json') {
      return invalid([{ field: '', message: 'Content-Type must be application/json' }]);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(await c.req.text());
    } catch {
      return invalid([{ field: '', message: 'body is not valid JSON' }]);
    }
    const parsed = RegistrationRequest.safeParse(raw);
    if (!parsed.success) {
      return invalid(
        parsed.error.issues.map((i) => ({
          field: i.path.map(String).join('.'),
          message: i.code === 'invalid_type' && i.input === undefined ? `${i.path.map(String).join('.')} is required` : i.message,
        })),
      );
    }
    const req = parsed.data;
    const supported = openidConfiguration(sim).scopes_supported;
    const supportedScopes = Array.isArray(supported) ? (supported as string[]) : [];
    const requestedScopes = (req.scope ?? '').split(/\s+/).filter(Boolean);
    const unsupported = requestedScopes.filter((s) => !supportedScopes.includes(s));
    if (unsupported.length) {
      return invalid([{ field: 'scope', message: `unsupported scope(s): ${unsupported.join(' ')}` }]);
    }

    const clientId = sim.opts.registrationClientId ?? `dr-${randomId(10)}`;
    const deploymentId = `dr-deployment-${randomId(6)}`;
    const toolConfig = req[TOOL_CONFIGURATION];
    const serviceScopes = requestedScopes.filter((s) => ALL_SERVICE_SCOPES.includes(s));
    registerTool(sim, {
      clientId,
      loginUrl: req.initiate_login_uri,
      redirectUris: req.redirect_uris,
      jwksUrl: req.jwks_uri,
      targetLinkUri: toolConfig.target_link_uri,
      deploymentIds: [deploymentId],
      scopes: serviceScopes,
      name: req.client_name,
    });
    rec.used = true;

    const responseToolConfig: Record<string, unknown> = { ...toolConfig };
    if (!sim.opts.omitDeploymentId) responseToolConfig.deployment_id = deploymentId;
    const response: Record<string, unknown> = {
      ...(isRecord(raw) ? raw : {}),
      client_id: clientId,
      scope: requestedScopes.join(' '),
      [TOOL_CONFIGURATION]: responseToolConfig,
    };
    sim.state.registrations.push({
      clientId,
      deploymentId,
      registrationToken: rec.token,
      request: isRecord(raw) ? raw : {},
      response,
      at: Date.now(),
    });
    return json(200, response);
  });
}
