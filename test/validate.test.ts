import * as fs from 'fs';
import * as path from 'path';
import { isPinnedImage } from '../lib/validate/rules';
import { ObjectInFile, renderProject, validateFolder, validateObjects, VALIDATION_RULES } from '../lib';
import { BEHAVIOUR_RULES } from '../lib/validate/behaviour';
import { clustersOf, exampleProject, tempDir, writeFile } from './helpers';

// The example, rendered once; each test changes a deep copy.
const exampleDir = exampleProject();
/** The example's clusters (Kubernetes 1.30): what the environment files tell validation. */
const clusters = clustersOf(exampleDir);
const example: readonly ObjectInFile[] = renderProject({ projectDir: exampleDir }).files
  .map((f) => ({ path: f.path, object: f.object }));
const copy = (): any[] => JSON.parse(JSON.stringify(example));
const find = (objects: any[], file: string) => {
  const o = objects.find((x) => x.path === file);
  if (!o) throw new Error(`no ${file} in the example`);
  return o.object;
};
const violationsOf = (objects: any[], rule: string, readOnlyEnvironments?: string[]) =>
  validateObjects(objects, { readOnlyEnvironments, ...clusters }).violations.filter((v) => v.rule === rule);

const GATEWAY = 'dev/tenants/acme/deployment-gateway.yaml';

test('the example validates clean: every schema and every rule', () => {
  const report = validateObjects(example, clusters);
  expect(report.violations).toEqual([]);
  expect(report.ok).toBe(true);
  expect(report.objects).toBe(example.length);
});

describe('tenant-confined: a cluster-scoped object in a tenant folder', () => {
  const withClusterRole = (whitelist?: object) => {
    const o = copy();
    o.push({ path: 'dev/tenants/acme/clusterrole-acme-reader.yaml', object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'acme-reader' }, rules: [] } });
    if (whitelist) find(o, 'dev/apps/appproject-dev-tenant-acme.yaml').spec.clusterResourceWhitelist.push(whitelist);
    return violationsOf(o, 'tenant-confined');
  };
  test('is refused unless the tenant project names it', () => {
    expect(withClusterRole().map((v) => v.message)).toEqual([expect.stringMatching(/ClusterRole acme-reader, deployed by tenant Application "dev-tenant-acme", is cluster-scoped/)]);
    expect(withClusterRole({ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' })).toHaveLength(1);
    expect(withClusterRole({ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'other' })).toHaveLength(1);
  });
  test('is accepted when the tenant project names that very object (an importing team widened it on purpose)', () => {
    expect(withClusterRole({ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'acme-reader' })).toEqual([]);
  });
});

/** An ExternalSecret making environment `env`'s Argo CD repository Secret from `key` (with a literal password when given). */
const repoCredentials = (env: string, key: string, password = '{{ .password }}') => ({
  apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: `${env}-envs-repo`, namespace: 'argocd' },
  spec: {
    secretStoreRef: { kind: 'ClusterSecretStore', name: 'argocd-vault' },
    target: { name: `${env}-envs-repo`, template: { metadata: { labels: { 'argocd.argoproj.io/secret-type': 'repository' } }, data: { url: 'https://git.stoa.example.com/stoa/stoa-envs.git', password } } },
    data: [{ secretKey: 'password', remoteRef: { key, property: 'password' } }],
  },
});

/** Each rule: a change that makes it fire (with the message), and a near miss that keeps it quiet. */
/** The previews' ApplicationSet of dev (a Pull Request generator) and its fence AppProject, as the library renders them, with `edit` applied. */
const previews = (edit: (set: any, project: any) => void = () => undefined) => {
  const set = {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', metadata: { name: 'dev-previews', namespace: 'argocd' },
    spec: {
      goTemplate: false,
      generators: [{ pullRequest: { github: { owner: 'stoa', repo: 'stoa-manifests', tokenRef: { secretName: 'scm', key: 'token' }, labels: ['preview'] }, requeueAfterSeconds: 180 } }],
      template: {
        metadata: { name: 'pr-{{number}}', finalizers: ['resources-finalizer.argocd.argoproj.io'] },
        spec: {
          project: 'dev-previews',
          source: { repoURL: 'https://git.stoa.example.com/stoa/stoa-envs.git', targetRevision: 'preview/pr-{{number}}', path: 'pr-{{number}}', directory: { recurse: true } },
          destination: { server: 'https://dev.k8s.stoa.example.com', namespace: 'pr-{{number}}-stoa-system' },
          syncPolicy: { automated: { prune: true, selfHeal: true } },
        },
      },
    },
  };
  const project = {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'dev-previews', namespace: 'argocd' },
    spec: {
      sourceRepos: ['https://git.stoa.example.com/stoa/stoa-envs.git'],
      destinations: [{ server: 'https://dev.k8s.stoa.example.com', namespace: 'pr-*' }],
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace', name: 'pr-*' }],
      namespaceResourceWhitelist: [{ group: 'apps', kind: 'Deployment' }, { group: '', kind: 'Service' }],
    },
  };
  edit(set, project);
  return [{ path: 'dev/apps/applicationset-dev-previews.yaml', object: set }, { path: 'dev/apps/appproject-dev-previews.yaml', object: project }];
};

