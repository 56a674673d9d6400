import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Rollout } from '../../imports/rollouts-rollout-argoproj.io';
import { ComputeAmounts } from '../config/tiers';
import { compareStrings } from '../sort';
import { addAutoscaler } from './autoscaler';
import { addSuccessRateAnalysis, canaryStrategy } from './canary';
import { Delivery } from './delivery';
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

/** Prometheus metrics a workload exposes, scraped through a PodMonitor. */
export interface MetricsOptions {
  /** Container port of the metrics endpoint; named `metrics`. */
  readonly port: number;
  /**
   * HTTP path of the metrics.
   * @default '/metrics'
   */
  readonly path?: string;
  /**
   * Labels on the PodMonitor, so the cluster's Prometheus selects it.
   * @default - none
   */
  readonly monitorLabels?: Record<string, string>;
}

/** Props of {@link WebWorkload}. */
export interface WebWorkloadProps {
  /** Name of every object (Deployment or Rollout, Service, Ingress, ...). */
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
  /** Fixed replicas, an HPA range, or a KEDA range. */
  readonly scaling: Scaling;
  /**
   * Rolling update (a Deployment) or canary (an Argo Rollouts Rollout with analysis).
   * @default Delivery.rolling()
   */
  readonly delivery?: Delivery;
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
  /**
   * Prometheus metrics: a `metrics` container port and a PodMonitor that scrapes it
   * (for a canary, labelled with the pod's revision so an analysis can measure the canary alone).
   * @default - no metrics endpoint
   */
  readonly metrics?: MetricsOptions;
  /**
   * Secrets (in the workload's namespace) mounted read-only at `/etc/stoa/secrets/<name>/`.
   * @default - none
   */
  readonly secretMounts?: readonly string[];
}

/** Where a secret of {@link WebWorkloadProps.secretMounts} is mounted. */
export function secretMountPath(secret: string): string {
  return `/etc/stoa/secrets/${secret}`;
}

/** The readiness probe's path unless {@link WebWorkloadProps.readinessPath} says otherwise: the route that says a pod serves. */
export const DEFAULT_READINESS_PATH = '/readyz';

/** The liveness probe's path unless {@link WebWorkloadProps.livenessPath} says otherwise. */
export const DEFAULT_LIVENESS_PATH = '/healthz';

/** Port of a workload's Service (named `http`, to the container's `http` port). */
export const SERVICE_PORT = 80;

/** Pod label Argo Rollouts puts on the pods of each revision of a Rollout. */
export const ROLLOUT_REVISION_LABEL = 'rollouts-pod-template-hash';

/**
 * An HTTP service run the safe way: a Deployment, or a canary Rollout with
 * automatic analysis (pinned image, requests and limits, probes, non-root,
 * read-only root filesystem, no service account token, spread over nodes,
 * zero-downtime rollout), a Service, a PodDisruptionBudget, optionally an
 * autoscaler (HPA or KEDA) and a TLS Ingress.
 */
export class WebWorkload extends Construct {
  /** The Deployment or Rollout. */
  public readonly workload: ApiObject;
  /** Port the container serves on. */
  public readonly port: number;
  /** Labels that select the pods. */
  public readonly selectorLabels: Record<string, string>;
  /** Port of the metrics endpoint, if any. */
  public readonly metricsPort?: number;
  /** Name of its objects; its Service's too. */
  public readonly name: string;
  /** Port of its Service ({@link SERVICE_PORT}), to the container's `http` port. */
  public readonly servicePort: number = SERVICE_PORT;
  /** Path of the readiness probe: the route that says a pod serves. */
  public readonly readinessPath: string;
  /**
   * Its public HTTPS exposure.
   * @default - not exposed outside the cluster
   */
  public readonly ingress?: IngressOptions;

