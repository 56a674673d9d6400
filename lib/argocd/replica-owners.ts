import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';

const OWNED = Symbol.for('stoa-manifests.replicasOwnedElsewhere');

/**
 * Records that something other than git owns a workload's `spec.replicas`
 * (an HPA, a KEDA ScaledObject, ...). Argo CD Applications that deploy the
 * workload then ignore that field, so autoscaling never shows as drift.
 *
 * Whatever creates an autoscaler calls {@link markReplicasOwnedElsewhere}; the
 * Application finds the marks by itself.
 */
export function markReplicasOwnedElsewhere(workload: ApiObject): void {
  Object.defineProperty(workload, OWNED, { value: true, configurable: true });
}

/** Whether {@link markReplicasOwnedElsewhere} was called for `c`. */
export function isReplicasOwnedElsewhere(c: IConstruct): c is ApiObject {
  return ApiObject.isApiObject(c) && OWNED in c;
}