const rules: Array<{ rule: string; fire: (o: any[]) => void; message: RegExp; quiet: (o: any[]) => void }> = [
  {
    rule: 'preview-fence',
    fire: (o) => o.push(...previews((set) => { set.spec.template.spec.project = '{{branch}}'; })),
    message: /ApplicationSet "dev-previews": template project is "\{\{branch\}\}": a pull request must never choose its project/,
    quiet: (o) => o.push(...previews()),
  },
  {
    rule: 'refresh-paths',
    fire: (o) => { find(o, 'dev/apps/application-dev-tenant-acme.yaml').metadata.annotations['argocd.argoproj.io/manifest-generate-paths'] = '/dev/tenants/globex'; },
    message: /"\/dev\/tenants\/globex" does not cover its source folder dev\/tenants\/acme/,
    quiet: (o) => { find(o, 'dev/apps/application-dev-tenant-acme.yaml').metadata.annotations['argocd.argoproj.io/manifest-generate-paths'] = '/dev/tenants/acme; ../../apps'; },
  },
  {
    rule: 'notification-subscriptions',
    fire: (o) => { delete find(o, 'prod/argocd-config/configmap-argocd-notifications-cm.yaml').data['trigger.on-sync-failed']; },
    message: /Application "prod-[a-z-]+" subscribes to on-sync-failed, which prod\/argocd-config\/configmap-argocd-notifications-cm\.yaml does not define/,
    quiet: (o) => { find(o, 'prod/argocd-config/configmap-argocd-notifications-cm.yaml').data['trigger.on-unused'] = '- send: [nothing]\n  when: "false"\n'; },
  },
  {
    rule: 'no-secret-data',
    fire: (o) => o.push({ path: 'dev/tenants/acme/secret-db.yaml', object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'tenant-acme' }, stringData: { password: 'hunter2' } } }),
    message: /Secret "db" carries values in data\/stringData/,
    quiet: (o) => o.push({ path: 'dev/tenants/acme/secret-db.yaml', object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'tenant-acme' }, type: 'Opaque' } }),
  },
  {
    rule: 'argocd-credentials-by-reference',
    fire: (o) => o.push({ path: 'dev/bootstrap/externalsecret-dev-envs-repo.yaml', object: repoCredentials('dev', 'argocd/envs-repo', 'hunter2') }),
    message: /ExternalSecret argocd\/dev-envs-repo makes Argo CD repository Secret "dev-envs-repo" with a literal password in spec\.target\.template\.data/,
    quiet: (o) => o.push({ path: 'dev/bootstrap/externalsecret-dev-envs-repo.yaml', object: repoCredentials('dev', 'argocd/envs-repo') }),
  },
  {
    rule: 'repo-credentials-unique',
    fire: (o) => o.push(
      { path: 'dev/bootstrap/externalsecret-dev-envs-repo.yaml', object: repoCredentials('dev', 'argocd/envs-repo') },
      { path: 'prod/bootstrap/externalsecret-prod-envs-repo.yaml', object: repoCredentials('prod', 'argocd/prod-repo') },
    ),
    message: /ExternalSecret argocd\/prod-envs-repo makes an Argo CD repository Secret for \S+ in namespace argocd, as ExternalSecret argocd\/dev-envs-repo \(dev\/bootstrap\/externalsecret-dev-envs-repo\.yaml\) does, from other credentials/,
    quiet: (o) => o.push(
      { path: 'dev/bootstrap/externalsecret-dev-envs-repo.yaml', object: repoCredentials('dev', 'argocd/envs-repo') },
      { path: 'prod/bootstrap/externalsecret-prod-envs-repo.yaml', object: repoCredentials('prod', 'argocd/envs-repo') },
    ),
  },
  {
    rule: 'image-pinned',
    fire: (o) => { find(o, GATEWAY).spec.template.spec.containers[0].image = 'ghcr.io/stoa-platform/stoa-gateway:latest'; },
    message: /container "gateway": image "ghcr.io\/stoa-platform\/stoa-gateway:latest" is not pinned/,
    quiet: (o) => { find(o, GATEWAY).spec.template.spec.containers[0].image = `registry:5000/stoa-gateway@sha256:${'b'.repeat(64)}`; },
  },
  {
    rule: 'container-resources',
    fire: (o) => { delete find(o, GATEWAY).spec.template.spec.containers[0].resources.limits.memory; },
    message: /container "gateway" has no limits\.memory/,
    quiet: (o) => { find(o, GATEWAY).spec.template.spec.containers[0].resources.limits.memory = '2Gi'; },
  },
  {
    rule: 'non-root',
    fire: (o) => {
      const pod = find(o, GATEWAY).spec.template.spec;
      delete pod.securityContext.runAsNonRoot;
      delete pod.containers[0].securityContext.runAsNonRoot;
    },
    message: /container "gateway" may run as root/,
    quiet: (o) => { delete find(o, GATEWAY).spec.template.spec.securityContext.runAsNonRoot; },
  },
  {
    rule: 'tenant-confined',
    fire: (o) => o.push({ path: 'prod/tenants/acme/externalsecret-steal.yaml', object: {
      apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'steal', namespace: 'stoa-hooks' },
      spec: { secretStoreRef: { kind: 'SecretStore', name: 'hooks-secrets' }, target: { name: 'steal' }, data: [{ secretKey: 'v', remoteRef: { key: 'platform/awx' } }] },
    } }),
    message: /ExternalSecret steal, deployed by tenant Application "prod-tenant-acme", is in namespace stoa-hooks: a tenant deploys into tenant-acme only \(hook Jobs excepted; a cluster-scoped object only when its AppProject names it\)/,
    // Its hook Jobs run in the hooks namespace (the example's acme-provision already does); one more is fine.
    quiet: (o) => o.push({ path: 'prod/tenants/acme/job-acme-extra.yaml', object: { ...find(o, 'prod/tenants/acme/job-acme-provision.yaml'), metadata: { ...find(o, 'prod/tenants/acme/job-acme-provision.yaml').metadata, name: 'acme-extra' } } }),
  },
  {
    rule: 'tenant-default-deny',
    fire: (o) => { find(o, 'staging/tenants/globex/networkpolicy-default-deny.yaml').spec.policyTypes = ['Ingress']; },
    message: /namespace "tenant-globex" has no default-deny NetworkPolicy/,
    quiet: (o) => { find(o, 'staging/tenants/globex/networkpolicy-default-deny.yaml').spec.podSelector = { matchLabels: {} }; },
  },
  {
    rule: 'project-scope',
    fire: (o) => {
      const spec = find(o, 'prod/apps/appproject-prod-tenant-acme.yaml').spec;
      spec.sourceRepos.push('https://github.com/someone/else.git');
      spec.destinations.push({ server: 'https://prod.k8s.stoa.example.com', namespace: 'kube-system' });
    },
    message: /AppProject "prod-tenant-acme": (sourceRepos allows "https:\/\/github.com\/someone\/else.git"|destination https:\/\/prod.k8s.stoa.example.com\/kube-system is not used)/,
    quiet: (o) => { find(o, 'prod/apps/appproject-prod-tenant-acme.yaml').spec.description = 'changed'; },
  },
  {
    rule: 'read-only-manual-sync',
    fire: (o) => { find(o, 'prod/apps/application-prod-tenant-acme.yaml').spec.syncPolicy.automated = { prune: true }; },
    message: /Application "prod-tenant-acme" in read-only environment "prod" has automated sync/,
    quiet: (o) => { find(o, 'prod/apps/application-prod-tenant-acme.yaml').spec.syncPolicy.automated = { enabled: false }; },
  },
  {
    rule: 'read-only-project-roles',
    fire: (o) => { find(o, 'prod/apps/appproject-prod-platform.yaml').spec.roles[1].policies.push('p, proj:prod-platform:release, applications, action/*, prod-platform/*, allow'); },
    message: /AppProject "prod-platform" of read-only environment "prod": role "release" policy "p, proj:prod-platform:release, applications, action\/\*, prod-platform\/\*, allow" grants every action matching "action\/\*"/,
    quiet: (o) => { find(o, 'prod/apps/appproject-prod-platform.yaml').spec.roles[1].policies.push('p, proj:prod-platform:release, applications, action/argoproj.io/Rollout/abort, prod-platform/*, allow'); },
  },
  {
    rule: 'argocd-rbac-settings',
    fire: (o) => { find(o, 'staging/argocd-config/configmap-argocd-rbac-cm.yaml').data.scopes = '[groups]'; },
    message: /key scopes differs between the environments/,
    quiet: (o) => { for (const env of ['dev', 'staging', 'prod']) find(o, `${env}/argocd-config/configmap-argocd-rbac-cm.yaml`).data.scopes = '[groups]'; },
  },
  {
    rule: 'argocd-rbac-lines',
    fire: (o) => { find(o, 'prod/argocd-config/configmap-argocd-rbac-cm.yaml').data['policy.prod.csv'] += 'g, *, role:prod-platform:read-only\n'; },
    message: /policy\.prod\.csv line \d+ \("g, \*, role:prod-platform:read-only"\) binds subject "\*"/,
    quiet: (o) => { find(o, 'prod/argocd-config/configmap-argocd-rbac-cm.yaml').data['policy.prod.csv'] += '# g, *, role:prod-platform:read-only\n\n'; },
  },
  {
    rule: 'argocd-rbac-agrees',
    fire: (o) => { find(o, 'prod/argocd-config/configmap-argocd-rbac-cm.yaml').data['policy.prod.csv'] += 'g, acme-contractors, role:prod:release\n'; },
    message: /policy\.prod\.csv line \d+ \("g, acme-contractors, role:prod:release" with line \d+ .*\): acme-contractors may \S+ prod-\*\/\*, which role "release" of no AppProject of prod grants/,
    quiet: (o) => {
      find(o, 'prod/argocd-config/configmap-argocd-rbac-cm.yaml').data['policy.prod.csv'] += 'g, acme-contractors, role:prod:read-only\n';
      // Every AppProject of prod carries the environment-wide roles: each gets the group too.
      for (const p of o.filter((x) => x.object.kind === 'AppProject' && x.path.startsWith('prod/'))) {
        (p.object as any).spec.roles.find((r: any) => r.name === 'read-only').groups.push('acme-contractors');
      }
    },
  },
  {
    rule: 'unique-objects',
    fire: (o) => o.push({ path: 'dev/tenants/globex/configmap-copy.yaml', object: { ...find(o, GATEWAY), metadata: { ...find(o, GATEWAY).metadata } } }),
    message: /Deployment tenant-acme\/gateway is also defined in dev\/tenants\/acme\/deployment-gateway\.yaml/,
    quiet: (o) => o.push({ path: 'dev/tenants/globex/deployment-gateway-2.yaml', object: { ...find(o, GATEWAY), metadata: { ...find(o, GATEWAY).metadata, namespace: 'tenant-globex', name: 'gateway-2' } } }),
  },
  {
    rule: 'source-path-exists',
    fire: (o) => { find(o, 'dev/apps/application-dev-tenant-acme.yaml').spec.source.path = 'dev/tenants/acme-typo'; },
    message: /Application "dev-tenant-acme": source path "dev\/tenants\/acme-typo" has no manifests in the output/,
    quiet: (o) => { find(o, 'dev/apps/application-dev-tenant-acme.yaml').spec.source.path = 'dev/tenants/acme/'; },
  },
  {
    rule: 'project-permits',
    fire: (o) => { find(o, 'dev/apps/appproject-dev-tenant-globex.yaml').spec.namespaceResourceWhitelist = [{ group: '', kind: 'Service' }]; },
    message: /Deployment gateway, deployed by "dev-tenant-globex", is not allowed by the namespaceResourceWhitelist of AppProject "dev-tenant-globex"/,
    quiet: (o) => { find(o, 'dev/apps/appproject-dev-tenant-globex.yaml').spec.namespaceResourceWhitelist = [{ group: '*', kind: '*' }]; },
  },
  {
    rule: 'single-autoscaler',
    fire: (o) => o.push({ path: 'dev/tenants/globex/scaledobject-gateway.yaml', object: { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'gateway', namespace: 'tenant-globex' }, spec: { scaleTargetRef: { name: 'gateway' }, triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } }] } } }),
    message: /Deployment\/gateway in tenant-globex is also scaled by HorizontalPodAutoscaler gateway \(dev\/tenants\/globex\/horizontalpodautoscaler-gateway\.yaml\)/,
    quiet: (o) => o.push({ path: 'dev/tenants/globex/scaledobject-other.yaml', object: { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'other', namespace: 'tenant-globex' }, spec: { scaleTargetRef: { name: 'other' }, triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } }] } } }),
  },
  {
    rule: 'environment-sources',
    fire: (o) => { find(o, 'prod/apps/application-prod-tenant-acme.yaml').spec.source.path = 'dev/tenants/acme'; },
    message: /Application "prod-tenant-acme" of environment prod reads "dev\/tenants\/acme", outside prod\//,
    quiet: (o) => { find(o, 'prod/apps/application-prod-tenant-acme.yaml').spec.source.path = './prod/tenants/acme/'; },
  },
  {
    rule: 'api-version-served',
    fire: (o) => { find(o, GATEWAY).apiVersion = 'apps/v1beta2'; },
    message: /Deployment gateway: apps\/v1beta2 Deployment was removed in Kubernetes 1\.16; use apps\/v1 \(the environment targets Kubernetes 1\.30\)/,
    quiet: (o) => { find(o, 'dev/tenants/acme/poddisruptionbudget-gateway.yaml').apiVersion = 'policy/v1'; },
  },
  {
    rule: 'api-server-accepts',
    fire: (o) => { find(o, GATEWAY).spec.replicas = -1; },
    message: /Deployment gateway: spec\.replicas is -1; the API server accepts an integer of at least 0/,
    quiet: (o) => { find(o, GATEWAY).spec.replicas = 0; },
  },
];

