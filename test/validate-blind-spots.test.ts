import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { loadEnvironments, validateFolder, validationOptionsOf, Violation } from '../lib';
import { parseYamlManifests } from '../lib/validate/output-files';
import { exampleProject, synthesizedExample, tempDir } from './helpers';

// Each case was passed by `validate` before: output that every schema accepted but the cluster,
// or Argo CD, would treat differently. Cases run against a copy of the example's dist/ as synth writes it.

const example = synthesizedExample();
const options = validationOptionsOf(loadEnvironments({ environmentsDir: path.join(example, 'environments'), displayRoot: example }));

function distCopy(): string {
  const dir = path.join(tempDir(), 'dist');
  fs.cpSync(path.join(example, 'dist'), dir, { recursive: true });
  return dir;
}
const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
const edit = (dir: string, file: string, change: (text: string) => string) => fs.writeFileSync(path.join(dir, file), change(read(dir, file)));
/**
 * Every entry under `dir` as lstat sees it (path, type and mode, inode, size, change time in ns): any
 * write, rename, new or removed file, link or FIFO changes it. Nothing is read or followed.
 */
function stateOf(dir: string): string {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const sub = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(path.join(dir, sub), { bigint: true });
      out.push(`${sub}\0${st.mode}\0${st.ino}\0${st.size}\0${st.mtimeNs}\0${st.ctimeNs}`);
      if (st.isDirectory()) walk(sub);
    }
  };
  walk('');
  return out.join('\n');
}
/** The last validation, kept while its folder and options are the same: a test that asks it about several rules validates once. */
let last: { dir: string; key: string; violations: readonly Violation[] } | undefined;
const found = (dir: string, extra = {}): readonly Violation[] => {
  const key = `${JSON.stringify(extra)}\n${stateOf(dir)}`;
  if (last?.dir !== dir || last.key !== key) last = { dir, key, violations: validateFolder(dir, { ...options, ...extra }).violations };
  return last.violations;
};
const messages = (dir: string, rule: string, extra = {}) => found(dir, extra).filter((v) => v.rule === rule).map((v) => `${v.file}: ${v.message}`);

const GATEWAY = 'dev/tenants/acme/deployment-gateway.yaml';
/** Changes the one object of a YAML file of `dir`. */
const editObject = (dir: string, file: string, change: (o: any) => void) => {
  const object = parse(read(dir, file));
  change(object);
  fs.writeFileSync(path.join(dir, file), stringify(object));
};
const write = (dir: string, file: string, object: unknown) => {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), stringify(object));
};

test('the committed output is clean with the environment files known', () => {
  expect(found(distCopy())).toEqual([]);
});

