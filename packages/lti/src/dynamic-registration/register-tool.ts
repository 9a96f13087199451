// Step 3b: POST the registration to the platform and read back what it created.
import { type HttpResponse, isHttpError, send } from '@tether/http';
import type { RegistrationRequestBody } from './build-registration-request.js';
import { DEFAULT_REGISTER_TIMEOUT_MS, LTI_PLATFORM_CONFIGURATION, LTI_TOOL_CONFIGURATION, MAX_REGISTRATION_RESPONSE_BYTES } from './constants.js';
import { PLATFORM_BODY_MAX_BYTES, RegistrationError } from './errors.js';
import { summarisePlatformError } from './platform-error-message.js';
import type { PlatformConfiguration } from './validate-platform-configuration.js';

export interface RegisterToolOptions {
  /** Sent as `Authorization: Bearer`; Moodle and Canvas refuse the POST without it. */
  registrationToken?: string;
  userAgent: string;
  fetch?: typeof fetch;
  /** Hosts (`host` or `host:port`) that may be private/internal addresses — local test LMSes only. */
  allowPrivateHosts?: readonly string[];
  /** Default 10000. */
  timeoutMs?: number;
}

/** What the runtime persists for the new connection. */
export interface RegisteredTool {
  clientId: string;
  /** Absent when the platform creates deployments later (at install time, or at first launch). */
  deploymentId?: string;
  productFamily: string;
  productVersion?: string;
  issuer: string;
  authLoginUrl: string;
  tokenUrl: string;
  /** Audience for client assertions when it is not the token URL (D2L's `authorization_server`). */
  tokenAudience?: string;
  jwksUrl: string;
  /** Scopes granted: the answer's `scope` when it has one, else the ones requested. */
  scopes: string[];
  /** The platform's whole answer, for audit. */
  raw: Record<string, unknown>;
}

