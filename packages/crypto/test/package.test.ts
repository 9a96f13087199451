// The packed package works outside the monorepo: `pnpm pack` (its prepack builds dist/), then a
// plain Node project — no TypeScript, no workspace — installs the tarball with npm and verifies a
// hand-off token against a JWKS it serves itself. A TypeScript consumer type-checks against the
// packed .d.ts, so they must stand alone too.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const HOST_SCRIPT = `
import { createPrivateKey } from 'node:crypto';
import { createServer } from 'node:http';
import { createHandoffVerifier, generateToolKey, isCryptoError, signHandoffToken } from '@tether/crypto';

// Tether's side, in miniature: a tool key and its JWKS on 127.0.0.1.
const key = await generateToolKey();
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ keys: [key.publicJwk] }));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const runtime = 'http://127.0.0.1:' + server.address().port;
const player = 'https://player.example';

const token = await signHandoffToken(
  {
    learner: { id: 'member-1', name: 'Ada Lovelace', email: null },
    workspace: { id: 'ws-1' },
    scenario: { id: 'sc-1', slug: 'fire-drill' },
    launch: { id: 'launch-1', correlationId: 'cid-1' },
    roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
    course: null,
    canSendGrade: true,
  },
  { key: createPrivateKey({ key: key.privateJwk, format: 'jwk' }), kid: key.kid, issuer: runtime, audience: player },
);

// The host's side: the lines the README shows.
const verifier = createHandoffVerifier({ jwksUrl: runtime + '/.well-known/jwks.json', issuer: runtime, audience: player, allowInsecureHosts: ['127.0.0.1'] });
const handoff = await verifier.verify(token);
let replay = null;
try {
  await verifier.verify(token);
} catch (err) {
  replay = isCryptoError(err) ? err.code : String(err);
}
server.close();
console.log(JSON.stringify({ playing: handoff.scenario.slug, as: handoff.learner.name, correlationId: handoff.launch.correlationId, canSendGrade: handoff.canSendGrade, replay }));
`;

const TS_CONSUMER = `
import { type CryptoErrorCode, createHandoffVerifier, type HandoffContext, isCryptoError, signHandoffToken, type VerifiedHandoff } from '@tether/crypto';

const verifier = createHandoffVerifier({ jwksUrl: 'https://tether.example/.well-known/jwks.json', issuer: 'https://tether.example', audience: 'https://player.example' });

export async function play(token: string): Promise<string> {
  try {
    const handoff: VerifiedHandoff = await verifier.verify(token);
    const ctx: HandoffContext = handoff;
    return \`\${ctx.scenario.slug} \${handoff.expiresAt.toISOString()}\`;
  } catch (err) {
    if (isCryptoError(err, 'handoff_token_replayed')) {
      const code: CryptoErrorCode = err.code;
      // TetherError's members come through the vendored declaration.
      const retryable: boolean = err.retryable;
      // @ts-expect-error details is a record, not a string
      const details: string = err.details;
      return code + String(retryable) + details;
    }
    throw err;
  }
}

// @ts-expect-error a context needs every member
export const bad = signHandoffToken({ learner: { id: 'x' } }, { key: {} as CryptoKey, kid: 'k', issuer: 'i', audience: 'a' });
// @ts-expect-error the verifier needs an audience
createHandoffVerifier({ jwksUrl: 'https://tether.example/.well-known/jwks.json', issuer: 'https://tether.example' });
`;

// Building, packing and installing take a while: ~20 s on two shared cores, most of it tsc and npm.
describe('the packed package, outside the monorepo', { timeout: 60_000 }, () => {
  let work: string;
  let tarball: string;
  let host: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'tether-crypto-pack-'));
    await run('pnpm', ['pack', '--pack-destination', work], { cwd: packageDir, maxBuffer: 16 * 1024 * 1024 });
    const [name] = (await readdir(work)).filter((f) => f.endsWith('.tgz'));
    if (name === undefined) throw new Error('pnpm pack wrote no tarball');
    tarball = join(work, name);

    host = join(work, 'host');
    await run('mkdir', [host]);
    await writeFile(join(host, 'package.json'), JSON.stringify({ name: 'host', private: true, type: 'module' }));
    // The registry is reachable; the cache answers when it can.
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: host, maxBuffer: 16 * 1024 * 1024 });
  }, 120_000);

  afterAll(async () => {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('has a publishable manifest: exports with types, public dependencies only', async () => {
    const installed = join(host, 'node_modules', '@tether', 'crypto');
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      name: '@tether/crypto',
      version: '0.2.0',
      type: 'module',
      license: expect.any(String),
      description: expect.any(String),
      exports: { '.': { types: './index.d.ts', default: './index.js' } },
    });
    expect(manifest).not.toHaveProperty('private');
    expect(manifest).not.toHaveProperty('devDependencies');
    const deps = manifest.dependencies as Record<string, string>;
    expect(Object.keys(deps).sort()).toEqual(['ipaddr.js', 'jose', 'undici', 'zod']);
    expect(Object.values(deps).every((v) => /^\d+\.\d+\.\d+$/.test(v))).toBe(true);
    // Nothing private came along.
    expect(existsSync(join(host, 'node_modules', '@tether', 'errors'))).toBe(false);
    expect(existsSync(join(host, 'node_modules', '@tether', 'http'))).toBe(false);
    for (const file of ['index.js', 'index.d.ts', 'handoff-verify.d.ts', 'handoff-sign.d.ts', 'errors.d.ts', 'README.md', 'CHANGELOG.md']) {
      expect(existsSync(join(installed, file)), file).toBe(true);
    }
    expect(existsSync(join(installed, 'src'))).toBe(false);
    const js = await readFile(join(installed, 'index.js'), 'utf8');
    expect(js).not.toMatch(/from\s*["']@tether\//);
  });

  it('a plain .mjs host verifies a hand-off token against a JWKS on 127.0.0.1', async () => {
    await writeFile(join(host, 'verify.mjs'), HOST_SCRIPT);
    const { stdout } = await run(process.execPath, ['verify.mjs'], { cwd: host, timeout: 20_000 });
    expect(JSON.parse(stdout.trim())).toEqual({ playing: 'fire-drill', as: 'Ada Lovelace', correlationId: 'cid-1', canSendGrade: true, replay: 'handoff_token_replayed' });
  });

  it('type-checks a TypeScript consumer against the packed .d.ts', async () => {
    const require = createRequire(import.meta.url);
    const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
    const nodeTypes = dirname(dirname(require.resolve('@types/node/package.json')));
    await writeFile(join(host, 'consumer.ts'), TS_CONSUMER);
    await writeFile(
      join(host, 'tsconfig.json'),
      JSON.stringify({
        // skipLibCheck keeps this to seconds; the @ts-expect-error lines fail the check if the
        // package's types did not resolve (everything `any` would leave them unused).
        compilerOptions: {
          strict: true,
          target: 'ES2023',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [nodeTypes],
        },
        files: ['consumer.ts'],
      }),
    );
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: host, timeout: 30_000 }).then(
      () => 'ok',
      (err: { stdout?: string }) => err.stdout ?? String(err),
    );
    expect(result).toBe('ok');
  });
});
