// ESLint flat config: typescript-eslint's recommended rules (not the type-checked set, so that linting needs no
// build and stays fast) and the package boundaries of the design (README "Layout"):
//
//   schedule ← sampler ← runtime ← apps        image ← apps        (diffusers ← hub ← runtime; schedule ← metrics ← apps;
//   repo-layout ← runtime, apps; tokenizer ← runtime, apps)
//
// - eslint-plugin-boundaries (`boundaries/dependencies`): which workspace package or app may import which. Every
//   package and app is an element; `@denoise/x` imports resolve (through pnpm's workspace links) into packages/x,
//   so bare-name and relative imports are both checked. Apps never import other apps. packages/fuzz (the fuzz tests'
//   mutation arbitraries and harness) is for tests only: packages' and apps' test files may import it, nothing else.
// - core `no-restricted-imports`, per folder: the external modules that belong to one package (onnxruntime-node
//   to packages/runtime, pngjs and ssim.js to packages/image, @huggingface/hub to packages/hub), and
//   packages/schedule/src importing nothing but node: builtins and its own files.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

const ROOT = dirname(fileURLToPath(import.meta.url));
const isFile = (path) => statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;

/**
 * Options for eslint-import-resolver-node (the `resolve` package), which boundaries uses to find the file an import
 * names; closing two gaps of this TypeScript/NodeNext workspace so that no extra resolver package is needed:
 * - imports name `./x.js` for the source file `./x.ts`;
 * - `@denoise/x` is looked up in packages/x and apps/x directly (not through node_modules, where it is missing when
 *   the importer does not declare the dependency) and stands for the folder's package.json: its `exports` point into
 *   dist/, which may not be built, and boundaries needs only the folder to know the element.
 */
const NODE_RESOLVER_OPTIONS = {
  extensions: ['.ts', '.js', '.json'],
  isFile: (file) => isFile(file) || (file.endsWith('.js') && isFile(`${file.slice(0, -3)}.ts`)),
  packageIterator: (request, _start, candidates) => {
    const name = /^@denoise\/([^/]+)/.exec(request)?.[1];
    return name === undefined ? candidates() : [join(ROOT, 'packages', name), join(ROOT, 'apps', name)];
  },
  readPackageSync: (_readFileSync, pkgfile) => {
    const pkg = JSON.parse(readFileSync(pkgfile, 'utf8'));
    return typeof pkg.name === 'string' && pkg.name.startsWith('@denoise/') ? { ...pkg, main: 'package.json' } : pkg;
  },
};

/** The workspace packages each package or app may import (the element rules). */
const ALLOWED_WORKSPACE_IMPORTS = {
  schedule: [],
  sampler: ['schedule'],
  diffusers: [],
  hub: ['diffusers', 'image'],
  runtime: ['schedule', 'sampler', 'diffusers', 'hub', 'tokenizer', 'image'], // image: the one atomic file writer (the int8 calibration cache)
  // Where the repository keeps the shipped models, the published configs and the version: the one module that
  // knows the repo layout, for the apps (the runtime is told the catalog and the version as options).
  'repo-layout': [],
  image: [],
  metrics: ['schedule'], // KID draws its subsets with NumpyRandomState (torch-fidelity's RandomState(2020))
  // The CLIP tokenizer (transformers' slow CLIPTokenizer with ftfy): pure, no workspace package.
  tokenizer: [],
  // The option value parsers the CLI and the bench share (commander's InvalidArgumentError): no workspace package.
  'cli-options': [],
  fuzz: [], // test support: imports only fast-check and node: builtins (see below)
  // apps: any package but fuzz, no app.
};
const PACKAGES = Object.keys(ALLOWED_WORKSPACE_IMPORTS);
/** Packages only tests may import (devDependencies of the packages and apps whose tests use them). */
const TEST_ONLY_PACKAGES = ['fuzz'];
/** What a package's tests and benches (packages/x/{test,bench}) may import besides what the package may: devDependencies. */
const ALLOWED_TEST_IMPORTS = {
  runtime: ['repo-layout'], // the bench names synthetic: architectures
  sampler: ['image'], // guidance-embedding-parity.test.ts reads lcm-tiny's reference .npy files
  // tokenizer-reference-cases.test.ts reads the pipelines' input_ids .npy files and their cases.json (Python JSON).
  tokenizer: ['image', 'schedule'],
  metrics: ['image'], // fid-kid-reference-cases.test.ts reads the reference KID subsets (.npz)
};

/** A micromatch pattern matching the captured names: `a`, `{a,b}` (a one-name brace is literal). */
const anyOf = (names) => (names.length === 1 ? names[0] : `{${names.join(',')}}`);

/** External modules that only one package may import. */
const OWNED_MODULES = {
  'onnxruntime-node': 'runtime',
  'onnxruntime-web': 'runtime',
  'onnxruntime-common': 'runtime',
  pngjs: 'image',
  'ssim.js': 'image',
  '@huggingface/hub': 'hub',
};

/** `no-restricted-imports` paths forbidding the modules owned by packages other than `owner`. */
function foreignModules(owner) {
  return Object.entries(OWNED_MODULES)
    .filter(([, pkg]) => pkg !== owner)
    .map(([name, pkg]) => ({ name, message: `only packages/${pkg} imports ${name}; go through @denoise/${pkg}` }));
}

