import { ArgoApplication } from '../argocd/argo-application';
import { ArgoProject } from '../argocd/argo-project';
import { LEAVING_LABEL, TENANT_LABEL } from '../config/names';
import { IEnvironment, tenantNamespaceOf } from '../environment/environment-context';
import { tenantArgoBase } from '../layout/output-layout';
import { EnvironmentMode } from '../environment/environment-props';
import { ManifestChart } from '../render/manifest-chart';
import { AwxHookJob } from './awx-hook';
import { addDeprovisionHook, addTenantProject } from './tenant';
import { TenantProps } from './tenant-props';

/**
 * A tenant leaving an environment (its file's `leaving`): its Application stays, and its folder holds
 * only the deprovision hook (hooks.postDelete) as a PostSync hook Job. The next sync of the
 * Application (automated, or `argocd app sync --prune` by a person in a read-only environment)
 * prunes everything the tenant had (its namespace is kept where it carries `Delete=false,Prune=false`)
 * and then runs the deprovision job template once. `tenant remove` again removes the Application and
 * the folder. The deprovision never runs on any other deletion of the Application (a deleted
 * ApplicationSet, a delete and recreate), which a PostDelete hook in the tenant's folder would.
 */
export class LeavingTenant extends ManifestChart {
  /** Tenant name. */
  public readonly tenantName: string;
  /** The tenant's AppProject. */
  public readonly project: ArgoProject;
  /** The PostSync hook Job that launches the deprovision job template. */
  public readonly deprovision: AwxHookJob;
  /** The Application that syncs the leaving folder (a prototype in ApplicationSet mode). */
  public readonly application: ArgoApplication;

  constructor(env: IEnvironment, id: string, props: TenantProps) {
    const leaving = { [LEAVING_LABEL]: 'true' };
    super(env, id, { outputPath: env.outputPath('tenants', props.name), labels: env.labels({ [TENANT_LABEL]: props.name, ...leaving }) });
    if (!props.hooks?.postDelete) {
      throw new Error(`tenant "${props.name}" in ${env.envName}: a leaving tenant keeps only its deprovision hook, and it has no hooks.postDelete`);
    }
    this.tenantName = props.name;
    this.project = addTenantProject(env, props, true);
    this.deprovision = addDeprovisionHook(this, env, props, leaving);
    this.application = env.argo.addTenantApplication(props.name, {
      name: env.argo.argoName(tenantArgoBase(props.name)),
      project: this.project.projectName,
      source: env.argo.sourceFor(this),
      destinationServer: env.cluster.server,
      destinationNamespace: tenantNamespaceOf(env, props.name),
      sync: env.sync,
      createNamespace: false,
      manualRemoval: env.mode === EnvironmentMode.READ_ONLY,
      labels: { [TENANT_LABEL]: props.name },
    }, { leaving: true });
  }
}
