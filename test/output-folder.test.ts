import * as fs from 'fs';
import * as path from 'path';
import { beginFolderReplace, replaceFolder } from '../lib/render/replace-folder';
import { writeOutput } from '../lib/app/output-pipeline';
import { synth } from '../lib';
import { exampleProject, readTree, tempDir, writeFile } from './helpers';
import { rendersEveryTime } from './render-memo';

rendersEveryTime();

test('two synths of the same input are byte-identical', () => {
  const project = exampleProject();
  const first = synth({ projectDir: project, outDir: path.join(tempDir(), 'a') });
  const second = synth({ projectDir: project, outDir: path.join(tempDir(), 'b') });
  const a = readTree(first.outDir);
  const b = readTree(second.outDir);
  expect(a.size).toBeGreaterThan(100);
  expect([...b.keys()]).toEqual([...a.keys()]);
  for (const [file, content] of a) expect(b.get(file)).toBe(content);
});

test('the repository\'s own committed dist/ is what its environments/ and tenants/ produce (the only test that reads them)', () => {
  const repo = path.resolve(__dirname, '..');
  const fresh = synth({ projectDir: repo, outDir: path.join(tempDir(), 'dist') });
  const committed = readTree(path.join(repo, 'dist'));
  const rendered = readTree(fresh.outDir);
  expect([...committed.keys()]).toEqual([...rendered.keys()]);
  for (const [file, content] of rendered) expect(committed.get(file)).toBe(content);
});

test('files the input no longer produces are removed, including empty folders', () => {
  const project = exampleProject();
  const out = synth({ projectDir: project }).outDir;
  expect(fs.existsSync(path.join(out, 'dev/tenants/initech'))).toBe(true);
  writeFile(project, 'dist/dev/stray.yaml', 'kind: Leftover\n');

  fs.rmSync(path.join(project, 'tenants/initech.yaml'));
  synth({ projectDir: project });

  expect(fs.existsSync(path.join(out, 'dev/tenants/initech'))).toBe(false);
  expect(fs.existsSync(path.join(out, 'dev/apps/application-dev-tenant-initech.yaml'))).toBe(false);
  expect(fs.existsSync(path.join(out, 'dev/stray.yaml'))).toBe(false);
  expect(fs.existsSync(path.join(out, 'dev/tenants/acme/deployment-gateway.yaml'))).toBe(true);
  // No staging folder is left beside dist/.
  expect(fs.readdirSync(project).sort()).toEqual(['dist', 'environments', 'tenants']);
});

test('a failed synth leaves an existing dist/ exactly as it was', () => {
  const project = exampleProject();
  const out = synth({ projectDir: project }).outDir;
  const before = readTree(out);
  writeFile(project, 'tenants/acme.yaml', fs.readFileSync(path.join(project, 'tenants/acme.yaml'), 'utf8').replace('tier: gold', 'tier: 3'));

  expect(() => synth({ projectDir: project })).toThrow(/tenants\/acme\.yaml:\d+: tier: must be one of "bronze", "silver", "gold"/);
  expect(readTree(out)).toEqual(before);
  expect(fs.readdirSync(project).sort()).toEqual(['dist', 'environments', 'tenants']);
});

test('a project under a folder whose name contains -next- still replaces its output, and nothing outside it', () => {
  const parent = path.join(tempDir(), 'work-next-1');
  const out = path.join(parent, 'dist');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'old.yaml'), 'old');
  replaceFolder(out, [{ path: 'dev/a.yaml', content: 'a: 1\n', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } } }]);
  expect(readTree(out)).toEqual(new Map([['dev/a.yaml', 'a: 1\n']]));
  expect(fs.readdirSync(parent)).toEqual(['dist']);
  expect(fs.readdirSync(path.dirname(parent))).toEqual(['work-next-1']);
});

describe('the writer never changes the live output before the swap, and never commits a partial folder', () => {
  const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } as any;

  test('a file given again after an unchanged one was linked in is written anew, not through the link into dist/', () => {
    const out = path.join(tempDir(), 'dist');
    fs.mkdirSync(path.join(out, 'dev'), { recursive: true });
    fs.writeFileSync(path.join(out, 'dev/a.yaml'), 'old\n');
    fs.writeFileSync(path.join(out, 'dev/b.yaml'), 'b\n');
    const before = readTree(out);
    const files = function* () {
      yield { path: 'dev/a.yaml', content: 'old\n', object }; // unchanged: linked from dist/ once a new folder starts
      yield { path: 'dev/b.yaml', content: 'changed\n', object }; // starts the new folder
      yield { path: 'dev/a.yaml', content: 'NEW\n', object }; // given again (an environment rendered whole after a doubt)
    };
    expect(() => writeOutput(out, [{ files: files(), report: () => { throw new Error('validation failed'); } }])).toThrow('validation failed');
    expect(readTree(out)).toEqual(before);
    writeOutput(out, [{ files: files(), report: () => ({ ok: true, objects: 2, violations: [] } as any) }]);
    expect(readTree(out)).toEqual(new Map([['dev/a.yaml', 'NEW\n'], ['dev/b.yaml', 'changed\n']]));
  });

  test('a new folder another process removed meanwhile is never made again and committed partial', () => {
    const out = path.join(tempDir(), 'dist');
    const replacement = beginFolderReplace(out);
    replacement.write('dev/apps/a.yaml', 'a\n');
    replacement.write('dev/apps/b.yaml', 'b\n');
    // Another synth (in another pid namespace, where this pid looks dead) removes the folder as a leftover.
    fs.rmSync(replacement.staging, { recursive: true, force: true });
    expect(() => {
      replacement.write('dev/tenants/acme/c.yaml', 'c\n');
      replacement.commit();
    }).toThrow(/was replaced by another process/);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('a file removed from the new folder meanwhile fails the commit', () => {
    const out = path.join(tempDir(), 'dist');
    const replacement = beginFolderReplace(out);
    replacement.write('dev/apps/a.yaml', 'a\n');
    replacement.write('dev/apps/b.yaml', 'b\n');
    fs.rmSync(path.join(replacement.staging, 'dev/apps/a.yaml'));
    expect(() => replacement.commit()).toThrow(/was replaced by another process/);
    expect(fs.existsSync(out)).toBe(false);
  });
});
