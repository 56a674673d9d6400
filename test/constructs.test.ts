import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import {
  ArgoApplication, ConstructValidationError, Environment, EnvironmentMode, ManifestChart, renderUnvalidated,
  Scaling, SyncMode, Tenant, WebWorkload,
} from '../lib';

const versions = { 'stoa-gateway': '1.0.0', 'control-plane-api': '1.0.0', 'control-plane-ui': '1.0.0', 'stoa-portal': 'sha256:' + 'a'.repeat(64) };

function environment(app: App, mode = EnvironmentMode.FULL): Environment {
  return new Environment(app, 'env', {
    name: 'qa', mode, domain: 'qa.example.com', cluster: { name: 'qa', server: 'https://qa.example.com' },
    repo: { url: 'https://git.example.com/envs.git', revision: 'main' }, registry: 'registry.example.com/stoa', versions,
  });
}

function objects(app: App) {
  return renderUnvalidated(app).map((f) => ({ path: f.path, ...f.object } as any));
}

function workload(scaling: Scaling) {
  const app = new App();
  const chart = new ManifestChart(app, 'chart', { outputPath: 'qa/web' });
  new WebWorkload(chart, 'web', {
    name: 'web', namespace: 'ns', image: 'registry.example.com/web:1.0.0', scaling,
    resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
    selectorLabels: { 'app.kubernetes.io/name': 'web' },
  });
  const app2 = new ArgoApplication(chart, 'app', {
    name: 'web', project: 'p', source: { repoUrl: 'https://git.example.com/envs.git', revision: 'main', path: 'qa/web' },
    destinationServer: 'https://qa.example.com', destinationNamespace: 'ns', sync: SyncMode.manual(), manifests: chart,
  });
  return { app, application: app2 };
}

describe('WebWorkload', () => {
  test('fixed replicas are set in git, with no HPA and no ignoreDifferences', () => {
    const out = objects(workload(Scaling.fixed(2)).app);
    expect(out.map((o) => o.kind).sort()).toEqual(['Application', 'Deployment', 'PodDisruptionBudget', 'Service']);
    // A single replica gets no PodDisruptionBudget: it would protect nothing.
    expect(objects(workload(Scaling.fixed(1)).app).map((o) => o.kind)).not.toContain('PodDisruptionBudget');
    expect(out.find((o) => o.kind === 'Deployment').spec.replicas).toBe(2);
    expect(out.find((o) => o.kind === 'Application').spec.ignoreDifferences).toBeUndefined();
    expect(out.find((o) => o.kind === 'Application').spec.syncPolicy.syncOptions).toEqual(['CreateNamespace=true', 'PruneLast=true']);
  });

  test('an autoscaled workload gets an HPA, starts at its minimum, and its Application ignores /spec/replicas', () => {
    const out = objects(workload(Scaling.autoscaled({ min: 2, max: 4, targetCpuPercent: 60 })).app);
    const hpa = out.find((o) => o.kind === 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.metrics[0].resource).toEqual({ name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } });
    expect(out.find((o) => o.kind === 'Deployment').spec.replicas).toBe(2);
    expect(out.find((o) => o.kind === 'Application').spec.ignoreDifferences).toEqual([
      { group: 'apps', kind: 'Deployment', name: 'web', namespace: 'ns', jsonPointers: ['/spec/replicas'] },
    ]);
  });

  test('manual sync leaves out automated, and retry: a person\'s sync is not run again by itself (PreSync hooks would run again)', () => {
    const app = objects(workload(Scaling.fixed(1)).app).find((o) => o.kind === 'Application');
    expect(app.spec.syncPolicy.automated).toBeUndefined();
    expect(app.spec.syncPolicy.retry).toBeUndefined();
  });
});

describe('Scaling', () => {
  test('rejects impossible ranges with the values in the message', () => {
    expect(() => Scaling.fixed(0)).toThrow(/at least 1 \(got 0\)/);
    expect(() => Scaling.autoscaled({ min: 5, max: 3 })).toThrow(/1 <= min <= max \(got min 5, max 3\)/);
    expect(() => Scaling.autoscaled({ min: 1, max: 3, targetCpuPercent: 150 })).toThrow(/1 to 100 \(got 150\)/);
  });
});

