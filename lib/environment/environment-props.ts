import type { ArgoSecretKeyRef, PullRequestSource } from '../argocd/preview-application-set';
import { EnvsRepo, TenantApplications } from '../argocd/app-of-apps';
import { ProjectAccess, SyncWindow } from '../argocd/argo-project';
import { NotificationTarget, TenantReadyWebhook } from '../argocd/notifications';
import { ComponentCatalog } from '../config/component-catalog';
import { InfisicalBackend, VaultBackend } from '../secrets/secret-store';

/** How changes reach an environment. */
export enum EnvironmentMode {
  /** Any change may be made directly; Argo CD syncs automatically with prune and self-heal. */
  FULL = 'full',
  /** Changes arrive only by promotion; every sync is started by a person. */
  READ_ONLY = 'read-only',
}

/** Who the admission policies of an environment trust. */
export interface EnvironmentAdmissionProps {
  /**
   * The users Argo CD writes to the cluster as (what its cluster credentials map to).
   * @default - `system:serviceaccount:kube-system:argocd-manager` for a cluster Argo CD does not run in (`argocd cluster add`), its application controller's service account for its own
   */
  readonly argocdUsers?: readonly string[];
  /**
   * Users that may write Secret values in tenant namespaces.
   * @default - the External Secrets and cert-manager controllers' service accounts
   */
  readonly secretWriters?: readonly string[];
  /**
   * Service accounts of controllers that create objects of the kinds Argo CD syncs, trusted in a read-only environment.
   * @default - cert-manager's (its HTTP-01 solver Services and Ingresses)
   */
  readonly controllers?: readonly string[];
  /**
   * Groups that may write what Argo CD syncs in a read-only environment (break-glass).
   * @default ['system:masters']
   */
  readonly breakGlassGroups?: readonly string[];
}

/** The Kubernetes cluster an environment deploys to. */
export interface ClusterRef {
  /** Cluster name as registered in Argo CD. */
  readonly name: string;
  /** API server URL: the Argo CD destination. */
  readonly server: string;
  /**
   * Kubernetes minor version the cluster runs, e.g. `1.30`: validation refuses API versions it does not serve.
   * @default '1.28' (the oldest supported)
   */
  readonly kubernetesVersion?: string;
}

/** Ingress settings of an environment. */
export interface EnvironmentIngressProps {
  /**
   * IngressClass of every Ingress.
   * @default 'nginx'
   */
  readonly className?: string;
  /**
   * cert-manager ClusterIssuer for TLS certificates.
   * @default 'letsencrypt'
   */
  readonly clusterIssuer?: string;
  /**
   * Namespace of the ingress controller (allowed through tenant network policies).
   * @default 'ingress-nginx'
   */
  readonly controllerNamespace?: string;
  /**
   * The ingress controller's Service in `controllerNamespace`, serving HTTPS on port 443: each tenant's
   * gateway smoke test sends its host check there (with the tenant's host as TLS SNI and Host header).
   * @default 'ingress-nginx-controller'
   */
  readonly controllerService?: string;
  /**
   * How cert-manager solves the issuer's ACME challenge. With HTTP-01, solver pods run in
   * each namespace that has an Ingress, and tenant network policies let the ingress controller reach them.
   * @default 'http01'
   */
  readonly acmeSolver?: 'http01' | 'dns01';
}

/** The cluster's Prometheus Operator. */
export interface EnvironmentMonitoringProps {
  /**
   * Namespace Prometheus runs in; the only source allowed to scrape metrics ports.
   * @default 'monitoring'
   */
  readonly namespace?: string;
  /**
   * Labels every PodMonitor and PrometheusRule carries, so the Prometheus's `podMonitorSelector` and
   * `ruleSelector` pick them. Without them a canary's analysis finds no data and waits forever.
   * `{}` for a Prometheus that selects every PodMonitor and rule.
   * @default - `release: kube-prometheus-stack` (what a kube-prometheus-stack installed under its chart's name selects)
   */
  readonly podMonitorLabels?: Record<string, string>;
}

