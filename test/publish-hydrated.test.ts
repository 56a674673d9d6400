import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { synth } from '../lib';
import { audit } from '../lib/cli';
import { git } from '../lib/git/git';
import { encodeMetadata, HYDRATOR_NOTES_REF, publishHydrated } from '../lib/workflow/publish-hydrated';
import { commitAll, commitChange, snapshotOf } from './git-helpers';
import { cli, editYaml, exampleProject } from './helpers';

/*
 * The source hydrator's layout, checked against the format GitOps Promoter reads it into: the
 * HydratorMetadata schema of its ChangeTransferPolicy CRD (status.proposed.note), vendored in
 * test/fixtures/formats/ (SOURCES.md says from where).
 */
const crd = parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'formats', 'promoter.argoproj.io_changetransferpolicies.yaml'), 'utf8'));
const noteSchema = crd.spec.versions[0].schema.openAPIV3Schema.properties.status.properties.proposed.properties.note;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validNote = ajv.compile(noteSchema);
const asPromoterReadsIt = (text: string) => {
  const value = JSON.parse(text);
  expect([validNote(value), validNote.errors]).toEqual([true, null]);
  return value;
};

/** The example with each environment syncing `environment/<env>`, committed in a source repository; and an empty envs remote: in `parent`. */
function makeHydratedProject(parent: string): { source: string; envs: string } {
  const source = exampleProject(path.join(parent, 'source'));
  for (const env of ['dev', 'staging', 'prod']) editYaml(source, `environments/${env}.yaml`, (doc) => { doc.repo.revision = `environment/${env}`; });
  git(source, ['init', '--quiet', '--initial-branch=main']);
  synth({ projectDir: source });
  commitAll(source, 'Render the example\n\nWith its three environments.');
  const envs = path.join(parent, 'envs.git');
  git(parent, ['init', '--quiet', '--bare', '--initial-branch=main', envs]);
  return { source, envs };
}

/** {@link makeHydratedProject}, made once for this file and copied for each caller (the copies share its source commit). */
const hydratedProject = snapshotOf(makeHydratedProject);

/** {@link hydratedProject}, published once in the hydrator layout (made once, copied for each caller). */
const publishedOnce = snapshotOf((parent) => {
  const made = hydratedProject.into(parent);
  publishHydrated({ projectDir: made.source, repo: made.envs });
  return made;
});

/** {@link publishedOnce}, then a source commit renaming initech, not yet published (made once, copied for each caller). */
const renamedAfterPublish = snapshotOf((parent) => {
  const made = publishedOnce.into(parent);
  commitChange(made.source, 'rename initech', () => editYaml(made.source, 'tenants/initech.yaml', (doc) => { doc.displayName = 'Initech (renamed)'; }));
  return made;
});

/** The source of {@link renamedAfterPublish} (two commits, the second renaming initech), with an empty envs remote: nothing published. */
const renamedUnpublished = snapshotOf((parent) => {
  const made = renamedAfterPublish.into(parent);
  fs.rmSync(made.envs, { recursive: true });
  git(parent, ['init', '--quiet', '--bare', '--initial-branch=main', made.envs]);
  return made;
});

test('the metadata is encoded as Go encodes it: its field order, two-space indent, no empty field, a final newline', () => {
  expect(encodeMetadata({ body: '', subject: 's', drySha: 'a'.repeat(40), repoURL: 'https://git.example.com/x.git' }))
    .toBe(`{\n  "repoURL": "https://git.example.com/x.git",\n  "drySha": "${'a'.repeat(40)}",\n  "subject": "s"\n}\n`);
});

