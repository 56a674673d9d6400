import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';

/*
 * Grafana dashboards of an environment, as ConfigMaps the Grafana sidecar loads (label
 * `grafana_dashboard: "1"`): Argo CD sync and health per Application, canary analysis runs, and each
 * tenant's gateway traffic. Every query names only metrics of PLATFORM_METRICS, each with where it
 * comes from; the tests parse every query and hold them to it.
 */

/** A metric the dashboards read: who exposes it, who must scrape it, and the labels the queries use. */
export interface PlatformMetric {
  /** Where it comes from, and what must scrape it. */
  readonly source: string;
  /** Its labels the dashboards may select or group by. */
  readonly labels: readonly string[];
}

/** Every metric a dashboard query may name. */
export const PLATFORM_METRICS: Readonly<Record<string, PlatformMetric>> = {
  http_requests_total: {
    source: 'the stoa-gateway (counter on /metrics, port 9090), scraped through each tenant\'s PodMonitor (rendered)',
    labels: ['namespace', 'pod', 'container', 'code'],
  },
  argocd_app_info: {
    source: 'Argo CD\'s application controller (argocd-metrics:8082); the Argo CD install must be scraped',
    labels: ['name', 'namespace', 'project', 'sync_status', 'health_status', 'dest_namespace', 'dest_server'],
  },
  argocd_app_sync_total: {
    source: 'Argo CD\'s application controller (argocd-metrics:8082)',
    labels: ['name', 'namespace', 'project', 'phase'],
  },
  analysis_run_info: {
    source: 'the Argo Rollouts controller (port 8090); the Rollouts install must be scraped',
    labels: ['name', 'namespace', 'exported_namespace', 'phase'],
  },
  analysis_run_metric_phase: {
    source: 'the Argo Rollouts controller (port 8090)',
    labels: ['name', 'namespace', 'exported_namespace', 'metric', 'phase', 'type'],
  },
  nginx_ingress_controller_request_duration_seconds_bucket: {
    source: 'the ingress-nginx controller (port 10254): the latency of each tenant\'s requests as its Ingress serves them (the gateway exposes no latency of its own)',
    labels: ['namespace', 'exported_namespace', 'ingress', 'status', 'le'],
  },
};

/*
 * The Argo Rollouts and ingress-nginx controllers label each series with the namespace of the object
 * it is about, but are scraped in their own namespace: unless the scrape honours their labels
 * (honorLabels: true), Prometheus keeps theirs as `exported_namespace` and sets `namespace` to the
 * controller's. Their queries read either, so they work with both scrape settings.
 */
function eitherNamespace(metric: string, pattern: string, rest = ''): { exported: string; own: string } {
  return { exported: `${metric}{exported_namespace=~"${pattern}"${rest}}`, own: `${metric}{namespace=~"${pattern}"${rest}}` };
}

/** A panel: a title, a Grafana panel type and its PromQL queries (with their legends). */
interface Panel {
  readonly title: string;
  readonly type: 'timeseries' | 'stat' | 'table';
  readonly unit?: string;
  readonly targets: ReadonlyArray<{ readonly expr: string; readonly legend: string }>;
}

/** Props of {@link Dashboards}. */
export interface DashboardsProps {
  /** The environment: its Argo CD names start with `<env>-`. */
  readonly envName: string;
  /** Namespace the ConfigMaps go to (where the Grafana sidecar looks). */
  readonly namespace: string;
  /**
   * Whether the environment runs canaries (Argo Rollouts): the analysis dashboard is rendered.
   * @default false
   */
  readonly canary?: boolean;
}

