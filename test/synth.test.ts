import * as fs from 'fs';
import * as path from 'path';
import { synth } from '../lib';
import { tierTable } from '../lib/config/tiers';
import { exampleProject, readObject, readTree, REPO } from './helpers';

// One synth of the bundled example, shared by the assertions below.
const project = exampleProject();
const result = synth({ projectDir: project });
const out = result.outDir;
const files = [...readTree(out).keys()];
const objectsIn = (folder: string) => files.filter((f) => f.startsWith(`${folder}/`)).map((f) => readObject(out, f));

test('writes one folder per environment, in promotion order', () => {
  expect(result.environments).toEqual(['dev', 'staging', 'prod']);
  expect(fs.readdirSync(out).sort()).toEqual(['dev', 'prod', 'staging']);
});

test('every file holds one object, named <kind>-<name>.yaml, with no hash suffix', () => {
  for (const f of files) {
    const obj = readObject(out, f);
    expect(path.basename(f)).toBe(`${obj.kind.toLowerCase()}-${obj.metadata.name}.yaml`);
    expect(obj.metadata.name).not.toMatch(/-c8[0-9a-f]{6}$/);
  }
  expect(files.length).toBe(result.files.length);
});

test('tenants appear only in the environments they are enabled in', () => {
  const tenantsOf = (env: string) => fs.readdirSync(path.join(out, env, 'tenants')).sort();
  expect(tenantsOf('dev')).toEqual(['acme', 'globex', 'initech']);
  expect(tenantsOf('staging')).toEqual(['acme', 'globex']);
  expect(tenantsOf('prod')).toEqual(['acme']);
});

