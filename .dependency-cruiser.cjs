// The layering of the workspace as rules that check themselves (`pnpm lint` runs them):
//   apps → api / lti / ags / queue / auth → crypto / db → http → errors
// plus: no import cycles, no reaching into another package's files, lms-sim stands alone.
// See docs/architecture.md for why the layers are what they are.
//
// Run it with `node .dependency-cruiser.cjs` (what `pnpm lint:deps` does): the depcruise CLI
// refuses Node 20 (its engines field asks for Node 22+), while its API runs fine on Node 20.
// On Node 22+ `depcruise apps packages --config .dependency-cruiser.cjs` does the same.
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

/** Files a workspace package offers to others: the targets of its package.json `exports` (e.g. src/index.ts, db's src/testing.ts). */
function workspaceEntries() {
  const entries = [];
  for (const dir of ['packages', 'apps']) {
    for (const name of readdirSync(join(__dirname, dir))) {
      let manifest;
      try {
        manifest = JSON.parse(readFileSync(join(__dirname, dir, name, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      const exportsField = manifest.exports ?? {};
      const targets = typeof exportsField === 'string' ? [exportsField] : Object.values(exportsField).filter((v) => typeof v === 'string');
      for (const target of targets) entries.push(`${dir}/${name}/${target.replace(/^\.\//, '')}`);
    }
  }
  return entries;
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const ENTRY_FILES = workspaceEntries().map((p) => `^${escapeRegExp(p)}$`);

/** A package's production code: the layer rules bind src/; its tests may also use test tools such as lms-sim. */
const src = (...names) => `^packages/(${names.join('|')})/src/`;
const pkg = (...names) => `^packages/(${names.join('|')})/`;

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles (type-only ones included) make modules load half-initialised and hide which module owns what. Move what both sides need into a module both import.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-package-internals',
      severity: 'error',
      comment: 'Use another package only through its entry (`@tether/x`, i.e. its package.json exports), never by a path into its files.',
      from: { path: '^(packages|apps)/([^/]+)/' },
      to: { path: '^(packages|apps)/[^/]+/', pathNot: ['^$1/$2/', ...ENTRY_FILES] },
    },
    {
      name: 'no-package-imports-app',
      severity: 'error',
      comment: 'Apps sit on top: no package depends on an app.',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'errors-imports-no-workspace-package',
      severity: 'error',
      comment: '@tether/errors is the leaf every layer uses: it imports nothing from the workspace.',
      from: { path: src('errors') },
      to: { path: '^(packages|apps)/', pathNot: pkg('errors') },
    },
    {
      name: 'http-imports-only-errors',
      severity: 'error',
      comment: '@tether/http may use @tether/errors only.',
      from: { path: src('http') },
      to: { path: '^(packages|apps)/', pathNot: pkg('http', 'errors') },
    },
    {
      name: 'crypto-db-import-only-http-errors',
      severity: 'error',
      comment: '@tether/crypto and @tether/db sit below the protocol packages: of the workspace they may use @tether/errors and @tether/http only.',
      from: { path: src('crypto', 'db') },
      to: { path: '^(packages|apps)/', pathNot: ['^packages/$1/', pkg('http', 'errors')] },
    },
    {
      name: 'lti-not-ags',
      severity: 'error',
      comment: 'AGS builds on LTI, not the other way round: @tether/ags may import @tether/lti, @tether/lti never imports @tether/ags.',
      from: { path: pkg('lti') },
      to: { path: pkg('ags') },
    },
    {
      name: 'lms-sim-stands-alone',
      severity: 'error',
      comment: 'The LMS simulator plays the other side of the protocol: it must not share code with the tool it tests.',
      from: { path: pkg('lms-sim') },
      to: { path: '^(packages|apps)/', pathNot: pkg('lms-sim') },
    },
    {
      name: 'no-lms-sim-in-production',
      severity: 'error',
      comment: 'lms-sim is a test and demo tool: production code (src/) does not import it.',
      from: { path: '^(packages|apps)/[^/]+/src/', pathNot: pkg('lms-sim') },
      to: { path: pkg('lms-sim') },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|\\.svelte-kit|build|dist|\\.data|\\.turbo|test-results|playwright-report)/' },
    // Type-only imports are dependencies too (for layering and for cycles).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    // Packages are consumed as TypeScript source through their package.json "exports".
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.svelte', '.d.ts'],
    },
    cache: false,
    progress: { type: 'none' },
  },
};

/** SvelteKit's `$lib` alias, so the dashboard's own modules are followed too (`$app/*` is virtual). */
const RESOLVE_OPTIONS = { alias: { $lib: join(__dirname, 'apps/admin/src/lib') } };

async function main() {
  const { cruise, format } = await import('dependency-cruiser');
  const { default: extractDepcruiseOptions } = await import('dependency-cruiser/config-utl/extract-depcruise-options');
  const { default: extractTSConfig } = await import('dependency-cruiser/config-utl/extract-ts-config');
  process.chdir(__dirname);
  const options = await extractDepcruiseOptions('./.dependency-cruiser.cjs');
  const result = await cruise(['apps', 'packages'], { ...options, validate: true }, RESOLVE_OPTIONS, {
    tsConfig: extractTSConfig(join(__dirname, 'tsconfig.base.json')),
  });
  const report = await format(result.output, { outputType: process.argv[2] ?? 'err-long' });
  process.stdout.write(report.output);
  process.exitCode = report.exitCode;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 2;
  });
}
