import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { loadEnvironments, validateFolder, validationOptionsOf, Violation } from '../lib';
import { exampleProject, tempDir } from './helpers';

// Each case was passed by `validate` before: output that every schema accepted but the cluster,
// or Argo CD, would treat differently. Cases run against a copy of the committed dist/.

const repo = path.resolve(__dirname, '..');
const options = validationOptionsOf(loadEnvironments({ environmentsDir: path.join(repo, 'environments'), displayRoot: repo }));

function distCopy(): string {
  const dir = path.join(tempDir(), 'dist');
  fs.cpSync(path.join(repo, 'dist'), dir, { recursive: true });
  return dir;
}
const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
const edit = (dir: string, file: string, change: (text: string) => string) => fs.writeFileSync(path.join(dir, file), change(read(dir, file)));
const found = (dir: string, extra = {}): readonly Violation[] => validateFolder(dir, { ...options, ...extra }).violations;
const messages = (dir: string, rule: string, extra = {}) => found(dir, extra).filter((v) => v.rule === rule).map((v) => `${v.file}: ${v.message}`);

const GATEWAY = 'dev/tenants/acme/deployment-gateway.yaml';

test('the committed output is clean with the environment files known', () => {
  expect(found(distCopy())).toEqual([]);
});

describe('values the API server refuses', () => {
  test('negative and out-of-range counts, ports and probes', () => {
    const dir = distCopy();
    edit(dir, 'dev/platform/control-plane-api/deployment-control-plane-api.yaml', (t) => t.replace(/replicas: \d+/, 'replicas: -2'));
    edit(dir, 'dev/tenants/acme/service-gateway.yaml', (t) => t.replace(/port: \d+/, 'port: 70000'));
    edit(dir, 'dev/tenants/acme/deployment-gateway.yaml', (t) => t.replace(/periodSeconds: \d+/, 'periodSeconds: 0'));
    const out = messages(dir, 'api-server-accepts');
    expect(out).toContainEqual(expect.stringMatching(/^dev\/platform\/control-plane-api\/deployment-control-plane-api\.yaml: Deployment control-plane-api: spec\.replicas is -2; the API server accepts an integer of at least 0$/));
    expect(out).toContainEqual(expect.stringMatching(/service-gateway\.yaml: Service gateway: spec\.ports "\S+" port is 70000; the API server accepts an integer from 1 to 65535/));
    expect(out).toContainEqual(expect.stringMatching(/deployment-gateway\.yaml: Deployment gateway: pod container "gateway" \w+Probe\.periodSeconds is 0/));
  });

  test('an invalid CIDR in a NetworkPolicy, bad names and label values', () => {
    const dir = distCopy();
    edit(dir, 'prod/tenants/acme/networkpolicy-gateway-allow-egress.yaml', (t) => t.replace(/cidr: \S+/, 'cidr: 999.999.999.999/99'));
    edit(dir, 'prod/tenants/acme/service-gateway.yaml', (t) => t.replace('name: gateway\n', 'name: Gateway_1\n'));
    edit(dir, 'prod/tenants/acme/role-tenant-owner.yaml', (t) => t.replace(/(labels:\n\s+)/, `$1team: ${'x'.repeat(64)}\n    `));
    const out = messages(dir, 'api-server-accepts');
    expect(out).toContainEqual(expect.stringMatching(/networkpolicy-gateway-allow-egress\.yaml: NetworkPolicy gateway-allow-egress: spec\.egress\[\d+\] ipBlock\.cidr "999\.999\.999\.999\/99" is not a valid CIDR/));
    expect(out).toContainEqual(expect.stringMatching(/service-gateway\.yaml: Service Gateway_1: metadata\.name "Gateway_1" must be a DNS label/));
    expect(out).toContainEqual(expect.stringMatching(/role-tenant-owner\.yaml: Role tenant-owner: metadata\.labels "team": value "x{64}" must be at most 63/));
  });
});

describe('API versions the target Kubernetes version does not serve', () => {
  test('removed versions are refused, naming the replacement and the target version', () => {
    const dir = distCopy();
    edit(dir, GATEWAY, (t) => t.replace('apiVersion: apps/v1', 'apiVersion: apps/v1beta2'));
    edit(dir, 'prod/tenants/acme/ingress-gateway.yaml', (t) => t.replace('apiVersion: networking.k8s.io/v1', 'apiVersion: extensions/v1beta1'));
    const out = messages(dir, 'api-version-served');
    expect(out).toEqual([
      `${GATEWAY}: Deployment gateway: apps/v1beta2 Deployment was removed in Kubernetes 1.16; use apps/v1 (the environment targets Kubernetes 1.30)`,
      'prod/tenants/acme/ingress-gateway.yaml: Ingress gateway: extensions/v1beta1 Ingress was removed in Kubernetes 1.22; use networking.k8s.io/v1 (the environment targets Kubernetes 1.30)',
    ]);
  });

  test('an API newer than the target version is refused until the environment targets it', () => {
    const dir = distCopy();
    fs.writeFileSync(path.join(dir, 'prod/tenants/acme/vap.yaml'), stringify({
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'pinned' },
      spec: { matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] }] }, validations: [{ expression: 'true' }] },
    }));
    const older = { environments: Object.fromEntries(Object.entries(options.environments!).map(([k, v]) => [k, { ...v, kubernetesVersion: '1.29' }])) };
    expect(messages(dir, 'api-version-served', older)).toEqual([
      'prod/tenants/acme/vap.yaml: ValidatingAdmissionPolicy pinned: admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy is served from Kubernetes 1.30 only; use a cluster on Kubernetes 1.30 or later (the environment targets Kubernetes 1.29)',
    ]);
    // The example's environments run 1.30.
    expect(messages(dir, 'api-version-served')).toEqual([]);
  });
});

