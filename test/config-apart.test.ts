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
  for (const host of ['awx.stoa.example.com.attacker.net', 'awx.stoa.example.com:8443', 'AWX.stoa.example.com.evil.net']) {
    const other = project({ 'tenants/acme.yaml': (t) => t.replace('https://awx.stoa.example.com/api/v2/job_templates/13/launch/', `https://${host}/api/v2/job_templates/13/launch/`) });
    expect(() => synth({ projectDir: other })).toThrow(/hooks\.postSync: must be on the AWX of environment/);
  }
  // Userinfo tricks are not launch URLs at all.
  const userinfo = project({ 'tenants/acme.yaml': (t) => t.replace('https://awx.stoa.example.com/api/v2/job_templates/13/launch/', 'https://user@attacker.net/@awx.stoa.example.com/api/v2/job_templates/13/launch/') });
  expect(() => synth({ projectDir: userinfo })).toThrow(/hooks\.postSync: must be the https:\/\/ launch URL/);
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

describe('environment values Argo CD, the API server or the kubelet would refuse', () => {
  const cases: Array<[string, (t: string) => string, RegExp]> = [
    ['sync window with fields that are not cron', (t) => t.replace(/^cluster:/m, 'syncWindows: [{ schedule: "a b c d e", duration: 1h }]\ncluster:'), /syncWindows\[0\]\.schedule: must be a cron schedule: each field/],
    ['unknown time zone', (t) => t.replace(/^cluster:/m, 'syncWindows: [{ schedule: "0 8 * * 1-4", duration: 1h, timeZone: Mars/Olympus }]\ncluster:'), /syncWindows\[0\]\.timeZone: must be an IANA time zone/],
    ['a project group with a comma', (t) => t.replace(/^cluster:/m, 'access: { viewers: ["x, role:admin"], releasers: [ops] }\ncluster:'), /access\.viewers\[0\]: must be a group name without ","/],
    ['the group "*"', (t) => t.replace(/^cluster:/m, 'access: { viewers: [ops], releasers: ["*"] }\ncluster:'), /access\.releasers\[0\]: .*not "\*"/],
    ['a revision with .. and a space', (t) => t.replace('revision: main', 'revision: "../../x y"'), /repo\.revision: must be a branch, tag or commit name/],
    ['a registry path with ..', (t) => t.replace(/^registry: .*$/m, 'registry: ghcr.io/../..'), /registry: must be a registry host/],
    ['internalCidrs 0.0.0.0/0', (t) => t.replace('internalCidrs: [10.0.0.0/8', 'internalCidrs: [0.0.0.0/0'), /internalCidrs\[0\]: must not be a \/0/],
  ];
  test.each(cases)('%s', (_name, edit, expected) => {
    const dir = project({ 'environments/dev.yaml': edit });
    expect(() => synth({ projectDir: dir })).toThrow(expected);
  });

  test('canary pause is bounded', () => {
    const dir = project({ 'environments/staging.yaml': (t) => (/pause:/.test(t) ? t.replace(/pause: \S+/, 'pause: 9999999999999h') : t.replace(/^canary:\n/m, 'canary:\n  pause: 9999999999999h\n')) });
    expect(() => synth({ projectDir: dir })).toThrow(/canary\.pause: must be a duration from 1 to 9999/);
  });
});

test('owner names and secret names that hide text or overflow a volume name are refused', () => {
  const zeroWidth = project({ 'tenants/acme.yaml': (t) => t.replace('    - acme-platform-team', '    - "acme\u200b-platform-team"') });
  expect(() => synth({ projectDir: zeroWidth })).toThrow(/tenants\/acme\.yaml:\d+: owners\.groups\[0\]: must not contain control characters/);
  const longSecret = project({ 'tenants/acme.yaml': (t) => t.replace('name: upstream-api-key', `name: ${'s'.repeat(57)}`) });
  expect(() => synth({ projectDir: longSecret })).toThrow(/tenants\/acme\.yaml:\d+: secrets\[0\]\.name: must be at most 56 characters/);
});

test('a hook URL must be a job template launch URL, not another AWX endpoint the token can reach', () => {
  for (const url of ['https://awx.stoa.example.com/api/v2/tokens/', 'https://awx.stoa.example.com/api/v2/jobs/1/relaunch/', 'https://awx.stoa.example.com/../../api/v2/tokens/', 'https://awx.stoa.example.com/api/v2/job_templates/12/launch/../../../users/']) {
    const dir = project({ 'tenants/acme.yaml': (t) => t.replace('https://awx.stoa.example.com/api/v2/job_templates/12/launch/', url) });
    expect(() => synth({ projectDir: dir })).toThrow(/tenants\/acme\.yaml:\d+: hooks\.preSync: must be the https:\/\/ launch URL of an AWX job template/);
  }
  const workflow = project({ 'tenants/acme.yaml': (t) => t.replace('/api/v2/job_templates/12/launch/', '/api/v2/workflow_job_templates/7/launch/') });
  expect(() => synth({ projectDir: workflow })).not.toThrow();
});

test('an input folder that is a symbolic link out of the project is refused', () => {
  const dir = exampleProject();
  const outside = path.join(require('os').tmpdir(), `outside-tenants-${process.pid}`);
  fs.rmSync(outside, { recursive: true, force: true });
  fs.renameSync(path.join(dir, 'tenants'), outside);
  fs.symlinkSync(outside, path.join(dir, 'tenants'));
  try {
    expect(() => synth({ projectDir: dir })).toThrow(/tenants: is a symbolic link to .*outside-tenants-\d+, outside the project/);
  } finally {
    fs.rmSync(outside, { recursive: true, force: true });
  }
});