describe.each(rules)('rule $rule', ({ rule, fire, message, quiet }) => {
  test('fires, naming the file', () => {
    const objects = copy();
    fire(objects);
    const found = violationsOf(objects, rule);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0].message).toMatch(message);
    expect(found[0].file).toMatch(/^(dev|staging|prod)\//);
  });

  test('stays quiet on a compliant variant', () => {
    const objects = copy();
    quiet(objects);
    expect(violationsOf(objects, rule)).toEqual([]);
  });
});

test('every rule is tested (above, or a behaviour rule in its own test file) and has a reason', () => {
  const behaviour = BEHAVIOUR_RULES.map((r) => r.id);
  const policy = VALIDATION_RULES.map((r) => r.id).filter((id) => !['output-file', 'environment-folders', 'yaml-syntax', 'kubernetes-object', 'unknown-kind', 'schema', ...behaviour].includes(id));
  expect(rules.map((r) => r.rule).sort()).toEqual([...policy].sort());
  for (const id of behaviour) expect(fs.existsSync(path.join(__dirname, `behaviour-${id}.test.ts`))).toBe(true);
  for (const r of VALIDATION_RULES) expect(r.reason.length).toBeGreaterThan(20);
});

test('notification-subscriptions: a trigger\'s missing template and a webhook without its URL are found where they are defined', () => {
  const objects = copy();
  const cm = find(objects, 'dev/argocd-config/configmap-argocd-notifications-cm.yaml');
  delete cm.data['service.webhook.stoa-control-plane-dev'];
  expect(violationsOf(objects, 'notification-subscriptions')).toEqual([{
    rule: 'notification-subscriptions', file: 'dev/argocd-config/configmap-argocd-notifications-cm.yaml',
    message: expect.stringMatching(/template tenant-ready-dev calls webhook stoa-control-plane-dev, whose service\.webhook\.stoa-control-plane-dev with a url is not defined here/),
  }]);
  cm.data['service.webhook.stoa-control-plane-dev'] = 'headers: []\n';
  expect(violationsOf(objects, 'notification-subscriptions')).toHaveLength(1);
  delete cm.data['template.tenant-ready-dev'];
  expect(violationsOf(objects, 'notification-subscriptions').map((v) => v.message)).toEqual(['trigger on-tenant-ready-dev sends template tenant-ready-dev, which is not defined here']);
  // Without the patch at all, every subscription is reported on its Application.
  const without = copy().filter((o) => o.path !== 'dev/argocd-config/configmap-argocd-notifications-cm.yaml');
  expect(violationsOf(without, 'notification-subscriptions').map((v) => v.file).sort()).toEqual(['dev/apps/application-dev-tenant-acme.yaml', 'dev/apps/application-dev-tenant-globex.yaml', 'dev/apps/application-dev-tenant-initech.yaml']);
});

