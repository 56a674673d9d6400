import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ComputeAmounts } from '../config/tiers';
import { Delivery } from '../workloads/delivery';
import { Scaling } from '../workloads/scaling';
import { IngressOptions, WebWorkload } from '../workloads/web-workload';

/** Props of {@link Gateway}. */
export interface GatewayProps {
  /** Tenant the gateway serves; labels its pods. */
  readonly tenant: string;
  /** Namespace of the tenant. */
  readonly namespace: string;
  /** Pinned stoa-gateway image. */
  readonly image: string;
  /** Container requests and limits. */
  readonly resources: { readonly requests: ComputeAmounts; readonly limits: ComputeAmounts };
  /** Fixed replicas or an autoscaling range. */
  readonly scaling: Scaling;
  /**
   * Rolling update or canary.
   * @default Delivery.rolling()
   */
  readonly delivery?: Delivery;
  /** Public HTTPS host, class and certificate issuer. */
  readonly ingress: IngressOptions;
  /** Namespace of the ingress controller: the only source of inbound traffic. */
  readonly ingressControllerNamespace: string;
  /** Namespace of the control plane, which the gateway pulls its configuration from. */
  readonly controlPlaneNamespace: string;
  /**
   * Port of the control-plane API.
   * @default 8000
   */
  readonly controlPlanePort?: number;
  /**
   * Address ranges that HTTPS egress must not reach (the cluster's pod and service CIDRs),
   * so "upstream over HTTPS" cannot become a path to other tenants.
   * @default - none excluded
   */
  readonly internalCidrs?: readonly string[];
  /**
   * Name of the gateway's objects.
   * @default 'gateway'
   */
  readonly name?: string;
}

/**
 * A tenant's API gateway: the stoa-gateway workload served on the tenant's
 * host with TLS, plus the network allows it needs in a default-deny namespace
 * (in from the ingress controller; out to the control plane and to upstream
 * APIs over HTTPS).
 */
export class Gateway extends Construct {
  /** The gateway workload. */
  public readonly workload: WebWorkload;

  constructor(scope: Construct, id: string, props: GatewayProps) {
    super(scope, id);
    const name = props.name ?? 'gateway';
    const controlPlanePort = props.controlPlanePort ?? 8000;
    this.workload = new WebWorkload(this, 'workload', {
      name,
      namespace: props.namespace,
      image: props.image,
      resources: props.resources,
      scaling: props.scaling,
      delivery: props.delivery,
      selectorLabels: { 'app.kubernetes.io/name': 'stoa-gateway', 'app.kubernetes.io/instance': props.tenant },
      env: {
        STOA_TENANT: props.tenant,
        STOA_CONTROL_PLANE_URL: `http://control-plane-api.${props.controlPlaneNamespace}.svc`,
      },
      ingress: props.ingress,
    });

    const podSelector = { matchLabels: this.workload.selectorLabels };
    const namespaceSelector = (ns: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': ns } });
    const tcp = (port: number) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });

    new k8s.KubeNetworkPolicy(this, 'allow-ingress', {
      metadata: { name: `${name}-allow-ingress`, namespace: props.namespace },
      spec: {
        podSelector,
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: namespaceSelector(props.ingressControllerNamespace) }], ports: [tcp(this.workload.port)] }],
      },
    });
    new k8s.KubeNetworkPolicy(this, 'allow-egress', {
      metadata: { name: `${name}-allow-egress`, namespace: props.namespace },
      spec: {
        podSelector,
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{
              namespaceSelector: namespaceSelector(props.controlPlaneNamespace),
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'control-plane-api' } },
            }],
            ports: [tcp(controlPlanePort)],
          },
          // Upstream APIs are outside the cluster and only reached over TLS.
          { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: props.internalCidrs?.length ? [...props.internalCidrs] : undefined } }], ports: [tcp(443)] },
        ],
      },
    });
  }
}
