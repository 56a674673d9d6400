import { compareStrings } from '../../../sort';
import { ObjectInFile, PolicyRule } from '../../policy';
import { list, pushTo } from '../../model/fields';
import { describeObject, Finding } from '../../model/findings';
import { indexOf } from '../../model/context-index';
import { conditionProblems, inDryRun } from './conditions';
import { namespacesRead, scrapeGap, ScrapeIndex, scrapeIndex, usesArg } from './scrape-path';

/*
 * The analysis-can-fail rule: the templates and the Rollouts that use them. The parts: conditions
 * (whether a metric's conditions can fail, and what no data gives) and scrape-path (whether something
 * scrapes the pods a query reads).
 */

export { falseOnNoData, trueOnNoData } from './conditions';

const TEMPLATE_KINDS = new Set(['AnalysisTemplate', 'ClusterAnalysisTemplate']);

/** An `analysis` block of a Rollout (background, step, or blue-green), and whether it gates a canary. */
interface AnalysisUse {
  readonly rollout: ObjectInFile;
  readonly block: any;
  readonly canary: boolean;
}

function analysisBlocksOf(rollout: ObjectInFile): AnalysisUse[] {
  const strategy = (rollout.object.spec as any)?.strategy;
  const canary = [strategy?.canary?.analysis, ...list(strategy?.canary?.steps).map((s) => s?.analysis)];
  const blueGreen = [strategy?.blueGreen?.prePromotionAnalysis, strategy?.blueGreen?.postPromotionAnalysis];
  return [
    ...canary.filter((b) => b && typeof b === 'object').map((block) => ({ rollout, block, canary: true })),
    ...blueGreen.filter((b) => b && typeof b === 'object').map((block) => ({ rollout, block, canary: false })),
  ];
}

/** Whether an analysis block names `template` (a ClusterAnalysisTemplate with `clusterScope: true`). */
function references(use: AnalysisUse, template: ObjectInFile): boolean {
  const cluster = template.object.kind === 'ClusterAnalysisTemplate';
  return list(use.block.templates).some((t) => t?.templateName === template.object.metadata.name
    && (t?.clusterScope === true) === cluster
    && (cluster || use.rollout.object.metadata.namespace === template.object.metadata.namespace));
}

