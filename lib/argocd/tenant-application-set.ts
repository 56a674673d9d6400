import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { TENANT_LABEL } from '../config/names';
import { ArgoApplication } from './argo-application';
import { SYNC_WAVE_ANNOTATION } from './sync-policy';

/** Placeholder of the git directory generator for the folder's last segment (the tenant). */
export const TENANT_PLACEHOLDER = '{{path.basename}}';

/** Props of {@link TenantApplicationSet}. */
export interface TenantApplicationSetProps {
  /** Name of the ApplicationSet. */
  readonly name: string;
  /** Namespace Argo CD runs in. */
  readonly argocdNamespace: string;
  /** The envs repo. */
  readonly repoUrl: string;
  /** Branch, tag or commit of the envs repo. */
  readonly revision: string;
  /** Folder holding one folder per tenant, e.g. `dev/tenants`. */
  readonly tenantsFolder: string;
  /**
   * Sync wave of the ApplicationSet in the app-of-apps.
   * @default - none (wave 0)
   */
  readonly syncWave?: number;
  /**
   * Whether a person must act before a tenant's Application is deleted (read-only environments):
   * the ApplicationSet then creates and updates Applications but never deletes one
   * (`applicationsSync: create-update`); a removed tenant's Application stays, OutOfSync, until a
   * person deletes it.
   * @default false
   */
  readonly manualDeletion?: boolean;
}

/**
 * One ApplicationSet whose git directory generator makes an Application per
 * tenant folder. Its template is derived from the Applications the tenants
 * would have had (registered with {@link TenantApplicationSet.addTenant}), with the tenant name
 * replaced by the placeholder, so both modes give the same Applications; if
 * the tenants' Applications differ in more than the name (e.g. one autoscaled
 * gateway and one fixed), a template cannot express them and validation says so.
 */
export class TenantApplicationSet extends Construct {
  private readonly tenants: Array<{ readonly name: string; readonly application: ArgoApplication }> = [];

  constructor(scope: Construct, id: string, props: TenantApplicationSetProps) {
    super(scope, id);
    new ApiObject(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: {
        name: props.name,
        namespace: props.argocdNamespace,
        annotations: props.syncWave === undefined ? undefined : { [SYNC_WAVE_ANNOTATION]: String(props.syncWave) },
      },
      spec: {
        goTemplate: false,
        generators: [{ git: { repoURL: props.repoUrl, revision: props.revision, directories: [{ path: `${props.tenantsFolder}/*` }] } }],
        // Deleting or renaming the ApplicationSet must not take every tenant's resources with it: the
        // generated Applications carry no resources finalizer (the template drops it, and the controller
        // adds none with preserveResourcesOnDeletion), so deleting one never cascades to its namespace.
        syncPolicy: { preserveResourcesOnDeletion: true, applicationsSync: props.manualDeletion ? 'create-update' : undefined },
        template: Lazy.any({ produce: () => this.template() }),
      },
    });
    this.node.addValidation({ validate: () => this.checkUniform() });
  }

  /** Registers a tenant's prototype Application (never rendered itself). */
  public addTenant(name: string, application: ArgoApplication): void {
    this.tenants.push({ name, application });
  }

  private templates(): Array<{ name: string; text: string }> {
    return this.tenants.map((t) => ({ name: t.name, text: JSON.stringify(templatize(t.application.resource.toJson(), t.name)) }));
  }

  private template(): unknown {
    const first = this.templates()[0];
    if (!first) throw new Error(`ApplicationSet ${this.node.path} has no tenants: register at least one with addTenant() before synth`);
    const { apiVersion: _v, kind: _k, ...rest } = JSON.parse(first.text);
    delete rest.metadata.namespace;
    delete rest.metadata.finalizers;
    return rest;
  }

  private checkUniform(): string[] {
    const all = this.templates();
    const different = all.filter((t) => t.text !== all[0].text).map((t) => t.name);
    return different.length === 0 ? [] : [
      `ApplicationSet mode needs every tenant's Application to differ only by the tenant name; ${different.join(', ')} differ from ${all[0].name} `
      + '(e.g. fixed replicas vs an autoscaler, or canary vs rolling). Use one Application per tenant in this environment.',
    ];
  }
}

/**
 * The Application with the tenant's name replaced by the placeholder where it carries it: the end of
 * the name and project (`<env>-tenant-<name>`), the last folder of the source path and the end of the
 * namespace (`tenant-<name>`). Only there: a tenant named like a word of the environment (`qa`, `tenant`)
 * must not turn other text into the placeholder.
 */
function templatize(app: any, tenant: string): any {
  const swap = (v: unknown, sep: string) => (typeof v === 'string' && v.endsWith(`${sep}${tenant}`)
    ? `${v.slice(0, v.length - tenant.length)}${TENANT_PLACEHOLDER}` : v);
  const out = JSON.parse(JSON.stringify(app));
  out.metadata.name = swap(out.metadata.name, '-');
  if (out.metadata.labels?.[TENANT_LABEL] !== undefined) out.metadata.labels[TENANT_LABEL] = TENANT_PLACEHOLDER;
  out.spec.project = swap(out.spec.project, '-');
  out.spec.source.path = swap(out.spec.source.path, '/');
  out.spec.destination.namespace = swap(out.spec.destination.namespace, '-');
  for (const d of out.spec.ignoreDifferences ?? []) d.namespace = swap(d.namespace, '-');
  return out;
}
