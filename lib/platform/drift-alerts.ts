import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/** Props of {@link DriftAlerts}. */
export interface DriftAlertsProps {
  /** Environment name: its Applications are named `<env>-...`. */
  readonly envName: string;
  /** Namespace of the cluster's Prometheus Operator rules (the monitoring namespace). */
  readonly namespace: string;
  /** Minutes an Application stays OutOfSync before the alert fires (`for:`). */
  readonly minutes: number;
  /** Labels the Prometheus rule selector picks (kube-prometheus-stack: `release: <release name>`). */
  readonly ruleLabels: Readonly<Record<string, string>>;
}

/** Name of the drift alert. */
export const DRIFT_ALERT = 'StoaApplicationOutOfSync';

/** Name of the alert that the drift alert's metrics are missing. */
export const METRICS_ABSENT_ALERT = 'StoaArgoCdMetricsAbsent';

/**
 * The drift alert of an environment: a PrometheusRule on Argo CD's `argocd_app_info` that fires when
 * one of the environment's Applications has been OutOfSync for `minutes` without a break (`for:`),
 * labelled `environment` and `severity` for Alertmanager's routes. Argo CD keeps no time of the change
 * to OutOfSync, so a notifications trigger can only measure from the last sync; Prometheus measures
 * the drift itself. A second alert fires when the series is absent, so a Prometheus that does not
 * have Argo CD's metrics is reported rather than silent.
 */
export class DriftAlerts extends Construct {
  constructor(scope: Construct, id: string, props: DriftAlertsProps) {
    super(scope, id);
    const apps = `${props.envName}-.+`;
    new ApiObject(this, 'Resource', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: `stoa-${props.envName}-argocd-drift`, namespace: props.namespace, labels: { ...props.ruleLabels } },
      spec: {
        groups: [{
          name: `stoa-${props.envName}-argocd`,
          rules: [{
            alert: DRIFT_ALERT,
            expr: `max by (name, project) (argocd_app_info{name=~"${apps}", sync_status="OutOfSync"}) == 1`,
            for: `${props.minutes}m`,
            labels: { severity: 'warning', environment: props.envName },
            annotations: {
              summary: `{{ $labels.name }} has been out of sync for ${props.minutes} minutes`,
              description: `Argo CD Application {{ $labels.name }} (project {{ $labels.project }}) of ${props.envName} has differed from git for ${props.minutes} minutes: `
                + 'a change waiting for its sync, or drift that a sync did not correct.',
            },
          }, {
            // Without Argo CD's metrics the rule above can never fire: say so instead of staying silent.
            alert: METRICS_ABSENT_ALERT,
            expr: `absent(argocd_app_info{name=~"${apps}"})`,
            for: '15m',
            labels: { severity: 'warning', environment: props.envName },
            annotations: {
              summary: `No Argo CD metrics for ${props.envName}: its drift alert cannot fire`,
              description: `This Prometheus has no argocd_app_info series for ${props.envName}'s Applications: scrape Argo CD's application controller (argocd-metrics:8082), or federate the series from the cluster where Argo CD runs.`,
            },
          }],
        }],
      },
    });
  }
}