test('each environment goes to its own environment/<env>-next branch, with the metadata and note GitOps Promoter reads', () => {
  const { source, envs } = hydratedProject();
  const drySha = git(source, ['rev-parse', 'HEAD']).trim();
  const r = publishHydrated({ projectDir: source, repo: envs });
  expect(r.drySha).toBe(drySha);
  expect(r.environments.map((e) => [e.environment, e.branch, e.activeBranch, e.committed])).toEqual([
    ['dev', 'environment/dev-next', 'environment/dev', true],
    ['prod', 'environment/prod-next', 'environment/prod', true],
    ['staging', 'environment/staging-next', 'environment/staging', true],
  ]);
  for (const env of ['dev', 'staging', 'prod']) {
    const branch = `environment/${env}-next`;
    const files = git(envs, ['ls-tree', '-r', '--name-only', branch]).trim().split('\n');
    expect(files.filter((f) => !f.startsWith(`${env}/`)).sort()).toEqual(['.gitattributes', 'hydrator.metadata']);
    expect(files).toContain(`${env}/hydrator.metadata`);
    expect(files.filter((f) => f.endsWith('.yaml')).sort()).toEqual(fs.readdirSync(path.join(source, 'dist', env), { recursive: true }).map(String)
      .filter((f) => f.endsWith('.yaml')).map((f) => `${env}/${f}`).sort());
    const root = asPromoterReadsIt(git(envs, ['show', `${branch}:hydrator.metadata`]));
    expect(root).toMatchObject({ drySha, repoURL: source, author: 'Release Bot <release-bot@stoa.example>', subject: 'Render the example', body: 'With its three environments.' });
    expect(root.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
    expect(asPromoterReadsIt(git(envs, ['show', `${branch}:${env}/hydrator.metadata`]))).toEqual({ repoURL: source, drySha });
    expect(asPromoterReadsIt(git(envs, ['notes', `--ref=${HYDRATOR_NOTES_REF}`, 'show', branch]))).toEqual({ drySha });
    expect(git(envs, ['log', '-1', '--format=%B', branch])).toContain(`Source-Commit: ${drySha}`);
    // Promoter's branch starts as Argo CD starts it, empty, and the proposed branch from it: Promoter's pull request
    // from one to the other has a merge base and merges without conflict into exactly the proposed tree.
    const active = `environment/${env}`;
    expect(git(envs, ['log', '--format=%s', active]).trim()).toBe(`Initial commit for ${active}`);
    expect(git(envs, ['ls-tree', active]).trim()).toBe('');
    expect(git(envs, ['merge-base', active, branch]).trim()).toBe(git(envs, ['rev-parse', active]).trim());
    expect(git(envs, ['merge-tree', '--write-tree', active, branch]).trim()).toBe(git(envs, ['rev-parse', `${branch}^{tree}`]).trim());
  }
  expect(r.environments.every((e) => e.createdActive && e.direction === 'first')).toBe(true);
});

test('Promoter moves the active branch: the next publish builds on the proposed branch and leaves the active one to Promoter', () => {
  // Published once, then a source commit renaming initech (renamedAfterPublish).
  const { source, envs } = renamedAfterPublish();
  // Promoter's merge: the active branch takes the proposed branch's commit.
  git(envs, ['update-ref', 'refs/heads/environment/dev', 'refs/heads/environment/dev-next']);
  const active = git(envs, ['rev-parse', 'environment/dev']).trim();
  const r = publishHydrated({ projectDir: source, repo: envs });
  expect(r.environments.find((e) => e.environment === 'dev')).toMatchObject({ createdActive: false, direction: 'forward', committed: true });
  expect(git(envs, ['rev-parse', 'environment/dev']).trim()).toBe(active);
  expect(git(envs, ['merge-base', '--is-ancestor', active, 'environment/dev-next']).trim()).toBe('');
});

test('an older source commit is refused unless it is a rollback with its reason, recorded in the hydrated commit', () => {
  // Two source commits, the second renaming initech; nothing published (renamedUnpublished).
  const { source, envs } = renamedUnpublished();
  const first = git(source, ['rev-parse', 'HEAD~1']).trim();
  const second = git(source, ['rev-parse', 'HEAD']).trim();
  publishHydrated({ projectDir: source, repo: envs });
  const heads = () => git(envs, ['for-each-ref', '--format=%(refname) %(objectname)']);
  const before = heads();
  expect(() => publishHydrated({ projectDir: source, repo: envs, rollback: 'no reason' })).toThrow(`--rollback was given, but the source commit ${second.slice(0, 12)} is the last one published: nothing is rolled back; leave --rollback out`);
  // The source repository goes back to the first commit (a published branch reset on purpose).
  git(source, ['reset', '--quiet', '--hard', first]);
  expect(() => publishHydrated({ projectDir: source, repo: envs })).toThrow(new RegExp(`^publish refused \\(3 problems; .*\\n  environment/dev-next: the source commit ${first.slice(0, 12)} is older than the last published source commit ${second.slice(0, 12)} \\(its ancestor\\).*\\n  environment/prod-next: .*\\n  environment/staging-next: `));
  expect(heads()).toBe(before);
  const r = publishHydrated({ projectDir: source, repo: envs, rollback: 'initech rename broke the portal' });
  expect(r.environments.find((e) => e.environment === 'dev')).toMatchObject({ direction: 'backward', committed: true });
  const message = git(envs, ['log', '-1', '--format=%B', 'environment/dev-next']);
  expect(message).toContain(`Source-Commit: ${first}\nRollback: initech rename broke the portal\nRollback-From: ${second}\n`);
  // A fast-forward of the proposed branch: Promoter's pull request shows the rollback as a change.
  expect(git(envs, ['rev-list', '--count', 'environment/dev-next']).trim()).toBe('3');
});

test('a deleted active branch is recreated from the empty first commit of -next; audit refuses the layout', () => {
  const { source, envs } = publishedOnce();
  const initial = git(envs, ['rev-parse', 'environment/dev']).trim();
  git(envs, ['update-ref', '-d', 'refs/heads/environment/dev']);
  const r = publishHydrated({ projectDir: source, repo: envs });
  expect(r.environments.find((e) => e.environment === 'dev')).toMatchObject({ createdActive: true, committed: false });
  expect(git(envs, ['rev-parse', 'environment/dev']).trim()).toBe(initial);
  // A -next that does not start empty (an older layout, or made by hand): refused, nothing pushed.
  git(envs, ['update-ref', '-d', 'refs/heads/environment/dev']);
  const orphan = git(envs, ['commit-tree', git(envs, ['rev-parse', 'environment/dev-next^{tree}']).trim(), '-m', 'old layout']).trim();
  git(envs, ['update-ref', 'refs/heads/environment/dev-next', orphan]);
  expect(() => publishHydrated({ projectDir: source, repo: envs })).toThrow('environment/dev-next exists but environment/dev does not, and environment/dev-next does not start with an empty commit to recreate it from');
  expect(git(envs, ['branch', '--list', 'environment/dev']).trim()).toBe('');
  expect(() => audit({ projectDir: source, repo: envs, branch: 'environment/prod-next' })).toThrow('branch environment/prod-next of the envs repo is in the source hydrator layout (hydrator.metadata at its root): audit reads the default layout only');
});

test('a remote that refuses part of the push gets none of it', () => {
  const { source, envs } = hydratedProject();
  // A hook that refuses the prod branch: the atomic push leaves every ref where it was.
  fs.writeFileSync(path.join(envs, 'hooks', 'pre-receive'), '#!/bin/sh\nwhile read old new ref; do [ "$ref" = refs/heads/environment/prod-next ] && exit 1; done; exit 0\n', { mode: 0o755 });
  expect(() => publishHydrated({ projectDir: source, repo: envs })).toThrow(/the push to .* failed, so nothing was published/);
  expect(git(envs, ['for-each-ref']).trim()).toBe('');
});

test('a source change commits only the environments whose manifests changed; every note names the new dry commit', () => {
  // Published once, then a source commit renaming initech (renamedAfterPublish).
  const { source, envs } = renamedAfterPublish();
  const before = Object.fromEntries(['dev', 'staging', 'prod'].map((e) => [e, git(envs, ['rev-parse', `environment/${e}-next`]).trim()]));
  const drySha = git(source, ['rev-parse', 'HEAD']).trim();
  const r = publishHydrated({ projectDir: source, repo: envs });
  expect(r.environments.map((e) => [e.environment, e.committed])).toEqual([['dev', true], ['prod', false], ['staging', false]]);
  expect(git(envs, ['rev-parse', 'environment/prod-next']).trim()).toBe(before.prod);
  expect(git(envs, ['rev-parse', 'environment/dev-next']).trim()).not.toBe(before.dev);
  expect(git(envs, ['rev-list', '--count', 'environment/dev-next']).trim()).toBe('3');
  for (const env of ['dev', 'staging', 'prod']) {
    expect(JSON.parse(git(envs, ['notes', `--ref=${HYDRATOR_NOTES_REF}`, 'show', `environment/${env}-next`]))).toEqual({ drySha });
  }
});

test('an environment whose Applications do not sync its environment branch is refused before anything is pushed', () => {
  const { source, envs } = hydratedProject();
  commitChange(source, 'prod back to main', () => editYaml(source, 'environments/prod.yaml', (doc) => { doc.repo.revision = 'main'; }));
  expect(() => publishHydrated({ projectDir: source, repo: envs })).toThrow('environment prod deploys main, but with the hydrator layout Argo CD syncs environment/prod (GitOps Promoter moves environment/prod-next there): set repo.revision: environment/prod in its environment file');
  expect(git(envs, ['for-each-ref']).trim()).toBe('');
  expect(() => publishHydrated({ projectDir: source, repo: envs, branchPrefix: '--upload-pack=x/' })).toThrow(/is not a valid branch name/);
  git(source, ['checkout', '--quiet', '-b', 'feature']);
  commitAll(source, 'a commit of a pull request');
  expect(() => publishHydrated({ projectDir: source, repo: envs })).toThrow(/is not on main, the branch publish takes its commits from/);
});

test('the CLI: publish --layout hydrator says which branch each environment went to', () => {
  const { source, envs } = hydratedProject();
  const r = cli('publish', '--layout', 'hydrator', '--repo', envs, '--project', source);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  expect(r.stdout).toMatch(/^published [0-9a-f]{12} to .*envs\.git in the hydrator layout:\n  dev: environment\/dev-next at [0-9a-f]{12}; GitOps Promoter moves it to environment\/dev \(created empty, as Argo CD does\)\n/);
  expect(cli('publish', '--layout', 'hydrator', '--repo', envs, '--project', source).stdout).toContain('  prod: environment/prod-next unchanged (its note names this source commit); GitOps Promoter moves it to environment/prod');
  expect(cli('publish', '--layout', 'kustomize', '--repo', envs, '--project', source)).toMatchObject({ code: 2 });
});