  constructor(scope: Construct, id: string, props: WebWorkloadProps) {
    super(scope, id);
    this.port = props.port ?? 8080;
    this.metricsPort = props.metrics?.port;
    this.name = props.name;
    this.readinessPath = props.readinessPath ?? DEFAULT_READINESS_PATH;
    this.ingress = props.ingress;
    this.selectorLabels = { ...props.selectorLabels };
    const labels = { ...props.labels, ...props.selectorLabels };
    const metadata = { name: props.name, namespace: props.namespace, labels };
    const scaling = props.scaling;
    const delivery = props.delivery ?? Delivery.rolling();
    const template = this.podTemplate(props, labels);
    // Autoscaled: the autoscaler owns the count and the Application ignores it
    // (RespectIgnoreDifferences), so git's number only sets where a new workload starts:
    // at the minimum, not at 1 (a Rollout replacing a Deployment serves from its minimum).
    const replicas = scaling.min;

    if (delivery.isCanary) {
      // Plain JSON rather than the generated Rollout props: the pod template stays the
      // k8s-typed one shared with the Deployment, serialized by its own k8s converter.
      this.workload = new ApiObject(this, 'Rollout', {
        ...Rollout.GVK,
        metadata,
        spec: {
          replicas,
          revisionHistoryLimit: 5,
          selector: { matchLabels: this.selectorLabels },
          template: k8s.toJson_PodTemplateSpec(template),
          strategy: { canary: canaryStrategy(delivery, props.name, props.namespace) },
        },
      });
      addSuccessRateAnalysis(this, delivery, metadata);
    } else {
      this.workload = new k8s.KubeDeployment(this, 'Deployment', {
        metadata,
        spec: {
          replicas,
          revisionHistoryLimit: 5,
          selector: { matchLabels: this.selectorLabels },
          strategy: {
            type: 'RollingUpdate',
            rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromNumber(0) },
          },
          template,
        },
      });
    }

    new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector: this.selectorLabels,
        ports: [{ name: 'http', port: this.servicePort, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });

    // At most one pod down at a time for voluntary disruptions. With fewer than two
    // replicas a budget protects nothing (the one pod must still be drainable), so none.
    if (scaling.min >= 2) {
      new k8s.KubePodDisruptionBudget(this, 'Disruption', {
        metadata,
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.selectorLabels } },
      });
    }

    if (props.metrics) {
      new ApiObject(this, 'PodMonitor', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: { ...metadata, labels: { ...labels, ...props.metrics.monitorLabels } },
        spec: {
          selector: { matchLabels: this.selectorLabels },
          podMetricsEndpoints: [{ port: 'metrics', path: props.metrics.path ?? '/metrics', interval: '30s' }],
          // Becomes the series label rollouts_pod_template_hash: a canary's own numbers.
          podTargetLabels: delivery.isCanary ? [ROLLOUT_REVISION_LABEL] : undefined,
        },
      });
    }

    addAutoscaler(this, this.workload, scaling, metadata);

    if (props.ingress) {
      const { host, className, clusterIssuer } = props.ingress;
      new k8s.KubeIngress(this, 'Ingress', {
        metadata: { ...metadata, annotations: { 'cert-manager.io/cluster-issuer': clusterIssuer } },
        spec: {
          ingressClassName: className,
          tls: [{ hosts: [host], secretName: `${props.name}-tls` }],
          rules: [{
            host,
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: props.name, port: { name: 'http' } } } }] },
          }],
        },
      });
    }
  }

  private podTemplate(props: WebWorkloadProps, labels: Record<string, string>): k8s.PodTemplateSpec {
    const secrets = [...(props.secretMounts ?? [])].sort(compareStrings);
    const quantities = (a: ComputeAmounts) => ({ cpu: k8s.Quantity.fromString(a.cpu), memory: k8s.Quantity.fromString(a.memory) });
    const probe = (path: string, delay: number): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString('http') },
      initialDelaySeconds: delay,
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    });
    return {
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
          ports: [
            { name: 'http', containerPort: this.port, protocol: 'TCP' },
            ...(this.metricsPort ? [{ name: 'metrics', containerPort: this.metricsPort, protocol: 'TCP' }] : []),
          ],
          env: Object.entries(props.env ?? {}).sort(([a], [b]) => compareStrings(a, b)).map(([name, value]) => ({ name, value })),
          resources: { requests: quantities(props.resources.requests), limits: quantities(props.resources.limits) },
          readinessProbe: probe(this.readinessPath, 5),
          livenessProbe: probe(props.livenessPath ?? DEFAULT_LIVENESS_PATH, 15),
          securityContext: restrictedContainerSecurityContext(),
          // The root filesystem is read-only; /tmp is the one writable place.
          volumeMounts: [
            { name: 'tmp', mountPath: '/tmp' },
            ...secrets.map((name) => ({ name: `secret-${name}`, mountPath: secretMountPath(name), readOnly: true })),
          ],
        }],
        volumes: [
          { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
          ...secrets.map((name) => ({ name: `secret-${name}`, secret: { secretName: name, defaultMode: 0o440 } })),
        ],
      },
    };
  }
}
