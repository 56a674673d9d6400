import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import { InputError } from '../lib/config/input-error';
import { Environment } from '../lib/environment/environment';
import { ComponentCatalog, ComponentSpec, STOA_COMPONENT_NAMES } from '../lib/config/component-catalog';
import { renderUnvalidated } from '../lib/render/render';
import { renderProject } from '../lib/project/synth-project';
import { setImage } from '../lib/workflow/set-image';
import { editYaml, exampleProject } from './helpers';

const billing: ComponentSpec = {
  description: 'Billing service',
  port: 9000,
  hostPrefix: 'billing',
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
};
const stoaVersions = { 'stoa-gateway': '1.9.0', 'control-plane-api': '2.5.0', 'control-plane-ui': '2.5.0', 'stoa-portal': '1.4.0' };

describe('ComponentCatalog: the platform components an environment can run', () => {
  test('starts with the four STOA components, in output order', () => {
    expect(ComponentCatalog.stoa().names).toEqual(['stoa-gateway', 'control-plane-api', 'control-plane-ui', 'stoa-portal']);
    expect(STOA_COMPONENT_NAMES).toEqual(ComponentCatalog.stoa().names);
  });

  test('with() returns a new catalog and leaves the original as it was', () => {
    const stoa = ComponentCatalog.stoa();
    const mine = stoa.with('billing', billing);
    expect(mine.names).toEqual([...stoa.names, 'billing']);
    expect(stoa.has('billing')).toBe(false);
    expect(mine.spec('billing').port).toBe(9000);
  });

  test.each([
    ['stoa-portal', billing, /already in the catalog/],
    ['Billing', billing, /DNS label/],
    ['billing', { ...billing, hostPrefix: 'portal' }, /host prefix "portal" is already stoa-portal's/],
  ])('with(%s) is refused', (name, spec, error) => {
    expect(() => ComponentCatalog.stoa().with(name, spec)).toThrow(error);
  });

  test('spec() of an unknown component names the ones there are', () => {
    expect(() => ComponentCatalog.stoa().spec('billing')).toThrow(/unknown platform component "billing": the catalog has stoa-gateway, control-plane-api/);
  });
});

describe('a component added in code', () => {
  function environment(catalog: ComponentCatalog, versions: Record<string, string>) {
    const app = Testing.app();
    const env = new Environment(app, 'qa', {
      name: 'qa', domain: 'qa.example.com', registry: 'ghcr.io/stoa-platform', catalog, versions,
      cluster: { name: 'qa', server: 'https://qa.k8s.example.com' },
      repo: { url: 'https://git.example.com/envs.git', revision: 'main' },
    });
    return { app, env };
  }

  test('runs with its own Application, host, image and the environment-pinned version', () => {
    const catalog = ComponentCatalog.stoa().with('billing', { ...billing, image: 'registry.acme.example/billing' });
    const { app } = environment(catalog, { ...stoaVersions, billing: '3.1.0' });
    const files = new Map(renderUnvalidated(app).map((f) => [f.path, f.object as any]));
    const deployment = files.get('qa/platform/billing/deployment-billing.yaml');
    expect(deployment.spec.template.spec.containers[0].image).toBe('registry.acme.example/billing:3.1.0');
    expect(deployment.spec.template.spec.containers[0].ports[0].containerPort).toBe(9000);
    expect(files.get('qa/platform/billing/ingress-billing.yaml').spec.rules[0].host).toBe('billing.qa.example.com');
    const application = files.get('qa/apps/application-qa-billing.yaml');
    expect(application.spec.source.path).toBe('qa/platform/billing');
    expect(application.spec.project).toBe('qa-platform');
  });

  test('without a version, the environment says which component lacks one', () => {
    const catalog = ComponentCatalog.stoa().with('billing', billing);
    expect(() => environment(catalog, stoaVersions)).toThrow(/environment "qa": no version for component "billing"/);
  });

  test('addComponent deploys a component of the catalog that the environment did not list', () => {
    const app = Testing.app();
    const env = new Environment(app, 'qa', {
      name: 'qa', domain: 'qa.example.com', registry: 'ghcr.io/stoa-platform', components: ['stoa-gateway'],
      catalog: ComponentCatalog.stoa().with('billing', billing), versions: { ...stoaVersions, billing: '3.1.0' },
      cluster: { name: 'qa', server: 'https://qa.k8s.example.com' },
      repo: { url: 'https://git.example.com/envs.git', revision: 'main' },
    });
    env.addComponent('billing');
    const folders = new Set(renderUnvalidated(app).map((f) => f.path.split('/').slice(0, 3).join('/')));
    // The components (and the environment's dashboards, which every environment has).
    expect([...folders].filter((f) => f.startsWith('qa/platform/'))).toEqual(['qa/platform/billing', 'qa/platform/dashboards', 'qa/platform/stoa-gateway']);
  });
});

describe('a component added in an environment file (extraComponents)', () => {
  function projectWithBilling(change: (env: any) => void = () => {}): string {
    const project = exampleProject();
    editYaml(project, 'environments/dev.yaml', (e) => {
      e.extraComponents = { billing: structuredClone(billing) };
      e.components.billing = '3.1.0';
      change(e);
    });
    return project;
  }

  test('renders in that environment only, from the registry of the file', () => {
    const files = renderProject({ projectDir: projectWithBilling() }).files;
    const deployment = files.find((f) => f.path === 'dev/platform/billing/deployment-billing.yaml')!.object as any;
    expect(deployment.spec.template.spec.containers[0].image).toBe('ghcr.io/stoa-platform/billing:3.1.0');
    expect(files.some((f) => f.path === 'dev/apps/application-dev-billing.yaml')).toBe(true);
    expect(files.some((f) => f.path.startsWith('staging/platform/billing/'))).toBe(false);
  });

  test('set-image pins a new version of it', () => {
    const project = projectWithBilling();
    setImage({ projectDir: project, component: 'billing', version: '3.2.0', environment: 'dev' });
    expect(parse(fs.readFileSync(path.join(project, 'environments/dev.yaml'), 'utf8')).components.billing).toBe('3.2.0');
  });

  const cases: Array<[string, (e: any) => void, RegExp]> = [
    ['a version missing', (e) => { delete e.components.billing; }, /environments\/dev\.yaml:\d+: components\.billing: is missing: every platform component of the environment needs a pinned version/],
    ['a version of a component nobody declared', (e) => { e.components.payroll = '1.0.0'; }, /environments\/dev\.yaml:\d+: components\.payroll: is not a platform component: one of stoa-gateway, .*billing, or one declared under extraComponents/],
    ['a host prefix taken', (e) => { e.extraComponents.billing.hostPrefix = 'api'; }, /environments\/dev\.yaml:\d+: extraComponents\.billing: host prefix "api" is already control-plane-api's/],
    ['a privileged port', (e) => { e.extraComponents.billing.port = 80; }, /extraComponents\.billing\.port: must be 1024 or more/],
    ['an image with a tag', (e) => { e.extraComponents.billing.image = 'ghcr.io/acme/billing:1.0'; }, /extraComponents\.billing\.image: must be an image repository without tag/],
  ];
  test.each(cases)('%s is refused naming the file and field', (_what, change, error) => {
    const project = projectWithBilling(change);
    let thrown: unknown;
    try {
      renderProject({ projectDir: project });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(InputError);
    expect(String((thrown as Error).message)).toMatch(error);
  });

  test('a component given by the catalog in code is accepted by the files that pin it', () => {
    const project = exampleProject();
    const catalog = ComponentCatalog.stoa().with('billing', billing);
    editYaml(project, 'environments/dev.yaml', (e) => { e.components.billing = '3.1.0'; });
    expect(() => renderProject({ projectDir: project })).toThrow(/dev\.yaml:\d+: components\.billing: is not a platform component/);
    // Every environment runs every component of the catalog, so each one pins it.
    expect(() => renderProject({ projectDir: project, catalog })).toThrow(/staging\.yaml:\d+: components\.billing: is missing/);
    for (const env of ['staging', 'prod']) editYaml(project, `environments/${env}.yaml`, (e) => { e.components.billing = '3.1.0'; });
    const files = renderProject({ projectDir: project, catalog }).files;
    expect(files.filter((f) => f.path.endsWith('/platform/billing/deployment-billing.yaml')).map((f) => f.path))
      .toEqual(['dev/platform/billing/deployment-billing.yaml', 'prod/platform/billing/deployment-billing.yaml', 'staging/platform/billing/deployment-billing.yaml']);
  });
});
