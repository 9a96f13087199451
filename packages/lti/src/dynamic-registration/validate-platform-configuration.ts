// Step 2b: decide whether a downloaded OpenID configuration can be trusted and used. Pure, so
// the runtime can also re-check a stored configuration.
import { z } from 'zod';
import { LTI_PLATFORM_CONFIGURATION } from './constants.js';
import { RegistrationError } from './errors.js';
import { assertSecureUrl, parseHttpUrl } from './urls.js';

const httpUrl = z.string('must be a URL string').refine((v) => parseHttpUrl(v) !== undefined, 'must be an absolute http(s) URL');
const stringList = z.array(z.string(), 'must be an array of strings');

/** A supported message. Some platforms list bare type names; they are normalised to `{ type }`. */
const platformMessageSchema = z.union(
  [
    z
      .string()
      .min(1)
      .transform((type) => ({ type })),
    z.looseObject({ type: z.string().min(1), placements: stringList.optional() }),
  ],
  'must be a message type name or an object { type, placements? }',
);

export const ltiPlatformConfigurationSchema = z.looseObject(
  {
    product_family_code: z.string('must be a string').min(1, 'must not be empty'),
    // Informational only: accept a number too rather than fail a registration over it.
    version: z.union([z.string(), z.number().transform(String)], 'must be a string').optional(),
    messages_supported: z.array(platformMessageSchema, 'must be an array'),
    variables: stringList.optional(),
  },
  'must be an object',
);

export const platformConfigurationSchema = z.looseObject(
  {
    issuer: httpUrl,
    authorization_endpoint: httpUrl,
    token_endpoint: httpUrl,
    jwks_uri: httpUrl,
    registration_endpoint: httpUrl,
    scopes_supported: stringList.optional(),
    token_endpoint_auth_methods_supported: stringList.optional(),
    token_endpoint_auth_signing_alg_values_supported: stringList.optional(),
    id_token_signing_alg_values_supported: stringList.optional(),
    /** D2L: the audience client assertions must carry, when it differs from the token URL. */
    authorization_server: z.string('must be a string').min(1, 'must not be empty').optional(),
    [LTI_PLATFORM_CONFIGURATION]: ltiPlatformConfigurationSchema,
  },
  'must be a JSON object',
);

export type PlatformConfiguration = z.output<typeof platformConfigurationSchema>;
export type LtiPlatformConfiguration = z.output<typeof ltiPlatformConfigurationSchema>;
export type PlatformMessage = z.output<typeof platformMessageSchema>;

export interface ValidatePlatformConfigurationOptions {
  /** Where the configuration was fetched from (after same-host redirects): the issuer must share its host. */
  configurationUrl: URL;
  allowInsecureHosts?: string[];
}

/** The endpoints that will carry tokens or keys: each must be https (or allow-listed). */
const SECURE_FIELDS = ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri', 'registration_endpoint'] as const;

export function validatePlatformConfiguration(json: unknown, opts: ValidatePlatformConfigurationOptions): PlatformConfiguration {
  const parsed = platformConfigurationSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? String(issue.path[0]) : undefined;
    const where = issue.path.length > 0 ? formatPath(issue.path) : 'the configuration';
    const problem = issue.path.length > 0 && valueAt(json, issue.path) === undefined ? 'is missing' : issue.message;
    throw new RegistrationError('config_invalid', `${where} ${problem}`, field === undefined ? {} : { field });
  }
  const config = parsed.data;

  const issuer = new URL(config.issuer);
  // OpenID Discovery: the issuer is a URL without query or fragment; launches compare it verbatim.
  if (issuer.search || issuer.hash) {
    throw new RegistrationError('config_invalid', 'issuer must not contain a query or fragment', { field: 'issuer' });
  }
  // LTI-DR 1.0: the issuer's domain must match the configuration URL's, so one host cannot
  // announce itself as another platform. Compared by hostname (the spec speaks of domains).
  if (issuer.hostname !== opts.configurationUrl.hostname) {
    throw new RegistrationError('issuer_mismatch', `issuer host ${issuer.hostname} differs from the configuration URL host ${opts.configurationUrl.hostname}`, { field: 'issuer' });
  }
  for (const field of SECURE_FIELDS) assertSecureUrl(new URL(config[field]), opts.allowInsecureHosts, field);

  // Tether authenticates with signed client assertions and accepts only RS256 id_tokens: a
  // platform that says it supports neither cannot work, better to say so now than at launch.
  const authMethods = config.token_endpoint_auth_methods_supported;
  if (authMethods && !authMethods.includes('private_key_jwt')) {
    throw new RegistrationError('config_invalid', 'token_endpoint_auth_methods_supported does not include private_key_jwt', {
      field: 'token_endpoint_auth_methods_supported',
    });
  }
  const idTokenAlgs = config.id_token_signing_alg_values_supported;
  if (idTokenAlgs && !idTokenAlgs.includes('RS256')) {
    throw new RegistrationError('config_invalid', 'id_token_signing_alg_values_supported does not include RS256', {
      field: 'id_token_signing_alg_values_supported',
    });
  }
  return config;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}
