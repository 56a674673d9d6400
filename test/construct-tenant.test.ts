import { ApiObject, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { AppOfApps } from '../lib/argocd/app-of-apps';
import { ArgoProject } from '../lib/argocd/argo-project';
import { SyncMode } from '../lib/argocd/sync-policy';
import { ClusterNetwork, EnvironmentSecrets, IEnvironment } from '../lib/environment/environment-context';
import { EnvironmentMode } from '../lib/environment/environment-props';
import { ComponentCatalog } from '../lib/config/component-catalog';
import { ConstructValidationError, renderUnvalidated } from '../lib/render/render';
import { Tenant } from '../lib/tenant/tenant';
import { Delivery } from '../lib/workloads/delivery';
import { IngressOptions } from '../lib/workloads/web-workload';

/** An importing team's own environment construct: not an Environment, only the interface a Tenant needs. */
class LabEnvironment extends Construct implements IEnvironment {
  public readonly envName = 'lab';
  public readonly mode = EnvironmentMode.FULL;
  public readonly sync = SyncMode.automated();
  public readonly cluster = { name: 'lab', server: 'https://lab.k8s.example.com' };
  public readonly platformNamespace = 'stoa-system';
  public readonly hooksNamespace = 'stoa-hooks';
  public readonly network: ClusterNetwork = {
    ingressControllerNamespace: 'ingress-nginx', monitoringNamespace: 'monitoring', podMonitorLabels: {}, internalCidrs: ['10.0.0.0/8'], acmeHttp01: false,
  };
  public readonly secrets: EnvironmentSecrets = {};
  public readonly catalog = ComponentCatalog.stoa();
  public readonly argo: AppOfApps;
  public readonly platformProject: ArgoProject;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.argo = new AppOfApps(this, 'argo', { envName: this.envName, repo: { url: 'https://git.example.com/lab.git', revision: 'lab' }, sync: this.sync });
    this.platformProject = this.argo.addProject('platform', { name: 'lab-platform', destinations: [] });
  }

  public outputPath(...segments: string[]): string {
    return ['lab', ...segments].join('/');
  }
  public labels(extra: Record<string, string> = {}): Record<string, string> {
    return { 'app.kubernetes.io/managed-by': 'stoa-manifests', 'stoa.io/environment': 'lab', ...extra };
  }
  public imageOf(component: string): string {
    return `registry.lab.example.com/${component}:${this.versionOf(component)}`;
  }
  public versionOf(_component: string): string {
    return '1.9.0';
  }
  public ingressFor(prefix: string): IngressOptions {
    return { host: `${prefix}.lab.example.com`, className: 'nginx', clusterIssuer: 'letsencrypt' };
  }
  public deliveryFor(): Delivery {
    return Delivery.rolling();
  }
}

function files(app: ReturnType<typeof Testing.app>) {
  return new Map(renderUnvalidated(app).map((f) => [f.path, f.object as any]));
}

describe('Tenant in an environment construct of the importing team (IEnvironment)', () => {
  test('renders its namespace, gateway, project and Application from what the interface gives', () => {
    const app = Testing.app();
    new Tenant(new LabEnvironment(app, 'lab'), 'acme', { name: 'acme', tier: 'silver', owners: { groups: ['acme-team'] } });
    const out = files(app);
    expect(out.get('lab/tenants/acme/deployment-gateway.yaml').spec.template.spec.containers[0].image).toBe('registry.lab.example.com/stoa-gateway:1.9.0');
    expect(out.get('lab/apps/application-lab-tenant-acme.yaml').spec.source).toEqual({ repoURL: 'https://git.example.com/lab.git', targetRevision: 'lab', path: 'lab/tenants/acme' });
    expect(out.get('lab/apps/appproject-lab-tenant-acme.yaml').spec.destinations).toEqual([{ server: 'https://lab.k8s.example.com', namespace: 'tenant-acme' }]);
    expect(out.get('lab/tenants/acme/namespace-tenant-acme.yaml').metadata.labels['stoa.io/environment']).toBe('lab');
  });
});

describe("a Tenant chart holds only what its AppProject allows (checked at synth, after the importing team's additions)", () => {
  const clusterRole = (tenant: Tenant) => new ApiObject(tenant, 'reader', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'acme-reader' }, rules: [],
  });

  test('an object of a kind the project does not allow is an error naming the object, the project and the method that widens it', () => {
    const app = Testing.app();
    const tenant = new Tenant(new LabEnvironment(app, 'lab'), 'acme', { name: 'acme', tier: 'silver', owners: { groups: ['acme-team'] } });
    clusterRole(tenant);
    expect(() => renderUnvalidated(app)).toThrow(ConstructValidationError);
    expect(() => renderUnvalidated(app)).toThrow(/ClusterRole acme-reader is not allowed by AppProject lab-tenant-acme: cluster-scoped rbac\.authorization\.k8s\.io\/ClusterRole acme-reader is not in its clusterResourceWhitelist \(allowClusterResource\)/);
  });

  test('widened on purpose, the project names that one object and the chart renders it', () => {
    const app = Testing.app();
    const tenant = new Tenant(new LabEnvironment(app, 'lab'), 'acme', { name: 'acme', tier: 'silver', owners: { groups: ['acme-team'] } });
    clusterRole(tenant);
    tenant.project.allowClusterResource({ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'acme-reader' });
    const out = files(app);
    expect(out.has('lab/tenants/acme/clusterrole-acme-reader.yaml')).toBe(true);
    expect(out.get('lab/apps/appproject-lab-tenant-acme.yaml').spec.clusterResourceWhitelist)
      .toContainEqual({ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'acme-reader' });
  });

  test('an object in another namespace needs that destination', () => {
    const app = Testing.app();
    const tenant = new Tenant(new LabEnvironment(app, 'lab'), 'acme', { name: 'acme', tier: 'silver', owners: { groups: ['acme-team'] } });
    new ApiObject(tenant, 'sa', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'x', namespace: 'tenant-acme-jobs' } });
    expect(() => renderUnvalidated(app)).toThrow(/ServiceAccount x is not allowed by AppProject lab-tenant-acme: namespace tenant-acme-jobs is not one of its destinations \(allowDestination\)/);
    tenant.project.allowDestination({ server: 'https://lab.k8s.example.com', namespace: 'tenant-acme-jobs' });
    expect(files(app).has('lab/tenants/acme/serviceaccount-x.yaml')).toBe(true);
  });
});