test('read-only environments come from the options', () => {
  const objects = copy();
  expect(violationsOf(objects, 'read-only-manual-sync', ['staging']).length).toBeGreaterThan(0);
  expect(violationsOf(objects, 'read-only-manual-sync', ['prod'])).toEqual([]);
});

test('project-permits also catches a cluster-scoped kind or a namespace the project does not allow, and a missing project', () => {
  const objects = copy();
  find(objects, 'dev/apps/appproject-dev-tenant-acme.yaml').spec.clusterResourceWhitelist = [{ group: '', kind: 'Namespace', name: 'tenant-other' }];
  find(objects, 'dev/tenants/globex/service-gateway.yaml').metadata.namespace = 'kube-system';
  find(objects, 'dev/apps/application-dev-tenant-initech.yaml').spec.project = 'dev-nowhere';
  const messages = violationsOf(objects, 'project-permits').map((v) => v.message);
  expect(messages).toContainEqual(expect.stringMatching(/Namespace tenant-acme, deployed by "dev-tenant-acme", is not allowed by the clusterResourceWhitelist/));
  expect(messages).toContainEqual(expect.stringMatching(/Service gateway, deployed by "dev-tenant-globex", is not allowed by the destinations \(namespace kube-system\)/));
  expect(messages).toContainEqual('Application "dev-tenant-initech": project "dev-nowhere" is not in the output');
});