describe('Environment and Tenant', () => {
  test('an image pinned by digest is referenced with @', () => {
    const env = environment(new App());
    expect(env.imageOf('stoa-portal')).toBe(`registry.example.com/stoa/stoa-portal@sha256:${'a'.repeat(64)}`);
    expect(env.imageOf('stoa-gateway')).toBe('registry.example.com/stoa/stoa-gateway:1.0.0');
  });

  test('a read-only environment syncs manually and gives owners view access only', () => {
    const app = new App();
    const env = environment(app, EnvironmentMode.READ_ONLY);
    new Tenant(env, 'tenant', { name: 'umbrella', tier: 'bronze', owners: { groups: ['umbrella'] } });
    const out = objects(app);
    const apps = out.filter((o) => o.kind === 'Application');
    expect(apps.map((a) => a.metadata.name).sort()).toEqual([
      'qa-control-plane-api', 'qa-control-plane-ui', 'qa-dashboards', 'qa-root', 'qa-stoa-gateway', 'qa-stoa-portal', 'qa-tenant-umbrella',
    ]);
    for (const a of apps) expect(a.spec.syncPolicy.automated).toBeUndefined();
    expect(out.find((o) => o.kind === 'RoleBinding').roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tenant-owner' });
    expect(out.find((o) => o.kind === 'Role').rules.flatMap((r: any) => r.verbs)).not.toContain('delete');
    expect(out.find((o) => o.kind === 'Deployment' && o.metadata.name === 'gateway').path).toBe('qa/tenants/umbrella/deployment-gateway.yaml');
  });

  test('a tenant without owners is refused', () => {
    const env = environment(new App());
    expect(() => new Tenant(env, 't', { name: 'x', tier: 'gold', owners: {} })).toThrow(/owners must list at least one user or group/);
  });

  test('an environment deploys only the components it lists', () => {
    const app = new App();
    new Environment(app, 'env', {
      name: 'qa', domain: 'qa.example.com', cluster: { name: 'qa', server: 'https://qa.example.com' },
      repo: { url: 'https://git.example.com/envs.git', revision: 'main' }, registry: 'r', versions, components: ['stoa-portal'],
    });
    expect(objects(app).filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name)).toEqual(['stoa-portal']);
  });

  test('an environment missing a component version is refused', () => {
    const { 'stoa-portal': _omit, ...partial } = versions;
    expect(() => new Environment(new App(), 'e', {
      name: 'qa', domain: 'qa.example.com', cluster: { name: 'qa', server: 'https://qa' },
      repo: { url: 'https://git.example.com/envs.git', revision: 'main' }, registry: 'r', versions: partial as typeof versions,
    })).toThrow(/no version for component "stoa-portal"/);
  });
});