/** The dashboards of one environment, one ConfigMap each. */
export class Dashboards extends Construct {
  constructor(scope: Construct, id: string, props: DashboardsProps) {
    super(scope, id);
    const apps = `name=~"${props.envName}-.*"`;
    const tenants = 'namespace=~"$tenant"';
    this.dashboard(props, 'argocd', `STOA / ${props.envName} / Argo CD sync and health`, [], [
      { title: 'Applications by sync status', type: 'stat', targets: [{ expr: `count by (sync_status) (argocd_app_info{${apps}})`, legend: '{{sync_status}}' }] },
      { title: 'Applications by health', type: 'stat', targets: [{ expr: `count by (health_status) (argocd_app_info{${apps}})`, legend: '{{health_status}}' }] },
      {
        title: 'Applications out of sync or not healthy',
        type: 'table',
        targets: [{ expr: `max by (name, sync_status, health_status) (argocd_app_info{${apps},sync_status!="Synced"} or argocd_app_info{${apps},health_status!="Healthy"})`, legend: '{{name}}' }],
      },
      { title: 'Syncs per hour by result', type: 'timeseries', targets: [{ expr: `sum by (name, phase) (increase(argocd_app_sync_total{${apps}}[1h]))`, legend: '{{name}} {{phase}}' }] },
    ]);
    const runs = eitherNamespace('analysis_run_info', 'tenant-.*');
    const failed = eitherNamespace('analysis_run_metric_phase', 'tenant-.*', ',phase=~"Failed|Error|Inconclusive"');
    const latency = eitherNamespace('nginx_ingress_controller_request_duration_seconds_bucket', '$tenant');
    if (props.canary) {
      this.dashboard(props, 'canary-analysis', `STOA / ${props.envName} / Canary analysis`, [], [
        { title: 'Analysis runs by phase', type: 'stat', targets: [{ expr: `count by (phase) (${runs.exported} == 1 or ${runs.own} == 1)`, legend: '{{phase}}' }] },
        {
          title: 'Analysis metrics that failed or errored',
          type: 'table',
          targets: [{
            expr: `max by (exported_namespace, namespace, name, metric, phase) (${failed.exported} == 1 or ${failed.own} == 1)`,
            legend: '{{exported_namespace}}{{namespace}} {{metric}}',
          }],
        },
      ]);
    }
    const tenantVariable = {
      name: 'tenant', label: 'Tenant namespace', type: 'query', multi: true, includeAll: true, refresh: 2,
      query: 'label_values(http_requests_total{container="gateway",namespace=~"tenant-.*"}, namespace)',
    };
    // Requests per second of the selected tenants' gateways, all of them and those answered with a 5xx.
    const rate = (extra = '') => `sum by (namespace) (rate(http_requests_total{container="gateway",${tenants}${extra}}[5m]))`;
    this.dashboard(props, 'tenant-gateways', `STOA / ${props.envName} / Tenant gateways`, [tenantVariable], [
      { title: 'Requests per second', type: 'timeseries', unit: 'reqps', targets: [{ expr: rate(), legend: '{{namespace}}' }] },
      {
        title: 'Error rate (5xx)',
        type: 'timeseries',
        unit: 'percentunit',
        targets: [{
          expr: `${rate(',code=~"5.."')} / ${rate()}`,
          legend: '{{namespace}}',
        }],
      },
      {
        title: 'Latency p95 at the ingress',
        type: 'timeseries',
        unit: 's',
        // The tenant's namespace in `namespace` either way: copied from exported_namespace where the scrape renamed it.
        targets: [{
          expr: `histogram_quantile(0.95, sum by (namespace, le) (label_replace(rate(${latency.exported}[5m]), "namespace", "$1", "exported_namespace", "(.+)") or rate(${latency.own}[5m])))`,
          legend: '{{namespace}}',
        }],
      },
    ]);
  }

  private dashboard(props: DashboardsProps, id: string, title: string, variables: object[], panels: readonly Panel[]): void {
    const uid = `stoa-${props.envName}-${id}`;
    const model = {
      uid,
      title,
      tags: ['stoa', props.envName],
      timezone: 'utc',
      schemaVersion: 39,
      time: { from: 'now-6h', to: 'now' },
      templating: {
        list: [
          { name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus' },
          ...variables.map((v) => ({ ...v, datasource: { type: 'prometheus', uid: '${datasource}' } })),
        ],
      },
      panels: panels.map((p, i) => ({
        id: i + 1,
        title: p.title,
        type: p.type,
        datasource: { type: 'prometheus', uid: '${datasource}' },
        gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
        ...(p.unit ? { fieldConfig: { defaults: { unit: p.unit }, overrides: [] } } : {}),
        targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), expr: t.expr, legendFormat: t.legend, ...(p.type === 'table' ? { format: 'table', instant: true } : {}) })),
      })),
    };
    new k8s.KubeConfigMap(this, id, {
      metadata: { name: `grafana-dashboard-${uid}`, namespace: props.namespace, labels: { grafana_dashboard: '1' } },
      data: { [`${uid}.json`]: `${JSON.stringify(model, null, 2)}\n` },
    });
  }
}
