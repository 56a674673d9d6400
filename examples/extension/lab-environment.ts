// An environment construct of our own: not stoa-manifests' Environment, only the interface
// (IEnvironment) a Tenant needs. Its Argo CD side is stoa-manifests' AppOfApps.
import { Construct } from 'constructs';
import {
  AppOfApps, ArgoProject, ClusterNetwork, ComponentCatalog, Delivery, EnvironmentMode, EnvironmentSecrets,
  IEnvironment, IngressOptions, SyncMode,
} from 'stoa-manifests';

/** Props of {@link LabEnvironment}. */
export interface LabEnvironmentProps {
  /** Environment name. */
  readonly name: string;
  /** Base domain. */
  readonly domain: string;
  /** API server of the lab cluster. */
  readonly server: string;
  /** The envs repo Argo CD pulls. */
  readonly repo: { readonly url: string; readonly revision: string };
  /** The gateway image, pinned. */
  readonly gatewayImage: string;
}

/** A lab: one cluster, rolling updates only, no secret store, everything synced automatically. */
export class LabEnvironment extends Construct implements IEnvironment {
  public readonly envName: string;
  public readonly mode = EnvironmentMode.FULL;
  public readonly sync = SyncMode.automated();
  public readonly cluster: { readonly name: string; readonly server: string };
  public readonly platformNamespace = 'stoa-system';
  public readonly hooksNamespace = 'stoa-hooks';
  public readonly network: ClusterNetwork = {
    ingressControllerNamespace: 'ingress-nginx',
    monitoringNamespace: 'monitoring',
    podMonitorLabels: {},
    internalCidrs: ['10.0.0.0/8'],
    acmeHttp01: true,
  };
  public readonly secrets: EnvironmentSecrets = {};
  public readonly catalog = ComponentCatalog.stoa();
  public readonly argo: AppOfApps;
  public readonly platformProject: ArgoProject;
  private readonly props: LabEnvironmentProps;

  constructor(scope: Construct, id: string, props: LabEnvironmentProps) {
    super(scope, id);
    this.props = props;
    this.envName = props.name;
    this.cluster = { name: props.name, server: props.server };
    this.argo = new AppOfApps(this, 'argo', { envName: props.name, repo: props.repo, sync: this.sync, labels: this.labels() });
    // The lab runs no platform components of its own: an empty project.
    this.platformProject = this.argo.addProject('platform-project', { name: this.argo.argoName('platform'), destinations: [] });
  }

  public outputPath(...segments: string[]): string {
    return [this.envName, ...segments].join('/');
  }

  public labels(extra: Record<string, string> = {}): Record<string, string> {
    return { 'app.kubernetes.io/managed-by': 'stoa-manifests', 'stoa.io/environment': this.envName, ...extra };
  }

  public imageOf(component: string): string {
    if (component !== 'stoa-gateway') throw new Error(`lab ${this.envName} runs no ${component}`);
    return this.props.gatewayImage;
  }

  public versionOf(component: string): string {
    return this.imageOf(component).split(':').pop()!;
  }

  public ingressFor(prefix: string): IngressOptions {
    return { host: `${prefix}.${this.props.domain}`, className: 'nginx', clusterIssuer: 'letsencrypt' };
  }

  public deliveryFor(): Delivery {
    return Delivery.rolling();
  }
}
