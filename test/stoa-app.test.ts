import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Testing } from 'cdk8s';
import {
  Environment, EnvironmentMode, ManifestChart, StoaApp, synthApp, Tenant, ValidationFailedError,
} from '../lib';
import { SyncMode } from '../lib/argocd/sync-policy';
import { readTree, REPO, runProcess, tempDir, withCompileCache } from './helpers';

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
    fs.mkdirSync(path.join(outdir, 'qa', 'apps'), { recursive: true });
    fs.writeFileSync(path.join(outdir, 'qa/apps/keep.yaml'), 'kind: Keep\n');
    const app = new StoaApp({ outdir });
    const qa = model(app);
    // A Secret with its value in git, in a project widened to allow Secrets: the no-secret-data rule refuses it.
    const tenant = qa.node.findChild('tenant-acme') as Tenant;
    tenant.project.allowNamespaceResource({ group: '', kind: 'Secret' });
    new ApiObject(tenant, 'leak', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'leak', namespace: 'tenant-acme' }, data: { token: 'c2VjcmV0' } });
    expect(() => app.synth()).toThrow(ValidationFailedError);
    expect(() => app.synth()).toThrow(/no-secret-data/);
    expect(readTree(outdir)).toEqual(new Map([['qa/apps/keep.yaml', 'kind: Keep\n']]));
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

describe('StoaApp where it writes, under cdk8s or not', () => {
  const saved = process.env.CDK8S_OUTDIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.CDK8S_OUTDIR;
    else process.env.CDK8S_OUTDIR = saved;
  });

  test('without an outdir it writes $CDK8S_OUTDIR, as every cdk8s App does, and warns that cdk8s emptied it first', () => {
    const out = path.join(tempDir(), 'cdk8s-out');
    process.env.CDK8S_OUTDIR = out;
    const app = new StoaApp();
    model(app);
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      app.synth();
      expect(warn).toHaveBeenCalledWith(expect.stringContaining(`the cdk8s CLI emptied ${out} before this app started`), 'StoaOutputWarning');
    } finally {
      warn.mockRestore();
    }
    expect(app.outdir).toBe(out);
    expect(fs.existsSync(path.join(out, 'qa/tenants/acme/deployment-gateway.yaml'))).toBe(true);
  });

  test('with an outdir of its own under cdk8s, it writes it and copies the output into $CDK8S_OUTDIR', () => {
    const dir = tempDir();
    process.env.CDK8S_OUTDIR = path.join(dir, '.cdk8s.out');
    const app = new StoaApp({ outdir: path.join(dir, 'dist') });
    model(app);
    app.synth();
    const written = readTree(path.join(dir, 'dist'));
    expect(written.size).toBeGreaterThan(10);
    expect(readTree(path.join(dir, '.cdk8s.out'))).toEqual(written);
  });

  test('synthYaml() returns the validated output, and throws what synth() throws', () => {
    const app = new StoaApp({ outdir: path.join(tempDir(), 'dist') });
    const qa = model(app);
    const yaml = app.synthYaml();
    expect(yaml).toContain('---\n# qa/tenants/acme/deployment-gateway.yaml\napiVersion: apps/v1\nkind: Deployment\n');
    const tenant = qa.node.findChild('tenant-acme') as Tenant;
    tenant.project.allowNamespaceResource({ group: '', kind: 'Secret' });
    new ApiObject(tenant, 'leak', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'leak', namespace: 'tenant-acme' }, data: { token: 'c2VjcmV0' } });
    expect(() => app.synthYaml()).toThrow(/no-secret-data/);
  });

  // The cdk8s CLI empties its own output folder before the app starts: dist/, the app's outdir, must survive a failure.
  test('npx cdk8s synth of a StoaApp leaves dist/ as it was when validation fails', async () => {
    // Two consumer projects of the same app, synthesized by cdk8s at once: one that passes, and one
    // that leaks a Secret, whose dist/ was first written by the same app in this process.
    const dir = tempDir('stoa-consumer-');
    const leaking = tempDir('stoa-consumer-');
    const loader = path.join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs');
    fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), `app: "${process.execPath} --import file://${loader} app.ts"\noutput: .cdk8s.out\n`);
    fs.writeFileSync(path.join(dir, 'app.ts'), `import { ApiObject } from 'cdk8s';
import { Environment, EnvironmentMode, StoaApp, Tenant } from ${JSON.stringify(path.join(REPO, 'lib'))};
const app = new StoaApp({ outdir: 'dist' });
const qa = new Environment(app, 'qa', {
  name: 'qa', mode: EnvironmentMode.FULL, domain: 'qa.example.com',
  cluster: { name: 'qa', server: 'https://qa.k8s.example.com' },
  repo: { url: 'https://git.example.com/envs.git', revision: 'main' },
  registry: 'ghcr.io/stoa-platform',
  versions: { 'stoa-gateway': '1.9.0', 'control-plane-api': '2.5.0', 'control-plane-ui': '2.5.0', 'stoa-portal': '1.4.0' },
});
const tenant = qa.addTenant({ name: 'acme', tier: 'silver', owners: { groups: ['acme-team'] } }) as Tenant;
if (process.env.LEAK) {
  tenant.project.allowNamespaceResource({ group: '', kind: 'Secret' });
  new ApiObject(tenant, 'leak', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'leak', namespace: 'tenant-acme' }, data: { token: 'c2VjcmV0' } });
}
app.synth();
`);
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
    for (const file of ['cdk8s.yaml', 'app.ts']) fs.copyFileSync(path.join(dir, file), path.join(leaking, file));
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(leaking, 'node_modules'));
    const app = new StoaApp({ outdir: path.join(leaking, 'dist') });
    model(app);
    app.synth();
    const written = readTree(path.join(leaking, 'dist'));

    const cdk8s = (cwd: string, env: Record<string, string> = {}) => runProcess(process.execPath, [path.join(REPO, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s'), 'synth', '--no-check-upgrade'], {
      cwd, env: withCompileCache({ ...process.env, ...env }),
    });
    const [ok, failed] = await Promise.all([cdk8s(dir), cdk8s(leaking, { LEAK: '1' })]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const before = readTree(path.join(dir, 'dist'));
    expect(before.size).toBeGreaterThan(10);
    expect(readTree(path.join(dir, '.cdk8s.out'))).toEqual(before);
    // The dist/ the leaking project had is what that app, passing, writes under cdk8s.
    expect(written).toEqual(before);

    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toContain('no-secret-data');
    expect(readTree(path.join(leaking, 'dist'))).toEqual(before);
  });
});

test('StoaApp never replaces the working folder, the home folder or a folder of other files', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'README.md'), 'mine\n');
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    for (const outdir of ['.', '..', os.homedir(), path.join(dir, 'README.md')]) {
      const app = new StoaApp({ outdir });
      model(app);
      expect(() => app.synth()).toThrow(/refusing to write the output to/);
    }
    fs.mkdirSync(path.join(dir, 'manifests'));
    fs.writeFileSync(path.join(dir, 'manifests', 'kustomization.yaml'), 'resources: []\n');
    const app = new StoaApp({ outdir: 'manifests' });
    model(app);
    expect(() => app.synth()).toThrow(/it holds "kustomization.yaml", which synth never writes/);
  } finally {
    process.chdir(cwd);
  }
  expect(readTree(dir)).toEqual(new Map([['README.md', 'mine\n'], ['manifests/kustomization.yaml', 'resources: []\n']]));
});