test('non-root also refuses runAsUser 0 with runAsNonRoot: true (the kubelet would refuse to start the container)', () => {
  const objects = copy();
  const pod = find(objects, GATEWAY).spec.template.spec;
  pod.securityContext.runAsUser = 0;
  expect(violationsOf(objects, 'non-root').map((v) => v.message)).toEqual([
    'container "gateway" runs as UID 0 (runAsUser: 0 on the pod) with runAsNonRoot: true: the kubelet refuses to start it; set a non-zero runAsUser',
  ]);
  // The container's own runAsUser wins over the pod's, both ways.
  pod.containers[0].securityContext.runAsUser = 10001;
  expect(violationsOf(objects, 'non-root')).toEqual([]);
  pod.securityContext.runAsUser = 10001;
  pod.containers[0].securityContext.runAsUser = 0;
  expect(violationsOf(objects, 'non-root').map((v) => v.message)).toEqual([expect.stringContaining('(runAsUser: 0 on the container)')]);
});

describe('project-scope: wildcards beyond kinds', () => {
  const PROJECT = 'dev/apps/appproject-dev-tenant-acme.yaml';
  test('a tenant project allowing a cluster-scoped kind without a name, or named "*"', () => {
    const objects = copy();
    find(objects, PROJECT).spec.clusterResourceWhitelist = [
      { group: '', kind: 'Namespace', name: 'tenant-acme' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      { group: '', kind: 'Namespace', name: '*' },
    ];
    expect(violationsOf(objects, 'project-scope').map((v) => v.message)).toEqual([
      'AppProject "dev-tenant-acme": clusterResourceWhitelist allows every rbac.authorization.k8s.io/ClusterRoleBinding (no name): a tenant project names each cluster-scoped object it may deploy',
      'AppProject "dev-tenant-acme": clusterResourceWhitelist allows every Namespace named "*": a tenant project names each cluster-scoped object it may deploy',
    ]);
  });

  test('sourceNamespaces with a wildcard, and project roles allowing every action, every resource or another project', () => {
    const objects = copy();
    const spec = find(objects, 'prod/apps/appproject-prod-tenant-acme.yaml').spec;
    spec.sourceNamespaces = ['argocd', '*'];
    spec.roles[0].policies.push(
      'p, proj:prod-tenant-acme:read-only, applications, *, prod-tenant-acme/*, allow',
      'p, proj:prod-tenant-acme:read-only, *, get, prod-tenant-acme/*, allow',
      'p, proj:prod-tenant-acme:read-only, applications, sync, prod-platform/*, allow',
      'p, proj:prod-tenant-acme:read-only, applications, *, prod-tenant-acme/*, deny',
    );
    expect(violationsOf(objects, 'project-scope').map((v) => v.message)).toEqual([
      'AppProject "prod-tenant-acme": sourceNamespaces allows "*": Applications of any matching namespace could use the project',
      'AppProject "prod-tenant-acme": role "read-only" policy "p, proj:prod-tenant-acme:read-only, applications, *, prod-tenant-acme/*, allow" allows every action (sync, delete, override, exec, ...): grant the actions the role needs',
      'AppProject "prod-tenant-acme": role "read-only" policy "p, proj:prod-tenant-acme:read-only, *, get, prod-tenant-acme/*, allow" allows every resource: name the resource (applications, logs, ...)',
      'AppProject "prod-tenant-acme": role "read-only" policy "p, proj:prod-tenant-acme:read-only, applications, sync, prod-platform/*, allow" reaches objects outside project prod-tenant-acme ("prod-platform/*")',
    ]);
  });

  test('the platform project names its cluster-scoped objects too, but is not held to it; the rendered roles are fine', () => {
    const objects = copy();
    find(objects, 'dev/apps/appproject-dev-platform.yaml').spec.clusterResourceWhitelist.push({ group: 'cert-manager.io', kind: 'ClusterIssuer' });
    expect(violationsOf(objects, 'project-scope')).toEqual([]);
  });
});

describe('source-path-exists: every manifest is in a folder an Application syncs', () => {
  test('a manifest moved into a sub-folder of a source path is never applied', () => {
    const objects = copy();
    const policy = objects.find((o) => o.path === 'dev/tenants/globex/networkpolicy-default-deny.yaml');
    policy.path = 'dev/tenants/globex/x/networkpolicy-default-deny.yaml';
    objects.push({ path: 'dev/stray/configmap-x.yaml', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'stoa-system' } } });
    expect(violationsOf(objects, 'source-path-exists').map((v) => `${v.file}: ${v.message}`)).toEqual([
      'dev/stray/configmap-x.yaml: ConfigMap x is in dev/stray/, which no Application syncs, so it is never applied: add an Application whose source path is dev/stray',
      'dev/tenants/globex/x/networkpolicy-default-deny.yaml: NetworkPolicy default-deny is in dev/tenants/globex/x/, which no Application syncs, so it is never applied: '
        + 'move it into dev/tenants/globex/ (Argo CD does not read the sub-folders of an Application\'s source path)',
    ]);
  });

  test('bootstrap/ and argocd-config/ are applied by hand; their sub-folders are not', () => {
    const objects = copy();
    const cm = objects.find((o) => o.path === 'prod/argocd-config/configmap-argocd-cm.yaml');
    objects.push({ path: 'prod/argocd-config/more/configmap-argocd-cm.yaml', object: cm.object });
    expect(violationsOf(objects, 'source-path-exists').map((v) => v.file)).toEqual(['prod/argocd-config/more/configmap-argocd-cm.yaml']);
  });

  test('in ApplicationSet mode the generated Applications sync the tenant folders', () => {
    const objects = copy().filter((o) => !/^staging\/apps\/application-staging-tenant-/.test(o.path));
    expect(violationsOf(objects, 'source-path-exists').map((v) => v.file)).toContain('staging/tenants/acme/ingress-gateway.yaml');
    const template = find(objects, 'staging/apps/application-staging-stoa-portal.yaml');
    objects.push({ path: 'staging/apps/applicationset-staging-tenants.yaml', object: {
      apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', metadata: { name: 'staging-tenants', namespace: 'argocd' },
      spec: {
        generators: [{ git: { repoURL: template.spec.source.repoURL, revision: 'main', directories: [{ path: 'staging/tenants/*' }] } }],
        template: { metadata: { name: 'staging-tenant-{{path.basename}}' }, spec: { ...template.spec, source: { ...template.spec.source, path: '{{path}}' } } },
      },
    } });
    expect(violationsOf(objects, 'source-path-exists')).toEqual([]);
  });
});