describe('hostile hand edits of dist/ (each passed validate before)', () => {
  test('bindings to everyone, and a tenant owner Role that reads Secrets', () => {
    const dir = distCopy();
    editObject(dir, 'dev/tenants/acme/rolebinding-tenant-owners.yaml', (o) => o.subjects.push({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' }));
    editObject(dir, 'dev/tenants/globex/role-tenant-owner.yaml', (o) => o.rules[0].resources.push('secrets'));
    write(dir, 'prod/platform/stoa-portal/clusterrolebinding-anyone.yaml', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'anyone' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:anonymous' }, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:serviceaccounts:tenant-acme' }],
    });
    expect(messages(dir, 'secret-isolation')).toEqual([
      expect.stringMatching(/^dev\/tenants\/acme\/rolebinding-tenant-owners\.yaml: RoleBinding tenant-acme\/tenant-owners gives Group system:authenticated \(every authenticated user/),
      expect.stringMatching(/^dev\/tenants\/globex\/rolebinding-tenant-owners\.yaml: .* Role tenant-owner \(dev\/tenants\/globex\/role-tenant-owner\.yaml\), which grants get\/list\/watch on secrets: they could read the values of every Secret in the namespace/),
      expect.stringMatching(/^prod\/platform\/stoa-portal\/clusterrolebinding-anyone\.yaml: ClusterRoleBinding anyone gives User system:anonymous \(every request without credentials\) ClusterRole cluster-admin/),
      expect.stringMatching(/^prod\/platform\/stoa-portal\/clusterrolebinding-anyone\.yaml: ClusterRoleBinding anyone gives Group system:serviceaccounts:tenant-acme /),
    ]);
  });

  test('privileged pods in a platform namespace without a level, root with runAsNonRoot, a tenant namespace made privileged', () => {
    const dir = distCopy();
    const PORTAL = 'dev/platform/stoa-portal/deployment-stoa-portal.yaml';
    editObject(dir, PORTAL, (o) => {
      const pod = o.spec.template.spec;
      Object.assign(pod, { hostNetwork: true, hostPID: true, hostIPC: true });
      pod.volumes.push({ name: 'host', hostPath: { path: '/' } });
      pod.containers[0].securityContext.privileged = true;
      pod.containers[0].securityContext.allowPrivilegeEscalation = true;
      pod.containers[0].securityContext.capabilities.add = ['SYS_ADMIN'];
      pod.securityContext.runAsUser = 0;
    });
    editObject(dir, 'staging/tenants/globex/namespace-tenant-globex.yaml', (o) => { o.metadata.labels['pod-security.kubernetes.io/enforce'] = 'privileged'; });
    editObject(dir, 'staging/tenants/globex/deployment-gateway.yaml', (o) => { o.spec.template.spec.containers[0].securityContext.privileged = true; });
    editObject(dir, 'prod/tenants/acme/namespace-tenant-acme.yaml', (o) => { delete o.metadata.labels['pod-security.kubernetes.io/enforce']; });
    expect(messages(dir, 'pod-security')).toEqual([
      `${PORTAL}: Deployment stoa-system/stoa-portal: namespace stoa-system enforces no Pod Security level, but the platform holds every namespace to at least "baseline", which refuses its pods: `
        + 'hostNetwork: true; hostPID: true; hostIPC: true; hostPath volume "host"; container "stoa-portal": privileged; container "stoa-portal": adds capability SYS_ADMIN',
      expect.stringMatching(/^prod\/tenants\/acme\/namespace-tenant-acme\.yaml: Namespace tenant-acme is a tenant's and enforces no Pod Security level: tenant namespaces must enforce "restricted"/),
      expect.stringMatching(/^staging\/tenants\/globex\/deployment-gateway\.yaml: Deployment tenant-globex\/gateway: namespace tenant-globex enforces Pod Security "privileged", but the platform holds a tenant namespace to "restricted", which refuses its pods: container "gateway": privileged$/),
      expect.stringMatching(/^staging\/tenants\/globex\/namespace-tenant-globex\.yaml: Namespace tenant-globex is a tenant's and enforces Pod Security "privileged"/),
    ]);
    expect(messages(dir, 'non-root')).toEqual([
      `${PORTAL}: container "stoa-portal" runs as UID 0 (runAsUser: 0 on the pod) with runAsNonRoot: true: the kubelet refuses to start it; set a non-zero runAsUser`,
    ]);
  });

  test('Argo CD reading a folder differently: include/exclude, plugins, and a manifest in a sub-folder', () => {
    const dir = distCopy();
    editObject(dir, 'dev/apps/application-dev-tenant-globex.yaml', (o) => { o.spec.source.directory = { exclude: 'networkpolicy-default-deny.yaml' }; });
    editObject(dir, 'prod/apps/application-prod-tenant-acme.yaml', (o) => { o.spec.source.plugin = { name: 'envsubst' }; });
    fs.mkdirSync(path.join(dir, 'dev/tenants/globex/x'));
    fs.renameSync(path.join(dir, 'dev/tenants/globex/networkpolicy-default-deny.yaml'), path.join(dir, 'dev/tenants/globex/x/networkpolicy-default-deny.yaml'));
    expect(messages(dir, 'environment-sources')).toEqual([
      expect.stringMatching(/^dev\/apps\/application-dev-tenant-globex\.yaml: Application "dev-tenant-globex": spec\.source is not a plain directory source .*: directory\.exclude \(skips the files it matches\)/),
      expect.stringMatching(/^prod\/apps\/application-prod-tenant-acme\.yaml: Application "prod-tenant-acme": spec\.source is not a plain directory source .*: plugin \(renders the folder through a config management plugin\)/),
    ]);
    expect(messages(dir, 'source-path-exists')).toEqual([
      'dev/tenants/globex/x/networkpolicy-default-deny.yaml: NetworkPolicy default-deny is in dev/tenants/globex/x/, which no Application syncs, so it is never applied: '
        + 'move it into dev/tenants/globex/ (Argo CD does not read the sub-folders of an Application\'s source path)',
    ]);
    // Counted, so the default-deny rule alone cannot tell.
    expect(messages(dir, 'tenant-default-deny')).toEqual([]);
  });

  test('tenant Services and Ingresses that get around the ingress controller, its hosts or its configuration', () => {
    const dir = distCopy();
    editObject(dir, 'dev/tenants/acme/service-gateway.yaml', (o) => { o.spec.type = 'LoadBalancer'; });
    editObject(dir, 'dev/tenants/globex/service-gateway.yaml', (o) => { o.spec.externalIPs = ['10.96.0.1']; });
    editObject(dir, 'dev/tenants/initech/ingress-gateway.yaml', (o) => {
      o.metadata.annotations['nginx.ingress.kubernetes.io/server-snippet'] = 'location /steal { proxy_pass http://control-plane-api.stoa-system.svc; }';
      o.metadata.annotations['nginx.ingress.kubernetes.io/auth-url'] = 'http://control-plane-api.stoa-system.svc.cluster.local/internal';
    });
    editObject(dir, 'staging/tenants/globex/ingress-gateway.yaml', (o) => {
      o.spec.rules[0].host = '*.staging.stoa.example.com';
      o.spec.rules.push({ http: o.spec.rules[0].http });
      o.spec.tls[0].hosts = ['globex.attacker.example'];
    });
    const flows = messages(dir, 'network-flows');
    expect(flows).toEqual(expect.arrayContaining([
      expect.stringMatching(/^dev\/tenants\/acme\/service-gateway\.yaml: Service tenant-acme\/gateway of a tenant namespace is of type LoadBalancer/),
      expect.stringMatching(/^dev\/tenants\/globex\/service-gateway\.yaml: Service tenant-globex\/gateway of a tenant namespace sets externalIPs 10\.96\.0\.1/),
      expect.stringMatching(/^dev\/tenants\/initech\/ingress-gateway\.yaml: .* sets nginx\.ingress\.kubernetes\.io\/server-snippet, which injects its nginx configuration/),
      expect.stringMatching(/^dev\/tenants\/initech\/ingress-gateway\.yaml: .* sets nginx\.ingress\.kubernetes\.io\/auth-url "http:\/\/control-plane-api\.stoa-system\.svc\.cluster\.local\/internal", inside the cluster/),
    ]));
    expect(messages(dir, 'unique-hosts')).toEqual([
      'staging/tenants/globex/ingress-gateway.yaml: Ingress tenant-globex/gateway of tenant globex: rules[1] has no host, so it serves every host no other rule claims; a tenant\'s Ingresses serve globex.staging.stoa.example.com only',
      'staging/tenants/globex/ingress-gateway.yaml: Ingress tenant-globex/gateway of tenant globex: host *.staging.stoa.example.com is a wildcard; a tenant\'s Ingresses serve globex.staging.stoa.example.com only',
      'staging/tenants/globex/ingress-gateway.yaml: Ingress tenant-globex/gateway of tenant globex: host globex.attacker.example is not the tenant\'s; a tenant\'s Ingresses serve globex.staging.stoa.example.com only',
    ]);
  });

  test('a tenant host under another environment\'s domain is refused: the domain comes from the environment file', () => {
    const dir = distCopy();
    edit(dir, 'staging/tenants/acme/ingress-gateway.yaml', (t) => t.split('acme.staging.stoa.example.com').join('acme.stoa.example.com'));
    expect(messages(dir, 'unique-hosts')).toEqual([
      'staging/tenants/acme/ingress-gateway.yaml: Ingress tenant-acme/gateway of tenant acme: host acme.stoa.example.com is not the tenant\'s; a tenant\'s Ingresses serve acme.staging.stoa.example.com only',
    ]);
  });

  test('tenant AppProjects with unnamed cluster kinds, any source namespace, or roles allowing every action', () => {
    const dir = distCopy();
    editObject(dir, 'dev/apps/appproject-dev-tenant-acme.yaml', (o) => { o.spec.clusterResourceWhitelist.push({ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' }, { group: '', kind: 'Namespace', name: '*' }); });
    editObject(dir, 'prod/apps/appproject-prod-tenant-acme.yaml', (o) => {
      o.spec.sourceNamespaces = ['*'];
      o.spec.roles[1].policies.push('p, proj:prod-tenant-acme:release, applications, *, prod-tenant-acme/*, allow');
    });
    expect(messages(dir, 'project-scope')).toEqual([
      'dev/apps/appproject-dev-tenant-acme.yaml: AppProject "dev-tenant-acme": clusterResourceWhitelist allows every rbac.authorization.k8s.io/ClusterRole (no name): a tenant project names each cluster-scoped object it may deploy',
      'dev/apps/appproject-dev-tenant-acme.yaml: AppProject "dev-tenant-acme": clusterResourceWhitelist allows every Namespace named "*": a tenant project names each cluster-scoped object it may deploy',
      'prod/apps/appproject-prod-tenant-acme.yaml: AppProject "prod-tenant-acme": sourceNamespaces allows "*": Applications of any matching namespace could use the project',
      expect.stringMatching(/^prod\/apps\/appproject-prod-tenant-acme\.yaml: AppProject "prod-tenant-acme": role "release" policy "p, proj:prod-tenant-acme:release, applications, \*, prod-tenant-acme\/\*, allow" allows every action/),
    ]);
  });

  test('an empty folder, and a dist/ without an environment that has an environment file', () => {
    const empty = path.join(tempDir(), 'dist');
    fs.mkdirSync(empty);
    expect(found(empty)).toEqual([{ rule: 'environment-folders', file: '.', message: 'the output holds no manifests: nothing to validate is never valid (run synth)' }]);
    const dir = distCopy();
    fs.rmSync(path.join(dir, 'prod'), { recursive: true });
    expect(found(dir)).toEqual([{ rule: 'environment-folders', file: 'prod/', message: 'environment prod has an environment file but no manifests in the output: its folder prod/ is missing or empty (run synth)' }]);
  });
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

  test('a Service name starting with a digit, a volume name that is not a DNS label, an except that is not inside its cidr', () => {
    const dir = distCopy();
    editObject(dir, 'prod/tenants/acme/service-gateway.yaml', (o) => { o.metadata.name = '1gateway'; });
    editObject(dir, 'dev/platform/stoa-portal/deployment-stoa-portal.yaml', (o) => { o.spec.template.spec.volumes[0].name = 'tmp_dir'; });
    editObject(dir, 'dev/tenants/acme/networkpolicy-gateway-allow-egress.yaml', (o) => { o.spec.egress[1].to[0].ipBlock.except = ['0.0.0.0/0']; });
    expect(messages(dir, 'api-server-accepts')).toEqual([
      'dev/platform/stoa-portal/deployment-stoa-portal.yaml: Deployment stoa-portal: pod volume "tmp_dir": the name must be a DNS label (at most 63 lowercase alphanumerics or \'-\')',
      // Renaming the volume leaves its mount dangling: also refused.
      'dev/platform/stoa-portal/deployment-stoa-portal.yaml: Deployment stoa-portal: pod container "stoa-portal" mounts volume "tmp", which the pod does not define',
      'dev/tenants/acme/networkpolicy-gateway-allow-egress.yaml: NetworkPolicy gateway-allow-egress: spec.egress[1] ipBlock.except "0.0.0.0/0" must be a strict subset of cidr "0.0.0.0/0"',
      'prod/tenants/acme/service-gateway.yaml: Service 1gateway: metadata.name "1gateway" must be a DNS label starting with a letter (RFC 1035: at most 63 lowercase alphanumerics or \'-\')',
    ]);
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
    const onOlder = messages(dir, 'api-version-served', older);
    expect(onOlder).toContain('prod/tenants/acme/vap.yaml: ValidatingAdmissionPolicy pinned: admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy is served from Kubernetes 1.30 only; use a cluster on Kubernetes 1.30 or later (the environment targets Kubernetes 1.29)');
    // Besides it, only the platform's own policies (synth renders them for 1.30 clusters only).
    expect(onOlder.filter((m) => !m.startsWith('prod/tenants/acme/vap.yaml:') && !/^(dev|staging|prod)\/platform\/admission\/validatingadmissionpolicy/.test(m))).toEqual([]);
    expect(onOlder.length).toBeGreaterThan(1);
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
    const big = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: tenant-acme\ndata:\n  blob: ${'x'.repeat(5_100_000)}\n`;
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
      .toThrow(/environments\/dev\.yaml:10: cluster\.kubernetesVersion: must be a quoted Kubernetes version such as "1\.30" \(unquoted, 1\.30 reads as the number 1\.3\)/);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('kubernetesVersion: 1.30', 'kubernetesVersion: "1.25"'));
    expect(() => loadEnvironments({ environmentsDir: path.join(project, 'environments'), displayRoot: project }))
      .toThrow(/environments\/dev\.yaml:10: cluster\.kubernetesVersion: must be 1\.28 or later/);
  });

  test('validate reads it from the environment file', () => {
    const dir = distCopy();
    edit(dir, 'prod/tenants/acme/job-acme-provision.yaml', (t) => t.replace('apiVersion: batch/v1', 'apiVersion: batch/v1beta1'));
    expect(messages(dir, 'api-version-served')).toEqual([expect.stringContaining('was removed in Kubernetes 1.25; use batch/v1 (the environment targets Kubernetes 1.30)')]);
  });
});

describe('what Argo CD reads differently from a YAML 1.2 reader', () => {
  test('.argocd-source override files are reported: Argo CD merges them into the Application source', () => {
    const dir = distCopy();
    fs.writeFileSync(path.join(dir, 'dev/tenants/acme/.argocd-source.yaml'), 'items: []\ndirectory: {exclude: networkpolicy-default-deny.yaml}\n');
    fs.writeFileSync(path.join(dir, 'dev/tenants/acme/.argocd-source-dev-tenant-acme.yaml'), 'items: []\nplugin: {name: evil}\n');
    expect(messages(dir, 'output-file')).toEqual([
      expect.stringMatching(/^dev\/tenants\/acme\/\.argocd-source-dev-tenant-acme\.yaml: Argo CD merges .* into the Application's source/),
      expect.stringMatching(/^dev\/tenants\/acme\/\.argocd-source\.yaml: Argo CD merges/),
    ]);
  });

  test('a "..." end marker or a directive is refused: Argo CD would apply only the first document', () => {
    const dir = distCopy();
    const policy = read(dir, 'dev/tenants/acme/networkpolicy-default-deny.yaml');
    edit(dir, 'dev/tenants/acme/namespace-tenant-acme.yaml', (t) => `${t}...\n${policy}`);
    fs.rmSync(path.join(dir, 'dev/tenants/acme/networkpolicy-default-deny.yaml'));
    expect(messages(dir, 'yaml-syntax')).toEqual([expect.stringMatching(/^dev\/tenants\/acme\/namespace-tenant-acme\.yaml: line \d+: "\.\.\." markers are not allowed: Argo CD splits documents on "---" only/)]);
  });

  test('a value YAML 1.1 reads otherwise (010 is 8 there, yes is true) is refused', () => {
    const dir = distCopy();
    edit(dir, 'dev/tenants/acme/resourcequota-tenant-quota.yaml', (t) => t.replace(/pods: "\d+"/, 'pods: 015'));
    expect(messages(dir, 'yaml-syntax')).toEqual([expect.stringMatching(/resourcequota-tenant-quota\.yaml: spec\.hard\.pods reads differently in YAML 1\.1 \(Argo CD, kubectl\) and 1\.2: quote the value/)]);
  });

  test('a file is read again as YAML 1.1 only when it could differ: the verdict is always that of reading it twice', () => {
    // Plain scalars each tag of the 1.1 or 1.2 schema resolves, their near misses, and the forms
    // (tags, aliases, merge keys, quoting, flow, block scalars) that make the check read the file again.
    const scalars = ['yes', 'Yes', 'YES', 'no', 'y', 'n', 'on', 'Off', 'true', 'True', 'TRUE', 'false', 'tRue', '010', '0o10', '08', '0x1F', '0b101', '0B1', '1_000',
      '+12', '-0', '1:20', '190:20:30', '1.5', '1e3', '1.5e+3', '6.8523015e+5', '.inf', '-.Inf', '.NaN', '.nan', '~', 'null', 'Null', 'NULL', 'nUll', '',
      '2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '20011214', '=', '<<', 'a b', 'plain', '1.2.3', '0', '00', '-1_0', '0.', '.5', '+.5e2'];
    const forms = (s: string) => [`key: ${s}\n`, `${s || '""'}: value\n`, `list: [${s}, x]\n`, `flow: {${s || '""'}: ${s}}\n`, `- ${s}\n`,
      `key: !!str ${s}\n`, `key: "${s}"\n`, `key: '${s}'\n`, `key: |\n  ${s}\n`, `a: &x ${s}\nb: *x\n`, `base: &b {k: ${s}}\nm:\n  <<: *b\n`, `a: ${s}\n---\nb: [${s}]\n`];
    const checked = { again: 0, once: 0 };
    for (const text of scalars.flatMap(forms)) {
      const fails = Symbol('fails');
      const read = (version: '1.1' | '1.2') => parseAllDocuments(text, { version, logLevel: 'error' }).map((d) => {
        if (d.errors.length) return fails;
        try {
          return d.toJS({ maxAliasCount: 100 });
        } catch {
          return fails;
        }
      });
      const new12 = read('1.2');
      const differs = !isDeepStrictEqual(new12, read('1.1'));
      const result = parseYamlManifests(text);
      expect({ text, error: 'error' in result }).toEqual({ text, error: differs || new12.includes(fails) });
      if (!('error' in result)) expect(result.objects).toEqual(new12.filter((v) => v !== null && v !== undefined));
      checked[differs ? 'again' : 'once']++;
    }
    // Both verdicts are exercised.
    expect(checked.again).toBeGreaterThan(50);
    expect(checked.once).toBeGreaterThan(200);
  });
});

test('an environment folder no environment file defines is refused when the environments are known', () => {
  const dir = distCopy();
  fs.cpSync(path.join(dir, 'dev'), path.join(dir, 'qa'), { recursive: true });
  const out = messages(dir, 'environment-folders');
  expect(out).toEqual([expect.stringMatching(/^qa\/: qa\/ holds manifests but no environment file defines qa \(environments: dev, prod, staging\)/)]);
  // Without the environment files there is nothing to compare with.
  expect(validateFolder(dir).violations.filter((v) => v.rule === 'environment-folders')).toEqual([]);
});

test('a mount of an undefined volume, duplicate container or volume names and long port names are refused', () => {
  const dir = distCopy();
  edit(dir, 'dev/tenants/acme/deployment-gateway.yaml', (t) => t.replace(/(volumeMounts:\n(\s+)- )/, '$1mountPath: /x\n$2  name: nowhere\n$2  readOnly: true\n$2- ').replace(/name: (http|metrics)\n/, 'name: metrics-and-more-than-15\n'));
  const out = messages(dir, 'api-server-accepts');
  expect(out).toEqual(expect.arrayContaining([
    expect.stringMatching(/Deployment gateway: pod container "gateway" mounts volume "nowhere", which the pod does not define/),
    expect.stringMatching(/Deployment gateway: pod container "gateway" port name "metrics-and-more-than-15" must be an IANA service name/),
  ]));
});
