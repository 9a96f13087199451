// A platform registration's service tokens (AGS, NRPS), from the process's one connector:
// the grade and roster workers ask for them by platform row and deployment.
import type { Platform } from '@tether/db';
import type { ServiceConnector, ServiceTokenProvider } from '@tether/lti';

export type PlatformServiceTokens = (platform: Platform, deploymentId: string | null) => ServiceTokenProvider;

export function platformServiceTokens(connector: ServiceConnector): PlatformServiceTokens {
  return (platform, deploymentId) =>
    connector.tokens({
      clientId: platform.client_id,
      tokenUrl: platform.token_url,
      ...(platform.token_audience ? { audience: platform.token_audience } : {}),
      ...(deploymentId ? { deploymentId } : {}),
    });
}
