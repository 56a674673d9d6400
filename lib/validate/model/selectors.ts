import { Labels, labelsOf, list } from './fields';

/*
 * Kubernetes label selectors: `matchLabels` and `matchExpressions` (NetworkPolicy, PodMonitor,
 * ServiceMonitor, ClusterSecretStore conditions, aggregated ClusterRoles) and a Service's plain map.
 */

/** The label every namespace carries with its own name, which namespace selectors pin names by. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * Whether a Kubernetes label selector (`matchLabels` and `matchExpressions`, ANDed) selects `labels`.
 * An empty selector selects everything; an unknown operator selects nothing.
 */
export function matchesLabelSelector(selector: any, labels: Labels): boolean {
  if (Object.entries(labelsOf(selector?.matchLabels)).some(([key, value]) => labels[key] !== value)) return false;
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

/** Whether a Service's `spec.selector` (a plain map) selects `labels`; no selector selects no pod (endpoints made by hand). */
export function matchesServiceSelector(selector: unknown, labels: Labels): boolean {
  const matchLabels = labelsOf(selector);
  return Object.keys(matchLabels).length > 0 && matchesLabelSelector({ matchLabels }, labels);
}

/** Whether a selector has no requirement at all (and so selects everything). */
export function isEmptySelector(selector: any): boolean {
  return Object.keys(labelsOf(selector?.matchLabels)).length === 0 && list(selector?.matchExpressions).length === 0;
}

/** The namespace names a namespaceSelector is pinned to by `kubernetes.io/metadata.name`, if it is. */
export function pinnedNamespaces(selector: any): string[] | undefined {
  const byLabel = labelsOf(selector?.matchLabels)[NAMESPACE_NAME_LABEL];
  const pins: string[][] = [
    ...(typeof byLabel === 'string' ? [[byLabel]] : []),
    ...list(selector?.matchExpressions).filter((e) => e?.key === NAMESPACE_NAME_LABEL && e?.operator === 'In')
      .map((e) => list(e.values).filter((v) => typeof v === 'string')),
  ];
  // Every pin must hold: the names are the intersection.
  return pins.length === 0 ? undefined : pins.reduce((names, pin) => names.filter((n) => pin.includes(n)));
}

/** A selector for people: `key=value` pairs, then `key Operator (values)` expressions. */
export function describeSelector(selector: any): string {
  const labels = Object.entries(labelsOf(selector?.matchLabels)).map(([k, v]) => `${k}=${v}`);
  const expressions = list(selector?.matchExpressions).map((e) => `${e?.key} ${e?.operator}${list(e?.values).length ? ` (${list(e.values).join(', ')})` : ''}`);
  return [...labels, ...expressions].join(', ');
}
