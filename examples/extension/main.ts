// A team's cdk8s app that extends stoa-manifests at every extension point, synthesized
// with the plain app.synth() call:
// - its own platform component in code (billing) and in the environment file (ledger);
// - a tenant whose AppProject is widened so its chart may hold a ClusterRole;
// - a tenant in an environment construct of the team's own (LabEnvironment, an IEnvironment).
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import {
  ComponentCatalog, Environment, environmentProps, loadProjectInput, StoaApp, Tenant, tenantProps,
} from 'stoa-manifests';
import { LabEnvironment } from './lab-environment';

const catalog = ComponentCatalog.stoa().with('billing', {
  description: 'Billing of API usage',
  port: 9000,
  hostPrefix: 'billing',
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
});

// The environment and tenant files, read and checked by the library against our catalog.
const root = path.join(__dirname, '..');
const input = loadProjectInput({ environmentsDir: path.join(root, 'environments'), tenantsDir: path.join(root, 'tenants'), catalog });
const repo = { url: 'https://git.example.com/platform/envs.git', revision: 'main' };
// Validation learns each Environment's cluster from the constructs; our lab is not an Environment, so we say it.
const app = new StoaApp({
  outdir: path.join(root, 'dist'),
  validation: { environments: { lab: { envsRepo: repo, clusterServer: 'https://lab.k8s.example.com', domain: 'lab.example.com', internalCidrs: ['10.0.0.0/8'] } } },
});

for (const config of input.environments) {
  const env = new Environment(app, config.name, environmentProps(config, catalog));
  for (const tenant of input.tenants.filter((t) => t.environments.includes(config.name))) {
    const added = env.addTenant(tenantProps(tenant));
    // umbrella reads cluster-wide metrics: a ClusterRole of its own, allowed by name in its project.
    new ApiObject(added, 'metrics-reader', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `${tenant.name}-metrics-reader` },
      rules: [{ apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['get', 'list'] }],
    });
    added.project.allowClusterResource({ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${tenant.name}-metrics-reader` });
  }
}

const lab = new LabEnvironment(app, 'lab', {
  name: 'lab',
  domain: 'lab.example.com',
  server: 'https://lab.k8s.example.com',
  repo,
  gatewayImage: 'ghcr.io/stoa-platform/stoa-gateway:1.9.0',
});
new Tenant(lab, 'tenant-wayne', { name: 'wayne', tier: 'bronze', owners: { groups: ['wayne-team'] } });

app.synth();
console.log('wrote dist/');
