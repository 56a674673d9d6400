import { ADMISSION_POLICY_MINOR } from '../../config/environment-defaults';
import { environmentFacts, environmentOf, PolicyRule } from '../policy';

/** A group/version (or one kind of it) that the API server stopped, or started, serving at a Kubernetes minor version. */
interface ServedRange {
  readonly apiVersion: string;
  /** Only these kinds; every kind of the group/version when absent. */
  readonly kinds?: readonly string[];
  /** First minor version that serves it. */
  readonly since?: number;
  /** First minor version that no longer serves it. */
  readonly removedIn?: number;
  /** What to use instead. */
  readonly use: string;
}

/*
 * From the Kubernetes deprecated API migration guide. The schema catalog (kubernetes-models, Kubernetes 1.33)
 * knows these versions, so without this table a manifest for an API the cluster no longer serves would pass.
 */
const SERVED: readonly ServedRange[] = [
  { apiVersion: 'extensions/v1beta1', kinds: ['DaemonSet', 'Deployment', 'ReplicaSet'], removedIn: 16, use: 'apps/v1' },
  { apiVersion: 'extensions/v1beta1', kinds: ['NetworkPolicy'], removedIn: 16, use: 'networking.k8s.io/v1' },
  { apiVersion: 'extensions/v1beta1', kinds: ['PodSecurityPolicy'], removedIn: 16, use: 'Pod Security admission (namespace labels)' },
  { apiVersion: 'extensions/v1beta1', removedIn: 22, use: 'networking.k8s.io/v1' },
  { apiVersion: 'apps/v1beta1', removedIn: 16, use: 'apps/v1' },
  { apiVersion: 'apps/v1beta2', removedIn: 16, use: 'apps/v1' },
  { apiVersion: 'admissionregistration.k8s.io/v1beta1', removedIn: 22, use: 'admissionregistration.k8s.io/v1' },
  { apiVersion: 'apiextensions.k8s.io/v1beta1', removedIn: 22, use: 'apiextensions.k8s.io/v1' },
  { apiVersion: 'apiregistration.k8s.io/v1beta1', removedIn: 22, use: 'apiregistration.k8s.io/v1' },
  { apiVersion: 'authentication.k8s.io/v1beta1', removedIn: 22, use: 'authentication.k8s.io/v1' },
  { apiVersion: 'authorization.k8s.io/v1beta1', removedIn: 22, use: 'authorization.k8s.io/v1' },
  { apiVersion: 'certificates.k8s.io/v1beta1', removedIn: 22, use: 'certificates.k8s.io/v1' },
  { apiVersion: 'coordination.k8s.io/v1beta1', removedIn: 22, use: 'coordination.k8s.io/v1' },
  { apiVersion: 'networking.k8s.io/v1beta1', removedIn: 22, use: 'networking.k8s.io/v1' },
  { apiVersion: 'rbac.authorization.k8s.io/v1beta1', removedIn: 22, use: 'rbac.authorization.k8s.io/v1' },
  { apiVersion: 'scheduling.k8s.io/v1beta1', removedIn: 22, use: 'scheduling.k8s.io/v1' },
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIStorageCapacity'], removedIn: 27, use: 'storage.k8s.io/v1' },
  { apiVersion: 'storage.k8s.io/v1beta1', removedIn: 22, use: 'storage.k8s.io/v1' },
  { apiVersion: 'batch/v1beta1', removedIn: 25, use: 'batch/v1' },
  { apiVersion: 'discovery.k8s.io/v1beta1', removedIn: 25, use: 'discovery.k8s.io/v1' },
  { apiVersion: 'events.k8s.io/v1beta1', removedIn: 25, use: 'events.k8s.io/v1' },
  { apiVersion: 'autoscaling/v2beta1', removedIn: 25, use: 'autoscaling/v2' },
  { apiVersion: 'policy/v1beta1', kinds: ['PodSecurityPolicy'], removedIn: 25, use: 'Pod Security admission (namespace labels)' },
  { apiVersion: 'policy/v1beta1', removedIn: 25, use: 'policy/v1' },
  { apiVersion: 'node.k8s.io/v1beta1', removedIn: 25, use: 'node.k8s.io/v1' },
  { apiVersion: 'autoscaling/v2beta2', removedIn: 26, use: 'autoscaling/v2' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta1', removedIn: 26, use: 'flowcontrol.apiserver.k8s.io/v1beta3 (or v1 from 1.29)' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2', removedIn: 29, use: 'flowcontrol.apiserver.k8s.io/v1' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', removedIn: 32, use: 'flowcontrol.apiserver.k8s.io/v1' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', since: 29, use: 'flowcontrol.apiserver.k8s.io/v1beta3 before 1.29' },
  { apiVersion: 'admissionregistration.k8s.io/v1', kinds: ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'], since: ADMISSION_POLICY_MINOR, use: 'a cluster on Kubernetes 1.30 or later' },
  { apiVersion: 'networking.k8s.io/v1', kinds: ['IPAddress', 'ServiceCIDR'], since: 33, use: 'a cluster on Kubernetes 1.33 or later' },
];

/** The minor version of a `1.N` Kubernetes version. */
export function minorOf(version: string): number {
  const match = /^v?1\.(\d+)(\.\d+)?$/.exec(version);
  if (!match) throw new Error(`"${version}" is not a Kubernetes version like 1.28`);
  return Number(match[1]);
}

/** Why the cluster of Kubernetes minor `minor` does not serve `apiVersion` `kind`, or undefined when it does. */
export function notServed(apiVersion: string, kind: string, minor: number): string | undefined {
  for (const range of SERVED) {
    if (range.apiVersion !== apiVersion || (range.kinds && !range.kinds.includes(kind))) continue;
    if (range.removedIn !== undefined && minor >= range.removedIn) return `${apiVersion} ${kind} was removed in Kubernetes 1.${range.removedIn}; use ${range.use}`;
    if (range.since !== undefined && minor < range.since) return `${apiVersion} ${kind} is served from Kubernetes 1.${range.since} only; use ${range.use}`;
    return undefined;
  }
  return undefined;
}

/** Every object's API version is one the environment's Kubernetes version serves. */
export const apiVersionServed: PolicyRule = {
  id: 'api-version-served',
  reason: "every object uses an API version the environment's Kubernetes version serves (removed APIs fail the whole sync)",
  check: (context) => context.objects.flatMap((o) => {
    const version = environmentFacts(context, environmentOf(o.path)).kubernetesVersion;
    const why = notServed(o.object.apiVersion, o.object.kind, minorOf(version));
    return why ? [{ file: o.path, message: `${o.object.kind} ${o.object.metadata.name}: ${why} (the environment targets Kubernetes ${version})` }] : [];
  }),
};