test('an ApplicationSet validation cannot preview (other generators, templatePatch) is refused', () => {
  const objects = copy();
  const template = find(objects, 'staging/apps/application-staging-stoa-portal.yaml');
  const set = (spec: any) => ({ path: 'staging/apps/applicationset-staging-x.yaml', object: {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', metadata: { name: 'staging-x', namespace: 'argocd' },
    spec: { template: { metadata: { name: 'x-{{path.basename}}' }, spec: { ...template.spec, source: { ...template.spec.source, path: '{{path}}' } } }, ...spec },
  } });
  const git = { git: { repoURL: template.spec.source.repoURL, revision: 'main', directories: [{ path: 'staging/tenants/*' }] } };
  objects.push(set({ generators: [git], templatePatch: '{"spec": {"source": {"plugin": {"name": "evil"}}}}' }));
  expect(violationsOf(objects, 'environment-sources').map((v) => v.message)).toEqual(['ApplicationSet "staging-x": templatePatch is not allowed: validation could not see the Applications it would shape']);
  objects.pop();
  objects.push(set({ generators: [{ list: { elements: [{ path: 'dev/tenants/acme' }] } }] }));
  expect(violationsOf(objects, 'environment-sources').map((v) => v.message)).toEqual([expect.stringMatching(/^ApplicationSet "staging-x": only git directory generators over "<folder>\/\*" are allowed/)]);
});

