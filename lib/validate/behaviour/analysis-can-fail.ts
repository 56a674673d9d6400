import { compareStrings } from '../../sort';
import { containersOf, environmentOf, ObjectInFile, PolicyRule, podSpecOf, Violation } from '../policy';

/** A field that should be a list, as one: rules also run on objects whose schema check failed. */
const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

type Labels = Readonly<Record<string, string>>;
type Finding = Omit<Violation, 'rule'>;

/**
 * Whether a Kubernetes label selector (`matchLabels` and `matchExpressions`, ANDed) selects `labels`.
 * An empty selector selects everything; an unknown operator selects nothing.
 */
export function matchesLabelSelector(selector: any, labels: Labels): boolean {
  const matchLabels = Object.entries((selector?.matchLabels ?? {}) as Record<string, unknown>);
  if (!matchLabels.every(([key, value]) => labels[key] === value)) return false;
  return list(selector?.matchExpressions).every((e) => {
    const values: unknown[] = list(e?.values);
    const has = typeof e?.key === 'string' && Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e?.operator) {
      case 'In': return has && values.includes(labels[e.key]);
      case 'NotIn': return !has || !values.includes(labels[e.key]);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: return false;
    }
  });
}

// ---------------------------------------------------------------------------
// Conditions: can a measurement fail, and what does no data measure?
// Argo Rollouts (utils/evaluate): neither condition -> Successful; successCondition only -> Failed
// when false; failureCondition only -> Successful when false; both -> Failed when the failure
// condition holds, Successful when only the success condition holds, Inconclusive otherwise.
// ---------------------------------------------------------------------------

/** The expression with expr-lang's word operators as symbols and without whitespace, for pattern matching. */
function normalize(expression: string): string {
  return expression
    .replace(/\bor\b/g, '||')
    .replace(/\band\b/g, '&&')
    .replace(/\bnot\s+/g, '!')
    .replace(/\s+/g, '');
}

/** Whether `text` is one parenthesised group, e.g. `(a||b)` but not `(a)||(b)`. */
function isWrapped(text: string): boolean {
  if (!text.startsWith('(') || !text.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    if (depth === 0 && i < text.length - 1) return false;
  }
  return true;
}

/**
 * The top-level operands of `op` in a normalized expression, parentheses around an
 * operand removed and nested groups of the same operator flattened:
 * `(a||b)||c` gives a, b, c.
 */
function operands(expression: string, op: '||' | '&&'): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (quote) {
      if (c === quote && expression[i - 1] !== '\\') quote = undefined;
    } else if (c === '"' || c === '\'') {
      quote = c;
    } else if (c === '(' || c === '[') {
      depth++;
    } else if (c === ')' || c === ']') {
      depth--;
    } else if (depth === 0 && expression.startsWith(op, i)) {
      parts.push(expression.slice(start, i));
      start = i + op.length;
      i += op.length - 1;
    }
  }
  parts.push(expression.slice(start));
  if (parts.length === 1) {
    const inner = unwrap(expression);
    return inner === expression ? [expression] : operands(inner, op);
  }
  return parts.flatMap((p) => operands(p, op));
}

/** `text` without the parentheses around all of it: `((a))` gives `a`. */
function unwrap(text: string): string {
  return isWrapped(text) ? unwrap(text.slice(1, -1)) : text;
}

/** Operands that hold when the query returns nothing (an empty vector) or NaN (0/0 without requests). */
const NO_DATA = [
  /^len\(result\)(==0|<1|<=0)$/,
  /^0==len\(result\)$/,
  /^!\(len\(result\)>0\)$/,
  /^isNaN\(result(\[0\])?\)$/,
  /^(result==nil|nil==result)$/,
  /^true$/,
];

/** Operands that are false when the query returns nothing or NaN: a guard in front of a comparison. */
const HAS_DATA = [
  /^len\(result\)(>0|>=1|!=0)$/,
  /^!isNaN\(result(\[0\])?\)$/,
  /^(result!=nil|nil!=result)$/,
  /^false$/,
];

/** A default that stands in for missing data and passes, e.g. `(result[0] ?? 1) >= 0.99` or `?? true`. */
function passingDefault(operand: string): boolean {
  if (/\?\?true\b/.test(operand)) return true;
  const m = /^\(result(?:\[0\])?\?\?(-?[\d.]+)\)(>=|<=|==|!=|>|<)(-?[\d.]+)$/.exec(operand);
  if (!m) return false;
  const [value, op, bound] = [Number(m[1]), m[2], Number(m[3])];
  switch (op) {
    case '>=': return value >= bound;
    case '<=': return value <= bound;
    case '>': return value > bound;
    case '<': return value < bound;
    case '==': return value === bound;
    default: return value !== bound;
  }
}

