import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ComputeAmounts } from '../config/tiers';
import { markReplicasOwnedElsewhere } from '../argocd/replica-owners';
import { compareStrings } from '../sort';
import { Scaling } from './scaling';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './security';

/** Public HTTPS exposure of a workload. */
export interface IngressOptions {
  /** Host name, e.g. `acme.dev.stoa.example.com`. */
  readonly host: string;
  /** IngressClass that serves it. */
  readonly className: string;
  /** cert-manager ClusterIssuer that issues its TLS certificate. */
  readonly clusterIssuer: string;
}

/** Props of {@link WebWorkload}. */
export interface WebWorkloadProps {
  /** Name of every object (Deployment, Service, Ingress, ...). */
  readonly name: string;
  /** Namespace of every object. */
  readonly namespace: string;
  /** Pinned image reference (`repo:tag` or `repo@sha256:...`). */
  readonly image: string;
  /**
   * Port the container serves HTTP on.
   * @default 8080
   */
  readonly port?: number;
  /** CPU and memory the container requests and is limited to. */
  readonly resources: { readonly requests: ComputeAmounts; readonly limits: ComputeAmounts };
  /** Fixed replicas, or an autoscaling range. */
  readonly scaling: Scaling;
  /** Labels that select the pods; also put on every object. */
  readonly selectorLabels: Record<string, string>;
  /**
   * Extra labels on every object.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Environment variables of the container.
   * @default - none
   */
  readonly env?: Record<string, string>;
  /**
   * Readiness probe path.
   * @default '/readyz'
   */
  readonly readinessPath?: string;
  /**
   * Liveness probe path.
   * @default '/healthz'
   */
  readonly livenessPath?: string;
  /**
   * Expose the workload over HTTPS through an Ingress.
   * @default - not exposed outside the cluster
   */
  readonly ingress?: IngressOptions;
}

/**
 * An HTTP service run the safe way: a Deployment (pinned image, requests and
 * limits, probes, non-root, read-only root filesystem, no service account
 * token, spread over nodes, zero-downtime rollout), a Service, a
 * PodDisruptionBudget, optionally an HPA and a TLS Ingress.
 */
export class WebWorkload extends Construct {
  /** The Deployment. */
  public readonly deployment: ApiObject;
  /** Port the container serves on. */
  public readonly port: number;
  /** Labels that select the pods. */
  public readonly selectorLabels: Record<string, string>;

  constructor(scope: Construct, id: string, props: WebWorkloadProps) {
    super(scope, id);
    this.port = props.port ?? 8080;
    this.selectorLabels = { ...props.selectorLabels };
    const labels = { ...props.labels, ...props.selectorLabels };
    const metadata = { name: props.name, namespace: props.namespace, labels };
    const scaling = props.scaling;
    const quantities = (a: ComputeAmounts) => ({ cpu: k8s.Quantity.fromString(a.cpu), memory: k8s.Quantity.fromString(a.memory) });
    const probe = (path: string, delay: number): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString('http') },
      initialDelaySeconds: delay,
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    });

    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata,
      spec: {
        // An autoscaler owns the count: leaving it out keeps git and cluster from fighting.
        replicas: scaling.isAutoscaled ? undefined : scaling.min,
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selectorLabels },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromNumber(0) },
        },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(),
            topologySpreadConstraints: [{
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: this.selectorLabels },
            }],
            containers: [{
              name: props.name,
              image: props.image,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: this.port, protocol: 'TCP' }],
              env: Object.entries(props.env ?? {}).sort(([a], [b]) => compareStrings(a, b)).map(([name, value]) => ({ name, value })),
              resources: { requests: quantities(props.resources.requests), limits: quantities(props.resources.limits) },
              readinessProbe: probe(props.readinessPath ?? '/readyz', 5),
              livenessProbe: probe(props.livenessPath ?? '/healthz', 15),
              securityContext: restrictedContainerSecurityContext(),
              // The root filesystem is read-only; /tmp is the one writable place.
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            }],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }],
          },
        },
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector: this.selectorLabels,
        ports: [{ name: 'http', port: 80, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });

    // At most one pod down at a time for voluntary disruptions; a single replica can still be drained.
    new k8s.KubePodDisruptionBudget(this, 'Disruption', {
      metadata,
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.selectorLabels } },
    });

    if (scaling.isAutoscaled) {
      new k8s.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
        metadata,
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.name },
          minReplicas: scaling.min,
          maxReplicas: scaling.max,
          metrics: [{
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: scaling.targetCpuPercent } },
          }],
        },
      });
      markReplicasOwnedElsewhere(this.deployment);
    }

    if (props.ingress) {
      const { host, className, clusterIssuer } = props.ingress;
      new k8s.KubeIngress(this, 'Ingress', {
        metadata: { ...metadata, annotations: { 'cert-manager.io/cluster-issuer': clusterIssuer } },
        spec: {
          ingressClassName: className,
          tls: [{ hosts: [host], secretName: `${props.name}-tls` }],
          rules: [{
            host,
            http: {
              paths: [{
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: props.name, port: { name: 'http' } } },
              }],
            },
          }],
        },
      });
    }
  }
}