/** Canary delivery offered by an environment (its analysis queries the environment's Prometheus). */
export interface EnvironmentCanaryProps {
  /**
   * Whether tenants use it unless they say otherwise.
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * Share of non-5xx responses a canary must keep.
   * @default 0.99
   */
  readonly successRate?: number;
  /**
   * Pause between steps.
   * @default '5m'
   */
  readonly pause?: string;
  /**
   * Traffic steps in percent.
   * @default [20, 50, 100]
   */
  readonly steps?: readonly number[];
}

/** The environment's external secret store. */
export interface EnvironmentSecretStoreProps {
  /** Name of the ClusterSecretStore. */
  readonly name: string;
  /** Vault or Infisical behind it. */
  readonly backend: VaultBackend | InfisicalBackend;
}

/** Where the AWX token of the tenants' sync hooks is. */
export interface AwxTokenProps {
  /** Key (path) in the secret store, e.g. `platform/awx`. */
  readonly key: string;
  /**
   * Property of that key.
   * @default - the whole value
   */
  readonly property?: string;
  /**
   * With a Vault store: the Vault role the hooks namespace logs in with (bound to its
   * `hooks-secrets` ServiceAccount, allowed to read this key only).
   * @default 'stoa-hooks'
   */
  readonly vaultRole?: string;
}

