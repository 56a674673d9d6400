import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { git } from '../lib/git/git';
import { ComponentCatalog, ComponentSpec } from '../lib/config/component-catalog';
import { synth } from '../lib/project/synth-project';
import { promote } from '../lib/workflow/promote';
import { publish } from '../lib/workflow/publish';
import { setImage } from '../lib/workflow/set-image';
import { bareRemote, commitAll, exampleRepo, makePublishedExample, snapshotOf } from './git-helpers';
import { exampleProject } from './helpers';

// Publish reads component versions from the environment files (as the last published source
// commit had them, and now), never from the images of the rendered manifests.

/** The example published once into a new envs remote (made once for this file, copied for each caller). */
const publishedExample = snapshotOf(makePublishedExample);

function lastMessage(remote: string): string {
  return git(remote, ['log', '-1', '--format=%B', 'main']);
}

test('the versions come from the environment files, not from what the envs repo\'s manifests say', () => {
  const { source, remote, clone } = publishedExample();
  // Someone edits the envs repo by hand: its dev gateway image now says 6.6.6.
  const deployment = path.join(clone, 'dev/platform/stoa-gateway/deployment-stoa-gateway.yaml');
  fs.writeFileSync(deployment, fs.readFileSync(deployment, 'utf8').replace('stoa-gateway:1.9.0', 'stoa-gateway:6.6.6'));
  commitAll(clone, 'hand edit');
  git(clone, ['push', '--quiet', 'origin', 'main']);

  setImage({ projectDir: source, environment: 'dev', component: 'stoa-gateway', version: '1.9.1' });
  synth({ projectDir: source });
  commitAll(source, 'bump the gateway in dev');
  // The hand edit is a direct push: publish builds on it only when told to (see test/audit.test.ts).
  expect(() => publish({ projectDir: source, repo: clone })).toThrow(/fails the audit: .*deployment-stoa-gateway\.yaml \(changed\)/);
  const result = publish({ projectDir: source, repo: clone, overrideAudit: 'the hand edit is replaced by this publish' });
  // What the last published source commit's dev.yaml said, not the hand-edited image.
  expect(result.environments.find((e) => e.environment === 'dev')?.versions).toEqual([{ component: 'stoa-gateway', from: '1.9.0', to: '1.9.1' }]);
  expect(lastMessage(remote)).toContain('  components: stoa-gateway 1.9.0 -> 1.9.1');
});

test('a first publish lists the components without versions: nothing was published before', () => {
  // The first publish of the example into an empty envs repo (made once for this file).
  const { first: result } = publishedExample();
  expect(result.environments.map((e) => e.environment)).toEqual(['dev', 'prod', 'staging']);
  for (const env of result.environments) {
    expect(env.versions).toEqual([]);
    // Every platform folder is new (the components' and the platform's own, such as hooks/), none with a version.
    expect(env.componentsChanged).toEqual(expect.arrayContaining(['control-plane-api', 'control-plane-ui', 'stoa-gateway', 'stoa-portal']));
    expect(env.componentsChanged.some((c) => c.includes(' -> '))).toBe(false);
  }
});

test('a component of a catalog in code, with its own image repository: publish renders with the catalog and reports its version', () => {
  const billing: ComponentSpec = {
    description: 'Billing service',
    port: 9000,
    hostPrefix: 'billing',
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    image: 'registry.acme.example:5000/team/billing',
  };
  const catalog = ComponentCatalog.stoa().with('billing', billing);
  const source = exampleProject();
  for (const env of ['dev', 'staging', 'prod']) {
    const file = path.join(source, 'environments', `${env}.yaml`);
    const doc = parse(fs.readFileSync(file, 'utf8'));
    doc.components.billing = '3.1.0';
    fs.writeFileSync(file, stringify(doc));
  }
  git(source, ['init', '--quiet', '--initial-branch=main']);
  synth({ projectDir: source, catalog });
  commitAll(source, 'billing everywhere');
  const { remote, clone } = bareRemote();
  publish({ projectDir: source, repo: clone, catalog });

  setImage({ projectDir: source, catalog, environment: 'dev', component: 'billing', version: '3.2.0' });
  synth({ projectDir: source, catalog });
  commitAll(source, 'billing 3.2.0 in dev');
  const result = publish({ projectDir: source, repo: clone, catalog });
  expect(result.environments.map((e) => [e.environment, e.componentsChanged])).toEqual([['dev', ['billing 3.1.0 -> 3.2.0']]]);
  expect(lastMessage(remote)).toMatch(/^Publish [0-9a-f]{12} to dev: 1 component$/m);
  expect(lastMessage(remote)).toContain('  components: billing 3.1.0 -> 3.2.0');
  expect(fs.readFileSync(path.join(clone, 'dev/platform/billing/deployment-billing.yaml'), 'utf8')).toContain('image: registry.acme.example:5000/team/billing:3.2.0');
});

test('when the last published source commit is not in this repository, a read-only environment\'s versions are not guessed: --allow-downgrade is needed', () => {
  const { remote, clone } = publishedExample();
  // Another repository (the same example, another history) whose prod moved on.
  const source = exampleRepo();
  for (const [from, to] of [['dev', 'staging'], ['staging', 'prod']]) {
    promote({ projectDir: source, from, to });
    synth({ projectDir: source });
    commitAll(source, `promote ${from} ${to}`);
  }
  const options = { projectDir: source, repo: clone, rollback: 'the source repository was re-created' };
  expect(() => publish(options)).toThrow(/publish refused for a read-only environment: it changes prod control-plane-api 2\.5\.0, prod control-plane-ui 2\.5\.0, prod stoa-gateway 1\.9\.0, prod stoa-portal 1\.4\.0, and the versions before are unknown \(the last published source commit [0-9a-f]{12} is not in this repository\), so it cannot tell whether that is a downgrade: if that is meant, pass --allow-downgrade/);

  const result = publish({ ...options, allowDowngrade: true });
  expect(result).toMatchObject({ committed: true, direction: 'unrelated' });
  expect(result.environments.every((e) => e.versions.length === 0)).toBe(true);
  expect(lastMessage(remote)).toContain('UNCHECKED VERSIONS in read-only environments (--allow-downgrade; the versions before are unknown): prod control-plane-api 2.5.0, prod control-plane-ui 2.5.0, prod stoa-gateway 1.9.0, prod stoa-portal 1.4.0');
});