describe('environment-sources: plain directory sources only', () => {
  const APP = 'dev/apps/application-dev-tenant-acme.yaml';
  test.each([
    [{ directory: { exclude: 'networkpolicy-default-deny.yaml' } }, 'directory.exclude (skips the files it matches)'],
    [{ directory: { include: 'deployment-*.yaml' } }, 'directory.include (skips every file it does not match)'],
    [{ directory: { recurse: true } }, 'directory.recurse (also applies the files of every sub-folder)'],
    [{ directory: { jsonnet: { tlas: [{ name: 'x', value: 'y' }] } } }, 'directory.jsonnet (evaluates Jsonnet with these settings)'],
    [{ plugin: { name: 'envsubst' } }, 'plugin (renders the folder through a config management plugin)'],
    [{ helm: { valueFiles: ['values.yaml'] } }, 'helm (renders the folder as a Helm chart)'],
    [{ kustomize: { namePrefix: 'x-' } }, 'kustomize (renders the folder with Kustomize)'],
  ])('a source with %j', (extra, field) => {
    const objects = copy();
    Object.assign(find(objects, APP).spec.source, extra);
    expect(violationsOf(objects, 'environment-sources').map((v) => v.message)).toEqual([
      `Application "dev-tenant-acme": spec.source is not a plain directory source (only repoURL, path, targetRevision, an empty directory): ${field}; Argo CD would not apply the folder's files as validated`,
    ]);
  });

  test('an empty directory is plain; each of spec.sources is checked', () => {
    const objects = copy();
    const spec = find(objects, APP).spec;
    spec.source.directory = {};
    expect(violationsOf(objects, 'environment-sources')).toEqual([]);
    spec.sources = [{ ...spec.source }, { ...spec.source, ref: 'values' }];
    delete spec.source;
    expect(violationsOf(objects, 'environment-sources').map((v) => v.message)).toEqual([expect.stringMatching(/^Application "dev-tenant-acme": spec\.sources\[1\] is not a plain directory source .*: ref \(changes what Argo CD reads or how it renders it\)/)]);
  });
});

