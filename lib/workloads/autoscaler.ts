import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ScaledObject } from '../../imports/keda-scaledobject-keda.sh';
import { markReplicasOwnedElsewhere } from '../argocd/replica-owners';
import { Scaling, ScalingEngine } from './scaling';

/**
 * Adds the autoscaler `scaling` asks for (an HPA or a KEDA ScaledObject, never
 * both) for `workload`, and marks its replicas as owned elsewhere so its Argo
 * CD Application ignores them. A fixed count adds nothing.
 */
export function addAutoscaler(scope: Construct, workload: ApiObject, scaling: Scaling, metadata: { name: string; namespace: string; labels: Record<string, string> }): void {
  const target = { apiVersion: workload.apiVersion, kind: workload.kind, name: workload.name };
  switch (scaling.engine) {
    case ScalingEngine.FIXED:
      return;
    case ScalingEngine.HPA:
      new k8s.KubeHorizontalPodAutoscalerV2(scope, 'Autoscaler', {
        metadata,
        spec: {
          scaleTargetRef: target,
          minReplicas: scaling.min,
          maxReplicas: scaling.max,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: scaling.targetCpuPercent } } }],
        },
      });
      break;
    case ScalingEngine.KEDA:
      new ScaledObject(scope, 'ScaledObject', {
        metadata,
        spec: {
          scaleTargetRef: target,
          minReplicaCount: scaling.min,
          maxReplicaCount: scaling.max,
          triggers: [
            { type: 'cpu', metricType: 'Utilization', metadata: { value: String(scaling.targetCpuPercent) } },
            ...(scaling.prometheus ? [{
              type: 'prometheus',
              metadata: {
                serverAddress: scaling.prometheus.serverAddress,
                query: scaling.prometheus.query,
                threshold: String(scaling.prometheus.threshold),
              },
            }] : []),
          ],
        },
      });
      break;
  }
  markReplicasOwnedElsewhere(workload);
}
