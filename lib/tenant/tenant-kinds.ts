import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ArgoProject } from '../argocd/argo-project';

/**
 * Every namespaced kind a Tenant may render, whatever its options: the tenant's
 * AppProject allows exactly these. The set never narrows with the options,
 * because Argo CD ignores live objects of kinds its project does not allow: a
 * tenant switched from a Deployment to a Rollout (or from an HPA to KEDA) would
 * leave the old one running, unpruned and invisible.
 */
export const TENANT_NAMESPACED_KINDS: ReadonlyArray<{ readonly group: string; readonly kind: string }> = [
  { group: '', kind: 'LimitRange' }, { group: '', kind: 'ResourceQuota' }, { group: '', kind: 'Service' }, { group: '', kind: 'ServiceAccount' },
  { group: 'apps', kind: 'Deployment' }, { group: 'argoproj.io', kind: 'AnalysisTemplate' }, { group: 'argoproj.io', kind: 'Rollout' },
  { group: 'autoscaling', kind: 'HorizontalPodAutoscaler' }, { group: 'batch', kind: 'Job' },
  { group: 'external-secrets.io', kind: 'ExternalSecret' }, { group: 'external-secrets.io', kind: 'SecretStore' },
  { group: 'keda.sh', kind: 'ScaledObject' }, { group: 'monitoring.coreos.com', kind: 'PodMonitor' },
  { group: 'networking.k8s.io', kind: 'Ingress' }, { group: 'networking.k8s.io', kind: 'NetworkPolicy' },
  { group: 'policy', kind: 'PodDisruptionBudget' }, { group: 'rbac.authorization.k8s.io', kind: 'Role' },
  { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' },
];

/**
 * Every namespaced kind a pull request preview may deploy: a tenant's (its namespace's objects, its
 * gateway, its smoke test) but no secret store object (a preview reads no secret), and the
 * ConfigMaps of platform components. No Argo CD kind (a preview that made an AppProject or
 * Application could reach beyond its namespaces) and no Secret.
 */
export const PREVIEW_NAMESPACED_KINDS: ReadonlyArray<{ readonly group: string; readonly kind: string }> = [
  ...TENANT_NAMESPACED_KINDS.filter((k) => k.group !== 'external-secrets.io'),
  { group: '', kind: 'ConfigMap' },
];

/**
 * Why Argo CD would refuse objects of `chart` in its Application: each object the chart holds
 * must be allowed by `project` (kind whitelists, destinations). A team that puts more into a
 * tenant chart widens the project on purpose (`tenant.project.allowClusterResource(...)`).
 */
export function projectRefusals(chart: IConstruct, project: ArgoProject, server: string): string[] {
  return chart.node.findAll().filter(ApiObject.isApiObject).flatMap((o) => {
    const refusal = project.refusal({ apiGroup: o.apiGroup, kind: o.kind, name: o.name, namespace: o.metadata.namespace }, { server, namespace: o.metadata.namespace ?? '' });
    return refusal ? [`${o.kind} ${o.name} is not allowed by AppProject ${project.projectName}: ${refusal}`] : [];
  });
}