describe('api-server-accepts: names and ipBlock exceptions', () => {
  test('a Service name must start with a letter; volume and container names are DNS labels', () => {
    const objects = copy();
    find(objects, 'dev/tenants/acme/service-gateway.yaml').metadata.name = '1gateway';
    const pod = find(objects, GATEWAY).spec.template.spec;
    pod.volumes[0].name = 'Tmp_Dir';
    pod.volumes[1].name = 'v'.repeat(64);
    pod.containers[0].name = 'gateway.main';
    expect(violationsOf(objects, 'api-server-accepts').map((v) => v.message)).toEqual([
      'Deployment gateway: pod volume "Tmp_Dir": the name must be a DNS label (at most 63 lowercase alphanumerics or \'-\')',
      `Deployment gateway: pod volume "${'v'.repeat(64)}": the name must be a DNS label (at most 63 lowercase alphanumerics or '-')`,
      'Deployment gateway: pod container "gateway.main": the name must be a DNS label (at most 63 lowercase alphanumerics or \'-\')',
      // The renamed volumes leave their mounts dangling: also refused.
      'Deployment gateway: pod container "gateway.main" mounts volume "tmp", which the pod does not define',
      'Deployment gateway: pod container "gateway.main" mounts volume "secret-upstream-api-key", which the pod does not define',
      'Service 1gateway: metadata.name "1gateway" must be a DNS label starting with a letter (RFC 1035: at most 63 lowercase alphanumerics or \'-\')',
    ]);
  });

  test('an ipBlock except must be a strict subset of its cidr (IPv4 and IPv6)', () => {
    const objects = copy();
    const block = find(objects, 'dev/tenants/acme/networkpolicy-gateway-allow-egress.yaml').spec.egress[1].to[0].ipBlock;
    block.except = ['0.0.0.0/0', '10.0.0.0/8', '192.168.0.0/16'];
    block.cidr = '10.0.0.0/8';
    const six = { ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:1::/48', '2001:db9::/48', '::ffff:10.0.0.1/128'] } };
    find(objects, 'dev/tenants/acme/networkpolicy-gateway-allow-egress.yaml').spec.egress[1].to.push(six);
    expect(violationsOf(objects, 'api-server-accepts').map((v) => v.message)).toEqual([
      'NetworkPolicy gateway-allow-egress: spec.egress[1] ipBlock.except "0.0.0.0/0" must be a strict subset of cidr "10.0.0.0/8"',
      'NetworkPolicy gateway-allow-egress: spec.egress[1] ipBlock.except "10.0.0.0/8" must be a strict subset of cidr "10.0.0.0/8"',
      'NetworkPolicy gateway-allow-egress: spec.egress[1] ipBlock.except "192.168.0.0/16" must be a strict subset of cidr "10.0.0.0/8"',
      'NetworkPolicy gateway-allow-egress: spec.egress[1] ipBlock.except "2001:db9::/48" must be a strict subset of cidr "2001:db8::/32"',
      'NetworkPolicy gateway-allow-egress: spec.egress[1] ipBlock.except "::ffff:10.0.0.1/128" must be a strict subset of cidr "2001:db8::/32"',
    ]);
  });
});

describe('environment-folders', () => {
  test('no manifests at all is never valid', () => {
    expect(validateObjects([]).violations).toEqual([
      { rule: 'environment-folders', file: '.', message: 'the output holds no manifests: nothing to validate is never valid (run synth)' },
    ]);
    const report = validateFolder(tempDir(), { displayPrefix: 'dist/' });
    expect(report.ok).toBe(false);
    expect(report.violations.map((v) => `${v.file} ${v.rule}`)).toEqual(['dist/ environment-folders']);
  });

  test('every environment the options know has manifests', () => {
    const objects = copy().filter((o) => !o.path.startsWith('prod/'));
    const { environments } = clusters;
    expect(validateObjects(objects, { environments }).violations.filter((v) => v.rule === 'environment-folders')).toEqual([
      { rule: 'environment-folders', file: 'prod/', message: 'environment prod has an environment file but no manifests in the output: its folder prod/ is missing or empty (run synth)' },
    ]);
    expect(validateObjects(copy(), { environments }).violations).toEqual([]);
    // Without the environment files, validate cannot know which environments should be there
    // (nor their clusters: it assumes the oldest Kubernetes, where the admission policies are not served).
    expect(validateObjects(objects).violations.filter((v) => v.rule !== 'api-version-served')).toEqual([]);
    expect(new Set(validateObjects(objects).violations.map((v) => v.file.split('/').slice(0, 3).join('/')))).toEqual(new Set(['dev/platform/admission', 'staging/platform/admission']));
  });
});

test('isPinnedImage accepts tags and digests, refuses latest and no tag (a registry port is not a tag)', () => {
  expect(isPinnedImage('ghcr.io/stoa/gw:1.2.3')).toBe(true);
  expect(isPinnedImage(`gw@sha256:${'c'.repeat(64)}`)).toBe(true);
  expect(isPinnedImage('registry:5000/stoa/gw')).toBe(false);
  expect(isPinnedImage('gw:latest')).toBe(false);
  expect(isPinnedImage('gw')).toBe(false);
});

describe('schemas', () => {
  test('a core object of the wrong shape fails with the field path', () => {
    const objects = copy();
    find(objects, GATEWAY).spec.replicas = 'three';
    find(objects, GATEWAY).spec.template.spec.containers[0].ports[0].containerPort = '8080';
    const found = violationsOf(objects, 'schema').map((v) => `${v.file}: ${v.message}`);
    expect(found).toEqual([
      `${GATEWAY}: spec.replicas: must be integer`,
      `${GATEWAY}: spec.template.spec.containers.0.ports.0.containerPort: must be integer`,
    ]);
  });

  test('a custom resource is checked against its CRD, unknown fields included', () => {
    const objects = copy();
    const app = find(objects, 'dev/apps/application-dev-tenant-acme.yaml');
    app.spec.syncPolicy.automated.selfHeel = true;
    delete app.spec.destination;
    find(objects, 'dev/apps/appproject-dev-tenant-acme.yaml').spec.destinations = 'everywhere';
    const found = violationsOf(objects, 'schema').map((v) => `${v.file}: ${v.message}`);
    expect(found).toEqual([
      'dev/apps/application-dev-tenant-acme.yaml: spec: must have required property \'destination\'',
      'dev/apps/application-dev-tenant-acme.yaml: spec.syncPolicy.automated: unknown field "selfHeel"',
      'dev/apps/appproject-dev-tenant-acme.yaml: spec.destinations: must be array',
    ]);
  });

  test('an unknown kind is reported, not passed', () => {
    const objects = copy();
    objects.push({ path: 'dev/tenants/acme/widget-w.yaml', object: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } } });
    expect(violationsOf(objects, 'unknown-kind')).toEqual([
      { rule: 'unknown-kind', file: 'dev/tenants/acme/widget-w.yaml', message: 'no schema for example.com/v1 Widget' },
    ]);
  });
});

describe('validateFolder', () => {
  test('reports YAML syntax errors and documents that are not Kubernetes objects, with the display prefix', () => {
    const dir = tempDir();
    writeFile(dir, 'dev/broken.yaml', 'kind: [\n');
    writeFile(dir, 'dev/list.yaml', '- a\n- b\n');
    const report = validateFolder(dir, { displayPrefix: 'out/' });
    expect(report.ok).toBe(false);
    expect(report.violations.map((v) => `${v.file} ${v.rule}`)).toEqual(['out/dev/broken.yaml yaml-syntax', 'out/dev/list.yaml kubernetes-object']);
  });

  test('a folder that does not exist is an error that says what to do', () => {
    expect(() => validateFolder(path.join(tempDir(), 'nope'))).toThrow(/does not exist; run synth first/);
  });
});
