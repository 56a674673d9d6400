import { ObjectInFile } from '../policy';
import { Labels, labelsOf } from './fields';
import { NAMESPACE_NAME_LABEL } from './selectors';
import { TENANT_LABEL } from '../../config/names';

/*
 * Namespaces as selectors and the platform see them: their labels, and whether they are a tenant's.
 */

/** Label that makes a namespace a tenant's (its value is the tenant): the one the tenant's objects carry. */
export { TENANT_LABEL };

/** Prefix of a tenant namespace's name, e.g. `tenant-acme`. */
export const TENANT_NAMESPACE_PREFIX = 'tenant-';

/** The labels of a namespace as a selector sees them: its manifest's labels and `kubernetes.io/metadata.name`. */
export function namespaceLabelsOf(name: string, manifestLabels?: unknown): Labels {
  // No manifest: a literal, as selectors look namespaces up for every peer of every rule.
  return manifestLabels === undefined ? { [NAMESPACE_NAME_LABEL]: name } : { ...labelsOf(manifestLabels), [NAMESPACE_NAME_LABEL]: name };
}

/** The labels of each Namespace manifest among `objects`, by name (the last manifest of a name wins). */
export function namespaceManifestLabels(objects: readonly ObjectInFile[]): Map<string, Labels> {
  const out = new Map<string, Labels>();
  for (const o of objects) {
    if (o.object.kind === 'Namespace') out.set(o.object.metadata.name, namespaceLabelsOf(o.object.metadata.name, o.object.metadata.labels));
  }
  return out;
}

/** Whether a namespace is a tenant's: it has the `stoa.io/tenant` label, or its name starts with `tenant-`. */
export function isTenantNamespace(name: string, labels: Labels): boolean {
  return name.startsWith(TENANT_NAMESPACE_PREFIX) || TENANT_LABEL in labels;
}

/**
 * The tenant of a namespace: its `stoa.io/tenant` label, else the name after `tenant-`. Stricter than
 * {@link isTenantNamespace} at the edges: a bare `tenant-` has none, and an empty label is an empty tenant.
 */
export function tenantOf(name: string, labels: Labels): string | undefined {
  const prefix = TENANT_NAMESPACE_PREFIX;
  return labels[TENANT_LABEL] ?? (name.startsWith(prefix) && name.length > prefix.length ? name.slice(prefix.length) : undefined);
}
