// Starts the example scenario player: `pnpm --filter @tether/example-scenario-player start`.
import { createServer } from 'node:http';
import { readConfig } from './config.mjs';
import { createPlayer } from './player.mjs';

let config;
try {
  config = readConfig(process.env);
} catch (err) {
  console.error(`scenario player: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}

const server = createServer(createPlayer(config));
server.listen(config.port, () => {
  console.log(`scenario player on http://localhost:${config.port} (audience ${config.playerUrl})`);
  console.log(`  trusts tokens from ${config.runtimeUrl} (keys: ${config.runtimeUrl}/.well-known/jwks.json)`);
  if (!config.apiKey) console.log('  TETHER_API_KEY is not set: the score form will say so instead of sending');
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
