import { Construct } from 'constructs';
import { AnalysisTemplate, AnalysisTemplateSpecMetricsFailureLimit } from '../../imports/rollouts-analysistemplate-argoproj.io';
import { Delivery } from './delivery';

/** Name of the AnalysisTemplate of a workload. */
export function analysisTemplateName(workload: string): string {
  return `${workload}-success-rate`;
}

/**
 * The `strategy.canary` of a Rollout: setWeight and pause for each step below
 * 100, with a background analysis from the first step on.
 */
export function canaryStrategy(delivery: Delivery, workload: string, namespace: string): Record<string, unknown> {
  const canary = delivery.canary!;
  return {
    steps: canary.steps.filter((w) => w < 100).flatMap((w) => [{ setWeight: w }, { pause: { duration: canary.pause } }]),
    analysis: {
      templates: [{ templateName: analysisTemplateName(workload) }],
      startingStep: 1,
      args: [{ name: 'service', value: workload }, { name: 'namespace', value: namespace }],
    },
  };
}

/**
 * The AnalysisTemplate that keeps a canary honest: the share of non-5xx
 * responses of the workload's Service, from Prometheus. No traffic is not a
 * failure; too many failed measurements abort the rollout.
 */
export function addSuccessRateAnalysis(scope: Construct, delivery: Delivery, metadata: { name: string; namespace: string; labels: Record<string, string> }): void {
  const { analysis } = delivery.canary!;
  const selector = 'namespace="{{args.namespace}}",service="{{args.service}}"';
  new AnalysisTemplate(scope, 'Analysis', {
    metadata: { ...metadata, name: analysisTemplateName(metadata.name) },
    spec: {
      args: [{ name: 'service' }, { name: 'namespace' }],
      metrics: [{
        name: 'success-rate',
        interval: analysis.interval,
        failureLimit: AnalysisTemplateSpecMetricsFailureLimit.fromNumber(analysis.failureLimit),
        successCondition: `len(result) == 0 || isNaN(result[0]) || result[0] >= ${analysis.successRate}`,
        provider: {
          prometheus: {
            address: analysis.prometheusAddress,
            query: `sum(rate(http_requests_total{${selector},code!~"5.."}[2m])) / sum(rate(http_requests_total{${selector}}[2m]))`,
          },
        },
      }],
    },
  });
}
