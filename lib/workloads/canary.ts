import { Construct } from 'constructs';
import { AnalysisTemplate, AnalysisTemplateSpecMetricsFailureLimit, AnalysisTemplateSpecMetricsInconclusiveLimit } from '../../imports/rollouts-analysistemplate-argoproj.io';
import { ROLLOUT_SURGE_PERCENT } from '../config/tiers';
import { Delivery } from './delivery';

/** Name of the AnalysisTemplate of a workload. */
export function analysisTemplateName(workload: string): string {
  return `${workload}-success-rate`;
}

/** Series label of the canary's revision (the pod label `rollouts-pod-template-hash`, as Prometheus writes it). */
export const REVISION_SERIES_LABEL = 'rollouts_pod_template_hash';

/**
 * The `strategy.canary` of a Rollout: setWeight and pause for each step below
 * 100, with a background analysis of the canary's own pods from the first step
 * on. Surge as a Deployment's (25%, none unavailable), so quotas hold.
 */
export function canaryStrategy(delivery: Delivery, workload: string, namespace: string): Record<string, unknown> {
  const canary = delivery.canary!;
  return {
    maxSurge: `${ROLLOUT_SURGE_PERCENT}%`,
    maxUnavailable: 0,
    steps: canary.steps.filter((w) => w < 100).flatMap((w) => [{ setWeight: w }, { pause: { duration: canary.pause } }]),
    analysis: {
      templates: [{ templateName: analysisTemplateName(workload) }],
      startingStep: 1,
      args: [
        { name: 'namespace', value: namespace },
        { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
      ],
    },
  };
}

/**
 * The AnalysisTemplate that keeps a canary honest: the share of non-5xx
 * responses of the canary's own pods, from Prometheus. It fails when the share
 * is below the bar (a canary answering only 5xx measures 0); too few requests
 * (or none, or no series at all) make a measurement inconclusive, never a
 * success: the Rollout pauses for a person rather than promoting a version
 * nobody measured.
 */
export function addSuccessRateAnalysis(scope: Construct, delivery: Delivery, metadata: { name: string; namespace: string; labels: Record<string, string> }): void {
  const { analysis } = delivery.canary!;
  const selector = `namespace="{{args.namespace}}",${REVISION_SERIES_LABEL}="{{args.canary-hash}}"`;
  const window = '[2m]';
  const total = `sum(increase(${analysis.metric}{${selector}}${window}))`;
  // 1 - errors/all, with no 5xx series counted as 0 errors: a canary answering only 5xx has
  // no non-5xx series at all, and a ratio over those would be empty (inconclusive), not 0.
  const errors = `(sum(rate(${analysis.metric}{${selector},code=~"5.."}${window})) or on() vector(0))`;
  const rate = `1 - ${errors} / sum(rate(${analysis.metric}{${selector}}${window}))`;
  const measured = 'len(result) > 0 && !isNaN(result[0])';
  new AnalysisTemplate(scope, 'Analysis', {
    metadata: { ...metadata, name: analysisTemplateName(metadata.name) },
    spec: {
      args: [{ name: 'namespace' }, { name: 'canary-hash' }],
      metrics: [{
        name: 'success-rate',
        // The first scrape of the new pods lands within a window; measuring before it is measuring nothing.
        initialDelay: '2m',
        interval: analysis.interval,
        failureLimit: AnalysisTemplateSpecMetricsFailureLimit.fromNumber(analysis.failureLimit),
        inconclusiveLimit: AnalysisTemplateSpecMetricsInconclusiveLimit.fromNumber(analysis.inconclusiveLimit),
        successCondition: `${measured} && result[0] >= ${analysis.successRate}`,
        failureCondition: `${measured} && result[0] < ${analysis.successRate}`,
        provider: {
          prometheus: {
            address: analysis.prometheusAddress,
            // Empty unless the canary served at least minRequests in the window.
            query: `(${rate}) and on() (${total} >= ${analysis.minRequests})`,
          },
        },
      }],
    },
  });
}
