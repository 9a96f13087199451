// The player's settings, from the environment, checked once at start.

/**
 * @typedef {object} PlayerConfig
 * @property {number} port            where this server listens
 * @property {string} runtimeUrl      Tether's runtime (its PUBLIC_URL): the tokens' issuer, home of the JWKS and the Grades API
 * @property {string} playerUrl       this player's public origin: the audience Tether signs for
 * @property {string | null} apiKey   a workspace API key for the Grades API (`pnpm tether apikey create --workspace <slug>`)
 */

/**
 * @param {Record<string, string | undefined>} env
 * @returns {PlayerConfig}
 */
export function readConfig(env) {
  const port = Number(env.PORT || 3200);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('PORT must be a port number (0–65535)');
  return {
    port,
    runtimeUrl: originOf('TETHER_RUNTIME_URL', env.TETHER_RUNTIME_URL || 'http://localhost:3001'),
    playerUrl: originOf('PLAYER_URL', env.PLAYER_URL || `http://localhost:${port}`),
    apiKey: env.TETHER_API_KEY?.trim() || null,
  };
}

/** Issuer and audience are compared exactly, so both are reduced to origins (no path, no trailing slash). */
function originOf(name, value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} must be a URL such as http://localhost:3001 (got "${value}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name} must be an http(s) URL`);
  return url.origin;
}