describe('Argo CD Applications', () => {
  const appsOf = (env: string) => objectsIn(`${env}/apps`).filter((o) => o.kind === 'Application');

  test('each environment has one Application per platform component, platform service and tenant', () => {
    expect(appsOf('dev').map((a) => a.metadata.name).sort()).toEqual([
      'dev-admission', 'dev-control-plane-api', 'dev-control-plane-ui', 'dev-dashboards', 'dev-hooks', 'dev-secret-store', 'dev-stoa-gateway', 'dev-stoa-portal',
      'dev-tenant-acme', 'dev-tenant-globex', 'dev-tenant-initech',
    ]);
    expect(appsOf('prod').map((a) => a.metadata.name).sort()).toEqual([
      'prod-admission', 'prod-alerts', 'prod-control-plane-api', 'prod-control-plane-ui', 'prod-dashboards', 'prod-hooks', 'prod-secret-store', 'prod-stoa-gateway', 'prod-stoa-portal',
      'prod-tenant-acme',
    ]);
  });

  test('every Application has the resources finalizer, retry with backoff when it syncs by itself (never a person\'s prod sync) and PruneLast; CreateNamespace where it has no Namespace', () => {
    for (const env of result.environments) {
      for (const app of appsOf(env)) {
        expect(app.metadata.namespace).toBe('argocd');
        expect(app.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
        expect(app.spec.syncPolicy.retry).toEqual(env === 'prod' ? undefined : { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } });
        expect(app.spec.syncPolicy.syncOptions).toContain('PruneLast=true');
        // Tenant and hooks Applications render their Namespace (with Pod Security labels); the others let Argo CD create it,
        // except the admission policies (cluster-scoped only).
        const ownsNamespace = fs.existsSync(path.join(out, app.spec.source.path, `namespace-${app.spec.destination.namespace}.yaml`));
        const needsNone = /\/platform\/admission$/.test(app.spec.source.path);
        expect(app.spec.syncPolicy.syncOptions.includes('CreateNamespace=true')).toBe(!ownsNamespace && !needsNone);
      }
    }
  });

  test('Applications sync in waves: projects, secret store, hooks, platform, tenants, dashboards', () => {
    const wave = (f: string) => readObject(out, `prod/apps/${f}`).metadata.annotations['argocd.argoproj.io/sync-wave'];
    expect(['appproject-prod-tenant-acme.yaml', 'application-prod-secret-store.yaml', 'application-prod-hooks.yaml',
      'application-prod-control-plane-api.yaml', 'application-prod-tenant-acme.yaml', 'application-prod-dashboards.yaml'].map(wave)).toEqual(['-3', '-2', '-1', '0', '1', '2']);
    // Waves between Applications only order anything with Argo CD's Application health check, shipped as a patch.
    const cm = readObject(out, 'prod/argocd-config/configmap-argocd-cm.yaml');
    expect(cm.metadata).toMatchObject({ name: 'argocd-cm', namespace: 'argocd' });
    expect(cm.data['resource.customizations.health.argoproj.io_Application']).toContain('status.history ~= nil and #status.history > 0');
    // The root applies only what changed: it never waits for a child it leaves as it is; pruning the
    // tenants' ApplicationSet orphans its Applications instead of deleting them.
    expect(readObject(out, 'prod/bootstrap/application-prod-root.yaml').spec.syncPolicy.syncOptions).toEqual(['PrunePropagationPolicy=orphan', 'ApplyOutOfSyncOnly=true']);
  });

  test('dev and staging sync automatically with prune and self-heal', () => {
    for (const env of ['dev', 'staging']) {
      for (const app of appsOf(env)) expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    }
  });

  test('prod applications are never auto-synced', () => {
    const prodApps = [...appsOf('prod'), ...objectsIn('prod/bootstrap').filter((o) => o.kind === 'Application')];
    expect(prodApps.length).toBeGreaterThan(0);
    for (const app of prodApps) expect(app.spec.syncPolicy.automated).toBeUndefined();
  });

  test('each Application points at its own folder in the envs repo, on its environment cluster', () => {
    const app = readObject(out, 'staging/apps/application-staging-tenant-globex.yaml');
    expect(app.spec.source).toEqual({
      repoURL: 'https://git.stoa.example.com/stoa/stoa-envs.git', targetRevision: 'main', path: 'staging/tenants/globex',
    });
    expect(app.spec.destination).toEqual({ server: 'https://staging.k8s.stoa.example.com', namespace: 'tenant-globex' });
    for (const env of result.environments) {
      for (const a of appsOf(env)) expect(fs.existsSync(path.join(out, a.spec.source.path))).toBe(true);
    }
  });

  test('a tenant whose gateway has an HPA gets ignoreDifferences on /spec/replicas; one with fixed replicas does not', () => {
    const globex = readObject(out, 'dev/apps/application-dev-tenant-globex.yaml');
    expect(fs.existsSync(path.join(out, 'dev/tenants/globex/horizontalpodautoscaler-gateway.yaml'))).toBe(true);
    expect(globex.spec.ignoreDifferences).toEqual([{
      group: 'apps', kind: 'Deployment', name: 'gateway', namespace: 'tenant-globex', jsonPointers: ['/spec/replicas'],
    }]);
    expect(globex.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');

    const initech = readObject(out, 'dev/apps/application-dev-tenant-initech.yaml');
    expect(fs.existsSync(path.join(out, 'dev/tenants/initech/horizontalpodautoscaler-gateway.yaml'))).toBe(false);
    expect(initech.spec.ignoreDifferences).toBeUndefined();
    expect(readObject(out, 'dev/tenants/initech/deployment-gateway.yaml').spec.replicas).toBe(1);
    // Where a new Deployment starts (silver: 2); afterwards the HPA's number stands.
    expect(readObject(out, 'dev/tenants/globex/deployment-gateway.yaml').spec.replicas).toBe(2);
  });

  test('the root app-of-apps lives in bootstrap/, which no Application syncs', () => {
    const root = readObject(out, 'dev/bootstrap/application-dev-root.yaml');
    expect(root.spec.source.path).toBe('dev/apps');
    // Removing a tenant: the root prunes its Application (wave 1) before its AppProject (wave -3), which keeps
    // a finalizer until no Application uses it; PruneLast would prune both at once and strand the Application.
    expect(root.spec.syncPolicy.syncOptions ?? []).not.toContain('PruneLast=true');
    for (const p of objectsIn('dev/apps').filter((o) => o.kind === 'AppProject')) expect(p.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    expect(root.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'argocd' });
    const sources = result.environments.flatMap((env) => [...appsOf(env), root].map((a) => a.spec.source.path));
    expect(sources.length).toBeGreaterThan(20);
    for (const p of sources) expect(p).toMatch(/^(dev|staging|prod)\/(apps|platform\/[a-z-]+|tenants\/[a-z-]+)$/);
    // Nothing syncs the Argo CD settings patches either.
    expect(sources.filter((p) => p.includes('argocd-config'))).toEqual([]);
  });
});

describe('tenant AppProject', () => {
  const project = readObject(out, 'prod/apps/appproject-prod-tenant-acme.yaml');

  test('allows only the tenant namespace on the environment cluster and only the envs repo', () => {
    // ... and the hooks namespace, where its AWX hook Jobs run.
    expect(project.spec.destinations).toEqual([
      { server: 'https://prod.k8s.stoa.example.com', namespace: 'tenant-acme' },
      { server: 'https://prod.k8s.stoa.example.com', namespace: 'stoa-hooks' },
    ]);
    expect(project.spec.sourceRepos).toEqual(['https://git.stoa.example.com/stoa/stoa-envs.git']);
    expect(project.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace', name: 'tenant-acme' }]);
  });

  test('allows every namespaced kind a tenant may render, whatever its options, and nothing else', () => {
    const kinds = project.spec.namespaceResourceWhitelist.map((k: any) => `${k.group}/${k.kind}`);
    expect(kinds).toContain('argoproj.io/Rollout');
    expect(kinds).toContain('batch/Job');
    // acme runs a Rollout with KEDA here; the project still allows a Deployment and an HPA, so a switch prunes them.
    expect(kinds).toContain('apps/Deployment');
    expect(kinds).toContain('autoscaling/HorizontalPodAutoscaler');
    expect(readObject(out, 'dev/apps/appproject-dev-tenant-initech.yaml').spec.namespaceResourceWhitelist).toEqual(project.spec.namespaceResourceWhitelist);
    expect(kinds).not.toContain('/Secret');
    expect(kinds).not.toContain('rbac.authorization.k8s.io/ClusterRole');
  });

  test('is synced before the Applications that use it', () => {
    expect(project.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-3');
  });
});

describe('tenant namespace', () => {
  const tenant = (f: string) => readObject(out, `dev/tenants/globex/${f}`);

  test('namespace is tenant-<name>, every namespaced object is in it', () => {
    expect(tenant('namespace-tenant-globex.yaml').metadata).toMatchObject({ name: 'tenant-globex' });
    expect(tenant('namespace-tenant-globex.yaml').metadata.namespace).toBeUndefined();
    for (const obj of objectsIn('dev/tenants/globex').filter((o) => o.kind !== 'Namespace')) {
      expect(obj.metadata.namespace).toBe('tenant-globex');
    }
  });

  test('network policy denies all ingress and egress by default, then allows DNS and the gateway paths', () => {
    const deny = tenant('networkpolicy-default-deny.yaml');
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const ingress = tenant('networkpolicy-gateway-allow-ingress.yaml');
    expect(ingress.spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }]);
    expect(ingress.spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 8080 }]);
    expect(tenant('networkpolicy-allow-dns.yaml').spec.egress[0].ports.map((p: any) => `${p.protocol}/${p.port}`)).toEqual(['UDP/53', 'TCP/53']);
  });

  test('quota is derived from the tier: peak gateway pods (max + surge + switch headroom) times its requests and limits, plus the ACME solver and the smoke test', () => {
    // silver: 5 + 2 + 2 = 9 pods of 250m/256Mi requests, 1/512Mi limits, a solver pod of 10m/64Mi, 100m/64Mi,
    // and the gateway smoke test's hook pod of 10m/32Mi, 200m/128Mi.
    expect(tenant('resourcequota-tenant-quota.yaml').spec.hard).toEqual({
      'limits.cpu': '9300m', 'limits.memory': '4800Mi', 'pods': '11', 'requests.cpu': '2270m', 'requests.memory': '2400Mi',
    });
    // gold: 10 + 3 + 3 = 16 gateway pods of 2 CPU: the 10 replicas of full scale fit with a rollout's surge.
    expect(readObject(out, 'prod/tenants/acme/resourcequota-tenant-quota.yaml').spec.hard).toMatchObject({ 'limits.cpu': '32300m', 'pods': '18' });
    expect(readObject(out, 'dev/tenants/initech/resourcequota-tenant-quota.yaml').spec.hard.pods).toBe('5');
    expect(tenant('limitrange-tenant-limits.yaml').spec.limits[0].type).toBe('Container');
  });

  test('owners get a tenant Role: operate in full environments, only look in read-only ones, never Secrets or stores', () => {
    const dev = readObject(out, 'dev/tenants/acme/rolebinding-tenant-owners.yaml');
    expect(dev.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tenant-owner' });
    expect(dev.subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice@acme.example' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'acme-platform-team' },
    ]);
    const verbsOn = (env: string, resource: string) => readObject(out, `${env}/tenants/acme/role-tenant-owner.yaml`).rules
      .filter((r: any) => r.resources.includes(resource)).flatMap((r: any) => r.verbs).sort();
    expect(verbsOn('dev', 'pods')).toEqual(['delete', 'get', 'list', 'watch']);
    expect(verbsOn('prod', 'pods')).toEqual(['get', 'list', 'watch']);
    expect(verbsOn('dev', 'externalsecrets')).toEqual(['get', 'list', 'watch']);
    expect(verbsOn('dev', 'secrets')).toEqual([]);
    // Promote and abort a canary through the status subresource only: never the pod template.
    expect(verbsOn('dev', 'rollouts')).toEqual(['get', 'list', 'watch']);
    expect(verbsOn('dev', 'rollouts/status')).toEqual(['patch']);
    expect(verbsOn('prod', 'rollouts/status')).toEqual([]);
    expect(verbsOn('dev', 'rolebindings')).toEqual([]);
  });
});

