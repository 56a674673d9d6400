import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';

/** What tenant owners may see in their namespace: everything the platform runs there, never Secret values. */
const READ: ReadonlyArray<[group: string, resources: string[]]> = [
  ['', ['configmaps', 'endpoints', 'events', 'limitranges', 'persistentvolumeclaims', 'pods', 'pods/log', 'resourcequotas', 'serviceaccounts', 'services']],
  ['apps', ['deployments', 'replicasets']],
  ['argoproj.io', ['analysisruns', 'analysistemplates', 'rollouts']],
  ['autoscaling', ['horizontalpodautoscalers']],
  ['batch', ['jobs']],
  ['events.k8s.io', ['events']],
  ['external-secrets.io', ['externalsecrets', 'secretstores']],
  ['keda.sh', ['scaledobjects']],
  ['monitoring.coreos.com', ['podmonitors']],
  ['networking.k8s.io', ['ingresses', 'networkpolicies']],
  ['policy', ['poddisruptionbudgets']],
];

/** Props of {@link TenantOwnerRole}. */
export interface TenantOwnerRoleProps {
  /** The tenant's namespace. */
  readonly namespace: string;
  /** Users and groups who own the tenant. */
  readonly subjects: ReadonlyArray<{ readonly kind: 'User' | 'Group'; readonly name: string }>;
  /**
   * Let owners operate their gateway: restart pods, forward a port, promote or abort a canary.
   * Read-only environments (prod) only let them look.
   * @default false
   */
  readonly operate?: boolean;
}

/**
 * The Role of a tenant's owners and its binding: read what runs in the
 * namespace and, where allowed, operate it. Unlike the `edit` ClusterRole it
 * grants no Secret values, and no ExternalSecrets, SecretStores, Roles or
 * workloads of their own: git is the way to change a tenant, and a store of
 * their own must never let them read another tenant's secrets.
 */
export class TenantOwnerRole extends Construct {
  constructor(scope: Construct, id: string, props: TenantOwnerRoleProps) {
    super(scope, id);
    const rules: k8s.PolicyRule[] = READ.map(([group, resources]) => ({ apiGroups: [group], resources: [...resources], verbs: ['get', 'list', 'watch'] }));
    if (props.operate) {
      rules.push(
        { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
        { apiGroups: [''], resources: ['pods/portforward'], verbs: ['create'] },
        // Promote and abort go through the status subresource; patching the Rollout itself would let
        // owners change its pod template (image, service account) between two self-heals.
        { apiGroups: ['argoproj.io'], resources: ['rollouts/status'], verbs: ['patch'] },
      );
    }
    new k8s.KubeRole(this, 'Role', { metadata: { name: 'tenant-owner', namespace: props.namespace }, rules });
    new k8s.KubeRoleBinding(this, 'Binding', {
      metadata: { name: 'tenant-owners', namespace: props.namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tenant-owner' },
      subjects: props.subjects.map((s) => ({ kind: s.kind, name: s.name, apiGroup: 'rbac.authorization.k8s.io' })),
    });
  }
}
