import * as fs from 'fs';
import * as path from 'path';
import { checkOutputTarget } from '../lib/render/output-target';
import { synth } from '../lib';
import { exampleProject, readTree, tempDir } from './helpers';

// synth replaces its output folder as a whole: pointed at the wrong folder, it would delete it.

test('the project, a folder above it, its inputs or .git are refused, and nothing is touched', () => {
  const project = exampleProject();
  const before = readTree(project);
  for (const out of [project, path.dirname(project), path.join(project, 'environments'), path.join(project, 'tenants'), path.join(project, 'tenants/acme.yaml'), path.join(project, '.git/x')]) {
    expect(() => synth({ projectDir: project, outDir: out })).toThrow(/refusing to write the output to .*: it (is the project folder|holds the project folder|is inside the project's (environments|tenants|\.git)\/)/);
  }
  expect(readTree(project)).toEqual(before);
});

test('an existing folder holding anything but environment folders is refused; an earlier output is replaced', () => {
  const project = exampleProject();
  const other = path.join(tempDir(), 'docs');
  fs.mkdirSync(path.join(other, 'dev'), { recursive: true });
  fs.writeFileSync(path.join(other, 'notes.md'), 'mine');
  fs.mkdirSync(path.join(other, '.git'));
  expect(() => synth({ projectDir: project, outDir: other })).toThrow(/it holds "\.git", "dev", "notes\.md", which synth never writes/);
  expect(fs.readFileSync(path.join(other, 'notes.md'), 'utf8')).toBe('mine');

  const out = path.join(tempDir(), 'out');
  synth({ projectDir: project, outDir: out });
  expect(() => synth({ projectDir: project, outDir: out })).not.toThrow();
  fs.mkdirSync(path.join(out, 'qa/apps'), { recursive: true }); // an environment removed from the project since
  expect(() => synth({ projectDir: project, outDir: out })).not.toThrow();
  expect(fs.existsSync(path.join(out, 'qa'))).toBe(false);
});

test('a folder reached through a symlinked parent is judged by where it really is', () => {
  const project = exampleProject();
  require('child_process').execFileSync('git', ['init', '--quiet', project]);
  const link = path.join(tempDir(), 'gitlink');
  fs.symlinkSync(path.join(project, '.git'), link);
  expect(() => synth({ projectDir: project, outDir: path.join(link, 'refs') })).toThrow(/it is inside the project's \.git\//);
  expect(fs.existsSync(path.join(project, '.git/refs/heads'))).toBe(true);
  // A folder of someone's files whose names look like environments is not an earlier output.
  const usr = path.join(tempDir(), 'usr');
  for (const d of ['bin', 'lib', 'share']) fs.mkdirSync(path.join(usr, d), { recursive: true });
  expect(() => synth({ projectDir: project, outDir: usr })).toThrow(/it holds "bin", "lib", "share", which synth never writes/);
  expect(fs.readdirSync(usr).sort()).toEqual(['bin', 'lib', 'share']);
});

test('a symbolic link, a file, the root and the home folder are refused', () => {
  const project = exampleProject();
  const link = path.join(tempDir(), 'link');
  fs.symlinkSync(tempDir(), link);
  expect(() => checkOutputTarget(project, link)).toThrow(/it is a symbolic link/);
  const file = path.join(tempDir(), 'file');
  fs.writeFileSync(file, 'x');
  expect(() => checkOutputTarget(project, file)).toThrow(/it is not a folder/);
  expect(() => checkOutputTarget(project, '/')).toThrow(/holds the project folder|root or home/);
  expect(() => checkOutputTarget(project, require('os').homedir())).toThrow(/holds the project folder|root or home/);
});

test('a component pinned by digest, or by a long tag, synthesizes: the version label is a valid label value', () => {
  const project = exampleProject();
  const digest = `sha256:${'ab'.repeat(32)}`;
  const file = path.join(project, 'environments/dev.yaml');
  const tag = `1.2.3-${'x'.repeat(70)}_`;
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('stoa-gateway: 1.9.0', `stoa-gateway: "${digest}"`).replace('control-plane-api: 2.5.0', `control-plane-api: ${tag}`));
  const out = synth({ projectDir: project }).outDir;
  const gateway = fs.readFileSync(path.join(out, 'dev/platform/stoa-gateway/deployment-stoa-gateway.yaml'), 'utf8');
  expect(gateway).toContain(`image: ghcr.io/stoa-platform/stoa-gateway@${digest}`);
  expect(gateway).toContain('app.kubernetes.io/version: sha256-abababababab');
  const api = fs.readFileSync(path.join(out, 'dev/platform/control-plane-api/deployment-control-plane-api.yaml'), 'utf8');
  expect(api).toContain(`app.kubernetes.io/version: 1.2.3-${'x'.repeat(57)}\n`);
});