export default tseslint.config(
  {
    // Sources are TypeScript; any .js beside them in a package or app is compiler output (dist/ or a stray tsc).
    ignores: ['**/dist/**', '**/node_modules/**', 'artifacts/**', 'benchmarks/**', 'fixtures/**', 'tools/**', '**/*.d.ts', '{apps,packages}/**/*.js'],
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      // Turned off: they would need a codebase-wide rewrite, not a fix of defects.
      // - non-null assertions (`x!`) are used deliberately after checks that TypeScript cannot follow
      //   (noUncheckedIndexedAccess makes every indexed read optional), hundreds of them.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Unused names: `_`-prefixed parameters and rest siblings are intentional.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // Tests read untyped JSON fixtures (diffusers parity vectors) through `any`; typing every fixture shape would be
    // a rewrite of the parity tests for no gain in what they check.
    files: ['**/test/**/*.ts', '**/bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': [
        // First match wins: a package's tests and benches first, then the package itself.
        { type: 'package-test', pattern: 'packages/*/{test,bench}', capture: ['name'] },
        { type: 'package', pattern: 'packages/*', capture: ['name'] },
        { type: 'app-test', pattern: 'apps/*/test', capture: ['name'] },
        { type: 'app', pattern: 'apps/*', capture: ['name'] },
      ],
      'boundaries/ignore': ['**/dist/**'],
      'import/resolver': { node: NODE_RESOLVER_OPTIONS },
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          message: '{{from.type}} {{from.captured.name}} may not import {{to.type}} {{to.captured.name}} (see ALLOWED_WORKSPACE_IMPORTS in eslint.config.js)',
          policies: [
            ...PACKAGES.map((name) => ({
              from: { element: { type: 'package', captured: { name } } },
              allow: { to: { element: { type: 'package', captured: { name: anyOf([name, ...ALLOWED_WORKSPACE_IMPORTS[name]]) } } } },
            })),
            ...PACKAGES.flatMap((name) => [
              { from: { element: { type: 'package-test', captured: { name } } }, allow: { to: { element: { type: 'package-test', captured: { name } } } } },
              {
                from: { element: { type: 'package-test', captured: { name } } },
                allow: { to: { element: { type: 'package', captured: { name: anyOf([name, ...ALLOWED_WORKSPACE_IMPORTS[name], ...(ALLOWED_TEST_IMPORTS[name] ?? []), ...TEST_ONLY_PACKAGES]) } } } },
              },
            ]),
            // Apps import any package but the test-only ones, and their own files; never another app. Their tests
            // import any package and their app's files.
            {
              from: { element: { type: 'app' } },
              allow: { to: { element: { type: 'package', captured: { name: anyOf(PACKAGES.filter((p) => !TEST_ONLY_PACKAGES.includes(p))) } } } },
            },
            { from: { element: { type: 'app' } }, allow: { to: { element: { type: 'app', captured: { name: '{{from.captured.name}}' } } } } },
            // The denoise command dispatches to the apps' entry points (sampleMain, benchMain): the one app that may.
            { from: { element: { type: 'app', captured: { name: 'denoise' } } }, allow: { to: { element: { type: 'app' } } } },
            { from: { element: { type: 'app-test' } }, allow: { to: { element: { type: 'package' } } } },
            { from: { element: { type: 'app-test' } }, allow: { to: { element: { type: '{app,app-test}', captured: { name: '{{from.captured.name}}' } } } } },
          ],
        },
      ],
    },
  },
  // The external modules owned by one package.
  ...PACKAGES.filter((p) => p !== 'schedule').map((pkg) => ({
    files: [`packages/${pkg}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { paths: foreignModules(pkg) }] },
  })),
  {
    files: ['apps/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: foreignModules(undefined) }] },
  },
  // packages/schedule/src: pure scheduler math; node: builtins and its own files only (no workspace package,
  // no npm module). Its tests and benches may use vitest and tinybench, still no workspace package.
  {
    files: ['packages/schedule/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!node:|\\.{1,2}/)', message: 'packages/schedule/src imports only node: builtins and its own files' }] },
      ],
    },
  },
  // packages/tokenizer/src: pure text processing; only the folder reader (read-clip-tokenizer.ts) touches node:fs.
  {
    files: ['packages/tokenizer/src/**/*.ts'],
    ignores: ['packages/tokenizer/src/read-clip-tokenizer.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: foreignModules('tokenizer'), patterns: [{ regex: '^node:', message: 'packages/tokenizer/src is pure: only read-clip-tokenizer.ts uses node: modules' }] },
      ],
    },
  },
  // packages/fuzz/src: the fuzz tests' mutation arbitraries and harness; fast-check, node: builtins and its own files.
  {
    files: ['packages/fuzz/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!node:|fast-check$|\\.{1,2}/)', message: 'packages/fuzz/src imports only fast-check, node: builtins and its own files' }] },
      ],
    },
  },
  {
    files: ['packages/schedule/{test,bench}/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: foreignModules(undefined) }],
    },
  },
);