describe('files Argo CD reads', () => {
  test('a .json manifest is validated like YAML; a JSON array or bad JSON is refused', () => {
    const dir = distCopy();
    const deployment = JSON.parse(JSON.stringify(require('yaml').parse(read(dir, GATEWAY))));
    deployment.spec.replicas = -1;
    fs.writeFileSync(path.join(dir, 'prod/tenants/acme/extra.json'), JSON.stringify({ ...deployment, metadata: { ...deployment.metadata, name: 'extra' } }));
    fs.writeFileSync(path.join(dir, 'prod/tenants/acme/array.json'), JSON.stringify([deployment]));
    fs.writeFileSync(path.join(dir, 'prod/tenants/acme/broken.json'), '{"kind": ');
    const out = found(dir).map((v) => `${v.file} ${v.rule}`);
    expect(out).toContain('prod/tenants/acme/extra.json api-server-accepts');
    expect(out).toContain('prod/tenants/acme/array.json yaml-syntax');
    expect(out).toContain('prod/tenants/acme/broken.json yaml-syntax');
  });

  test('the items of a List are applied by Argo CD, so they are validated; items: null is nothing', () => {
    const dir = distCopy();
    const deployment = require('yaml').parse(read(dir, GATEWAY));
    fs.writeFileSync(path.join(dir, 'prod/tenants/acme/list.yaml'), stringify({
      apiVersion: 'v1', kind: 'List', items: [{ ...deployment, metadata: { ...deployment.metadata, name: 'listed' }, spec: { ...deployment.spec, replicas: -3, replica: 3 } }],
    }));
    fs.writeFileSync(path.join(dir, 'prod/tenants/acme/empty-list.yaml'), 'apiVersion: v1\nkind: ConfigMapList\nitems: null\n');
    const out = found(dir);
    expect(out.map((v) => `${v.file}: ${v.message}`)).toContainEqual(expect.stringMatching(/^prod\/tenants\/acme\/list\.yaml: Deployment listed: spec\.replicas is -3/));
    expect(out).toContainEqual({ rule: 'schema', file: 'prod/tenants/acme/list.yaml', message: 'spec: unknown field "replica"' });
    expect(out.filter((v) => v.file.endsWith('empty-list.yaml'))).toEqual([]);
  });

  test('Jsonnet, Kustomize and Helm markers, symlinks and FIFOs are reported, never skipped', () => {
    const dir = distCopy();
    fs.writeFileSync(path.join(dir, 'prod/tenants/acme/extra.jsonnet'), '{}');
    fs.writeFileSync(path.join(dir, 'prod/tenants/acme/kustomization.yaml'), 'resources: []\n');
    fs.writeFileSync(path.join(dir, 'dev/tenants/acme/Chart.yaml'), 'name: x\n');
    fs.symlinkSync('/dev/zero', path.join(dir, 'dev/tenants/acme/zero.yaml'));
    execFileSync('mkfifo', [path.join(dir, 'dev/tenants/acme/fifo.yaml')]);
    const out = messages(dir, 'output-file');
    expect(out).toEqual([
      expect.stringMatching(/^dev\/tenants\/acme\/Chart\.yaml: Argo CD builds a folder holding Chart\.yaml with Helm/),
      'dev/tenants/acme/fifo.yaml: is not a regular file',
      expect.stringMatching(/^dev\/tenants\/acme\/zero\.yaml: is a symbolic link/),
      expect.stringMatching(/^prod\/tenants\/acme\/extra\.jsonnet: Argo CD evaluates Jsonnet/),
      expect.stringMatching(/^prod\/tenants\/acme\/kustomization\.yaml: Argo CD builds a folder holding kustomization\.yaml with Kustomize/),
    ]);
  });

  test("a folder over Argo CD's manifest size limit is refused", () => {
    const dir = distCopy();
    const big = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: tenant-acme\ndata:\n  blob: "${'x'.repeat(5_100_000)}"\n`;
    fs.writeFileSync(path.join(dir, 'dev/tenants/acme/configmap-big-1.yaml'), big);
    fs.writeFileSync(path.join(dir, 'dev/tenants/acme/configmap-big-2.yaml'), big.replace('name: big', 'name: big-2'));
    expect(messages(dir, 'output-file')).toEqual([
      expect.stringMatching(/^dev\/tenants\/acme: the manifests of this folder add up to \d+ bytes; Argo CD reads at most 10000000 per Application/),
    ]);
  });
});

describe('Applications read their own environment from the envs repo', () => {
  test("a prod Application pointing at dev's folder, another repo, revision or cluster is refused", () => {
    const dir = distCopy();
    edit(dir, 'prod/apps/application-prod-tenant-acme.yaml', (t) => t.replace('path: prod/tenants/acme', 'path: dev/tenants/acme'));
    edit(dir, 'prod/apps/application-prod-stoa-gateway.yaml', (t) => t.replace(/repoURL: \S+/, 'repoURL: https://github.com/attacker/envs.git').replace(/targetRevision: \S+/, 'targetRevision: evil'));
    edit(dir, 'prod/apps/application-prod-stoa-portal.yaml', (t) => t.replace('server: https://prod.k8s.stoa.example.com', 'server: https://dev.k8s.stoa.example.com'));
    const out = messages(dir, 'environment-sources');
    expect(out).toEqual(expect.arrayContaining([
      'prod/apps/application-prod-tenant-acme.yaml: Application "prod-tenant-acme" of environment prod reads "dev/tenants/acme", outside prod/',
      'prod/apps/application-prod-stoa-gateway.yaml: Application "prod-stoa-gateway": repoURL "https://github.com/attacker/envs.git" is not the envs repo of prod (https://git.stoa.example.com/stoa/stoa-envs.git)',
      'prod/apps/application-prod-stoa-gateway.yaml: Application "prod-stoa-gateway": targetRevision "evil" is not the revision prod deploys (main)',
      'prod/apps/application-prod-stoa-portal.yaml: Application "prod-stoa-portal" deploys to https://dev.k8s.stoa.example.com, not the cluster of prod (https://prod.k8s.stoa.example.com)',
    ]));
  });

  test('an AppProject whose sourceRepos is another repository is refused, even when an Application reads it too', () => {
    const dir = distCopy();
    const other = 'https://github.com/attacker/envs.git';
    edit(dir, 'prod/apps/appproject-prod-tenant-acme.yaml', (t) => t.replace(/(sourceRepos:\n\s+- )\S+/, `$1${other}`));
    edit(dir, 'prod/apps/application-prod-tenant-acme.yaml', (t) => t.replace(/repoURL: \S+/, `repoURL: ${other}`));
    expect(messages(dir, 'project-scope')).toContainEqual(expect.stringMatching(/AppProject "prod-tenant-acme": sourceRepos allows "https:\/\/github\.com\/attacker\/envs\.git", not the envs repo \(https:\/\/git\.stoa\.example\.com\/stoa\/stoa-envs\.git\)/));
  });

  test('without the environment files, one environment must still use one repo and revision', () => {
    const dir = distCopy();
    edit(dir, 'prod/apps/application-prod-stoa-gateway.yaml', (t) => t.replace(/repoURL: \S+/, 'repoURL: https://github.com/attacker/envs.git'));
    const out = validateFolder(dir).violations.filter((v) => v.rule === 'environment-sources').map((v) => v.message);
    expect(out).toContainEqual(expect.stringMatching(/reads https:\/\/github\.com\/attacker\/envs\.git@main, but .* reads https:\/\/git\.stoa\.example\.com\/stoa\/stoa-envs\.git@main/));
  });
});

describe('the target Kubernetes version in the environment file', () => {
  test('an unquoted or unsupported version is refused with file, line and field', () => {
    const project = exampleProject();
    const file = path.join(project, 'environments/dev.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('kubernetesVersion: "1.30"', 'kubernetesVersion: 1.30'));
    expect(() => loadEnvironments({ environmentsDir: path.join(project, 'environments'), displayRoot: project }))
      .toThrow(/environments\/dev\.yaml:9: cluster\.kubernetesVersion: must be a quoted Kubernetes version such as "1\.30" \(unquoted, 1\.30 reads as the number 1\.3\)/);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('kubernetesVersion: 1.30', 'kubernetesVersion: "1.25"'));
    expect(() => loadEnvironments({ environmentsDir: path.join(project, 'environments'), displayRoot: project }))
      .toThrow(/environments\/dev\.yaml:9: cluster\.kubernetesVersion: must be 1\.28 or later/);
  });

  test('validate reads it from the environment file', () => {
    const dir = distCopy();
    edit(dir, 'prod/tenants/acme/job-acme-provision.yaml', (t) => t.replace('apiVersion: batch/v1', 'apiVersion: batch/v1beta1'));
    expect(messages(dir, 'api-version-served')).toEqual([expect.stringContaining('was removed in Kubernetes 1.25; use batch/v1 (the environment targets Kubernetes 1.30)')]);
  });
});