/** The operand of `condition` that makes it true without data, if there is one. */
export function trueOnNoData(condition: string): string | undefined {
  return operands(normalize(condition), '||').find((o) => NO_DATA.some((p) => p.test(o)) || passingDefault(o));
}

/** Whether `condition` is false without data: one of its top-level `&&` operands is a has-data guard. */
export function falseOnNoData(condition: string): boolean {
  return operands(normalize(condition), '&&').some((o) => HAS_DATA.some((p) => p.test(o)));
}

/** An integer field (int or numeric string); undefined when absent or an unresolved `{{args.x}}`. */
function integerOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

/** Whether a `dryRun` entry names the metric (Argo Rollouts accepts a regular expression, e.g. `.*`). */
function inDryRun(dryRun: unknown, metric: string): boolean {
  return list(dryRun).some((d) => {
    if (typeof d?.metricName !== 'string') return false;
    if (d.metricName === metric) return true;
    try {
      return new RegExp(`^(?:${d.metricName})$`).test(metric);
    } catch {
      return false;
    }
  });
}

/** Providers that decide success themselves (a Job's exit code, Kayenta's thresholds): no condition needed. */
const SELF_JUDGING_PROVIDERS = new Set(['job', 'kayenta']);

/** Why `metric` cannot fail, or why no data passes it; empty when it can fail. */
function conditionProblems(metric: any, templateDryRun: unknown): string[] {
  const provider = Object.keys(metric?.provider ?? {})[0] ?? 'none';
  const success: string | undefined = typeof metric?.successCondition === 'string' && metric.successCondition.trim() !== '' ? metric.successCondition : undefined;
  const failure: string | undefined = typeof metric?.failureCondition === 'string' && metric.failureCondition.trim() !== '' ? metric.failureCondition : undefined;
  const problems: string[] = [];
  if (!SELF_JUDGING_PROVIDERS.has(provider)) {
    if (!success && !failure) {
      problems.push('has no successCondition and no failureCondition, so Argo Rollouts counts every measurement as Successful: add a failureCondition');
    }
    const noDataPasses = success ? trueOnNoData(success) : undefined;
    if (noDataPasses && !(failure && trueOnNoData(failure))) {
      problems.push(`successCondition "${success}" is true without data (${noDataPasses}), so a canary without traffic or metrics passes`
        + `${failure ? ' and the failureCondition does not fail it' : ''}: guard it (len(result) > 0 && !isNaN(result[0]) && ...) so no data is inconclusive, and add a failureCondition`);
    }
    if (!success && failure && falseOnNoData(failure)) {
      problems.push(`failureCondition "${failure}" is false without data and there is no successCondition, so no data counts as Successful: add a guarded successCondition so no data is inconclusive`);
    }
  }
  const failureLimit = integerOf(metric?.failureLimit);
  const count = integerOf(metric?.count);
  if (failureLimit !== undefined && failureLimit < 0) {
    problems.push(`failureLimit ${failureLimit} is negative: it is the number of failed measurements tolerated (default 0)`);
  } else if (failureLimit !== undefined && count !== undefined && count > 0 && failureLimit >= count) {
    problems.push(`failureLimit ${failureLimit} >= count ${count}: the metric fails only after more than ${failureLimit} failed measurements, so it can never fail`);
  }
  if (inDryRun(templateDryRun, metric?.name)) {
    problems.push('is in the template\'s dryRun, so its failure never aborts a rollout');
  }
  return problems;
}

// ---------------------------------------------------------------------------
// Scrape path: something scrapes the pods a query reads.
// ---------------------------------------------------------------------------

/** A pod template of the output, with the labels and container ports of its pods. */
interface PodTemplate {
  readonly source: ObjectInFile;
  readonly namespace: string;
  readonly labels: Labels;
  readonly ports: ReadonlyArray<{ readonly name?: string; readonly containerPort?: number }>;
}

/** Labels of the pods a workload creates. */
function podLabelsOf(object: ObjectInFile['object']): Labels {
  const spec = object.spec as any;
  const labels = object.kind === 'Pod' ? object.metadata.labels
    : object.kind === 'CronJob' ? spec?.jobTemplate?.spec?.template?.metadata?.labels
      : spec?.template?.metadata?.labels;
  return (labels && typeof labels === 'object' ? labels : {}) as Labels;
}

/** What one environment renders that a scrape path runs through. */
interface ScrapeIndex {
  readonly pods: readonly PodTemplate[];
  readonly services: readonly ObjectInFile[];
  readonly monitors: readonly ObjectInFile[];
}

