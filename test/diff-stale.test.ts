import * as fs from 'fs';
import * as path from 'path';
import { diffRefs, formatDiff, setImage } from '../lib/cli';
import { synth } from '../lib';
import { commitAll, exampleRepo } from './git-helpers';

// A PR that edits dist/ by hand (or forgets to run synth) shows a diff no source change explains.

test('a current head (working tree or commit) has no warning', () => {
  const repo = exampleRepo();
  setImage({ projectDir: repo, environment: 'dev', component: 'stoa-gateway', version: '1.9.1' });
  synth({ projectDir: repo });
  expect(diffRefs({ projectDir: repo, base: 'HEAD' }).stale).toBeUndefined();
  commitAll(repo, 'bump');
  const result = diffRefs({ projectDir: repo, base: 'HEAD~1', head: 'HEAD' });
  expect(result.stale).toBeUndefined();
  expect(formatDiff(result, 'markdown')).not.toContain('[!CAUTION]');
});

test('a hand-edited dist/ in the working tree is flagged loudly', () => {
  const repo = exampleRepo();
  const file = path.join(repo, 'dist/dev/tenants/acme/deployment-gateway.yaml');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('stoa-gateway:1.9.0', 'stoa-gateway:6.6.6'));
  const result = diffRefs({ projectDir: repo, base: 'HEAD' });
  expect(result.stale).toEqual({ missing: [], extra: [], changed: ['dev/tenants/acme/deployment-gateway.yaml'] });
  expect(formatDiff(result, 'markdown')).toMatch(/^> \[!CAUTION\]\n> the output at the working tree is not what its sources produce \(1 file differs: dev\/tenants\/acme\/deployment-gateway\.yaml\)/m);
});

test('a head commit whose dist/ its sources do not produce is flagged, rendered from that commit\'s sources', () => {
  const repo = exampleRepo();
  const file = path.join(repo, 'dist/prod/tenants/acme/service-gateway.yaml');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('name: gateway\n', 'name: gateway\n  annotations: { hand: edited }\n'));
  fs.writeFileSync(path.join(repo, 'dist/prod/tenants/acme/extra.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x, namespace: tenant-acme }\n');
  commitAll(repo, 'hand edit');
  // The working tree is reset to the base: only the head commit is stale.
  const result = diffRefs({ projectDir: repo, base: 'HEAD~1', head: 'HEAD' });
  expect(result.stale).toEqual({ missing: [], extra: ['prod/tenants/acme/extra.yaml'], changed: ['prod/tenants/acme/service-gateway.yaml'] });
  expect(formatDiff(result, 'text')).toMatch(/^CAUTION: the output at HEAD is not what its sources produce \(2 files differ/m);
  expect(diffRefs({ projectDir: repo, base: 'HEAD', head: 'HEAD~1' }).stale).toBeUndefined();
});
