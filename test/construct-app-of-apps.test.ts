import { Testing } from 'cdk8s';
import { AppOfApps, TenantApplications } from '../lib/argocd/app-of-apps';
import { SyncMode } from '../lib/argocd/sync-policy';
import { ManifestChart } from '../lib/render/manifest-chart';
import { renderUnvalidated } from '../lib/render/render';

// AppOfApps alone: the Argo CD side of an environment, without an Environment.

const repo = { url: 'https://git.example.com/envs.git', revision: 'main' };

function render(props: Partial<ConstructorParameters<typeof AppOfApps>[2]> = {}, add: (a: AppOfApps, app: ReturnType<typeof Testing.app>) => void = () => {}) {
  const app = Testing.app();
  const argo = new AppOfApps(app, 'argo', { envName: 'qa', repo, sync: SyncMode.automated(), ...props });
  add(argo, app);
  return new Map(renderUnvalidated(app).map((f) => [f.path, f.object as any]));
}

describe('AppOfApps', () => {
  test('a root Application in bootstrap/ syncs apps/ and only Applications and AppProjects through its own project', () => {
    const files = render();
    expect([...files.keys()]).toEqual(['qa/bootstrap/application-qa-root.yaml', 'qa/bootstrap/appproject-qa-bootstrap.yaml']);
    const root = files.get('qa/bootstrap/application-qa-root.yaml');
    expect(root.metadata.namespace).toBe('argocd');
    expect(root.spec.source).toEqual({ repoURL: repo.url, targetRevision: 'main', path: 'qa/apps' });
    expect(root.spec.project).toBe('qa-bootstrap');
    const project = files.get('qa/bootstrap/appproject-qa-bootstrap.yaml');
    expect(project.spec.namespaceResourceWhitelist.map((k: any) => k.kind)).toEqual(['AppProject', 'Application']);
    expect(project.spec.destinations).toEqual([{ server: 'https://kubernetes.default.svc', namespace: 'argocd' }]);
  });

  test('projects and Applications added to it go to apps/, with the envs repo as only source and its notifications', () => {
    const files = render({ notifications: { service: 'slack', recipient: 'stoa-alerts' }, argocdNamespace: 'gitops' }, (argo, app) => {
      const chart = new ManifestChart(app, 'billing', { outputPath: 'qa/platform/billing' });
      const project = argo.addProject('billing-project', { name: argo.argoName('billing'), destinations: [{ server: 'https://qa', namespace: 'billing' }] });
      argo.addApplication('billing-application', {
        name: argo.argoName('billing'), project: project.projectName, source: argo.sourceFor(chart),
        destinationServer: 'https://qa', destinationNamespace: 'billing', sync: SyncMode.automated(),
      });
    });
    const project = files.get('qa/apps/appproject-qa-billing.yaml');
    expect(project.metadata.namespace).toBe('gitops');
    expect(project.spec.sourceRepos).toEqual([repo.url]);
    const application = files.get('qa/apps/application-qa-billing.yaml');
    expect(application.spec.source.path).toBe('qa/platform/billing');
    expect(Object.keys(application.metadata.annotations).filter((k) => k.startsWith('notifications.argoproj.io/subscribe.'))).not.toHaveLength(0);
  });

  test('in ApplicationSet mode a tenant Application is a prototype of the ApplicationSet, never rendered itself', () => {
    const add = (argo: AppOfApps, app: ReturnType<typeof Testing.app>) => {
      const chart = new ManifestChart(app, 'acme', { outputPath: 'qa/tenants/acme' });
      argo.addTenantApplication('acme', {
        name: argo.argoName('tenant-acme'), project: 'qa-tenant-acme', source: argo.sourceFor(chart),
        destinationServer: 'https://qa', destinationNamespace: 'tenant-acme', sync: SyncMode.automated(),
      });
    };
    const perTenant = render({}, add);
    expect(perTenant.has('qa/apps/application-qa-tenant-acme.yaml')).toBe(true);
    const set = render({ tenantApplications: TenantApplications.APPLICATION_SET }, add);
    expect(set.has('qa/apps/application-qa-tenant-acme.yaml')).toBe(false);
    expect(set.get('qa/apps/applicationset-qa-tenants.yaml').spec.generators[0].git.directories[0].path).toBe('qa/tenants/*');
    expect(set.get('qa/bootstrap/appproject-qa-bootstrap.yaml').spec.namespaceResourceWhitelist.map((k: any) => k.kind)).toContain('ApplicationSet');
  });
});
