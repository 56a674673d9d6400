import { ENVIRONMENT_DEFAULTS } from '../config/environment-defaults';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ComputeAmounts } from '../config/tiers';
import { dnsEgressRules, httpsToInternet, namespaceNamed, tcpPort } from '../network/policies';
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
  /**
   * Namespace of Prometheus: the only source allowed to the metrics port.
   * @default 'monitoring'
   */
  readonly monitoringNamespace?: string;
  /**
   * Labels on the gateway's PodMonitor, so the cluster's Prometheus selects it.
   * @default - none
   */
  readonly podMonitorLabels?: Record<string, string>;
  /**
   * Let the ingress controller reach cert-manager's HTTP-01 solver pods in the namespace,
   * so the TLS certificate of the Ingress can be issued and renewed.
   * @default true
   */
  readonly acmeHttp01?: boolean;
  /**
   * NodeLocal DNSCache address, allowed for DNS next to kube-dns.
   * @default - kube-dns only
   */
  readonly nodeLocalDns?: string;
  /**
   * Secrets of the namespace mounted read-only into the gateway at `/etc/stoa/secrets/<name>/`.
   * @default - none
   */
  readonly secretMounts?: readonly string[];
}

/** Port the stoa-gateway serves Prometheus metrics on (`/metrics`, counter `http_requests_total{code}`). */
export const GATEWAY_METRICS_PORT = 9090;

/** Port cert-manager's HTTP-01 solver pods listen on. */
export const ACME_HTTP01_SOLVER_PORT = 8089;

/**
 * A tenant's API gateway: the stoa-gateway workload served on the tenant's
 * host with TLS, its metrics scraped by a PodMonitor, plus the network allows it
 * needs in a default-deny namespace (in from the ingress controller, and from
 * Prometheus to the metrics port only; out to the control plane and to upstream
 * APIs over HTTPS; cert-manager's HTTP-01 solver reachable from the ingress controller).
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
      metrics: { port: GATEWAY_METRICS_PORT, monitorLabels: props.podMonitorLabels },
      secretMounts: props.secretMounts,
    });

    const podSelector = { matchLabels: this.workload.selectorLabels };

    new k8s.KubeNetworkPolicy(this, 'allow-ingress', {
      metadata: { name: `${name}-allow-ingress`, namespace: props.namespace },
      spec: {
        podSelector,
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: namespaceNamed(props.ingressControllerNamespace) }], ports: [tcpPort(this.workload.port)] }],
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
              namespaceSelector: namespaceNamed(props.controlPlaneNamespace),
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'control-plane-api' } },
            }],
            ports: [tcpPort(controlPlanePort)],
          },
          // Upstream APIs are outside the cluster and only reached over TLS.
          httpsToInternet(props.internalCidrs ?? []),
          // Names of both: this policy isolates the gateway's egress, so it carries DNS itself
          // rather than rely on a namespace-wide allow that a standalone gateway has not.
          ...dnsEgressRules(props.nodeLocalDns),
        ],
      },
    });
    // Prometheus scrapes the metrics port and nothing else.
    new k8s.KubeNetworkPolicy(this, 'allow-metrics', {
      metadata: { name: `${name}-allow-metrics`, namespace: props.namespace },
      spec: {
        podSelector,
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: namespaceNamed(props.monitoringNamespace ?? ENVIRONMENT_DEFAULTS.monitoringNamespace) }], ports: [tcpPort(GATEWAY_METRICS_PORT)] }],
      },
    });
    if (props.acmeHttp01 ?? true) {
      // cert-manager starts solver pods next to the Ingress; the ACME server reaches them through the ingress controller.
      new k8s.KubeNetworkPolicy(this, 'allow-acme-solver', {
        metadata: { name: 'allow-acme-http01-solver', namespace: props.namespace },
        spec: {
          podSelector: { matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: namespaceNamed(props.ingressControllerNamespace) }], ports: [tcpPort(ACME_HTTP01_SOLVER_PORT)] }],
        },
      });
    }
  }
}