/** Props of {@link Environment}. */
export interface EnvironmentProps {
  /** Environment name, e.g. `dev`; the top folder of its output and the prefix of its Argo CD names. */
  readonly name: string;
  /**
   * Full (direct changes, automated sync) or read-only (promotion only, manual sync).
   * @default EnvironmentMode.FULL
   */
  readonly mode?: EnvironmentMode;
  /** Base domain; a tenant is served on `<tenant>.<domain>`, components on `<host>.<domain>`. */
  readonly domain: string;
  /** Cluster the environment deploys to. */
  readonly cluster: ClusterRef;
  /** Envs repo that Argo CD pulls. */
  readonly repo: EnvsRepo;
  /** Registry and repository prefix of the platform images, e.g. `ghcr.io/stoa-platform`. */
  readonly registry: string;
  /** Pinned version (tag or `sha256:` digest) of every platform component the environment runs. */
  readonly versions: Readonly<Record<string, string>>;
  /**
   * The platform components the environment can run: the STOA ones, and a team's own
   * (`ComponentCatalog.stoa().with(name, spec)`).
   * @default ComponentCatalog.stoa()
   */
  readonly catalog?: ComponentCatalog;
  /**
   * Namespace Argo CD runs in.
   * @default 'argocd'
   */
  readonly argocdNamespace?: string;
  /**
   * API server of the cluster Argo CD runs in (where Applications are created).
   * @default 'https://kubernetes.default.svc'
   */
  readonly argocdServer?: string;
  /**
   * Namespace of the platform components.
   * @default 'stoa-system'
   */
  readonly platformNamespace?: string;
  /**
   * Pull request previews in this environment's cluster: an ApplicationSet with a Pull Request
   * generator and the AppProject that fences them (see `AppOfApps.addPreviews`, docs/previews.md).
   * @default - no previews
   */
  readonly previews?: EnvironmentPreviewProps;
  /**
   * Prefix of every namespace the environment creates: platform, hooks and tenant namespaces
   * (a pull request preview's `pr-<number>-`, so it shares a cluster with another environment).
   * @default - none
   */
  readonly namespacePrefix?: string;
  /**
   * Ingress settings.
   * @default - nginx, letsencrypt, ingress-nginx
   */
  readonly ingress?: EnvironmentIngressProps;
  /**
   * Color used for the environment in reports.
   * @default - green for full, red for read-only
   */
  readonly color?: string;
  /**
   * Prometheus URL, for canary analysis and KEDA triggers.
   * @default - none: no canary, KEDA on CPU only
   */
  readonly prometheusAddress?: string;
  /**
   * Canary delivery for tenant gateways; needs `prometheusAddress`.
   * @default - not offered: rolling updates only
   */
  readonly canary?: EnvironmentCanaryProps;
  /**
   * The ClusterSecretStore that tenants' ExternalSecrets read from.
   * @default - none: tenants cannot declare secrets
   */
  readonly secretStore?: EnvironmentSecretStoreProps;
  /**
   * Where the AWX token of tenant sync hooks is in the secret store.
   * @default - none: tenants cannot declare hooks
   */
  readonly awxToken?: AwxTokenProps;
  /**
   * Allow syncs only inside these windows, in every project of the environment.
   * @default - syncs at any time
   */
  readonly syncWindows?: readonly SyncWindow[];
  /**
   * Project roles of every project: read-only viewers and a release group.
   * @default - no project roles
   */
  readonly access?: ProjectAccess;
  /**
   * Subscribe every Application to sync-failed, health-degraded, drift, stuck (a waiting canary) and slow-sync notifications.
   * @default - no notifications
   */
  readonly notifications?: NotificationTarget;
  /**
   * The platform rules enforced at admission too (ValidatingAdmissionPolicies, Kubernetes 1.30+):
   * `false` renders none.
   * @default - rendered when the cluster runs Kubernetes 1.30 or later, with the default writers
   */
  readonly admission?: EnvironmentAdmissionProps | false;
  /**
   * Grafana dashboards (Argo CD, canary analysis, tenant gateways) as ConfigMaps for Grafana's sidecar in the monitoring namespace.
   * @default true
   */
  readonly dashboards?: boolean;
  /**
   * Tell the control plane when a tenant is ready: every tenant Application is subscribed to a webhook
   * sent once per revision when it is synced and healthy.
   * @default - no tenant-ready notification
   */
  readonly tenantReady?: TenantReadyWebhook;
  /**
   * One Application per tenant, or one ApplicationSet over the tenant folders.
   * @default TenantApplications.APPLICATIONS
   */
  readonly tenantApplications?: TenantApplications;
  /**
   * Keep every tenant's Application when git no longer has it (`Prune=false` on it): a person
   * deletes it. Always so in a read-only environment. Set it in a full environment for the commit
   * before a switch of `tenantApplications` and the switch itself: the root then never deletes (and
   * cascades) an Application that the new mode takes over.
   * @default false
   */
  readonly keepTenantApplications?: boolean;
  /**
   * The cluster's pod and service CIDRs: excluded from tenants' HTTPS egress to the internet.
   * @default - none: HTTPS egress may reach any address
   */
  readonly internalCidrs?: readonly string[];
  /**
   * The cluster's Prometheus Operator (PodMonitors, who may scrape).
   * @default - namespace monitoring, no PodMonitor labels
   */
  readonly monitoring?: EnvironmentMonitoringProps;
  /**
   * Link-local address of NodeLocal DNSCache, allowed as a DNS server next to kube-dns.
   * @default - none: pods resolve names through kube-dns only
   */
  readonly nodeLocalDns?: string;
  /**
   * Namespace the AWX sync hooks of every tenant run in (holds the AWX token; tenants have no access).
   * @default 'stoa-hooks'
   */
  readonly hooksNamespace?: string;
  /**
   * Platform components to deploy now, each with its own Application (more can be added with `addComponent`).
   * @default - every component of the catalog
   */
  readonly components?: readonly string[];
}

/** Pull request previews an environment runs in its cluster. */
export interface EnvironmentPreviewProps {
  /** The git hosting service and repository whose pull requests get previews. */
  readonly pullRequests: PullRequestSource;
  /** The Secret in Argo CD's namespace holding that service's API token. */
  readonly tokenSecret: ArgoSecretKeyRef;
  /**
   * Only pull requests with all these labels get a preview.
   * @default ['preview']
   */
  readonly labels?: readonly string[];
  /**
   * Seconds between two polls of the pull requests.
   * @default 180
   */
  readonly pollSeconds?: number;
  /**
   * Argo CD's web address, for the link of each preview's status.
   * @default - no link
   */
  readonly argocdUrl?: string;
  /**
   * Only pull requests into this branch get a preview.
   * @default 'main'
   */
  readonly targetBranch?: string;
  /**
   * The cert-manager ClusterIssuer of the previews' Ingresses (they are rendered from the files, see `previewInput`).
   * @default - the environment's own
   */
  readonly clusterIssuer?: string;
}
