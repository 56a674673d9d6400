import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { InputError } from '../lib';
import { editYaml, EXAMPLE, RenderedObject, renderedExample, thrownMessage } from './helpers';

/*
 * Argo CD notifications as the example renders them: the control plane is told when a tenant is ready
 * (a webhook per environment), and Applications of environments with alerts are told of failures,
 * degradation and drift. Everything a subscription names must be defined in the environment's
 * argocd-notifications-cm patch, and the patches of all environments must merge without one
 * overwriting another (one Argo CD may serve them all).
 */


const example = renderedExample();
const ENVS = ['dev', 'staging', 'prod'];
const at = (objects: RenderedObject[], file: string) => objects.find((o) => o.path === file)?.object;
const settings = (objects: RenderedObject[], env: string): Record<string, string> => at(objects, `${env}/argocd-config/configmap-argocd-notifications-cm.yaml`)?.data ?? {};
const applications = (objects: RenderedObject[], env: string) => objects.filter((o) => o.path.startsWith(`${env}/`) && o.object.kind === 'Application');
const subscriptions = (app: any) => Object.entries(app.metadata.annotations ?? {})
  .filter(([k]) => k.startsWith('notifications.argoproj.io/subscribe.'))
  .map(([k, recipient]) => { const [trigger, service] = k.slice('notifications.argoproj.io/subscribe.'.length).split('.'); return { trigger, service, recipient }; });

/**
 * A template's webhook body with the Go template actions it may use filled in as the notifications
 * controller would for `app`; any other action is left in place (and makes the JSON invalid).
 */