describe('Environment and Tenant at sync time', () => {
  const vault = { provider: 'vault' as const, server: 'https://vault.example.com', path: 'qa', role: 'external-secrets' };
  function fullEnvironment(app: App, extra: Record<string, unknown> = {}): Environment {
    return new Environment(app, 'env', {
      name: 'qa', domain: 'qa.example.com', cluster: { name: 'qa', server: 'https://qa.example.com' },
      repo: { url: 'https://git.example.com/envs.git', revision: 'main' }, registry: 'registry.example.com/stoa', versions,
      secretStore: { name: 'stoa-qa', backend: vault }, awxToken: { key: 'platform/awx', property: 'token' }, ...extra,
    });
  }
  const hooks = { preSync: 'https://awx.example.com/api/v2/job_templates/1/launch/' };

  test('a tenant cannot take a platform host, and no host is served twice in an environment', () => {
    const env = fullEnvironment(new App());
    expect(() => new Tenant(env, 'portal', { name: 'portal', tier: 'bronze', owners: { groups: ['g'] } }))
      .toThrow(/host portal\.qa\.example\.com of tenant portal is already served by platform component stoa-portal/);
    new Tenant(env, 'a', { name: 'acme', tier: 'bronze', owners: { groups: ['g'] } });
    expect(() => new Tenant(env, 'b', { name: 'acme', tier: 'bronze', owners: { groups: ['g'] } })).toThrow(/host acme\.qa\.example\.com of tenant acme is already served by tenant acme/);
  });

  test("a tenant reads secrets through its own SecretStore, only under tenants/<name>/", () => {
    const env = fullEnvironment(new App());
    expect(() => new Tenant(env, 't', { name: 'acme', tier: 'bronze', owners: { groups: ['g'] }, secrets: [{ name: 'x', key: 'platform/awx' }] }))
      .toThrow(/secret "x" reads "platform\/awx"; a tenant reads only keys under tenants\/acme\//);
  });

  test('hooks run in the hooks namespace, which the environment renders with the AWX token, before tenants', () => {
    const app = new App();
    const env = fullEnvironment(app);
    new Tenant(env, 't', { name: 'acme', tier: 'bronze', owners: { groups: ['g'] }, hooks });
    const out = objects(app);
    // The AWX hooks run in the hooks namespace; the gateway's smoke test, which needs no token, in the tenant's.
    expect(out.filter((o) => o.kind === 'Job').map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['stoa-hooks/acme-provision', 'tenant-acme/gateway-smoke-test']);
    expect(out.filter((o) => o.path.startsWith('qa/platform/hooks/')).map((o) => o.path)).toEqual([
      'qa/platform/hooks/externalsecret-awx-token.yaml', 'qa/platform/hooks/namespace-stoa-hooks.yaml',
      'qa/platform/hooks/networkpolicy-allow-dns.yaml', 'qa/platform/hooks/networkpolicy-default-deny.yaml',
      'qa/platform/hooks/networkpolicy-hooks-allow-egress.yaml', 'qa/platform/hooks/secretstore-hooks-secrets.yaml',
      'qa/platform/hooks/serviceaccount-hooks-secrets.yaml',
    ]);
    expect(out.filter((o) => o.metadata.namespace === 'tenant-acme' && /awx/.test(o.metadata.name))).toEqual([]);
  });

  test('NodeLocal DNSCache is allowed next to kube-dns; with DNS-01 no solver policy is rendered', () => {
    const app = new App();
    const env = fullEnvironment(app, { nodeLocalDns: '169.254.20.10', ingress: { acmeSolver: 'dns01' } });
    new Tenant(env, 't', { name: 'acme', tier: 'bronze', owners: { groups: ['g'] } });
    const out = objects(app);
    const dns = out.find((o) => o.path === 'qa/tenants/acme/networkpolicy-allow-dns.yaml');
    expect(dns.spec.egress.map((r: any) => r.to)).toEqual([
      [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      [{ ipBlock: { cidr: '169.254.20.10/32' } }],
    ]);
    expect(out.find((o) => o.path === 'qa/tenants/acme/networkpolicy-allow-acme-http01-solver.yaml')).toBeUndefined();
  });

  test('the PodMonitor carries the labels the cluster Prometheus selects, and only the monitoring namespace reaches the metrics port', () => {
    const app = new App();
    const env = fullEnvironment(app, { monitoring: { namespace: 'observability', podMonitorLabels: { release: 'kube-prometheus-stack' } } });
    new Tenant(env, 't', { name: 'acme', tier: 'bronze', owners: { groups: ['g'] } });
    const out = objects(app);
    expect(out.find((o) => o.kind === 'PodMonitor').metadata.labels.release).toBe('kube-prometheus-stack');
    expect(out.find((o) => o.path === 'qa/tenants/acme/networkpolicy-gateway-allow-metrics.yaml').spec.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }],
      ports: [{ protocol: 'TCP', port: 9090 }],
    }]);
  });
});

describe('renderUnvalidated', () => {
  test('two objects that would share a file are an error, never a lost object', () => {
    const app = new App();
    const chart = new ManifestChart(app, 'chart', { outputPath: 'qa/x' });
    new k8s.KubeConfigMap(chart, 'a', { metadata: { name: 'same', namespace: 'one' } });
    new k8s.KubeConfigMap(chart, 'b', { metadata: { name: 'same', namespace: 'two' } });
    expect(() => renderUnvalidated(app)).toThrow(/two objects would be written to qa\/x\/configmap-same\.yaml: ConfigMap one\/same and ConfigMap two\/same/);
  });

  test('objects of different charts with the same name go to their own folders', () => {
    const app = new App();
    for (const env of ['dev', 'prod']) {
      new k8s.KubeConfigMap(new ManifestChart(app, env, { outputPath: `${env}/x` }), 'cm', { metadata: { name: 'same' } });
    }
    expect(renderUnvalidated(app).map((f) => f.path)).toEqual(['dev/x/configmap-same.yaml', 'prod/x/configmap-same.yaml']);
  });

  test('an object outside any ManifestChart is an error', () => {
    const app = new App();
    new k8s.KubeConfigMap(new Chart(app, 'plain'), 'cm', { metadata: { name: 'orphan' } });
    expect(() => renderUnvalidated(app)).toThrow(/plain\/cm is not inside a ManifestChart/);
  });

  test('every construct validation error is reported with its path', () => {
    const app = new App();
    const chart = new ManifestChart(app, 'chart', { outputPath: 'qa/x' });
    chart.node.addValidation({ validate: () => ['first problem'] });
    new k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'cm' } }).node.addValidation({ validate: () => ['second problem'] });
    let error: unknown;
    try {
      renderUnvalidated(app);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConstructValidationError);
    expect((error as ConstructValidationError).errors).toEqual(['[chart] first problem', '[chart/cm] second problem']);
  });

  test('an output path that is not a clean relative folder is refused', () => {
    expect(() => new ManifestChart(new App(), 'c', { outputPath: '../escape' })).toThrow(/must be a relative folder/);
  });
});
