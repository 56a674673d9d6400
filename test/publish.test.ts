import * as fs from 'fs';
import * as path from 'path';
import { git } from '../lib/git/git';
import { publish, setImage } from '../lib/cli';
import { synth } from '../lib';
import { bareRemote, commitAll, exampleRepo, makePublishedExample, readBranch, show, snapshotOf } from './git-helpers';

/** The example published once into a new envs remote through a clone (made once for this file, copied for each caller). */
const publishedExample = snapshotOf(makePublishedExample);

test('publish writes one folder per environment into the envs repo, commits, pushes; a second publish makes no commit', () => {
  // The first publish is made once for this file (publishedExample): its result, and a copy of what it left.
  const { source, remote, clone, first } = publishedExample();
  expect(first).toMatchObject({ committed: true, pushed: true });
  expect(fs.readdirSync(clone).filter((f) => f !== '.git').sort()).toEqual(['dev', 'prod', 'staging']);
  expect(show(remote, 'main', 'prod/apps/application-prod-tenant-acme.yaml'))
    .toBe(fs.readFileSync(path.join(source, 'dist/prod/apps/application-prod-tenant-acme.yaml'), 'utf8'));

  const inode = () => fs.statSync(path.join(clone, 'prod/apps/application-prod-tenant-acme.yaml')).ino;
  const before = inode();
  const second = publish({ projectDir: source, repo: clone });
  expect(second).toEqual({ committed: false, pushed: false, environments: [] });
  // A file that did not change is not written again (git need not read it again).
  expect(inode()).toBe(before);
  expect(git(remote, ['rev-list', '--count', 'main']).trim()).toBe('1');
});

test('the commit message records who, what per environment, when, and the source commit', () => {
  const { source, remote, clone } = publishedExample();

  setImage({ projectDir: source, environment: 'dev', component: 'stoa-gateway', version: '1.9.1' });
  fs.rmSync(path.join(source, 'tenants/initech.yaml'));
  synth({ projectDir: source });
  const sourceCommit = commitAll(source, 'bump gateway in dev, remove initech');

  const result = publish({ projectDir: source, repo: clone });
  expect(result.committed).toBe(true);
  const message = git(remote, ['log', '-1', '--format=%B', 'main']);
  expect(message).toMatch(new RegExp(`^Publish ${sourceCommit.slice(0, 12)} to dev: 3 tenants, 1 component`));
  expect(message).toContain('  components: stoa-gateway 1.9.0 -> 1.9.1');
  expect(message).toContain('  tenants removed: initech');
  expect(message).toContain('  tenants changed: acme, globex');
  expect(message).toContain(`Source-Commit: ${sourceCommit}`);
  expect(message).toContain('Source-Author: Release Bot <release-bot@stoa.example>');
  expect(message).toContain('Published-By: Release Bot <release-bot@stoa.example>');
  expect(message).toMatch(/Published-At: \d{4}-\d\d-\d\dT/);
  expect(message).not.toMatch(/^prod/m);
  expect(git(remote, ['log', '-1', '--format=%an', 'main']).trim()).toBe('Release Bot');
  expect(result.environments.map((e) => e.environment)).toEqual(['dev']);
});

test('publish by URL clones the envs repo, commits and pushes', () => {
  const source = exampleRepo();
  const { remote } = bareRemote();
  const result = publish({ projectDir: source, repo: `file://${remote}`, branch: 'main' });
  expect(result).toMatchObject({ committed: true, pushed: true });
  expect(show(remote, 'main', 'dev/bootstrap/application-dev-root.yaml')).toContain('name: dev-root');
  expect(publish({ projectDir: source, repo: remote }).committed).toBe(false);
});

test('a relative path to a bare repository is cloned from the working directory', () => {
  const source = exampleRepo();
  const { remote } = bareRemote();
  const cwd = process.cwd();
  process.chdir(path.dirname(remote));
  try {
    expect(publish({ projectDir: source, repo: path.basename(remote) })).toMatchObject({ committed: true, pushed: true });
  } finally {
    process.chdir(cwd);
  }
  expect(git(remote, ['rev-list', '--count', 'main']).trim()).toBe('1');
});

test('a local envs checkout without a remote gets a commit and no push', () => {
  const source = exampleRepo();
  const { clone } = bareRemote();
  git(clone, ['remote', 'remove', 'origin']);
  const result = publish({ projectDir: source, repo: clone });
  expect(result).toMatchObject({ committed: true, pushed: false });
  expect(git(clone, ['log', '--format=%s']).trim()).toMatch(/^Publish [0-9a-f]{12} to dev, prod, staging/);
});

test('refuses an envs checkout with uncommitted changes and leaves it alone', () => {
  const source = exampleRepo();
  const { clone } = bareRemote();
  fs.writeFileSync(path.join(clone, 'notes.txt'), 'work in progress\n');
  expect(() => publish({ projectDir: source, repo: clone })).toThrow(/the envs checkout .* has uncommitted changes; publish will not touch it:\n {2}\?\? notes\.txt/);
  expect(fs.readdirSync(clone).sort()).toEqual(['.git', 'notes.txt']);
});

test('refuses a source with uncommitted changes or a dist/ that is not current', () => {
  const source = exampleRepo();
  const { clone } = bareRemote();
  setImage({ projectDir: source, environment: 'dev', component: 'stoa-gateway', version: '1.9.1' });
  expect(() => publish({ projectDir: source, repo: clone })).toThrow(/source repository has uncommitted changes[\s\S]*environments\/dev\.yaml/);
  commitAll(source, 'bump without synth');
  expect(() => publish({ projectDir: source, repo: clone })).toThrow(/dist\/ is not what the sources produce \(\d+ files? differs?\): run synth and commit first/);
  expect(fs.readdirSync(clone)).toEqual(['.git']);
});

test('a branch name git refuses, or one that reads as an option, is refused before any git call', () => {
  const source = exampleRepo();
  const { remote } = bareRemote();
  const marker = path.join(path.dirname(remote), 'pwned');
  for (const branch of [`--upload-pack=touch ${marker};`, '-b', 'feature..x', 'a b', 'x.lock', 'ref~1', '']) {
    expect(() => publish({ projectDir: source, repo: remote, branch })).toThrow(/is not a valid branch name/);
  }
  expect(fs.existsSync(marker)).toBe(false);
  expect(git(remote, ['branch', '--list']).trim()).toBe('');
  readBranch(source, 'release/2026-11');
  expect(publish({ projectDir: source, repo: remote, branch: 'release/2026-11' })).toMatchObject({ committed: true, pushed: true });
});

test('untracked files synth never reads do not block publish; untracked tenant files do, in an aligned listing', () => {
  const source = exampleRepo();
  const { clone } = bareRemote();
  fs.writeFileSync(path.join(source, 'notes.txt'), 'scratch\n');
  fs.mkdirSync(path.join(source, '.vscode'));
  fs.writeFileSync(path.join(source, '.vscode/settings.json'), '{}');
  expect(publish({ projectDir: source, repo: clone })).toMatchObject({ committed: true });

  fs.writeFileSync(path.join(source, 'tenants/draft.yaml'), 'name: draft\n');
  setImage({ projectDir: source, environment: 'dev', component: 'stoa-gateway', version: '1.9.1' });
  expect(() => publish({ projectDir: source, repo: clone })).toThrow(/uncommitted changes; commit them so the envs repo can record the commit it came from:\n {2}modified {3}environments\/dev\.yaml\n {2}untracked {2}tenants\/draft\.yaml$/);
});
