/**
 * `pnpm lms-sim` — run the LMS simulator for humans (local demo, manual testing).
 *
 *   pnpm lms-sim [--port 3100] [--host 127.0.0.1] [--mode generic|canvas|moodle|brightspace|blackboard]
 *                [--issuer URL] [--client-id ID] [--deployment-id ID] [--public-url URL]
 *                [--tool-login-url URL --tool-redirect-uri URL... --tool-jwks-url URL [--tool-target-link-uri URL]]
 *                [--register-url URL] [--user-agent-required]
 *
 * Every flag also reads an environment variable: PORT, HOST, LMS_MODE, LMS_ISSUER, LMS_CLIENT_ID,
 * LMS_DEPLOYMENT_ID, LMS_PUBLIC_URL, TOOL_LOGIN_URL, TOOL_REDIRECT_URIS (comma-separated),
 * TOOL_JWKS_URL, TOOL_TARGET_LINK_URI, TOOL_REGISTRATION_URL.
 */
import { parseArgs } from 'node:util';
import { startLmsSim } from './server.js';
import type { LmsMode } from './types.js';

const MODES: readonly LmsMode[] = ['generic', 'canvas', 'moodle', 'brightspace', 'blackboard'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      mode: { type: 'string' },
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      'deployment-id': { type: 'string' },
      'public-url': { type: 'string' },
      'tool-login-url': { type: 'string' },
      'tool-redirect-uri': { type: 'string', multiple: true },
      'tool-jwks-url': { type: 'string' },
      'tool-target-link-uri': { type: 'string' },
      'register-url': { type: 'string' },
      'user-agent-required': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  const env = process.env;
  if (values.help) {
    console.log('Usage: pnpm lms-sim [--port 3100] [--mode canvas] [--tool-login-url … --tool-redirect-uri … --tool-jwks-url …] [--register-url …]');
    return;
  }
  const mode = (values.mode ?? env.LMS_MODE ?? 'generic') as LmsMode;
  if (!MODES.includes(mode)) throw new Error(`unknown mode "${mode}" (one of ${MODES.join(', ')})`);
  const port = Number.parseInt(values.port ?? env.PORT ?? '3100', 10);

  const sim = await startLmsSim({
    port,
    host: values.host ?? env.HOST ?? '127.0.0.1',
    mode,
    issuer: values.issuer ?? env.LMS_ISSUER,
    clientId: values['client-id'] ?? env.LMS_CLIENT_ID ?? 'lms-sim-client',
    deploymentId: values['deployment-id'] ?? env.LMS_DEPLOYMENT_ID ?? 'lms-sim-deployment',
    publicUrl: values['public-url'] ?? env.LMS_PUBLIC_URL,
    ...(values['user-agent-required'] ? { userAgentRequired: true } : {}),
  });

  const loginUrl = values['tool-login-url'] ?? env.TOOL_LOGIN_URL;
  const redirectUris =
    values['tool-redirect-uri'] ??
    env.TOOL_REDIRECT_URIS?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const jwksUrl = values['tool-jwks-url'] ?? env.TOOL_JWKS_URL;
  if (loginUrl && redirectUris?.length && jwksUrl) {
    sim.registerTool({
      loginUrl,
      redirectUris,
      jwksUrl,
      targetLinkUri: values['tool-target-link-uri'] ?? env.TOOL_TARGET_LINK_URI,
      name: 'Tool (from CLI)',
    });
  }

  const e = sim.endpoints;
  const lines = [
    `LMS simulator (${mode}) listening on ${sim.url}`,
    '',
    `  issuer                 ${sim.issuer}`,
    `  client_id              ${sim.clientId}`,
    `  deployment_id          ${sim.deploymentId}`,
    `  OIDC auth endpoint     ${e.auth}`,
    `  token endpoint         ${e.token}`,
    `  JWKS                   ${e.jwks}`,
    `  OpenID configuration   ${e.openidConfiguration}`,
    `  registration endpoint  ${e.registration}`,
    '',
  ];
  if (sim.tools().length) {
    lines.push(`Tool registered. Launch it from ${sim.url}/ (or ${sim.url}/launch?as=learner&scenario_id=<slug>).`);
  } else {
    lines.push(
      'No tool registered yet. Either:',
      `  • dynamic registration: open ${sim.url}/ and paste the tool's registration URL (Tether: http://localhost:3001/lti/register?token=…,`,
      '    copy it from the dashboard: LTI settings → Dynamic registration), or start with --register-url URL;',
      '  • manual: restart with --tool-login-url URL --tool-redirect-uri URL --tool-jwks-url URL',
      '    and enter the values above (issuer, client_id, deployment_id, auth/token/JWKS URLs) in the tool.',
    );
  }
  const registerUrl = values['register-url'] ?? env.TOOL_REGISTRATION_URL;
  if (registerUrl) {
    lines.push('', 'Open this URL to register the tool dynamically (token valid 1 hour):', `  ${sim.startRegistration({ toolRegistrationUrl: registerUrl })}`);
  }
  console.log(lines.join('\n'));

  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`lms-sim: ${(err as Error).message}`);
  process.exit(1);
});
