import * as path from 'path';
import { expandApplicationSets } from '../lib/argocd/application-set-preview';
import { MAX_DISPLAY_NAME_LENGTH, renderProject, validateObjects } from '../lib';
import { clustersOf, editYaml, exampleProject, renderedExample } from './helpers';

type Obj = { path: string; object: any };

/** Renders a copy of the example after `edit` changes its files; fails if the output is not valid. */
function renderExample(edit: (project: string) => void = () => undefined): Obj[] {
  let clusters: ReturnType<typeof clustersOf> | undefined;
  const files = renderedExample((project) => { edit(project); clusters = clustersOf(project); });
  expect(validateObjects(files, clusters).violations).toEqual([]);
  return files;
}

const at = (objects: Obj[], file: string) => objects.find((o) => o.path === file)?.object;
const kindsIn = (objects: Obj[], folder: string) => objects.filter((o) => o.path.startsWith(`${folder}/`)).map((o) => o.object.kind).sort();

const example = renderExample();

describe('canary delivery', () => {
  test('prod delivers acme as a Rollout 20% -> 50% -> 100% with a success-rate analysis; no Deployment', () => {
    const rollout = at(example, 'prod/tenants/acme/rollout-gateway.yaml');
    expect(rollout.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(rollout.spec.strategy.canary.steps).toEqual([
      { setWeight: 20 }, { pause: { duration: '10m' } }, { setWeight: 50 }, { pause: { duration: '10m' } },
    ]);
    expect(rollout.spec.strategy.canary.analysis.templates).toEqual([{ templateName: 'gateway-success-rate' }]);
    expect(rollout.spec.template.spec.containers[0].resources.limits).toEqual({ cpu: '2', memory: '1Gi' });
    expect(at(example, 'prod/tenants/acme/deployment-gateway.yaml')).toBeUndefined();

    const analysis = at(example, 'prod/tenants/acme/analysistemplate-gateway-success-rate.yaml');
    expect(analysis.spec.metrics[0].provider.prometheus.address).toBe('http://prometheus-operated.monitoring.svc:9090');
    const metric = analysis.spec.metrics[0];
    // No data, NaN or too few requests is inconclusive (neither condition holds), never a success.
    expect(metric.successCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] >= 0.995');
    expect(metric.failureCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] < 0.995');
    expect([metric.failureLimit, metric.inconclusiveLimit]).toEqual([2, 2]);
    // The canary's own pods (their revision label), with at least 20 requests in the window.
    expect(metric.provider.prometheus.query).toContain('rollouts_pod_template_hash="{{args.canary-hash}}"');
    expect(metric.provider.prometheus.query).toMatch(/\) and on\(\) \(sum\(increase\(http_requests_total\{.*\}\[2m\]\)\) >= 20\)$/);
    expect(rollout.spec.strategy.canary.analysis.args).toEqual([
      { name: 'namespace', value: 'tenant-acme' },
      { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
    ]);
    expect([rollout.spec.strategy.canary.maxSurge, rollout.spec.strategy.canary.maxUnavailable]).toEqual(['25%', 0]);
    // Prometheus records the revision of every series through the PodMonitor.
    const monitor = at(example, 'prod/tenants/acme/podmonitor-gateway.yaml');
    expect(monitor.spec.podTargetLabels).toEqual(['rollouts-pod-template-hash']);
    expect(monitor.spec.podMetricsEndpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
  });

  test('the Application ignores the Rollout replicas its autoscaler owns', () => {
    expect(at(example, 'prod/apps/application-prod-tenant-acme.yaml').spec.ignoreDifferences).toEqual([
      { group: 'argoproj.io', kind: 'Rollout', name: 'gateway', namespace: 'tenant-acme', jsonPointers: ['/spec/replicas'] },
    ]);
  });

  test('off in dev (no analysis offered) and for tenants that say no; off removes Rollout and AnalysisTemplate', () => {
    expect(kindsIn(example, 'dev/tenants/acme')).not.toContain('Rollout');
    expect(kindsIn(example, 'staging/tenants/globex')).not.toContain('Rollout');
    const off = renderExample((p) => editYaml(p, 'tenants/acme.yaml', (t) => { t.gateway.canary = false; }));
    expect(kindsIn(off, 'prod/tenants/acme')).not.toContain('Rollout');
    expect(kindsIn(off, 'prod/tenants/acme')).not.toContain('AnalysisTemplate');
    expect(at(off, 'prod/tenants/acme/deployment-gateway.yaml').spec.strategy.rollingUpdate).toEqual({ maxSurge: '25%', maxUnavailable: 0 });
  });

  test('an environment turns it on for every tenant', () => {
    const on = renderExample((p) => editYaml(p, 'environments/staging.yaml', (e) => { e.canary.enabled = true; }));
    expect(kindsIn(on, 'staging/tenants/globex')).toContain('Rollout');
  });

  test('canary without prometheus is refused in the environment file', () => {
    const project = exampleProject();
    editYaml(project, 'environments/staging.yaml', (e) => { delete e.prometheus; });
    expect(() => renderProject({ projectDir: project })).toThrow(/environments\/staging\.yaml:\d+: canary: needs prometheus/);
  });
});

describe('KEDA autoscaling', () => {
  test('a ScaledObject on CPU and request rate replaces the HPA, scaling the canary Rollout', () => {
    const scaled = at(example, 'staging/tenants/acme/scaledobject-gateway.yaml');
    expect(scaled.spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'gateway' });
    expect([scaled.spec.minReplicaCount, scaled.spec.maxReplicaCount]).toEqual([3, 10]);
    expect(scaled.spec.triggers.map((t: any) => t.type)).toEqual(['cpu', 'prometheus']);
    expect(scaled.spec.triggers[1].metadata.query).toBe('sum(rate(http_requests_total{namespace="tenant-acme",container="gateway"}[2m]))');
    expect(kindsIn(example, 'staging/tenants/acme')).not.toContain('HorizontalPodAutoscaler');
    expect(at(example, 'staging/apps/application-staging-tenant-acme.yaml').spec.ignoreDifferences[0].kind).toBe('Rollout');
    expect(at(example, 'dev/tenants/acme/scaledobject-gateway.yaml').spec.scaleTargetRef.kind).toBe('Deployment');
  });

  test('without prometheus in the environment, CPU only', () => {
    expect(at(example, 'dev/tenants/acme/scaledobject-gateway.yaml').spec.triggers.map((t: any) => t.type)).toEqual(['cpu']);
  });

  test('off: back to an HPA and no ScaledObject', () => {
    const off = renderExample((p) => editYaml(p, 'tenants/acme.yaml', (t) => { delete t.gateway.autoscaler; }));
    expect(kindsIn(off, 'staging/tenants/acme')).toContain('HorizontalPodAutoscaler');
    expect(kindsIn(off, 'staging/tenants/acme')).not.toContain('ScaledObject');
  });

  test('a bronze tenant cannot ask for an autoscaler', () => {
    const project = exampleProject();
    editYaml(project, 'tenants/initech.yaml', (t) => { t.gateway = { autoscaler: 'keda' }; });
    expect(() => renderProject({ projectDir: project })).toThrow(/tenants\/initech\.yaml:\d+: gateway\.autoscaler: bronze runs one fixed replica/);
  });
});

describe('external secrets', () => {
  test("tenant secrets become ExternalSecrets through the tenant's own SecretStore and Vault role; never a Secret", () => {
    const es = at(example, 'prod/tenants/acme/externalsecret-upstream-api-key.yaml');
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    expect(es.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { kind: 'SecretStore', name: 'tenant-secrets' },
      target: { name: 'upstream-api-key' },
      data: [{ secretKey: 'api-key', remoteRef: { key: 'tenants/acme/upstream', property: 'api-key' } }],
    });
    expect(es.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    expect(example.filter((o) => o.object.kind === 'Secret')).toEqual([]);
    const store = at(example, 'prod/tenants/acme/secretstore-tenant-secrets.yaml');
    expect(store.spec.provider.vault.auth.kubernetes).toEqual({ mountPath: 'kubernetes', role: 'tenant-acme', serviceAccountRef: { name: 'tenant-secrets' } });
    expect(store.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-2');
    expect(at(example, 'prod/tenants/acme/serviceaccount-tenant-secrets.yaml').metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-3');
    // The gateway reads it as a file.
    const pod = at(example, 'prod/tenants/acme/rollout-gateway.yaml').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'secret-upstream-api-key', secret: { secretName: 'upstream-api-key', defaultMode: 0o440 } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'secret-upstream-api-key', mountPath: '/etc/stoa/secrets/upstream-api-key', readOnly: true });
  });

  test("the environment's ClusterSecretStore serves platform namespaces only", () => {
    expect(at(example, 'prod/platform/secret-store/clustersecretstore-stoa-prod.yaml').spec.conditions).toEqual([{ namespaces: ['stoa-system'] }]);
  });

  test('each environment has its ClusterSecretStore, deployed by its own Application in the platform project', () => {
    const store = at(example, 'staging/platform/secret-store/clustersecretstore-stoa-staging.yaml');
    expect(store.spec.provider.vault).toMatchObject({ server: 'https://vault.stoa.example.com', path: 'stoa-staging', version: 'v2' });
    expect(store.spec.provider.vault.auth.kubernetes.role).toBe('external-secrets');
    expect(at(example, 'staging/apps/application-staging-secret-store.yaml').spec.source.path).toBe('staging/platform/secret-store');
    expect(at(example, 'staging/apps/appproject-staging-platform.yaml').spec.clusterResourceWhitelist)
      .toContainEqual({ group: 'external-secrets.io', kind: 'ClusterSecretStore', name: 'stoa-staging' });
  });

  test('Infisical works as the backend of the platform store; tenant secrets then need Vault', () => {
    const infisical = (e: any) => {
      e.secretStore = { name: 'stoa-dev', infisical: { projectSlug: 'stoa', environmentSlug: 'dev', identityId: { name: 'infisical-identity', namespace: 'external-secrets', key: 'id' } } };
    };
    const refused = exampleProject();
    editYaml(refused, 'environments/dev.yaml', infisical);
    expect(() => renderProject({ projectDir: refused })).toThrow(/tenant "acme" in dev: secrets are read through a SecretStore of the tenant's own with a Vault role/);
    const objects = renderExample((p) => { editYaml(p, 'environments/dev.yaml', infisical); editYaml(p, 'tenants/acme.yaml', (t) => { delete t.secrets; }); });
    expect(at(objects, 'dev/platform/secret-store/clustersecretstore-stoa-dev.yaml').spec.provider.infisical.secretsScope).toEqual({ projectSlug: 'stoa', environmentSlug: 'dev' });
  });

  test('off: no secrets, no ExternalSecrets; a tenant with secrets where no store exists is refused', () => {
    const off = renderExample((p) => editYaml(p, 'tenants/acme.yaml', (t) => { delete t.secrets; delete t.hooks; }));
    expect(kindsIn(off, 'prod/tenants/acme')).not.toContain('ExternalSecret');
    const project = exampleProject();
    editYaml(project, 'environments/dev.yaml', (e) => { delete e.secretStore; delete e.awxToken; });
    expect(() => renderProject({ projectDir: project })).toThrow(/tenants\/acme\.yaml:\d+: secrets: environment "dev" has no secretStore/);
  });
});

describe('sync hooks and waves', () => {
  test('PreSync provisioning and PostSync validation Jobs in the hooks namespace launch AWX job templates and wait for them', () => {
    const provision = at(example, 'staging/tenants/acme/job-acme-provision.yaml');
    expect(provision.metadata.namespace).toBe('stoa-hooks');
    expect(provision.metadata.annotations).toMatchObject({
      'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
    });
    // One attempt per sync: a Job retry would launch AWX a second time.
    expect([provision.spec.backoffLimit, provision.spec.activeDeadlineSeconds]).toEqual([0, 1200]);
    const env = Object.fromEntries(provision.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.AWX_URL).toBe('https://awx.stoa.example.com/api/v2/job_templates/12/launch/');
    expect(JSON.parse(env.AWX_BODY)).toEqual({ extra_vars: { tenant: 'acme', environment: 'staging', namespace: 'tenant-acme' } });
    expect(env.AWX_TOKEN).toEqual({ secretKeyRef: { name: 'awx-token', key: 'token' } });
    expect(at(example, 'staging/tenants/acme/job-acme-validate.yaml').metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
    // The AWX token lives in the hooks namespace, deployed by the platform's hooks Application before any tenant.
    expect(example.filter((o) => o.path.startsWith('staging/tenants/') && /awx-token/.test(o.path))).toEqual([]);
    const token = at(example, 'staging/platform/hooks/externalsecret-awx-token.yaml');
    expect(token.metadata.namespace).toBe('stoa-hooks');
    expect(token.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-1' });
    // Through the hooks namespace's own SecretStore and Vault role, which may read this key only.
    expect(token.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'hooks-secrets' });
    expect(at(example, 'staging/platform/hooks/secretstore-hooks-secrets.yaml').spec.provider.vault.auth.kubernetes)
      .toEqual({ mountPath: 'kubernetes', role: 'stoa-hooks', serviceAccountRef: { name: 'hooks-secrets' } });
    expect(at(example, 'staging/platform/hooks/networkpolicy-hooks-allow-egress.yaml').spec.podSelector)
      .toEqual({ matchExpressions: [{ key: 'stoa.io/hook', operator: 'Exists' }] });
    const wave = (f: string) => at(example, f).metadata.annotations['argocd.argoproj.io/sync-wave'];
    expect(Number(wave('staging/apps/application-staging-hooks.yaml'))).toBeLessThan(Number(wave('staging/apps/application-staging-tenant-acme.yaml')));
    expect(at(example, 'staging/apps/appproject-staging-tenant-acme.yaml').spec.destinations.map((d: any) => d.namespace)).toEqual(['tenant-acme', 'stoa-hooks']);
  });

  test('namespace, quota and policy sync before secrets, secrets before workloads', () => {
    const wave = (f: string) => at(example, `staging/tenants/acme/${f}`).metadata.annotations?.['argocd.argoproj.io/sync-wave'];
    expect(wave('namespace-tenant-acme.yaml')).toBe('-3');
    expect(wave('resourcequota-tenant-quota.yaml')).toBe('-3');
    expect(wave('networkpolicy-default-deny.yaml')).toBe('-3');
    expect(wave('secretstore-tenant-secrets.yaml')).toBe('-2');
    expect(wave('externalsecret-upstream-api-key.yaml')).toBe('-1');
    expect(wave('rollout-gateway.yaml')).toBeUndefined();
  });

  test('off: no AWX Jobs, no token, no hook network policy (the gateway smoke test stays: it is no AWX hook)', () => {
    const off = renderExample((p) => editYaml(p, 'tenants/acme.yaml', (t) => { delete t.hooks; }));
    const files = off.filter((o) => o.path.startsWith('staging/tenants/acme/')).map((o) => path.basename(o.path));
    expect(files.filter((f) => /job-|awx-token|hooks-allow/.test(f))).toEqual(['job-gateway-smoke-test.yaml']);
    expect(at(off, 'staging/apps/appproject-staging-tenant-acme.yaml').spec.destinations.map((d: any) => d.namespace)).toEqual(['tenant-acme']);
  });
});

describe('tenant network isolation', () => {
  test('HTTPS egress of gateways and hooks excludes the cluster CIDRs, so tenants cannot reach each other that way', () => {
    const cidrs = ['10.0.0.0/8', '172.16.0.0/12'];
    expect(at(example, 'prod/tenants/acme/networkpolicy-gateway-allow-egress.yaml').spec.egress[1].to).toEqual([{ ipBlock: { cidr: '0.0.0.0/0', except: cidrs } }]);
    expect(at(example, 'prod/platform/hooks/networkpolicy-hooks-allow-egress.yaml').spec.egress[0].to).toEqual([{ ipBlock: { cidr: '0.0.0.0/0', except: cidrs } }]);
    const open = renderExample((p) => editYaml(p, 'environments/prod.yaml', (e) => { delete e.internalCidrs; }));
    expect(at(open, 'prod/tenants/acme/networkpolicy-gateway-allow-egress.yaml').spec.egress[1].to).toEqual([{ ipBlock: { cidr: '0.0.0.0/0' } }]);
  });

  test('a CIDR that is not one is refused', () => {
    const project = exampleProject();
    editYaml(project, 'environments/dev.yaml', (e) => { e.internalCidrs = ['10.0.0.0']; });
    expect(() => renderProject({ projectDir: project })).toThrow(/environments\/dev\.yaml:\d+: internalCidrs\[0\]: must be an IPv4 CIDR such as 10\.0\.0\.0\/8/);
  });
});

describe('prod guard rails', () => {
  test('prod projects allow syncs only in the window, manual ones included, with read-only and release roles', () => {
    const project = at(example, 'prod/apps/appproject-prod-tenant-acme.yaml');
    expect(project.spec.syncWindows).toEqual([{
      kind: 'allow', schedule: '0 8 * * 1-4', duration: '10h', timeZone: 'Europe/Paris', applications: ['*'], manualSync: false,
    }]);
    expect(project.spec.roles.map((r: any) => [r.name, r.groups])).toEqual([
      ['read-only', ['stoa-engineers']], ['release', ['stoa-release-managers']], ['owner', ['acme-platform-team', 'alice@acme.example']],
    ]);
    expect(project.spec.roles[1].policies).toContain('p, proj:prod-tenant-acme:release, applications, sync, prod-tenant-acme/*, allow');
    expect(at(example, 'prod/apps/appproject-prod-platform.yaml').spec.syncWindows).toHaveLength(1);
  });

  test('prod Applications are subscribed to sync-failed, health-degraded, stuck and slow-sync alerts (drift is a Prometheus rule); dev ones are not', () => {
    expect(at(example, 'prod/apps/application-prod-stoa-portal.yaml').metadata.annotations).toEqual({
      'argocd.argoproj.io/manifest-generate-paths': './',
      'argocd.argoproj.io/sync-wave': '0',
      'notifications.argoproj.io/subscribe.on-sync-failed.slack': 'stoa-prod-alerts',
      'notifications.argoproj.io/subscribe.on-health-degraded.slack': 'stoa-prod-alerts',
      'notifications.argoproj.io/subscribe.on-stuck-60m.slack': 'stoa-prod-alerts',
      'notifications.argoproj.io/subscribe.on-sync-running-30m.slack': 'stoa-prod-alerts',
    });
    expect(at(example, 'dev/apps/application-dev-stoa-portal.yaml').metadata.annotations).toEqual({ 'argocd.argoproj.io/manifest-generate-paths': './', 'argocd.argoproj.io/sync-wave': '0' });
    // Argo CD defines none of these triggers by itself: the environment's settings patch does.
    const triggers = at(example, 'prod/argocd-config/configmap-argocd-notifications-cm.yaml').data;
    expect(Object.keys(triggers).filter((k) => k.startsWith('trigger.')).sort())
      .toEqual(['trigger.on-health-degraded', 'trigger.on-stuck-60m', 'trigger.on-sync-failed', 'trigger.on-sync-running-30m', 'trigger.on-tenant-ready-prod']);
    expect(at(example, 'prod/platform/alerts/prometheusrule-stoa-prod-argocd-drift.yaml').spec.groups[0].rules[0].for).toBe('10m');
    // dev has no alerts: its patch holds only its tenant-ready webhook.
    expect(Object.keys(at(example, 'dev/argocd-config/configmap-argocd-notifications-cm.yaml').data).sort())
      .toEqual(['service.webhook.stoa-control-plane-dev', 'template.tenant-ready-dev', 'trigger.on-tenant-ready-dev']);
    expect(at(example, 'dev/apps/appproject-dev-platform.yaml').spec.syncWindows).toBeUndefined();
  });
});

describe('ApplicationSet mode', () => {
  // Uniform tenants in staging: both autoscaled by an HPA with rolling updates.
  const uniform = (p: string) => editYaml(p, 'tenants/acme.yaml', (t) => { delete t.gateway; });

  test('one ApplicationSet makes exactly the Applications that per-tenant mode writes', () => {
    const perTenant = renderExample(uniform);
    const withSet = renderExample((p) => { uniform(p); editYaml(p, 'environments/staging.yaml', (e) => { e.tenantApplications = 'applicationset'; }); });

    const appSet = at(withSet, 'staging/apps/applicationset-staging-tenants.yaml');
    expect(appSet.spec.generators).toEqual([{ git: {
      repoURL: 'https://git.stoa.example.com/stoa/stoa-envs.git', revision: 'main', directories: [{ path: 'staging/tenants/*' }],
    } }]);
    expect(withSet.filter((o) => o.path.startsWith('staging/apps/application-staging-tenant-'))).toEqual([]);
    // The root may sync the ApplicationSet (validation's project-permits rule would refuse it otherwise).
    expect(at(withSet, 'staging/bootstrap/appproject-staging-bootstrap.yaml').spec.namespaceResourceWhitelist)
      .toContainEqual({ group: 'argoproj.io', kind: 'ApplicationSet' });

    const generated = expandApplicationSets(withSet).map((o) => o.object);
    const written = perTenant.filter((o) => o.path.startsWith('staging/apps/application-staging-tenant-')).map((o) => o.object);
    expect(generated.map((a) => a.metadata.name)).toEqual(['staging-tenant-acme', 'staging-tenant-globex']);
    // The same Applications, less the resources finalizer: a tenant folder removed, or the set deleted, never cascades.
    expect(generated).toEqual(written.map((a) => ({ ...a, metadata: Object.fromEntries(Object.entries(a.metadata).filter(([k]) => k !== 'finalizers')) })));
    // Everything else is the same in both modes.
    const rest = (objects: Obj[]) => objects.filter((o) => !/staging\/apps\/application(set)?-staging-tenant|staging\/bootstrap\/appproject/.test(o.path));
    expect(rest(withSet)).toEqual(rest(perTenant));
  });

  test('tenants whose Applications differ in more than the name are refused with the reason', () => {
    const project = exampleProject();
    editYaml(project, 'environments/staging.yaml', (e) => { e.tenantApplications = 'applicationset'; });
    expect(() => renderProject({ projectDir: project })).toThrow(/ApplicationSet mode needs every tenant's Application to differ only by the tenant name; globex differ from acme/);
  });
});

describe('tenant free text in the output', () => {
  test('the longest displayName allowed renders valid objects, leaving room for a 20-character environment name', () => {
    const name = `ACME ${'N'.repeat(MAX_DISPLAY_NAME_LENGTH - 5)}`;
    const objects = renderExample((p) => editYaml(p, 'tenants/acme.yaml', (t) => { t.displayName = name; }));
    const projects = objects.filter((o) => o.object.kind === 'AppProject' && o.object.metadata.labels?.['stoa.io/tenant'] === 'acme');
    expect(projects.map((o) => o.path.split('/')[0]).sort()).toEqual(['dev', 'prod', 'staging']);
    for (const project of projects) {
      const env = project.path.split('/')[0];
      expect(project.object.spec.description).toContain(name);
      // Argo CD's limit on the description is 255 characters, with the longest environment name (20).
      expect(project.object.spec.description.length - env.length + 20).toBeLessThanOrEqual(255);
    }
    expect(at(objects, 'dev/tenants/acme/namespace-tenant-acme.yaml')?.metadata.annotations['stoa.io/display-name']).toBe(name);
  });
});
