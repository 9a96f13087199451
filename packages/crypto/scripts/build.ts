// Builds the publishable @tether/crypto into dist/: one ESM bundle (index.js), its .d.ts files,
// the README and CHANGELOG, and a package.json of its own. The monorepo never needs it —
// workspace packages import src/ through package.json "exports" — but `pnpm pack` and
// `pnpm publish` pack dist/ (publishConfig.directory), so run `pnpm build` first (prepack does).
//
// @tether/errors and @tether/http are private workspace packages, so what crypto uses of them
// is bundled into index.js and their types are copied under dist/vendor/: the packed package
// depends on public npm packages only, listed with the versions the workspace pins.
import { copyFile, mkdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';
import ts from 'typescript';

interface Manifest {
  name: string;
  version: string;
  description?: string;
  license?: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
}

const WORKSPACE_SCOPE = '@tether/';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const entry = join(root, 'src', 'index.ts');

async function main(): Promise<void> {
  const manifest = await readManifest(root);
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });

  const externals = await bundle();
  const workspacePackages = Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith(WORKSPACE_SCOPE));
  const declarations = await emitDeclarations(workspacePackages);
  for (const [file, text] of declarations) {
    await mkdir(dirname(join(dist, file)), { recursive: true });
    await writeFile(join(dist, file), text);
  }
  await copyFile(join(root, 'README.md'), join(dist, 'README.md'));
  await copyFile(join(root, 'CHANGELOG.md'), join(dist, 'CHANGELOG.md'));

  const published = {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    license: manifest.license,
    type: 'module',
    // No module of the bundle does anything on import.
    sideEffects: false,
    exports: { '.': { types: './index.d.ts', default: './index.js' }, './package.json': './package.json' },
    main: './index.js',
    types: './index.d.ts',
    files: ['index.js', ...[...declarations.keys()].sort(), 'CHANGELOG.md'],
    ...(manifest.engines === undefined ? {} : { engines: manifest.engines }),
    dependencies: await publishedDependencies(manifest, workspacePackages, externals),
  };
  await writeFile(join(dist, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
  console.log(`built ${manifest.name}@${manifest.version} into dist/ (depends on ${Object.keys(published.dependencies).join(', ')})`);
}

/** Bundles src/ and the workspace code it imports into dist/index.js; returns the bare imports left external. */
async function bundle(): Promise<Set<string>> {
  const SKIP = Symbol('resolving');
  // Every bare import stays an import, except the workspace packages, which are inlined. All of
  // it is free of import-time side effects, so unused parts (the error catalogue, Link header
  // parsing) drop out — and with them their npm dependencies.
  const inlineWorkspace: Plugin = {
    name: 'inline-workspace',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === 'entry-point' || args.pluginData === SKIP) return undefined;
        const bare = !args.path.startsWith('.') && !args.path.startsWith('/');
        if (bare && !args.path.startsWith(WORKSPACE_SCOPE)) return { path: args.path, external: true };
        const resolved = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: SKIP });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        return { path: resolved.path, sideEffects: false };
      });
    },
  };
  const result = await build({
    entryPoints: [entry],
    outfile: join(dist, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: [inlineWorkspace],
  });
  return externalPackages(result.metafile);
}

function externalPackages(metafile: Metafile): Set<string> {
  const names = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const imported of output.imports) {
      if (!imported.external || imported.path.startsWith('node:') || builtinModules.includes(imported.path)) continue;
      const parts = imported.path.split('/');
      names.add(imported.path.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? imported.path));
    }
  }
  return names;
}

/** The bundle's external packages at the versions pinned by crypto or the workspace package that imports them. */
async function publishedDependencies(manifest: Manifest, workspacePackages: string[], externals: Set<string>): Promise<Record<string, string>> {
  const pinned = new Map<string, string>();
  const sources = [manifest];
  for (const name of workspacePackages) sources.push(await readManifest(join(root, 'node_modules', name)));
  for (const source of sources) for (const [name, range] of Object.entries(source.dependencies ?? {})) if (!pinned.has(name)) pinned.set(name, range);

  const dependencies: Record<string, string> = {};
  for (const name of [...externals].sort()) {
    const range = pinned.get(name);
    if (name.startsWith(WORKSPACE_SCOPE) || range === undefined || range.startsWith('workspace:')) {
      throw new Error(`build: the bundle imports "${name}", which is not a public dependency of ${manifest.name} or of a workspace package it bundles`);
    }
    dependencies[name] = range;
  }
  return dependencies;
}

/**
 * The .d.ts of src/ (dist/<module>.d.ts). Imports of a workspace package are pointed at a copy
 * of the one file declaring what is imported (dist/vendor/<package>/<file>.d.ts).
 */
