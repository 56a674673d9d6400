import * as fs from 'fs';
import * as path from 'path';
import { parser } from '@prometheus-io/lezer-promql';
import { renderProject } from '../lib';
import { PLATFORM_METRICS } from '../lib/platform/dashboards';
import { exampleProject, renderedExample } from './helpers';

/*
 * The Grafana dashboards: ConfigMaps the Grafana sidecar loads, one per dashboard and environment.
 * Every query is parsed as PromQL (the Prometheus project's own grammar) and may only name metrics
 * the platform exposes or scrapes (PLATFORM_METRICS), with their labels; the gateway's metric is
 * checked against what the output really scrapes.
 */

const example = renderedExample();
const ENVS = ['dev', 'staging', 'prod'];

function dashboardsOf(env: string): any[] {
  return example.filter((o) => o.path.startsWith(`${env}/platform/dashboards/`)).map((o) => o.object);
}

/** The dashboard models of an environment, parsed from their ConfigMaps. */
function modelsOf(env: string): any[] {
  return dashboardsOf(env).flatMap((cm) => Object.values(cm.data as Record<string, string>).map((json) => JSON.parse(json)));
}

/** Every PromQL query of a dashboard: its panels' targets and its query variables (inside label_values). */
function queriesOf(model: any): string[] {
  const fromVariables = (model.templating?.list ?? []).filter((v: any) => v.type === 'query')
    .map((v: any) => /^label_values\((.*), *[a-z_]+\)$/.exec(v.query)?.[1] ?? v.query);
  return [...model.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr)), ...fromVariables];
}

/** What is wrong with a query: a syntax error, a metric the platform does not have, or a label that metric does not carry. */
function queryProblems(query: string): string[] {
  const problems: string[] = [];
  const tree = parser.parse(query);
  const metrics: string[] = [];
  const labels: string[] = [];
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) problems.push(`syntax error at ${node.from}: ${query.slice(Math.max(0, node.from - 10), node.to + 10)}`);
      if (node.name === 'VectorSelector') {
        const identifier = node.node.getChild('Identifier');
        if (identifier) metrics.push(query.slice(identifier.from, identifier.to));
      }
      if (node.name === 'LabelName') labels.push(query.slice(node.from, node.to));
    },
  });
  if (metrics.length === 0) problems.push('names no metric');
  for (const m of metrics) if (!(m in PLATFORM_METRICS)) problems.push(`metric ${m} is neither exposed nor scraped by the platform`);
  const known = new Set(metrics.flatMap((m) => PLATFORM_METRICS[m]?.labels ?? []));
  for (const l of labels) if (!known.has(l)) problems.push(`label ${l} is not one of ${[...known].join(', ')}`);
  return problems;
}

describe('alerts', () => {
  test('the drift alert of an environment with notifications reads only what the platform exposes or scrapes', () => {
    const rules = example.filter((f) => f.object.kind === 'PrometheusRule');
    expect(rules.map((r) => r.path)).toEqual(['prod/platform/alerts/prometheusrule-stoa-prod-argocd-drift.yaml']);
    for (const r of rules) for (const rule of r.object.spec.groups.flatMap((g: any) => g.rules)) expect(queryProblems(rule.expr)).toEqual([]);
  });
});

