import { GroupKind } from '../argocd/argo-project';
import { k8s } from 'cdk8s-plus-28';
import { APP_SYNC_WAVES, setSyncWave, SYNC_WAVES } from '../argocd/sync-wave';
import { restrictedNamespaceLabels } from '../workloads/security';
import { ENVIRONMENT_DEFAULTS as D, OLDEST_KUBERNETES_VERSION, servesAdmissionPolicies } from '../config/environment-defaults';
import { AdmissionPolicies, admissionResources, defaultArgoCdUsers } from '../platform/admission-policies';
import { Dashboards } from '../platform/dashboards';
import { DriftAlerts } from '../platform/drift-alerts';
import { DEFAULT_DRIFT_MINUTES } from '../argocd/notifications';
import { HooksNamespace } from '../platform/hooks-namespace';
import { DEFAULT_DENY_POLICY } from '../network/policies';
import { TENANT_LABEL } from '../config/names';
import { ManifestChart } from '../render/manifest-chart';
import { ClusterSecretStore } from '../secrets/secret-store';
import { IEnvironment } from './environment-context';
import { EnvironmentMode, EnvironmentProps } from './environment-props';

/** The namespaces and cluster-scoped objects the platform services of an environment add to its platform project. */
export function platformServicesOf(props: EnvironmentProps, namespaces: { readonly hooks: string; readonly monitoring: string }): { namespaces: string[]; clusterResources: GroupKind[] } {
  return {
    namespaces: [...(hooksOf(props) ? [namespaces.hooks] : []), ...(props.dashboards === false && !props.notifications ? [] : [namespaces.monitoring])],
    clusterResources: [
      ...(props.secretStore ? [{ group: 'external-secrets.io', kind: 'ClusterSecretStore', name: props.secretStore.name }] : []),
      ...(admissionOf(props) ? admissionResources(admissionPrefix(props.name), readOnly(props), props.previews !== undefined) : []),
    ],
  };
}

/** The admission policies of the environment, when it has them: by default from Kubernetes 1.30 (admissionregistration.k8s.io/v1). */
function admissionOf(props: EnvironmentProps) {
  if (props.admission === false) return undefined;
  return servesAdmissionPolicies(props.cluster.kubernetesVersion ?? OLDEST_KUBERNETES_VERSION) ? props.admission ?? {} : undefined;
}

const readOnly = (props: EnvironmentProps) => props.mode === EnvironmentMode.READ_ONLY;
const admissionPrefix = (env: string) => `${env}-stoa-`;

/**
 * The platform services tenants rely on, each its own Application of the platform project:
 * the ClusterSecretStore (`<env>/platform/secret-store`) and, with an AWX token, the hooks
 * namespace holding it (`<env>/platform/hooks`), in the waves before the tenants.
 */