function scrapeIndex(objects: readonly ObjectInFile[]): ScrapeIndex {
  const pods = objects.flatMap((o): PodTemplate[] => {
    const pod = podSpecOf(o.object);
    if (!pod || !o.object.metadata.namespace) return [];
    const ports = containersOf(pod).flatMap((c) => list(c.ports));
    return [{ source: o, namespace: o.object.metadata.namespace, labels: podLabelsOf(o.object), ports }];
  });
  return {
    pods,
    services: objects.filter((o) => o.object.kind === 'Service'),
    monitors: objects.filter((o) => o.object.kind === 'PodMonitor' || o.object.kind === 'ServiceMonitor'),
  };
}

/** Whether a Prometheus Operator monitor scrapes in `namespace`: its own, unless `namespaceSelector` says otherwise. */
function monitorWatches(monitor: ObjectInFile['object'], namespace: string): boolean {
  const selector = (monitor.spec as any)?.namespaceSelector;
  if (selector?.any === true) return true;
  const names = list(selector?.matchNames);
  return names.length > 0 ? names.includes(namespace) : monitor.metadata.namespace === namespace;
}

function describe(o: ObjectInFile): string {
  const { kind, metadata } = o.object;
  return `${kind} ${metadata.namespace ? `${metadata.namespace}/` : ''}${metadata.name}`;
}

/** Whether a pod template declares a container port by name (string) or number. */
function declaresPort(pod: PodTemplate, port: unknown): boolean {
  return pod.ports.some((p) => (typeof port === 'string' ? p.name === port : p.containerPort === port));
}

/** Pod labels a query needs from the monitor's `podTargetLabels` (Prometheus writes `-` as `_`). */
function requiredPodTargetLabels(query: string): string[] {
  return /\brollouts_pod_template_hash\b/.test(query) ? ['rollouts-pod-template-hash'] : [];
}

/** Why a PodMonitor does not scrape pods of `namespace`, or undefined when it does. */
function podMonitorGap(monitor: ObjectInFile, namespace: string, index: ScrapeIndex): string | undefined {
  const spec = monitor.object.spec as any;
  const selected = index.pods.filter((p) => p.namespace === namespace && matchesLabelSelector(spec?.selector ?? {}, p.labels));
  if (selected.length === 0) return `${describe(monitor)} selects no pods of a workload in ${namespace}`;
  const endpointPorts = list(spec?.podMetricsEndpoints).map((e) => e?.port ?? e?.portNumber).filter((p) => p !== undefined);
  if (endpointPorts.length === 0) return `${describe(monitor)} has no podMetricsEndpoints[].port`;
  const served = endpointPorts.some((port) => selected.some((p) => declaresPort(p, port)));
  return served ? undefined
    : `${describe(monitor)} scrapes port ${endpointPorts.map((p) => JSON.stringify(p)).join(', ')}, which ${selected.map((p) => describe(p.source)).join(', ')} does not declare`;
}

/** Why a ServiceMonitor does not scrape pods of `namespace` through a Service, or undefined when it does. */
function serviceMonitorGap(monitor: ObjectInFile, namespace: string, index: ScrapeIndex): string | undefined {
  const spec = monitor.object.spec as any;
  const services = index.services.filter((s) => s.object.metadata.namespace === namespace
    && matchesLabelSelector(spec?.selector ?? {}, (s.object.metadata.labels ?? {}) as Labels));
  if (services.length === 0) return `${describe(monitor)} selects no Service in ${namespace}`;
  const endpointPorts = list(spec?.endpoints).map((e) => e?.port).filter((p): p is string => typeof p === 'string');
  if (endpointPorts.length === 0) return `${describe(monitor)} has no endpoints[].port naming a Service port`;
  for (const service of services) {
    const sspec = service.object.spec as any;
    const selector = sspec?.selector;
    // A Service without a selector has hand-made endpoints: no pod template of the output behind it.
    if (!selector || Object.keys(selector).length === 0) continue;
    const pods = index.pods.filter((p) => p.namespace === namespace && matchesLabelSelector({ matchLabels: selector }, p.labels));
    for (const servicePort of list(sspec?.ports).filter((p) => endpointPorts.includes(p?.name))) {
      const target = servicePort.targetPort ?? servicePort.port;
      if (pods.some((p) => declaresPort(p, target))) return undefined;
    }
  }
  return `${describe(monitor)} scrapes Service port ${endpointPorts.join(', ')}, which no selected Service maps to a declared container port`;
}

