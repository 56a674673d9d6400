import { IConstruct } from 'constructs';
import type { IAppOfApps } from '../argocd/app-of-apps';
import { ArgoProject } from '../argocd/argo-project';
import { SyncMode } from '../argocd/sync-policy';
import { ComponentCatalog } from '../config/component-catalog';
import { VaultBackend } from '../secrets/secret-store';
import { Delivery } from '../workloads/delivery';
import { IngressOptions } from '../workloads/web-workload';
import { AwxTokenProps, ClusterRef, EnvironmentMode } from './environment-props';

/** The cluster's network, as tenant and component network policies need it. */
export interface ClusterNetwork {
  /** Namespace of the ingress controller (allowed in to gateways and, with HTTP-01, to ACME solvers). */
  readonly ingressControllerNamespace: string;
  /**
   * The ingress controller's Service in its namespace (HTTPS on 443): where the gateway smoke tests check tenant hosts.
   * @default 'ingress-nginx-controller'
   */
  readonly ingressControllerService?: string;
  /** Namespace of Prometheus: the only source allowed to scrape metrics ports. */
  readonly monitoringNamespace: string;
  /** Labels of every PodMonitor, so the Prometheus's `podMonitorSelector` picks it. */
  readonly podMonitorLabels: Readonly<Record<string, string>>;
  /** The cluster's pod and service CIDRs, kept out of HTTPS egress to the internet. */
  readonly internalCidrs: readonly string[];
  /**
   * NodeLocal DNSCache address, allowed as a DNS server next to kube-dns.
   * @default - none: kube-dns only
   */
  readonly nodeLocalDns?: string;
  /** Whether cert-manager solves ACME challenges over HTTP-01 (solver pods in each namespace with an Ingress). */
  readonly acmeHttp01: boolean;
}

/** Where an environment's secrets come from. */
export interface EnvironmentSecrets {
  /**
   * The ClusterSecretStore of the platform namespaces.
   * @default - none
   */
  readonly storeName?: string;
  /**
   * The Vault behind the store, which tenants' own SecretStores use with their own role.
   * @default - none: tenants cannot declare secrets
   */
  readonly tenantVault?: VaultBackend;
  /**
   * Where the AWX token of tenants' sync hooks is.
   * @default - none: tenants cannot declare hooks
   */
  readonly awxToken?: AwxTokenProps;
}

/**
 * What a `Tenant` or a `Component` needs of the environment it is placed in: names, namespaces,
 * the cluster's network, secrets, images and the Argo CD app-of-apps its Application goes into.
 * `Environment` implements it; an importing team may place tenants and components in an
 * environment construct of its own by implementing it too (an `AppOfApps` gives the Argo CD part).
 */
export interface IEnvironment extends IConstruct {
  /** Environment name: the top folder of its output and the prefix of its Argo CD names. */
  readonly envName: string;
  /** Full (direct changes, owners operate) or read-only (promotion only, owners read). */
  readonly mode: EnvironmentMode;
  /** How its Applications sync: automated for full environments, manual for read-only ones. */
  readonly sync: SyncMode;
  /** The cluster it deploys to. */
  readonly cluster: ClusterRef;
  /** Namespace of the platform components (and the control plane gateways talk to). */
  readonly platformNamespace: string;
  /** Namespace of the AWX hook Jobs. */
  readonly hooksNamespace: string;
  /**
   * Prefix of every namespace the environment creates (a pull request preview's `pr-<number>-`).
   * @default '' - none
   */
  readonly namespacePrefix?: string;
  /** The cluster's network. */
  readonly network: ClusterNetwork;
  /** Where secrets come from. */
  readonly secrets: EnvironmentSecrets;
  /**
   * Prometheus URL, for canary analysis and KEDA triggers.
   * @default - none: no canary analysis, KEDA on CPU only
   */
  readonly prometheusAddress?: string;
  /** The platform components it can run. */
  readonly catalog: ComponentCatalog;
  /** Its Argo CD app-of-apps: projects and Applications. */
  readonly argo: IAppOfApps;
  /** The AppProject of the platform components. */
  readonly platformProject: ArgoProject;
  /** Folder in the output for `segments` of this environment, e.g. `dev/tenants/acme`. */
  outputPath(...segments: string[]): string;
  /** Labels of every object of the environment, and `extra`. */
  labels(extra?: Record<string, string>): Record<string, string>;
  /** Pinned image of a platform component. */
  imageOf(component: string): string;
  /** Pinned version of a platform component. */
  versionOf(component: string): string;
  /** Ingress settings for `<prefix>.<domain>`, claimed for `owner` (a host claimed twice is an error). */
  ingressFor(prefix: string, owner?: string): IngressOptions;
  /** How a tenant gateway is delivered: canary where the environment offers it and the tenant wants it. */
  deliveryFor(tenantWantsCanary: boolean | undefined): Delivery;
}

/** The namespace of tenant `tenant` in `env`: `tenant-<name>`, after the environment's namespace prefix. */
export function tenantNamespaceOf(env: Pick<IEnvironment, 'namespacePrefix'>, tenant: string): string {
  return `${env.namespacePrefix ?? ''}tenant-${tenant}`;
}