export async function registerTool(config: PlatformConfiguration, body: RegistrationRequestBody, opts: RegisterToolOptions): Promise<RegisteredTool> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_REGISTER_TIMEOUT_MS;
  const endpoint = config.registration_endpoint;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  // Capitalised scheme: Blackboard has refused `bearer`.
  if (opts.registrationToken) headers.authorization = `Bearer ${opts.registrationToken}`;

  let res: HttpResponse;
  try {
    // No redirect following (the default): re-POSTing the token elsewhere is never what the admin approved.
    res = await send({
      url: endpoint,
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      userAgent: opts.userAgent,
      timeoutMs,
      maxBytes: MAX_REGISTRATION_RESPONSE_BYTES,
      maxErrorBytes: PLATFORM_BODY_MAX_BYTES * 4,
      ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }),
      ...(opts.allowPrivateHosts === undefined ? {} : { allowPrivateHosts: opts.allowPrivateHosts }),
    });
  } catch (err) {
    if (!isHttpError(err)) throw err;
    if (err.code === 'http_redirect_refused' && err.status !== undefined) throw rejected(err.status, '');
    if (err.code === 'http_too_large') {
      throw new RegistrationError('registration_response_invalid', `the LMS registration answer is larger than ${MAX_REGISTRATION_RESPONSE_BYTES} bytes`, {
        ...(err.status === undefined ? {} : { status: err.status }),
      });
    }
    if (err.code === 'http_address_refused') {
      throw new RegistrationError(
        'registration_unreachable',
        `the LMS registration endpoint points to a private or internal network address (${String(err.details.host ?? '')}); Tether does not contact such addresses`,
        { field: 'registration_endpoint', cause: err },
      );
    }
    // Refused, reset, TLS, timeout: the same words (the page must not tell ports apart); the cause keeps the detail for logs.
    throw new RegistrationError('registration_unreachable', REGISTRATION_NOT_SENT, { cause: err });
  }
  if (!res.ok) throw rejected(res.status, res.text);
  if (res.status !== 200 && res.status !== 201) {
    throw new RegistrationError('registration_response_invalid', `registration endpoint answered HTTP ${res.status}, expected 200 or 201`, {
      status: res.status,
    });
  }
  const text = res.text;

  // The answer itself is never repeated: what is wrong with it is said in words.
  const invalid = (message: string, field?: string) =>
    new RegistrationError('registration_response_invalid', message, {
      status: res.status,
      ...(field === undefined ? {} : { field }),
    });

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid('registration answer is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid('registration answer is not a JSON object');
  const raw = json as Record<string, unknown>;

  const clientId = idString(raw.client_id);
  if (clientId === undefined) throw invalid('registration answer has no client_id', 'client_id');

  // The echoed tool configuration is optional; when present it may carry the new deployment.
  const echoed = raw[LTI_TOOL_CONFIGURATION];
  let deploymentId: string | undefined;
  if (echoed !== undefined) {
    if (typeof echoed !== 'object' || echoed === null || Array.isArray(echoed)) {
      throw invalid(`${LTI_TOOL_CONFIGURATION} in the registration answer is not an object`, LTI_TOOL_CONFIGURATION);
    }
    const rawDeployment = (echoed as Record<string, unknown>).deployment_id;
    const blank = rawDeployment === undefined || rawDeployment === null || (typeof rawDeployment === 'string' && rawDeployment.trim() === '');
    if (!blank) {
      deploymentId = idString(rawDeployment);
      if (deploymentId === undefined) throw invalid('deployment_id in the registration answer is not a string', 'deployment_id');
    }
  }

  const granted = typeof raw.scope === 'string' ? raw.scope : body.scope;
  const platform = config[LTI_PLATFORM_CONFIGURATION];
  const registered: RegisteredTool = {
    clientId,
    productFamily: platform.product_family_code,
    issuer: config.issuer,
    authLoginUrl: config.authorization_endpoint,
    tokenUrl: config.token_endpoint,
    jwksUrl: config.jwks_uri,
    scopes: granted.split(/\s+/).filter(Boolean),
    raw,
  };
  if (deploymentId !== undefined) registered.deploymentId = deploymentId;
  if (platform.version !== undefined) registered.productVersion = platform.version;
  if (config.authorization_server !== undefined) registered.tokenAudience = config.authorization_server;
  return registered;
}

/** Said when the registration POST got no answer, whatever the socket said. */
export const REGISTRATION_NOT_SENT = 'the LMS registration endpoint could not be reached';

/**
 * The LMS's refusal in words: the status, and the OAuth error code and the field it blamed
 * when they are plain identifiers. Its free text is not repeated — the endpoint came from a
 * configuration anyone can publish, and its answer is not the page's to show.
 */
function rejected(status: number, platformBody: string): RegistrationError {
  const summary = summarisePlatformError(status, platformBody);
  const errorCode = oauthErrorCode(platformBody);
  const field = summary.field !== undefined && IDENTIFIER.test(summary.field) ? summary.field : undefined;
  const named = [errorCode, field === undefined ? undefined : `field ${field}`].filter((p) => p !== undefined).join(', ');
  return new RegistrationError('registration_rejected', `the LMS refused the registration (HTTP ${status}${named ? `: ${named}` : ''})`, {
    status,
    ...(field === undefined ? {} : { field }),
    // The LMS's own words, bounded, for the server-side timeline only (R61) — never the page.
    ...(summary.message === `the platform answered HTTP ${status}` ? {} : { details: { platformMessage: summary.message.slice(0, 300) } }),
  });
}

const IDENTIFIER = /^[A-Za-z0-9_.:/-]{1,100}$/;

/** The OAuth/OIDC `error` member (`invalid_redirect_uri`…), when the answer has a plain one. */
function oauthErrorCode(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const error = typeof parsed === 'object' && parsed !== null ? (parsed as { error?: unknown }).error : undefined;
    return typeof error === 'string' && /^[a-z0-9_]{1,64}$/i.test(error) ? error : undefined;
  } catch {
    return undefined;
  }
}

/** IDs are strings in the spec; some platforms emit numbers. Empty means absent. */
function idString(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return undefined;
}
