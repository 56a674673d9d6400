import * as fs from 'fs';
import * as path from 'path';
import { REPO } from './helpers';

// The layers of lib/, bottom up (docs/architecture.md). A module may import its own layer
// (dpdm, `npm run cycles`, refuses any cycle) and the layers below it, never one above.
const LAYERS: ReadonlyArray<readonly string[]> = [
  ['sort.ts', 'files.ts', 'quantity.ts', 'cache-root.ts', 'cache-entry.ts', 'package-version.ts'],
  ['config', 'layout'],
  ['render'],
  ['workloads', 'network', 'secrets', 'argocd', 'gateway'],
  ['environment', 'tenant', 'platform', 'validate'],
  ['app', 'project', 'synth.ts'],
  ['git', 'workflow'],
  ['cli'],
  ['index.ts'],
];

const LIB = path.join(REPO, 'lib');
const layerOf = (entry: string) => LAYERS.findIndex((l) => l.includes(entry));
const entryOf = (file: string) => path.relative(LIB, file).split(path.sep)[0];

function modules(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? modules(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

test('every folder and top-level module of lib/ has a layer', () => {
  const entries = fs.readdirSync(LIB).filter((e) => !e.startsWith('.'));
  expect(entries.filter((e) => layerOf(e) < 0)).toEqual([]);
});

test('no module imports a layer above its own', () => {
  const upward: string[] = [];
  for (const file of modules(LIB)) {
    const from = entryOf(file);
    for (const [, spec] of fs.readFileSync(file, 'utf8').matchAll(/(?:from |require\(|import\()'(\.[^']*)'/g)) {
      const target = path.resolve(path.dirname(file), spec);
      if (!target.startsWith(LIB)) continue;
      const to = entryOf(fs.existsSync(target) && fs.statSync(target).isDirectory() ? path.join(target, 'index.ts') : `${target}.ts`);
      if (layerOf(to) > layerOf(from)) upward.push(`${path.relative(REPO, file)} imports ${spec} (${to}, a layer above ${from})`);
    }
  }
  expect(upward).toEqual([]);
});

test("docs/architecture.md's Layers section names every folder of lib/", () => {
  const readme = fs.readFileSync(path.join(REPO, 'docs', 'architecture.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Layers'), readme.indexOf('\n## ', readme.indexOf('## Layers') + 1));
  const folders = fs.readdirSync(LIB, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  expect(folders.filter((f) => !section.includes(`lib/${f}/`))).toEqual([]);
});