function fill(body: string, app: any, revision: string): string {
  return body
    .replace(/\{\{index \.app\.metadata\.labels "([^"]+)"\}\}/g, (_m, label) => app.metadata.labels?.[label] ?? '')
    .replace(/\{\{\.app\.metadata\.name\}\}/g, app.metadata.name)
    .replace(/\{\{\.app\.status\.operationState\.syncResult\.revision\}\}/g, revision);
}

describe('the control plane is told when a tenant is ready', () => {
  test.each(ENVS)('%s: every tenant Application (and no other) subscribes to its environment\'s tenant-ready webhook', (env) => {
    const apps = applications(example, env);
    const tenants = apps.filter((a) => a.object.metadata.labels?.['stoa.io/tenant'] !== undefined);
    expect(tenants.map((a) => a.object.metadata.labels['stoa.io/tenant']).sort()).toEqual(
      ['acme', 'globex', 'initech'].filter((t) => env === 'dev' || t !== 'initech').filter((t) => env !== 'prod' || t === 'acme'),
    );
    for (const app of tenants) {
      expect(subscriptions(app.object).filter((s) => s.trigger.startsWith('on-tenant-ready')))
        .toEqual([{ trigger: `on-tenant-ready-${env}`, service: `stoa-control-plane-${env}`, recipient: '' }]);
    }
    for (const app of apps.filter((a) => !tenants.includes(a))) {
      expect(subscriptions(app.object).filter((s) => s.trigger.startsWith('on-tenant-ready'))).toEqual([]);
    }
  });

  test.each(ENVS)('%s: the subscribed trigger, its template and the webhook service are defined, POSTing tenant, environment, application and revision', (env) => {
    const data = settings(example, env);
    const service = `stoa-control-plane-${env}`;
    const url = parse(fs.readFileSync(path.join(EXAMPLE, 'environments', `${env}.yaml`), 'utf8')).tenantReady.url;
    const webhook = parse(data[`service.webhook.${service}`]);
    expect(webhook).toEqual({
      url,
      headers: [{ name: 'Content-Type', value: 'application/json' }, { name: 'Authorization', value: 'Bearer $control-plane-token' }],
    });
    expect(url).toMatch(/^https:\/\//);

    const [trigger] = parse(data[`trigger.on-tenant-ready-${env}`]);
    expect(trigger).toEqual({
      description: expect.stringContaining('synced and is healthy'),
      // Once per sync that happened (Argo CD's own on-deployed), not per commit to the envs repo.
      oncePer: 'app.status.operationState?.syncResult?.revision',
      send: [`tenant-ready-${env}`],
      when: "app.status.operationState != nil and app.status.operationState.phase in ['Succeeded'] and app.status.sync.status == 'Synced' and app.status.health.status == 'Healthy'",
    });

    const template = parse(data[`template.tenant-ready-${env}`]);
    expect(Object.keys(template.webhook)).toEqual([service]);
    expect(template.webhook[service].method).toBe('POST');
    const app = applications(example, env).find((a) => a.object.metadata.labels?.['stoa.io/tenant'] === 'acme')!.object;
    expect(JSON.parse(fill(template.webhook[service].body, app, '0123456789abcdef0123456789abcdef01234567'))).toEqual({
      tenant: 'acme', environment: env, application: `${env}-tenant-acme`, revision: '0123456789abcdef0123456789abcdef01234567',
    });
  });

  test('the patches of all environments merge: a key two environments share has the same value in both', () => {
    // Alerts in every environment, with two drift limits, besides each one's webhook.
    const objects = renderedExample((p) => {
      editYaml(p, 'environments/dev.yaml', (e) => { e.notifications = { service: 'slack', recipient: 'stoa-dev', driftMinutes: 5 }; });
      editYaml(p, 'environments/staging.yaml', (e) => { e.notifications = { service: 'slack', recipient: 'stoa-staging' }; });
    });
    const values = new Map<string, Map<string, string>>();
    for (const env of ENVS) {
      for (const [key, value] of Object.entries(settings(objects, env))) {
        if (!values.has(key)) values.set(key, new Map());
        values.get(key)!.set(env, value);
      }
    }
    const clashes = [...values].filter(([, byEnv]) => new Set(byEnv.values()).size > 1).map(([key]) => key);
    expect(clashes).toEqual([]);
    // Drift is a Prometheus rule per environment, not a shared trigger.
    expect([...values.keys()].filter((k) => k.includes('out-of-sync'))).toEqual([]);
    expect(values.get('trigger.on-sync-failed')?.size).toBe(3);
    // And each environment's webhook is its own.
    expect(ENVS.map((env) => values.get(`service.webhook.stoa-control-plane-${env}`)?.size)).toEqual([1, 1, 1]);
  });

  test('ApplicationSet mode: the template of the generated Applications carries the subscription', () => {
    const objects = renderedExample((p) => {
      editYaml(p, 'tenants/acme.yaml', (t) => { delete t.gateway; });
      editYaml(p, 'environments/staging.yaml', (e) => { e.tenantApplications = 'applicationset'; });
    });
    const set = at(objects, 'staging/apps/applicationset-staging-tenants.yaml');
    expect(set.spec.template.metadata.annotations['notifications.argoproj.io/subscribe.on-tenant-ready-staging.stoa-control-plane-staging']).toBe('');
  });

  test('an environment without tenantReady renders no webhook and no subscription', () => {
    const objects = renderedExample((p) => editYaml(p, 'environments/dev.yaml', (e) => { delete e.tenantReady; }));
    expect(at(objects, 'dev/argocd-config/configmap-argocd-notifications-cm.yaml')).toBeUndefined();
    for (const app of applications(objects, 'dev')) expect(subscriptions(app.object)).toEqual([]);
  });

  test('no token value is ever in the output: the webhook names a key of argocd-notifications-secret', () => {
    const objects = renderedExample((p) => editYaml(p, 'environments/dev.yaml', (e) => { e.tenantReady.tokenKey = 'cp-dev.token'; e.tenantReady.service = 'control-plane'; }));
    const data = settings(objects, 'dev');
    expect(parse(data['service.webhook.control-plane']).headers[1]).toEqual({ name: 'Authorization', value: 'Bearer $cp-dev.token' });
    expect(objects.some((o) => o.object.kind === 'Secret')).toBe(false);
  });
});

describe('tenantReady and notifications in the environment file', () => {
  const inputError = (edit: (project: string) => void) => thrownMessage(() => renderedExample(edit), InputError);

  test.each([
    ['plain http outside the cluster', { url: 'http://api.dev.stoa.example.com/ready' }, /environments\/dev\.yaml:\d+.*tenantReady\.url.*https:\/\/ URL, or http:\/\/ to an in-cluster Service/s],
    ['no URL', {}, /environments\/dev\.yaml.*tenantReady\.url/s],
    ['a service name that is no DNS label', { url: 'https://a.example.com/', service: 'Control Plane' }, /tenantReady\.service/],
    ['a token key that is no Secret key', { url: 'https://a.example.com/', tokenKey: 'token/../x' }, /tenantReady\.tokenKey.*Secret key/s],
    ['an unknown field', { url: 'https://a.example.com/', secret: 'hunter2' }, /tenantReady.*secret/s],
  ])('%s is refused, naming the file and field', (_name, tenantReady, message) => {
    expect(inputError((p) => editYaml(p, 'environments/dev.yaml', (e) => { e.tenantReady = tenantReady; }))).toMatch(message);
  });

  test('http:// to an in-cluster Service is allowed (it never leaves the cluster)', () => {
    const objects = renderedExample((p) => editYaml(p, 'environments/dev.yaml', (e) => { e.tenantReady.url = 'http://control-plane-api.stoa-system.svc.cluster.local/v1/tenants/ready'; }));
    expect(parse(settings(objects, 'dev')['service.webhook.stoa-control-plane-dev']).url).toBe('http://control-plane-api.stoa-system.svc.cluster.local/v1/tenants/ready');
  });

  test('two environments naming the same webhook service are refused: one Argo CD would keep only one of them', () => {
    const message = inputError((p) => {
      editYaml(p, 'environments/dev.yaml', (e) => { e.tenantReady.service = 'control-plane'; });
      editYaml(p, 'environments/prod.yaml', (e) => { e.tenantReady.service = 'control-plane'; });
    });
    expect(message).toMatch(/environments\/(dev|prod)\.yaml:\d+.*tenantReady\.service.*is also the tenant-ready webhook service of environment (dev|prod)/s);
  });

  test('driftMinutes sets how long an Application must stay OutOfSync before the drift alert fires: a Prometheus rule with for:', () => {
    const objects = renderedExample((p) => editYaml(p, 'environments/prod.yaml', (e) => { e.notifications.driftMinutes = 30; }));
    const data = settings(objects, 'prod');
    expect(Object.keys(data).filter((k) => k.includes('out-of-sync'))).toEqual([]);
    const rule = at(objects, 'prod/platform/alerts/prometheusrule-stoa-prod-argocd-drift.yaml');
    expect(rule.metadata).toMatchObject({ namespace: 'monitoring', labels: { release: 'kube-prometheus-stack' } });
    const [alert, absent] = rule.spec.groups[0].rules;
    expect(absent).toMatchObject({ alert: 'StoaArgoCdMetricsAbsent', expr: 'absent(argocd_app_info{name=~"prod-.+"})', for: '15m', labels: { environment: 'prod' } });
    expect(alert).toMatchObject({
      alert: 'StoaApplicationOutOfSync',
      expr: 'max by (name, project) (argocd_app_info{name=~"prod-.+", sync_status="OutOfSync"}) == 1',
      for: '30m',
      labels: { severity: 'warning', environment: 'prod' },
    });
    // Every prod Application's name matches it, and no other environment's (its query is checked with the dashboards').
    const names = new RegExp(`^(?:${/name=~"([^"]+)"/.exec(alert.expr)![1]})$`);
    expect(applications(objects, 'prod').every((a) => names.test(a.object.metadata.name))).toBe(true);
    expect(applications(objects, 'staging').some((a) => names.test(a.object.metadata.name))).toBe(false);
    expect(at(objects, 'prod/apps/application-prod-alerts.yaml').spec).toMatchObject({ destination: { namespace: 'monitoring' }, source: { path: 'prod/platform/alerts' } });
    expect(at(objects, 'dev/apps/application-dev-alerts.yaml')).toBeUndefined();
    for (const app of applications(objects, 'prod')) {
      expect(subscriptions(app.object).filter((s) => s.service === 'slack').map((s) => s.trigger).sort()).toEqual(['on-health-degraded', 'on-stuck-60m', 'on-sync-failed', 'on-sync-running-30m']);
    }
    // Every trigger an Application subscribes to is defined, with the template it sends.
    for (const app of applications(objects, 'prod')) {
      for (const { trigger } of subscriptions(app.object)) {
        const [definition] = parse(data[`trigger.${trigger}`]);
        for (const template of definition.send) expect(data[`template.${template}`]).toBeDefined();
      }
    }
    expect(inputError((p) => editYaml(p, 'environments/prod.yaml', (e) => { e.notifications.driftMinutes = 0; }))).toMatch(/notifications\.driftMinutes.*at least 1 minute/s);
  });
});