describe('gateway', () => {
  const deployment = readObject(out, 'staging/tenants/globex/deployment-gateway.yaml');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  test('runs the pinned stoa-gateway image of its environment', () => {
    expect(container.image).toBe('ghcr.io/stoa-platform/stoa-gateway:1.8.2');
    expect(readObject(out, 'dev/tenants/acme/deployment-gateway.yaml').spec.template.spec.containers[0].image)
      .toBe('ghcr.io/stoa-platform/stoa-gateway:1.9.0');
  });

  test('has requests, limits and probes, runs non-root with a read-only root filesystem', () => {
    expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(container.securityContext.capabilities.drop).toEqual(['ALL']);
  });

  test('the Service, PDB and HPA select and target the gateway', () => {
    const labels = deployment.spec.selector.matchLabels;
    expect(labels).toEqual({ 'app.kubernetes.io/name': 'stoa-gateway', 'app.kubernetes.io/instance': 'globex' });
    expect(readObject(out, 'staging/tenants/globex/service-gateway.yaml').spec.selector).toEqual(labels);
    expect(readObject(out, 'staging/tenants/globex/poddisruptionbudget-gateway.yaml').spec.selector.matchLabels).toEqual(labels);
    const hpa = readObject(out, 'staging/tenants/globex/horizontalpodautoscaler-gateway.yaml');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'gateway' });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 5]);
  });

  test('is served with TLS on <tenant>.<environment domain>', () => {
    const ingress = readObject(out, 'prod/tenants/acme/ingress-gateway.yaml');
    expect(ingress.spec.rules[0].host).toBe('acme.stoa.example.com');
    expect(ingress.spec.tls).toEqual([{ hosts: ['acme.stoa.example.com'], secretName: 'gateway-tls' }]);
    expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-prod');
  });
});

test('platform components run their pinned versions from the environment file', () => {
  const image = (env: string, c: string) =>
    readObject(out, `${env}/platform/${c}/deployment-${c}.yaml`).spec.template.spec.containers[0].image;
  expect(image('dev', 'control-plane-api')).toBe('ghcr.io/stoa-platform/control-plane-api:2.5.0');
  expect(image('prod', 'stoa-portal')).toBe('ghcr.io/stoa-platform/stoa-portal:1.3.2');
});

test('no Secret is written', () => {
  for (const f of files) expect(readObject(out, f).kind).not.toBe('Secret');
});

test("docs/tenant-file.md's tier table is the one tierTable() generates from lib/config/tiers.ts", () => {
  const readme = fs.readFileSync(path.join(REPO, 'docs', 'tenant-file.md'), 'utf8');
  const between = /<!-- tier-table:start -->\n([\s\S]*?)\n<!-- tier-table:end -->/.exec(readme);
  expect(between?.[1]).toBe(tierTable());
});