export function addPlatformServices(env: IEnvironment, props: EnvironmentProps): void {
  if (env.namespacePrefix) {
    // An environment sharing its cluster (a pull request preview) has its platform namespace as a
    // manifest: deleting its Applications deletes it, which a namespace made by CreateNamespace never is.
    const chart = new ManifestChart(env, 'platform-namespace', { outputPath: env.outputPath('platform', 'namespace'), labels: env.labels() });
    new k8s.KubeNamespace(chart, 'namespace', { metadata: { name: env.platformNamespace, labels: restrictedNamespaceLabels() } });
    setSyncWave(chart, SYNC_WAVES.foundation);
    addServiceApplication(env, chart, 'namespace', env.platformNamespace, APP_SYNC_WAVES.hooks, false);
  }
  const hooks = hooksOf(props);
  const tenantVault = env.secrets.tenantVault;
  if (props.secretStore) {
    const chart = new ManifestChart(env, 'secret-store', { outputPath: env.outputPath('platform', 'secret-store'), labels: env.labels() });
    new ClusterSecretStore(chart, 'store', {
      name: props.secretStore.name,
      backend: props.secretStore.backend,
      // Platform namespaces only: tenants (and, with Vault, the hooks namespace) read through
      // a SecretStore of their own with their own Vault role.
      namespaces: [env.platformNamespace, ...(hooks && !tenantVault ? [env.hooksNamespace] : [])],
    });
    addServiceApplication(env, chart, 'secret-store', env.platformNamespace, APP_SYNC_WAVES.secretStore);
  }
  const admission = admissionOf(props);
  if (admission) {
    const chart = new ManifestChart(env, 'admission', { outputPath: env.outputPath('platform', 'admission'), labels: env.labels() });
    new AdmissionPolicies(chart, 'policies', {
      namePrefix: admissionPrefix(env.envName),
      argocdUsers: admission.argocdUsers ?? defaultArgoCdUsers(props.argocdNamespace ?? D.argocdNamespace, props.cluster.server === (props.argocdServer ?? D.argocdServer)),
      tenantLabel: TENANT_LABEL,
      defaultDenyPolicy: DEFAULT_DENY_POLICY,
      platformNamespaces: [env.platformNamespace, ...(hooks ? [env.hooksNamespace] : [])],
      readOnly: readOnly(props),
      secretWriters: admission.secretWriters,
      controllers: admission.controllers,
      breakGlassGroups: admission.breakGlassGroups,
      previews: props.previews && { domain: props.domain },
    });
    // Cluster-scoped objects only: no namespace to create.
    addServiceApplication(env, chart, 'admission', env.platformNamespace, APP_SYNC_WAVES.secretStore, false);
  }
  if (props.dashboards !== false) {
    // Dashboards go where Grafana's sidecar looks: the monitoring namespace, which the cluster's monitoring stack owns.
    const chart = new ManifestChart(env, 'dashboards', { outputPath: env.outputPath('platform', 'dashboards'), labels: env.labels() });
    new Dashboards(chart, 'dashboards', { envName: env.envName, namespace: env.network.monitoringNamespace, canary: props.canary !== undefined });
    // Last wave, and the namespace made if the cluster has none yet: nothing waits for it, and it never stays Missing.
    addServiceApplication(env, chart, 'dashboards', env.network.monitoringNamespace, APP_SYNC_WAVES.observability, true);
  }
  if (props.notifications) {
    // The drift alert: Prometheus measures how long an Application has been OutOfSync (see DriftAlerts).
    const chart = new ManifestChart(env, 'alerts', { outputPath: env.outputPath('platform', 'alerts'), labels: env.labels() });
    new DriftAlerts(chart, 'drift', {
      envName: env.envName,
      namespace: env.network.monitoringNamespace,
      minutes: props.notifications.driftMinutes ?? DEFAULT_DRIFT_MINUTES,
      ruleLabels: env.network.podMonitorLabels,
    });
    addServiceApplication(env, chart, 'alerts', env.network.monitoringNamespace, APP_SYNC_WAVES.observability, true);
  }
  if (hooks) {
    const chart = new ManifestChart(env, 'hooks', { outputPath: env.outputPath('platform', 'hooks'), labels: env.labels() });
    new HooksNamespace(chart, 'namespace', {
      namespace: env.hooksNamespace,
      store: tenantVault ? { vault: tenantVault, role: hooks.awxToken.vaultRole ?? D.hooksVaultRole } : { clusterSecretStore: hooks.store.name },
      awxToken: hooks.awxToken,
      internalCidrs: env.network.internalCidrs,
      nodeLocalDns: env.network.nodeLocalDns,
    });
    // Its Namespace is a manifest, with the Pod Security labels.
    addServiceApplication(env, chart, 'hooks', env.hooksNamespace, APP_SYNC_WAVES.hooks, false);
  }
}

/** The AWX token and the store it is read from: the environment runs a hooks namespace. */
function hooksOf(props: EnvironmentProps) {
  return props.awxToken && props.secretStore ? { awxToken: props.awxToken, store: props.secretStore } : undefined;
}

function addServiceApplication(env: IEnvironment, chart: ManifestChart, service: string, namespace: string, wave: number, createNamespace?: boolean): void {
  const app = env.argo.addApplication(`${service}-application`, {
    name: env.argo.argoName(service),
    project: env.platformProject.projectName,
    source: env.argo.sourceFor(chart),
    destinationServer: env.cluster.server,
    destinationNamespace: namespace,
    sync: env.sync,
    createNamespace,
    labels: { 'stoa.io/component': service },
  });
  setSyncWave(app, wave);
}