/** The value an analysis block gives an arg: a literal, the Rollout's namespace by fieldRef, or undefined. */
function argValue(use: AnalysisUse, name: string): string | undefined {
  const arg = list(use.block.args).find((a) => a?.name === name);
  if (typeof arg?.value === 'string') return arg.value;
  if (arg?.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') return use.rollout.object.metadata.namespace;
  return undefined;
}

function templateDefault(template: ObjectInFile, name: string): string | undefined {
  const arg = list((template.object.spec as any)?.args).find((a) => a?.name === name);
  return typeof arg?.value === 'string' ? arg.value : undefined;
}

function prometheusQuery(metric: any): string | undefined {
  const query = metric?.provider?.prometheus?.query;
  return typeof query === 'string' ? query : undefined;
}

/** Findings of one template: its metrics' conditions, and a scrape path for each namespace a query reads. */
function templateFindings(template: ObjectInFile, uses: readonly AnalysisUse[], index: ScrapeIndex): Finding[] {
  const spec = template.object.spec as any;
  const out: Finding[] = [];
  for (const metric of list(spec?.metrics)) {
    const name = `metric "${metric?.name}" of ${describeObject(template)}`;
    for (const problem of conditionProblems(metric, spec?.dryRun)) out.push({ file: template.path, message: `${name} ${problem}` });
    const query = prometheusQuery(metric);
    if (query === undefined) continue;
    // Where the query runs: for each Rollout that uses the template, else where the template lives.
    const runs = uses.length > 0
      ? uses.map((u) => ({ namespace: u.rollout.object.metadata.namespace ?? '', arg: (n: string) => argValue(u, n) }))
      : [{ namespace: template.object.metadata.namespace ?? '', arg: (_: string) => undefined as string | undefined }];
    const gaps = new Set<string>();
    for (const run of runs.filter((r) => r.namespace !== '')) {
      for (const namespace of namespacesRead(query, (n) => run.arg(n) ?? templateDefault(template, n) ?? run.namespace, run.namespace)) {
        const gap = scrapeGap(namespace, query, index);
        if (gap) gaps.add(`${name} reads namespace ${namespace}, but ${gap}`);
      }
    }
    for (const message of [...gaps].sort(compareStrings)) out.push({ file: template.path, message });
  }
  return out;
}

/** Findings of a canary analysis that does not select the canary's pods by their pod-template-hash. */
function canaryFindings(use: AnalysisUse, template: ObjectInFile): Finding[] {
  const hashArgs = list(use.block.args)
    .filter((a) => a?.valueFrom?.podTemplateHashValue === 'Latest' && typeof a?.name === 'string')
    .map((a) => a.name as string);
  return list((template.object.spec as any)?.metrics).flatMap((metric): Finding[] => {
    const query = prometheusQuery(metric);
    if (query === undefined || hashArgs.some((a) => usesArg(query, a))) return [];
    const missing = hashArgs.length === 0
      ? 'the Rollout passes no arg with valueFrom.podTemplateHashValue: Latest'
      : `its query does not use ${hashArgs.map((a) => `{{args.${a}}}`).join(' or ')}`;
    return [{
      file: template.path,
      message: `metric "${metric?.name}" of ${describeObject(template)} does not measure the canary pods of ${describeObject(use.rollout)} (${use.rollout.path}): ${missing}; `
        + 'a query over the whole Service dilutes the canary\'s errors with the stable pods\' traffic: '
        + 'pass an arg from podTemplateHashValue: Latest and match rollouts_pod_template_hash on it',
    }];
  });
}

/** Findings of metrics a Rollout's analysis block runs in dryRun: their failure never aborts the rollout. */
function dryRunFindings(use: AnalysisUse, template: ObjectInFile): Finding[] {
  return list((template.object.spec as any)?.metrics)
    .filter((metric) => inDryRun(use.block.dryRun, metric?.name))
    .map((metric) => ({
      file: use.rollout.path,
      message: `${describeObject(use.rollout)} runs metric "${metric?.name}" of ${describeObject(template)} (${template.path}) in dryRun, so its failure never aborts the rollout`,
    }));
}

/** Findings of a KEDA prometheus trigger whose query reads a namespace nothing scrapes. */
function scalerFindings(scaler: ObjectInFile, index: ScrapeIndex): Finding[] {
  const namespace = scaler.object.metadata.namespace ?? '';
  return list((scaler.object.spec as any)?.triggers).flatMap((trigger, i): Finding[] => {
    const query = trigger?.metadata?.query;
    if (trigger?.type !== 'prometheus' || typeof query !== 'string' || namespace === '') return [];
    const label = `trigger ${trigger.name ? `"${trigger.name}" ` : ''}(triggers[${i}], prometheus) of ${describeObject(scaler)}`;
    return namespacesRead(query, () => namespace, namespace).flatMap((read) => {
      const gap = scrapeGap(read, query, index);
      return gap ? [{ file: scaler.path, message: `${label} reads namespace ${read}, but ${gap}` }] : [];
    });
  });
}

/**
 * Every analysis metric can fail and reads metrics something scrapes:
 * - each AnalysisTemplate / ClusterAnalysisTemplate metric has a success or failure condition,
 *   no data is never a success, and failureLimit / count / dryRun leave it able to fail;
 * - each prometheus query (of a template, or of a KEDA ScaledObject / ScaledJob trigger) reads a
 *   namespace with a PodMonitor or ServiceMonitor that reaches a declared container port of a workload;
 * - a Rollout's canary analysis selects the canary's pods by an arg from `podTemplateHashValue: Latest`.
 */
export const analysisCanFail: PolicyRule = {
  id: 'analysis-can-fail',
  reason: 'a canary analysis must be able to fail: conditions where no data is not success, and metrics that something scrapes from the canary pods',
  check: (context) => {
    const out: Finding[] = [];
    for (const env of indexOf(context).environments.values()) {
      const envObjects = env.objects;
      const index = scrapeIndex(env);
      const uses = (env.byKind.get('Rollout') ?? []).flatMap(analysisBlocksOf);
      const templates = envObjects.filter((o) => TEMPLATE_KINDS.has(o.object.kind));
      // Candidates by template name (references() needs the name to match), so pairs are not tried all against all.
      const byName = new Map<unknown, number[]>();
      templates.forEach((t, i) => pushTo(byName, t.object.metadata.name, i));
      const usesOf = templates.map((): AnalysisUse[] => []);
      const templatesOf = uses.map((use) => {
        const candidates = [...new Set(list(use.block.templates).flatMap((t) => byName.get(t?.templateName) ?? []))].sort((a, b) => a - b);
        return candidates.filter((i) => references(use, templates[i]));
      });
      uses.forEach((use, u) => templatesOf[u].forEach((i) => usesOf[i].push(use)));
      templates.forEach((template, i) => out.push(...templateFindings(template, usesOf[i], index)));
      // A Rollout may name a template in its background analysis and in a step: report each finding once.
      const reported = new Set<string>();
      for (const [u, use] of uses.entries()) {
        for (const template of templatesOf[u].map((i) => templates[i])) {
          const findings = [...(use.canary ? canaryFindings(use, template) : []), ...dryRunFindings(use, template)];
          for (const finding of findings) {
            if (!reported.has(finding.message)) out.push(finding);
            reported.add(finding.message);
          }
        }
      }
      for (const scaler of envObjects.filter((o) => o.object.kind === 'ScaledObject' || o.object.kind === 'ScaledJob')) {
        out.push(...scalerFindings(scaler, index));
      }
    }
    return out;
  },
};