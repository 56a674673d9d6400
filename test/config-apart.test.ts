import * as fs from 'fs';
import * as path from 'path';
import { synth } from '../lib';
import { exampleProject, readTree } from './helpers';

// Values of one input file that, combined with another, would send a secret somewhere or make two
// environments fight: refused at load time, with file, line and field, and dist/ untouched.

function project(edits: Record<string, (text: string) => string>): string {
  const dir = exampleProject();
  for (const [file, edit] of Object.entries(edits)) {
    const at = path.join(dir, file);
    fs.writeFileSync(at, edit(fs.readFileSync(at, 'utf8')));
  }
  return dir;
}

test("a hook URL off the environment's AWX is refused: the hook would send the AWX token there", () => {
  const dir = project({ 'tenants/acme.yaml': (t) => t.replace('preSync: https://awx.stoa.example.com/', 'preSync: https://attacker.example.net/') });
  expect(() => synth({ projectDir: dir })).toThrow(/tenants\/acme\.yaml:\d+: hooks\.preSync: must be on the AWX of environment "dev" \(https:\/\/awx\.stoa\.example\.com\): the hook sends the platform's AWX token there/);
  for (const url of ['https://awx.stoa.example.com.attacker.net/x', 'https://awx.stoa.example.com:8443/x', 'https://user@attacker.net/@awx.stoa.example.com/']) {
    const other = project({ 'tenants/acme.yaml': (t) => t.replace('https://awx.stoa.example.com/api/v2/job_templates/13/launch/', url) });
    expect(() => synth({ projectDir: other })).toThrow(/hooks\.postSync: must be on the AWX of environment/);
  }
  expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
});

test('an environment without awxUrl is told what to add', () => {
  const dir = project({ 'environments/dev.yaml': (t) => t.replace('  awxUrl: https://awx.stoa.example.com\n', '') });
  expect(() => synth({ projectDir: dir })).toThrow(/environments\/dev\.yaml:\d+: awxToken\.awxUrl: /);
});

test('two environments on one cluster or one domain are refused', () => {
  const dir = project({
    'environments/prod.yaml': (t) => t.replace('server: https://prod.k8s.stoa.example.com', 'server: https://dev.k8s.stoa.example.com/'),
    'environments/staging.yaml': (t) => t.replace(/^domain: .*$/m, 'domain: dev.stoa.example.com'),
  });
  const error = (() => { try { synth({ projectDir: dir }); } catch (e) { return (e as Error).message; } return ''; })();
  expect(error).toMatch(/environments\/prod\.yaml:\d+: cluster\.server: is also the cluster server of environment dev \(environments\/dev\.yaml\): each environment has its own/);
  expect(error).toMatch(/environments\/staging\.yaml:\d+: domain: is also the domain of environment dev/);
});

test("Argo CD's namespace cannot be a tenant's or the platform's, and a bad NodeLocal DNS address is refused", () => {
  const dir = project({ 'environments/dev.yaml': (t) => t.replace(/^cluster:/m, 'argocd: { namespace: tenant-globex }\nnodeLocalDns: 169.254.999.1\ncluster:') });
  const before = readTree(dir);
  const error = (() => { try { synth({ projectDir: dir }); } catch (e) { return (e as Error).message; } return ''; })();
  expect(error).toMatch(/environments\/dev\.yaml:\d+: argocd\.namespace: must be a namespace of its own/);
  expect(error).toMatch(/environments\/dev\.yaml:\d+: nodeLocalDns: must be a link-local IPv4 address/);
  expect(readTree(dir)).toEqual(before);
});

test('a repo URL with control or non-ASCII characters is refused', () => {
  const dir = project({ 'environments/dev.yaml': (t) => t.replace('url: https://git.stoa.example.com/stoa/stoa-envs.git', 'url: "https://git.stoa.example.com/stoa/\\u202estoa-envs.git"') });
  expect(() => synth({ projectDir: dir })).toThrow(/environments\/dev\.yaml:\d+: repo\.url: must be a git URL starting with https:\/\/, ssh:\/\/ or git@, in printable ASCII/);
});