async function emitDeclarations(workspacePackages: string[]): Promise<Map<string, string>> {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (config === undefined) throw new Error('build: tsconfig.json could not be read');
  const srcDir = join(root, 'src');
  const outDir = join(root, '.declarations'); // never written: emit goes through the callback
  const options: ts.CompilerOptions = { ...config.options, noEmit: false, declaration: true, emitDeclarationOnly: true, declarationMap: false, rootDir: srcDir, outDir };
  const program = ts.createProgram([entry], options);
  const checker = program.getTypeChecker();

  const emitted = new Map<string, string>();
  const { diagnostics } = program.emit(undefined, (fileName, text) => emitted.set(relative(outDir, fileName), text));
  failOn(diagnostics);

  const out = new Map<string, string>();
  const vendored = new Map<string, string>(); // source file → its path under dist
  const packageDirs = new Map<string, string>();
  for (const name of workspacePackages) packageDirs.set(name, await realpath(join(root, 'node_modules', name)));
  for (const [file, text] of emitted) {
    const source = program.getSourceFile(join(srcDir, file.replace(/\.d\.ts$/, '.ts')));
    if (source === undefined) throw new Error(`build: no source for ${file}`);
    out.set(
      file,
      rewriteWorkspaceImports(text, file, (specifier, names) => {
        const packageDir = packageDirs.get(specifier);
        if (packageDir === undefined) throw new Error(`build: ${file} imports ${specifier}, which this script does not know`);
        const declaring = declaringFile(checker, source, specifier, names);
        let target = vendored.get(declaring);
        if (target === undefined) {
          // dist/vendor/errors/src/tether-error.d.ts for @tether/errors' src/tether-error.ts
          target = join('vendor', specifier.slice(WORKSPACE_SCOPE.length), relative(packageDir, declaring).replace(/\.ts$/, '.d.ts'));
          vendored.set(declaring, target);
          out.set(target, vendorDeclaration(declaring));
        }
        const rel = relative(dirname(file), target).replace(/\.d\.ts$/, '.js');
        return rel.startsWith('.') ? rel : `./${rel}`;
      }),
    );
  }
  for (const [file, text] of out) {
    if (/(?:from\s*|import\s*\()\s*['"]@tether\//.test(text)) throw new Error(`build: ${file} still imports a workspace package`);
  }
  return out;
}

/** Replaces the specifier of each `import … from '@tether/…'` in a .d.ts. */
function rewriteWorkspaceImports(text: string, file: string, replace: (specifier: string, names: string[]) => string): string {
  const dts = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edits: { start: number; end: number; text: string }[] = [];
  for (const statement of dts.statements) {
    if (!(ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement))) continue;
    const spec = statement.moduleSpecifier;
    if (spec === undefined || !ts.isStringLiteral(spec) || !spec.text.startsWith(WORKSPACE_SCOPE)) continue;
    const bindings = ts.isImportDeclaration(statement) ? statement.importClause?.namedBindings : statement.exportClause;
    if (bindings === undefined || !(ts.isNamedImports(bindings) || ts.isNamedExports(bindings))) {
      throw new Error(`build: ${file}: only named imports of ${spec.text} can be vendored`);
    }
    const names = bindings.elements.map((el) => (el.propertyName ?? el.name).text);
    edits.push({ start: spec.getStart(dts) + 1, end: spec.getEnd() - 1, text: replace(spec.text, names) });
  }
  let result = text;
  for (const edit of edits.reverse()) result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  return result;
}

/** The one file of a workspace package that declares all of `names` (re-exports followed). */
function declaringFile(checker: ts.TypeChecker, source: ts.SourceFile, specifier: string, names: string[]): string {
  const imported = source.statements.find(
    (s): s is ts.ImportDeclaration => ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && s.moduleSpecifier.text === specifier,
  );
  const moduleSymbol = imported === undefined ? undefined : checker.getSymbolAtLocation(imported.moduleSpecifier);
  if (moduleSymbol === undefined) throw new Error(`build: ${source.fileName} does not import ${specifier}`);
  const exports = checker.getExportsOfModule(moduleSymbol);
  const files = new Set<string>();
  for (const name of names) {
    const exported = exports.find((s) => s.name === name);
    if (exported === undefined) throw new Error(`build: ${specifier} has no export ${name}`);
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declaration = symbol.declarations?.[0];
    if (declaration === undefined) throw new Error(`build: no declaration of ${name} in ${specifier}`);
    files.add(declaration.getSourceFile().fileName);
  }
  if (files.size !== 1) throw new Error(`build: ${source.fileName} imports types of ${specifier} from ${files.size} files; import them from one, or extend this script`);
  return [...files][0] as string;
}

/** A self-contained .d.ts of one workspace file (one that imports nothing: anything else fails the build). */
function vendorDeclaration(file: string): string {
  const result = ts.transpileDeclaration(ts.sys.readFile(file) ?? '', {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2023, module: ts.ModuleKind.NodeNext, strict: true },
  });
  failOn(result.diagnostics ?? []);
  const dts = ts.createSourceFile(file, result.outputText, ts.ScriptTarget.Latest, true);
  const importsSomething = dts.statements.some(
    (s) => ts.isImportDeclaration(s) || ts.isImportEqualsDeclaration(s) || (ts.isExportDeclaration(s) && s.moduleSpecifier !== undefined),
  );
  if (importsSomething || result.outputText.includes('import(')) throw new Error(`build: ${file} imports other modules; vendoring it needs them too`);
  return `// Vendored from ${relative(join(root, '..'), file)} (a private workspace package).\n${result.outputText}`;
}

function failOn(diagnostics: readonly ts.Diagnostic[]): void {
  const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length === 0) return;
  throw new Error(ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }));
}

async function readManifest(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Manifest;
}

await main();
