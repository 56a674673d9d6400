import { ArgoProject } from '../argocd/argo-project';
import { LEAVING_LABEL, TENANT_LABEL } from '../config/names';
import { IEnvironment } from '../environment/environment-context';
import { EnvironmentMode } from '../environment/environment-props';
import { ManifestChart } from '../render/manifest-chart';
import { AwxHookJob } from './awx-hook';
import { addDeprovisionHook, addTenantProject } from './tenant';
import { TenantProps } from './tenant-props';

/**
 * A tenant leaving an environment (its file's `leaving`): what Argo CD needs to delete its
 * Application there and run its deprovision hook, and nothing else. Its Application is no longer
 * rendered, so the root prunes it (or, read-only, a person deletes it; an ApplicationSet's generator
 * excludes its folder); Argo CD finds an Application's PostDelete hooks in its source folder when it is
 * deleted, so `<env>/tenants/<name>/` keeps the deprovision hook Job, and the app-of-apps keeps its
 * AppProject (deleting an Application needs its project). Both carry the `stoa.io/leaving` label.
 */
export class LeavingTenant extends ManifestChart {
  /** Tenant name. */
  public readonly tenantName: string;
  /** The tenant's AppProject, kept until its Application is gone. */
  public readonly project: ArgoProject;
  /** The PostDelete hook Job that launches the deprovision job template. */
  public readonly deprovision: AwxHookJob;

  constructor(env: IEnvironment, id: string, props: TenantProps) {
    const leaving = { [LEAVING_LABEL]: 'true' };
    super(env, id, { outputPath: env.outputPath('tenants', props.name), labels: env.labels({ [TENANT_LABEL]: props.name, ...leaving }) });
    if (!props.hooks?.postDelete) {
      throw new Error(`tenant "${props.name}" in ${env.envName}: a leaving tenant keeps only its deprovision hook, and it has no hooks.postDelete`);
    }
    this.tenantName = props.name;
    this.project = addTenantProject(env, props, true, leaving);
    this.deprovision = addDeprovisionHook(this, env, props, leaving);
    // Not rendered: in ApplicationSet mode this excludes its folder from the generator.
    env.argo.addTenantApplication(props.name, {
      name: env.argo.argoName(`tenant-${props.name}`),
      project: this.project.projectName,
      source: env.argo.sourceFor(this),
      destinationServer: env.cluster.server,
      destinationNamespace: `tenant-${props.name}`,
      sync: env.sync,
      createNamespace: false,
      manualRemoval: env.mode === EnvironmentMode.READ_ONLY,
    }, { leaving: true });
  }
}
