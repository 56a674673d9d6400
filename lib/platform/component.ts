import { ArgoApplication } from '../argocd/argo-application';
import { APP_SYNC_WAVES, setSyncWave } from '../argocd/sync-wave';
import type { IEnvironment } from '../environment/environment-context';
import { ManifestChart } from '../render/manifest-chart';
import { Scaling } from '../workloads/scaling';
import { WebWorkload } from '../workloads/web-workload';

/** Props of {@link Component}. */
export interface ComponentProps {
  /** Which platform component: a name in the environment's catalog, with a version in the environment. */
  readonly component: string;
  /**
   * Replicas.
   * @default Scaling.fixed(2)
   */
  readonly scaling?: Scaling;
}

/**
 * A platform component of the environment's catalog (the STOA ones: stoa-gateway,
 * control-plane-api, control-plane-ui, stoa-portal; or a team's own) in one environment:
 * its workload in `<env>/platform/<component>/` and its Argo CD Application in the
 * environment's app-of-apps.
 */
export class Component extends ManifestChart {
  /** Which platform component. */
  public readonly component: string;
  /** The Argo CD Application that deploys it. */
  public readonly application: ArgoApplication;

  constructor(env: IEnvironment, id: string, props: ComponentProps) {
    const component = props.component;
    super(env, id, {
      outputPath: env.outputPath('platform', component),
      labels: env.labels({ 'app.kubernetes.io/part-of': 'stoa-platform' }),
    });
    this.component = component;
    const spec = env.catalog.spec(component);

    new WebWorkload(this, 'workload', {
      name: component,
      namespace: env.platformNamespace,
      image: env.imageOf(component),
      port: spec.port,
      resources: spec.resources,
      scaling: props.scaling ?? Scaling.fixed(2),
      selectorLabels: { 'app.kubernetes.io/name': component },
      labels: { 'app.kubernetes.io/version': versionLabel(env.versionOf(component)) },
      env: { STOA_ENVIRONMENT: env.envName },
      ingress: env.ingressFor(spec.hostPrefix, `platform component ${component}`),
    });

    this.application = env.argo.addApplication(`${component}-application`, {
      name: env.argo.argoName(component),
      project: env.platformProject.projectName,
      source: env.argo.sourceFor(this),
      destinationServer: env.cluster.server,
      destinationNamespace: env.platformNamespace,
      sync: env.sync,
      manifests: this,
      labels: { 'stoa.io/component': component },
    });
    setSyncWave(this.application, APP_SYNC_WAVES.platform);
  }
}

/**
 * An image version as a label value (at most 63 characters, alphanumeric at both ends): a digest
 * becomes `sha256-<first 12 hex>`, a long tag is cut. The image itself always keeps the full version.
 */
export function versionLabel(version: string): string {
  const digest = /^sha256:([a-f0-9]{12})[a-f0-9]*$/.exec(version);
  if (digest) return `sha256-${digest[1]}`;
  return version.slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}
