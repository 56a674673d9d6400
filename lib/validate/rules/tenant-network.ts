import { indexOf } from '../model/context-index';
import { labelsOf, list } from '../model/fields';
import { isTenantNamespace } from '../model/namespaces';
import { environmentOf, PolicyRule } from '../policy';

// Tenant networks: every tenant namespace starts from default-deny.

/** A policy that selects every pod and allows nothing in either direction. */
function isDefaultDeny(spec: any): boolean {
  const selector = spec?.podSelector ?? {};
  const selectsAll = Object.keys(selector.matchLabels ?? {}).length === 0 && list(selector.matchExpressions).length === 0;
  const types: string[] = list(spec?.policyTypes);
  return selectsAll && types.includes('Ingress') && types.includes('Egress')
    && list(spec?.ingress).length === 0 && list(spec?.egress).length === 0;
}

/** `tenant-default-deny`: every tenant namespace starts closed. */
export const tenantDefaultDeny: PolicyRule = {
  id: 'tenant-default-deny',
  reason: 'every tenant namespace starts from a default-deny NetworkPolicy for ingress and egress',
  check: (context) => {
    const index = indexOf(context);
    const denied = new Set(index.ofKind('NetworkPolicy')
      .filter((o) => isDefaultDeny(o.object.spec))
      .map((o) => `${environmentOf(o.path)}/${o.object.metadata.namespace}`));
    return index.ofKind('Namespace')
      .filter((o) => isTenantNamespace(o.object.metadata.name, labelsOf(o.object.metadata.labels)))
      .filter((o) => !denied.has(`${environmentOf(o.path)}/${o.object.metadata.name}`))
      .map((o) => ({ file: o.path, message: `namespace "${o.object.metadata.name}" has no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules)` }));
  },
};
