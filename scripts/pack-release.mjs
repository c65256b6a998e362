// `pnpm pack:release`: the publishable tarballs, into release/ (ignored by git), after `pnpm build`.
// The packages are the denoise package and every workspace package it depends on (dependencies, not dev ones);
// each lists what it publishes in `files` (its built dist/src and README). The files denoise ships with (the embedded
// model, its FID classifier, the synthetic: catalog) go into the assets/ of @denoise/repo-layout's tarball, with the
// commit they were packed from. Prints each tarball's packed and unpacked size.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
/** `--out DIR` (the pack-and-install test packs into a temporary folder); release/ by default. */
const outAt = process.argv.indexOf('--out');
const release = resolve(outAt >= 0 && process.argv[outAt + 1] ? process.argv[outAt + 1] : join(root, 'release'));
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

/** Workspace package name → folder. */
const folders = new Map(
  ['packages', 'apps'].flatMap((group) =>
    readdirSync(join(root, group))
      .filter((name) => existsSync(join(root, group, name, 'package.json')))
      .map((name) => [readJson(join(root, group, name, 'package.json')).name, join(root, group, name)]),
  ),
);

/** denoise and the workspace packages it needs at run time, in dependency-first order. */
function publishedPackages() {
  const order = [];
  const visit = (name) => {
    if (order.includes(name)) return;
    for (const dependency of Object.keys(readJson(join(folders.get(name), 'package.json')).dependencies ?? {})) {
      if (folders.has(dependency)) visit(dependency);
    }
    order.push(name);
  };
  visit('denoise');
  return order;
}

/** Packed and unpacked bytes of a .tgz (the sum of its tar entries' sizes). */
function sizes(tarball) {
  const packed = readFileSync(tarball);
  const tar = gunzipSync(packed);
  let unpacked = 0;
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const size = parseInt(header.subarray(124, 136).toString('latin1').replace(/\0.*$/, '').trim() || '0', 8);
    unpacked += size;
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return { packed: packed.length, unpacked };
}

const names = publishedPackages();
const problems = names.flatMap((name) => {
  const manifest = readJson(join(folders.get(name), 'package.json'));
  const missing = [];
  if (manifest.private) missing.push('"private": true');
  if (!manifest.files?.includes('dist/src')) missing.push('"files" without dist/src');
  if (!existsSync(join(folders.get(name), 'dist', 'src'))) missing.push('no dist/src (run pnpm build)');
  return missing.length > 0 ? [`${name}: ${missing.join(', ')}`] : [];
});
if (problems.length > 0) {
  process.stderr.write(`pack:release: cannot pack:\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}

const layout = await import(join(folders.get('@denoise/repo-layout'), 'dist', 'src', 'index.js'));
rmSync(release, { recursive: true, force: true });
mkdirSync(release, { recursive: true });
// @denoise/repo-layout is packed from a copy with the shipped files in its assets/: an assets/ folder in the source
// tree would be picked up, and then pulled away, under any test or run of this checkout meanwhile.
const staging = mkdtempSync(join(tmpdir(), 'denoise-pack-'));
try {
  for (const name of names) {
    let folder = folders.get(name);
    if (name === '@denoise/repo-layout') {
      const copy = join(staging, 'repo-layout');
      for (const entry of ['package.json', 'README.md', 'dist']) if (existsSync(join(folder, entry))) cpSync(join(folder, entry), join(copy, entry), { recursive: true });
      for (const path of layout.SHIPPED_PATHS) cpSync(join(root, 'fixtures', path), join(copy, 'assets', path), { recursive: true });
      writeFileSync(join(copy, 'assets', layout.BUILD_INFO_FILE), `${JSON.stringify(layout.gitState())}\n`);
      folder = copy;
    }
    execFileSync('pnpm', ['pack', '--pack-destination', release], { cwd: folder, stdio: ['ignore', 'ignore', 'inherit'] });
  }
} finally {
  rmSync(staging, { recursive: true, force: true });
}

const rows = readdirSync(release)
  .filter((file) => file.endsWith('.tgz'))
  .sort()
  .map((file) => ({ file, ...sizes(join(release, file)) }));
const mib = (bytes) => (bytes / 2 ** 20).toFixed(2);
const total = rows.reduce((sum, row) => ({ packed: sum.packed + row.packed, unpacked: sum.unpacked + row.unpacked }), { packed: 0, unpacked: 0 });
process.stdout.write(`${rows.length} tarballs in ${release} (${layout.versionLine()}):\n`);
for (const row of rows) process.stdout.write(`  ${row.file.padEnd(36)} ${mib(row.packed).padStart(7)} MiB packed, ${mib(row.unpacked).padStart(7)} MiB unpacked\n`);
process.stdout.write(`  ${'total'.padEnd(36)} ${mib(total.packed).padStart(7)} MiB packed, ${mib(total.unpacked).padStart(7)} MiB unpacked\n`);
