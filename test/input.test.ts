import * as fs from 'fs';
import * as path from 'path';
import { InputError, loadProjectInput, synth } from '../lib';
import { exampleProject, readTree, synthesizedExample, writeFile } from './helpers';

const ACME = `name: acme
tier: gold
owners:
  groups: [acme-platform-team]
environments: [dev, staging, prod]
`;

/**
 * Each case: a file of the example project to write (`content`) or edit (`edit`),
 * files to remove first, and the message expected.
 */
interface BadInput {
  readonly name: string;
  readonly file: string;
  readonly content?: string;
  readonly edit?: (text: string) => string;
  readonly remove?: string;
  readonly expected: RegExp;
}

const cases: BadInput[] = [
  { name: 'unknown tier', file: 'tenants/acme.yaml', content: ACME.replace('gold', 'platinum'),
    expected: /tenants\/acme\.yaml:2: tier: must be one of "bronze", "silver", "gold" \(got "platinum"\)/ },
  { name: 'tier of the wrong type', file: 'tenants/acme.yaml', content: ACME.replace('gold', '3'),
    expected: /tenants\/acme\.yaml:2: tier: must be one of .* \(got number 3\)/ },
  { name: 'missing owners', file: 'tenants/acme.yaml', content: ACME.replace(/owners:\n.*\n/, ''),
    expected: /tenants\/acme\.yaml:1: owners: is required \(expected object\)/ },
  { name: 'owners with nobody in them', file: 'tenants/acme.yaml', content: ACME.replace('groups: [acme-platform-team]', 'groups: []'),
    expected: /tenants\/acme\.yaml:3: owners: must list at least one user or group/ },
  { name: 'unknown field with a near match', file: 'tenants/acme.yaml', content: ACME.replace('tier:', 'teir:'),
    expected: /tenants\/acme\.yaml:2: teir: unknown field; did you mean "tier"\?/ },
  { name: 'name that is not a DNS label', file: 'tenants/Acme_Corp.yaml', remove: 'tenants/acme.yaml', content: ACME.replace('name: acme', 'name: Acme_Corp'),
    expected: /tenants\/Acme_Corp\.yaml:1: name: must be a DNS label/ },
  { name: 'name that differs from the file name', file: 'tenants/acme.yaml', content: ACME.replace('name: acme', 'name: acme2'),
    expected: /tenants\/acme\.yaml:1: name: must match the file name "acme" \(got "acme2"\)/ },
  { name: 'unknown environment', file: 'tenants/acme.yaml', content: ACME.replace('[dev, staging, prod]', '[dev, qa]'),
    expected: /tenants\/acme\.yaml:5: environments\[1\]: must be one of dev, staging, prod \(got "qa"\)/ },
  { name: 'prod without staging', file: 'tenants/acme.yaml', content: ACME.replace('[dev, staging, prod]', '[dev, prod]'),
    expected: /tenants\/acme\.yaml:5: environments\[1\]: "prod" requires "staging" first/ },
  { name: 'YAML syntax error', file: 'tenants/acme.yaml', content: 'name: acme\ntier: [gold\n',
    expected: /tenants\/acme\.yaml:\d+: YAML syntax error/ },
  { name: 'empty file', file: 'tenants/acme.yaml', content: '',
    expected: /tenants\/acme\.yaml: file is empty; expected a YAML mapping/ },
  { name: 'a list instead of a mapping', file: 'tenants/acme.yaml', content: '- acme\n',
    expected: /tenants\/acme\.yaml:1: expected a YAML mapping at the top of the file/ },
  { name: 'duplicate tenant in .yml and .yaml', file: 'tenants/acme.yml', content: ACME,
    expected: /tenants\/acme\.yml:1: name: "acme" is already defined in tenants\/acme\.yaml/ },
  { name: 'owners.users given as a string', file: 'tenants/acme.yaml', content: ACME.replace('groups: [acme-platform-team]', 'users: alice'),
    expected: /tenants\/acme\.yaml:4: owners\.users: expected array, got "alice"/ },
  { name: 'no environments', file: 'tenants/acme.yaml', content: ACME.replace('[dev, staging, prod]', '[]'),
    expected: /tenants\/acme\.yaml:5: environments: must list at least one environment/ },
  { name: 'an environment listed twice', file: 'tenants/acme.yaml', content: ACME.replace('[dev, staging, prod]', '[dev, dev]'),
    expected: /tenants\/acme\.yaml:5: environments: must not list an environment twice/ },
  { name: 'tenant name too long for the namespace', file: `tenants/${'a'.repeat(41)}.yaml`, remove: 'tenants/acme.yaml', content: ACME.replace('name: acme', `name: ${'a'.repeat(41)}`),
    expected: /name: must be at most 40 characters/ },
  { name: 'unknown environment mode', file: 'environments/prod.yaml', edit: (t) => t.replace('mode: read-only', 'mode: readonly'),
    expected: /environments\/prod\.yaml:4: mode: must be one of "full", "read-only" \(got "readonly"\)/ },
  { name: 'environment promoted from an unknown one', file: 'environments/prod.yaml', edit: (t) => t.replace('promotedFrom: staging', 'promotedFrom: stage'),
    expected: /environments\/prod\.yaml:6: promotedFrom: must name another environment: one of dev, prod, staging \(got "stage"\)/ },
  { name: 'promotion cycle', file: 'environments/dev.yaml', edit: (t) => t.replace('color: green', 'color: green\npromotedFrom: prod'),
    expected: /promotedFrom: promotion order has a cycle: (dev -> prod -> staging -> dev|prod -> staging -> dev -> prod|staging -> dev -> prod -> staging)/ },
  { name: 'cluster server not https', file: 'environments/dev.yaml', edit: (t) => t.replace('server: https://dev', 'server: http://dev'),
    expected: /environments\/dev\.yaml:9: cluster\.server: must be an https:\/\/ URL of the Kubernetes API server \(got "http:\/\/dev\.k8s\.stoa\.example\.com"\)/ },
  { name: 'domain with capitals', file: 'environments/dev.yaml', edit: (t) => t.replace('domain: dev.stoa', 'domain: Dev.stoa'),
    expected: /environments\/dev\.yaml:6: domain: must be a DNS name/ },
  { name: 'unknown top-level environment field', file: 'environments/dev.yaml', edit: (t) => t.replace('components:', 'compnents:'),
    expected: /environments\/dev\.yaml:\d+: compnents: unknown field; did you mean "components"\?/ },
  { name: 'floating image tag', file: 'environments/dev.yaml', edit: (t) => t.replace('stoa-gateway: 1.9.0', 'stoa-gateway: latest'),
    expected: /environments\/dev\.yaml:\d+: components\.stoa-gateway: "latest" is not pinned/ },
  { name: 'environment missing its cluster', file: 'environments/staging.yaml', edit: (t) => t.replace(/cluster:\n(  .*\n)+/, ''),
    expected: /invalid input \(1 problem\):\n\s+environments\/staging\.yaml:\d+: cluster: is required \(expected object\)/ },
  { name: 'tenant named like a platform host', file: 'tenants/portal.yaml', content: ACME.replace('name: acme', 'name: portal'),
    expected: /tenants\/portal\.yaml:1: name: "portal" is reserved: <name>\.<domain> is a platform host/ },
  { name: 'tenant whose host is another environment\'s domain, even before it is promoted there', file: 'tenants/dev.yaml', content: ACME.replace('name: acme', 'name: dev').replace('[dev, staging, prod]', '[dev]'),
    expected: /tenants\/dev\.yaml:1: name: "dev" would serve dev\.stoa\.example\.com in prod, the domain of environment dev/ },
  { name: 'owners that mean everyone', file: 'tenants/acme.yaml', content: ACME.replace('groups: [acme-platform-team]', 'groups: [acme-platform-team, "system:authenticated"]'),
    expected: /tenants\/acme\.yaml:\d+: owners\.groups\[1\]: must not be a Kubernetes "system:" user or group/ },
  { name: 'a system: user', file: 'tenants/acme.yaml', content: ACME.replace('groups: [acme-platform-team]', 'users: ["System:Anonymous"]'),
    expected: /tenants\/acme\.yaml:\d+: owners\.users\[0\]: must not be a Kubernetes "system:" user or group/ },
  { name: 'an owner with a line break', file: 'tenants/acme.yaml', content: ACME.replace('groups: [acme-platform-team]', 'users: ["alice\\nsystem:masters"]'),
    expected: /tenants\/acme\.yaml:\d+: owners\.users\[0\]: must not contain control characters or line breaks/ },
  { name: 'a CIDR out of range', file: 'environments/dev.yaml', edit: (t) => t.replace('internalCidrs: [10.0.0.0/8', 'internalCidrs: [999.999.999.999/99'),
    expected: /environments\/dev\.yaml:\d+: internalCidrs\[0\]: must be an IPv4 CIDR such as 10\.0\.0\.0\/8 \(octets 0-255, prefix 0-32\)/ },
  { name: 'a domain label over 63 characters', file: 'environments/dev.yaml', edit: (t) => t.replace('domain: dev.stoa', `domain: ${'d'.repeat(64)}.stoa`),
    expected: /environments\/dev\.yaml:6: domain: must have DNS labels of at most 63 characters/ },
  { name: 'a domain too long for tenant hosts', file: 'environments/dev.yaml', edit: (t) => t.replace('domain: dev.stoa.example.com', `domain: ${Array(5).fill('a'.repeat(50)).join('.')}`),
    expected: /environments\/dev\.yaml:6: domain: must be at most 212 characters, so every <tenant>\.<domain> host fits in 253/ },
  { name: "secret outside the tenant's own path", file: 'tenants/acme.yaml', content: `${ACME}secrets:\n  - name: stolen\n    key: tenants/globex/upstream\n`,
    expected: /tenants\/acme\.yaml:\d+: secrets\[0\]\.key: must be a path under tenants\/acme\/ \(a tenant reads only its own secrets\)/ },
  { name: 'secret path climbing out', file: 'tenants/acme.yaml', content: `${ACME}secrets:\n  - name: stolen\n    key: tenants/acme/../../platform/awx\n`,
    expected: /tenants\/acme\.yaml:\d+: secrets\[0\]\.key: must be a path under tenants\/acme\// },
  { name: 'NodeLocal DNS address that is not link-local', file: 'environments/dev.yaml', edit: (t) => `${t}nodeLocalDns: 10.0.0.10\n`,
    expected: /environments\/dev\.yaml:\d+: nodeLocalDns: must be a link-local IPv4 address such as 169\.254\.20\.10/ },
  { name: 'a key given twice', file: 'tenants/acme.yaml', content: `${ACME}tier: silver\n`,
    expected: /tenants\/acme\.yaml:6: tier: is given twice in this mapping \(first on line 2\); a key may appear only once/ },
  { name: 'a displayName longer than the AppProject description allows', file: 'tenants/acme.yaml', content: ACME.replace('tier:', `displayName: ${'A'.repeat(300)}\ntier:`),
    expected: /tenants\/acme\.yaml:2: displayName: must be at most 128 characters \(got "A{60}…" \(300 characters\)\)/ },
  { name: 'a displayName with a line break', file: 'tenants/acme.yaml', content: ACME.replace('tier:', 'displayName: "ACME\\nCorp"\ntier:'),
    expected: /tenants\/acme\.yaml:2: displayName: must not contain control characters or line breaks \(got "ACME\\u000aCorp"\)/ },
  { name: 'unknown ACME solver', file: 'environments/prod.yaml', edit: (t) => t.replace('clusterIssuer: letsencrypt-prod', 'clusterIssuer: letsencrypt-prod\n  acmeSolver: tls-alpn'),
    expected: /environments\/prod\.yaml:\d+: ingress\.acmeSolver: must be one of "http01", "dns01"/ },
];

describe.each(cases)('bad input: $name', ({ file, content, edit, remove, expected }) => {
  test('fails naming the file, line and field, and leaves dist/ unchanged', () => {
    // The example with its dist/ synthesized (made once for this file, copied here).
    const project = synthesizedExample();
    const out = path.join(project, 'dist');
    const before = readTree(out);
    if (remove) fs.rmSync(path.join(project, remove));
    const target = path.join(project, file);
    writeFile(project, file, content ?? edit!(fs.readFileSync(target, 'utf8')));

    expect(() => synth({ projectDir: project })).toThrow(expected);
    expect(readTree(out)).toEqual(before);
  });
});

test('every problem of every file is reported together', () => {
  const project = exampleProject();
  writeFile(project, 'tenants/acme.yaml', ACME.replace('gold', 'platinum').replace('owners:', 'ownerz:'));
  writeFile(project, 'tenants/globex.yaml', '');
  let error: unknown;
  try {
    loadProjectInput({ environmentsDir: path.join(project, 'environments'), tenantsDir: path.join(project, 'tenants'), displayRoot: project });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InputError);
  const problems = (error as InputError).problems.map((p) => `${p.file}:${p.field}`);
  expect(problems).toEqual([
    'tenants/acme.yaml:owners', 'tenants/acme.yaml:tier', 'tenants/acme.yaml:ownerz', 'tenants/globex.yaml:',
  ]);
  expect((error as InputError).message).toMatch(/^invalid input \(4 problems\):/);
});