describe('dashboards', () => {
  test.each(ENVS)('%s: ConfigMaps for the Grafana sidecar in the monitoring namespace, synced by the environment\'s dashboards Application', (env) => {
    const configMaps = dashboardsOf(env);
    expect(configMaps.map((c) => c.metadata.name).sort()).toEqual([
      `grafana-dashboard-stoa-${env}-argocd`,
      ...(env === 'dev' ? [] : [`grafana-dashboard-stoa-${env}-canary-analysis`]),
      `grafana-dashboard-stoa-${env}-tenant-gateways`,
    ]);
    for (const cm of configMaps) {
      expect(cm.kind).toBe('ConfigMap');
      expect(cm.metadata.namespace).toBe('monitoring');
      expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    }
    const models = modelsOf(env);
    expect(new Set(models.map((m) => m.uid)).size).toBe(models.length);
    for (const m of models) expect(m.panels.length).toBeGreaterThan(0);
    const app = example.find((o) => o.path === `${env}/apps/application-${env}-dashboards.yaml`)!.object;
    expect(app.spec.destination.namespace).toBe('monitoring');
    expect(app.spec.source.path).toBe(`${env}/platform/dashboards`);
    // Made if the cluster has no monitoring namespace yet, and in the last wave: it never holds back a tenant.
    expect(app.spec.syncPolicy.syncOptions).toContain('CreateNamespace=true');
    expect(app.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('2');
  });

  test.each(ENVS)('%s: every query parses and names only metrics the platform exposes or scrapes, with their labels', (env) => {
    const queries = modelsOf(env).flatMap(queriesOf);
    expect(queries.length).toBeGreaterThan(5);
    for (const q of queries) expect({ query: q, problems: queryProblems(q) }).toEqual({ query: q, problems: [] });
  });

  test.each(ENVS)('%s: Argo CD panels select the environment\'s Applications; the gateway panels show request rate, error rate and latency', (env) => {
    const [argocd] = modelsOf(env).filter((m) => m.uid === `stoa-${env}-argocd`);
    for (const q of queriesOf(argocd)) expect(q).toContain(`name=~"${env}-.*"`);
    const [gateways] = modelsOf(env).filter((m) => m.uid === `stoa-${env}-tenant-gateways`);
    expect(gateways.panels.map((p: any) => p.title)).toEqual(['Requests per second', 'Error rate (5xx)', 'Latency p95 at the ingress']);
  });

  test('the gateway metric is really scraped: every tenant namespace has a PodMonitor on its gateway\'s metrics port, and the container is the one the queries name', () => {
    for (const env of ENVS) {
      const namespaces = example.filter((o) => o.path.startsWith(`${env}/tenants/`) && o.object.kind === 'Namespace').map((o) => o.object.metadata.name);
      expect(namespaces.length).toBeGreaterThan(0);
      for (const namespace of namespaces) {
        const inNs = example.filter((o) => o.object.metadata?.namespace === namespace).map((o) => o.object);
        const monitor = inNs.find((o) => o.kind === 'PodMonitor');
        const workload = inNs.find((o) => o.kind === 'Deployment' || o.kind === 'Rollout');
        expect(monitor.spec.podMetricsEndpoints.map((e: any) => [e.port, e.path])).toEqual([['metrics', '/metrics']]);
        const labels = workload.spec.template.metadata.labels;
        for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels)) expect(labels[k]).toBe(v);
        const gateway = workload.spec.template.spec.containers.find((c: any) => c.name === 'gateway');
        expect(gateway.ports.map((p: any) => p.name)).toContain('metrics');
      }
    }
  });

  test('dashboards: false in an environment file renders none, and its project no longer names the monitoring namespace', () => {
    const project = exampleProject();
    const file = path.join(project, 'environments', 'dev.yaml');
    fs.writeFileSync(file, `${fs.readFileSync(file, 'utf8')}dashboards: false\n`);
    const objects = renderProject({ projectDir: project }).files;
    expect(objects.filter((f) => f.path.startsWith('dev/platform/dashboards/') || f.path === 'dev/apps/application-dev-dashboards.yaml')).toEqual([]);
    const platform = objects.find((f) => f.path === 'dev/apps/appproject-dev-platform.yaml')!.object as any;
    expect(platform.spec.destinations.map((d: any) => d.namespace)).not.toContain('monitoring');
    expect(objects.some((f) => f.path.startsWith('prod/platform/dashboards/'))).toBe(true);
  });

  test('the checker catches what it must: an unknown metric, an unknown label, a syntax error', () => {
    expect(queryProblems('rate(http_request_duration_seconds_bucket[5m])')).toEqual(['metric http_request_duration_seconds_bucket is neither exposed nor scraped by the platform']);
    expect(queryProblems('sum by (tenant) (rate(http_requests_total[5m]))')).toEqual([expect.stringContaining('label tenant is not one of')]);
    expect(queryProblems('sum(rate(http_requests_total[5m])')).toEqual([expect.stringContaining('syntax error')]);
  });
});
