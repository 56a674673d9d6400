import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Testing } from 'cdk8s';
import {
  Environment, EnvironmentMode, ManifestChart, StoaApp, synthApp, Tenant, ValidationFailedError,
} from '../lib';
import { SyncMode } from '../lib/argocd/sync-policy';
import { tempDir } from './helpers';

/** One environment with one tenant, as an importing team writes it. */
function model(app: App): Environment {
  const qa = new Environment(app, 'qa', {
    name: 'qa', mode: EnvironmentMode.FULL, domain: 'qa.example.com',
    cluster: { name: 'qa', server: 'https://qa.k8s.example.com' },
    repo: { url: 'https://git.example.com/envs.git', revision: 'main' },
    registry: 'ghcr.io/stoa-platform',
    versions: { 'stoa-gateway': '1.9.0', 'control-plane-api': '2.5.0', 'control-plane-ui': '2.5.0', 'stoa-portal': '1.4.0' },
  });
  qa.addTenant({ name: 'acme', tier: 'silver', owners: { groups: ['acme-team'] } });
  return qa;
}

describe('StoaApp: app.synth() does the right thing', () => {
  test('writes the project layout the Applications point at, validated, in one step', () => {
    const outdir = path.join(tempDir(), 'dist');
    const app = new StoaApp({ outdir });
    model(app);
    app.synth();
    expect(fs.existsSync(path.join(outdir, 'qa/tenants/acme/deployment-gateway.yaml'))).toBe(true);
    const application = fs.readFileSync(path.join(outdir, 'qa/apps/application-qa-tenant-acme.yaml'), 'utf8');
    expect(application).toContain('path: qa/tenants/acme');
    expect(fs.readdirSync(outdir)).toEqual(['qa']);
  });

  test('a policy violation throws (the process exits non-zero) and leaves the output folder as it was', () => {
    const outdir = path.join(tempDir(), 'dist');
    fs.mkdirSync(path.join(outdir, 'qa'), { recursive: true });
    fs.writeFileSync(path.join(outdir, 'qa/keep.yaml'), 'kind: Keep\n');
    const app = new StoaApp({ outdir });
    const qa = model(app);
    // A Secret with its value in git, in a project widened to allow Secrets: the no-secret-data rule refuses it.
    const tenant = qa.node.findChild('tenant-acme') as Tenant;
    tenant.project.allowNamespaceResource({ group: '', kind: 'Secret' });
    new ApiObject(tenant, 'leak', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'leak', namespace: 'tenant-acme' }, data: { token: 'c2VjcmV0' } });
    expect(() => app.synth()).toThrow(ValidationFailedError);
    expect(() => app.synth()).toThrow(/no-secret-data/);
    expect(fs.readdirSync(path.join(outdir, 'qa'))).toEqual(['keep.yaml']);
  });

  test('a plain cdk8s App holding a ManifestChart refuses to synth, naming StoaApp', () => {
    const app = new App({ outdir: tempDir() });
    model(app);
    expect(() => app.synth()).toThrow(/a plain cdk8s App cannot synthesize a ManifestChart .*qa\/.*Use new StoaApp\(\)/s);
  });

  test('synthApp renders any app, and Testing.synth of a ManifestChart still works for construct tests', () => {
    const app = Testing.app();
    model(app);
    const outDir = path.join(tempDir(), 'out');
    const result = synthApp(app, { outDir });
    expect(result.files.map((f) => f.path)).toContain('qa/tenants/acme/namespace-tenant-acme.yaml');
    expect(fs.existsSync(path.join(outDir, 'qa/bootstrap'))).toBe(true);
    const chart = new ManifestChart(Testing.app(), 'c', { outputPath: 'x/y' });
    expect(Testing.synth(chart)).toEqual([]);
  });
});

describe('validation knows what the Environment constructs of the app say', () => {
  test('a read-only environment of any name is held to manual sync, without telling StoaApp', () => {
    const app = new StoaApp({ outdir: path.join(tempDir(), 'dist') });
    const uat = new Environment(app, 'uat', {
      name: 'uat', mode: EnvironmentMode.READ_ONLY, domain: 'uat.example.com',
      cluster: { name: 'uat', server: 'https://uat.k8s.example.com' },
      repo: { url: 'https://git.example.com/envs.git', revision: 'main' },
      registry: 'ghcr.io/stoa-platform',
      versions: { 'stoa-gateway': '1.9.0', 'control-plane-api': '2.5.0', 'control-plane-ui': '2.5.0', 'stoa-portal': '1.4.0' },
    });
    // An Application of the team's own that syncs by itself in a read-only environment.
    const chart = new ManifestChart(app, 'extra', { outputPath: 'uat/extra' });
    new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', namespace: 'stoa-system' } });
    uat.argo.addApplication('extra-application', {
      name: uat.argo.argoName('extra'), project: uat.platformProject.projectName, source: uat.argo.sourceFor(chart),
      destinationServer: uat.cluster.server, destinationNamespace: 'stoa-system', sync: SyncMode.automated(),
    });
    expect(() => app.synth()).toThrow(/read-only-manual-sync[\s\S]*Application "uat-extra" in read-only environment "uat" has automated sync/);
  });

  test('what the app is told wins over what the constructs say', () => {
    const app = Testing.app();
    model(app);
    // qa is a full environment (automated sync); told it is read-only, validation holds it to that.
    expect(() => synthApp(app, { outDir: path.join(tempDir(), 'out') })).not.toThrow();
    expect(() => synthApp(app, { outDir: path.join(tempDir(), 'out'), validation: { readOnlyEnvironments: ['qa'] } }))
      .toThrow(/Application "qa-tenant-acme" in read-only environment "qa" has automated sync/);
  });
});