/** Why nothing scrapes `namespace` for `query`, or undefined when a monitor scrapes a workload there. */
function scrapeGap(namespace: string, query: string, index: ScrapeIndex): string | undefined {
  const watching = index.monitors.filter((m) => monitorWatches(m.object, namespace));
  const reasons: string[] = [];
  for (const monitor of watching) {
    const gap = monitor.object.kind === 'PodMonitor' ? podMonitorGap(monitor, namespace, index) : serviceMonitorGap(monitor, namespace, index);
    if (gap) {
      reasons.push(gap);
      continue;
    }
    const carried = list((monitor.object.spec as any)?.podTargetLabels);
    const missing = requiredPodTargetLabels(query).filter((l) => !carried.includes(l));
    if (missing.length === 0) return undefined;
    reasons.push(`${describe(monitor)} has no podTargetLabels ${missing.join(', ')}, which the query matches on`);
  }
  const why = reasons.length > 0 ? ` (${reasons.join('; ')})` : '';
  return `no PodMonitor or ServiceMonitor of the output scrapes a workload in ${namespace} by a container port it declares${why}: `
    + 'add a PodMonitor selecting the pods, with podMetricsEndpoints[].port naming their metrics port';
}

/** The values of the query's exact `namespace="..."` matchers, each once. */
function namespaceMatchers(query: string): string[] {
  const values = [...query.matchAll(/(?<![\w.])namespace\s*=(?![=~])\s*"([^"]*)"/g)].map((m) => m[1]);
  return [...new Set(values)];
}

/** `{{args.name}}` (spaces allowed) replaced by `resolve(name)`. */
function substituteArgs(text: string, resolve: (name: string) => string): string {
  return text.replace(/\{\{\s*args\.([\w.-]+)\s*\}\}/g, (_, name: string) => resolve(name));
}

/** Whether the query reads `{{args.name}}`. */
function usesArg(query: string, name: string): boolean {
  return substituteArgs(query, (n) => (n === name ? '\u0000' : '')).includes('\u0000');
}

/** The namespaces a query reads: its `namespace="..."` matchers, else the namespace it runs for. */
function namespacesRead(query: string, resolveArg: (name: string) => string, runsIn: string): string[] {
  const matchers = namespaceMatchers(query).map((v) => substituteArgs(v, resolveArg));
  return matchers.length > 0 ? matchers : [runsIn];
}

// ---------------------------------------------------------------------------
// Templates and the Rollouts that use them.
// ---------------------------------------------------------------------------

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
    const name = `metric "${metric?.name}" of ${describe(template)}`;
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
      message: `metric "${metric?.name}" of ${describe(template)} does not measure the canary pods of ${describe(use.rollout)} (${use.rollout.path}): ${missing}; `
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
      message: `${describe(use.rollout)} runs metric "${metric?.name}" of ${describe(template)} (${template.path}) in dryRun, so its failure never aborts the rollout`,
    }));
}

/** Findings of a KEDA prometheus trigger whose query reads a namespace nothing scrapes. */
function scalerFindings(scaler: ObjectInFile, index: ScrapeIndex): Finding[] {
  const namespace = scaler.object.metadata.namespace ?? '';
  return list((scaler.object.spec as any)?.triggers).flatMap((trigger, i): Finding[] => {
    const query = trigger?.metadata?.query;
    if (trigger?.type !== 'prometheus' || typeof query !== 'string' || namespace === '') return [];
    const label = `trigger ${trigger.name ? `"${trigger.name}" ` : ''}(triggers[${i}], prometheus) of ${describe(scaler)}`;
    return namespacesRead(query, () => namespace, namespace).flatMap((read) => {
      const gap = scrapeGap(read, query, index);
      return gap ? [{ file: scaler.path, message: `${label} reads namespace ${read}, but ${gap}` }] : [];
    });
  });
}

function byEnvironment(objects: readonly ObjectInFile[]): Map<string, ObjectInFile[]> {
  const envs = new Map<string, ObjectInFile[]>();
  for (const o of [...objects].sort((a, b) => compareStrings(a.path, b.path))) {
    const env = environmentOf(o.path);
    envs.set(env, [...(envs.get(env) ?? []), o]);
  }
  return envs;
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
  check: ({ objects }) => {
    const out: Finding[] = [];
    for (const envObjects of byEnvironment(objects).values()) {
      const index = scrapeIndex(envObjects);
      const uses = envObjects.filter((o) => o.object.kind === 'Rollout').flatMap(analysisBlocksOf);
      const templates = envObjects.filter((o) => TEMPLATE_KINDS.has(o.object.kind));
      for (const template of templates) {
        out.push(...templateFindings(template, uses.filter((u) => references(u, template)), index));
      }
      // A Rollout may name a template in its background analysis and in a step: report each finding once.
      const reported = new Set<string>();
      for (const use of uses) {
        for (const template of templates.filter((t) => references(use, t))) {
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
