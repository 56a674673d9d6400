import { ObjectInFile } from '../../policy';
import { EnvironmentIndex } from '../../model/context-index';
import { labelsOf, list, pushTo } from '../../model/fields';
import { describeObject } from '../../model/findings';
import { matchesLabelSelector, matchesServiceSelector } from '../../model/selectors';
import { PodTemplate, podTemplatesOf } from '../../model/workloads';

/*
 * Scrape path: something scrapes the pods a query reads. Namespaces here are the objects' own
 * (`metadata.namespace`): an object that takes its Application's destination is not placed.
 */

/** What one environment renders that a scrape path runs through. */
export interface ScrapeIndex {
  /** Pod templates with a namespace of their own. */
  readonly pods: readonly PodTemplate[];
  /** Services. */
  readonly services: readonly ObjectInFile[];
  /** PodMonitors and ServiceMonitors. */
  readonly monitors: readonly ObjectInFile[];
  /** `pods` by namespace. */
  readonly podsIn: ReadonlyMap<string, readonly PodTemplate[]>;
  /** `services` by their own namespace. */
  readonly servicesIn: ReadonlyMap<string, readonly ObjectInFile[]>;
  /** Positions in `monitors` of those that watch a namespace by name (or their own), and of those that watch every one. */
  readonly watchers: { readonly byNamespace: ReadonlyMap<string, readonly number[]>; readonly everywhere: readonly number[] };
}

/** The scrape index of one environment's objects. */
export function scrapeIndex(env: EnvironmentIndex): ScrapeIndex {
  const pods = podTemplatesOf(env.workloads, (o) => (o.object.metadata.namespace ? o.object.metadata.namespace : undefined));
  const services = env.byKind.get('Service') ?? [];
  const monitors = env.objects.filter((o) => o.object.kind === 'PodMonitor' || o.object.kind === 'ServiceMonitor');
  // Each query asks which monitors watch its namespace: looked up here instead of scanning every monitor per query.
  const podsIn = new Map<string, PodTemplate[]>();
  for (const p of pods) pushTo(podsIn, p.namespace, p);
  const servicesIn = new Map<string, ObjectInFile[]>();
  for (const s of services) pushTo(servicesIn, s.object.metadata.namespace as string, s);
  const byNamespace = new Map<string, number[]>();
  const everywhere: number[] = [];
  monitors.forEach((m, i) => {
    const selector = (m.object.spec as any)?.namespaceSelector;
    if (selector?.any === true) return everywhere.push(i);
    const names = list(selector?.matchNames);
    for (const name of names.length > 0 ? new Set(names) : [m.object.metadata.namespace]) pushTo(byNamespace, name, i);
    return undefined;
  });
  return { pods, services, monitors, podsIn, servicesIn, watchers: { byNamespace, everywhere } };
}

/** The monitors that watch `namespace` (its own, unless `namespaceSelector` names others or `any`), in the order of `index.monitors`. */
function watchersOf(namespace: string, index: ScrapeIndex): ObjectInFile[] {
  const named = index.watchers.byNamespace.get(namespace) ?? [];
  const positions = index.watchers.everywhere.length === 0 ? named : [...named, ...index.watchers.everywhere].sort((a, b) => a - b);
  return positions.map((i) => index.monitors[i]);
}

/** Whether a pod template declares a container port by name (string) or number. */
function declaresPort(pod: PodTemplate, port: unknown): boolean {
  return pod.ports.some((p) => (typeof port === 'string' ? p.name === port : p.port === port));
}

/** Pod labels a query needs from the monitor's `podTargetLabels` (Prometheus writes `-` as `_`). */
function requiredPodTargetLabels(query: string): string[] {
  return /\brollouts_pod_template_hash\b/.test(query) ? ['rollouts-pod-template-hash'] : [];
}

/** Why a PodMonitor does not scrape pods of `namespace`, or undefined when it does. */
function podMonitorGap(monitor: ObjectInFile, namespace: string, index: ScrapeIndex): string | undefined {
  const spec = monitor.object.spec as any;
  const selected = (index.podsIn.get(namespace) ?? []).filter((p) => matchesLabelSelector(spec?.selector ?? {}, p.labels));
  if (selected.length === 0) return `${describeObject(monitor)} selects no pods of a workload in ${namespace}`;
  const endpointPorts = list(spec?.podMetricsEndpoints).map((e) => e?.port ?? e?.portNumber).filter((p) => p !== undefined);
  if (endpointPorts.length === 0) return `${describeObject(monitor)} has no podMetricsEndpoints[].port`;
  const served = endpointPorts.some((port) => selected.some((p) => declaresPort(p, port)));
  return served ? undefined
    : `${describeObject(monitor)} scrapes port ${endpointPorts.map((p) => JSON.stringify(p)).join(', ')}, which ${selected.map((p) => describeObject(p.source)).join(', ')} does not declare`;
}

/** Why a ServiceMonitor does not scrape pods of `namespace` through a Service, or undefined when it does. */
function serviceMonitorGap(monitor: ObjectInFile, namespace: string, index: ScrapeIndex): string | undefined {
  const spec = monitor.object.spec as any;
  const services = (index.servicesIn.get(namespace) ?? []).filter((s) => matchesLabelSelector(spec?.selector ?? {}, labelsOf(s.object.metadata.labels)));
  if (services.length === 0) return `${describeObject(monitor)} selects no Service in ${namespace}`;
  const endpointPorts = list(spec?.endpoints).map((e) => e?.port).filter((p): p is string => typeof p === 'string');
  if (endpointPorts.length === 0) return `${describeObject(monitor)} has no endpoints[].port naming a Service port`;
  for (const service of services) {
    const sspec = service.object.spec as any;
    // A Service without a selector has hand-made endpoints: no pod template of the output behind it.
    const pods = (index.podsIn.get(namespace) ?? []).filter((p) => matchesServiceSelector(sspec?.selector, p.labels));
    for (const servicePort of list(sspec?.ports).filter((p) => endpointPorts.includes(p?.name))) {
      const target = servicePort.targetPort ?? servicePort.port;
      if (pods.some((p) => declaresPort(p, target))) return undefined;
    }
  }
  return `${describeObject(monitor)} scrapes Service port ${endpointPorts.join(', ')}, which no selected Service maps to a declared container port`;
}

/** Why nothing scrapes `namespace` for `query`, or undefined when a monitor scrapes a workload there. */
export function scrapeGap(namespace: string, query: string, index: ScrapeIndex): string | undefined {
  const watching = watchersOf(namespace, index);
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
    reasons.push(`${describeObject(monitor)} has no podTargetLabels ${missing.join(', ')}, which the query matches on`);
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
export function usesArg(query: string, name: string): boolean {
  return substituteArgs(query, (n) => (n === name ? '\u0000' : '')).includes('\u0000');
}

/** The namespaces a query reads: its `namespace="..."` matchers, else the namespace it runs for. */
export function namespacesRead(query: string, resolveArg: (name: string) => string, runsIn: string): string[] {
  const matchers = namespaceMatchers(query).map((v) => substituteArgs(v, resolveArg));
  return matchers.length > 0 ? matchers : [runsIn];
}