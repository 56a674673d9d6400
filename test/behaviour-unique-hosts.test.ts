import { factsOf, ObjectInFile, PolicyContext } from '../lib/validate/policy';
import { uniqueHosts } from '../lib/validate/behaviour/unique-hosts';

/** An Ingress in `path`, serving `hosts` in its rules and `tlsHosts` in its TLS section. */
function ingress(path: string, name: string, namespace: string | undefined, hosts: string[], tlsHosts: string[] = hosts): ObjectInFile {
  return {
    path,
    object: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name, ...(namespace ? { namespace } : {}) },
      spec: {
        ingressClassName: 'nginx',
        rules: hosts.map((host) => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { name: 'http' } } } }] } })),
        ...(tlsHosts.length > 0 ? { tls: [{ hosts: tlsHosts, secretName: `${name}-tls` }] } : {}),
      },
    },
  };
}

function context(objects: ObjectInFile[]): PolicyContext {
  return { objects, applications: [], readOnlyEnvironments: new Set(), environments: new Map() };
}

const check = (objects: ObjectInFile[]) => uniqueHosts.check(context(objects));

const PORTAL = ingress('dev/platform/stoa-portal/ingress-stoa-portal.yaml', 'stoa-portal', 'stoa-system', ['portal.dev.stoa.example.com']);

/** The post-fix shape: platform components and one gateway Ingress per tenant, in two environments. */
const postFix: ObjectInFile[] = [
  ingress('dev/platform/control-plane-ui/ingress-control-plane-ui.yaml', 'control-plane-ui', 'stoa-system', ['console.dev.stoa.example.com']),
  PORTAL,
  ingress('dev/tenants/acme/ingress-gateway.yaml', 'gateway', 'tenant-acme', ['acme.dev.stoa.example.com']),
  ingress('dev/tenants/globex/ingress-gateway.yaml', 'gateway', 'tenant-globex', ['globex.dev.stoa.example.com']),
  ingress('staging/platform/stoa-portal/ingress-stoa-portal.yaml', 'stoa-portal', 'stoa-system', ['portal.staging.stoa.example.com']),
  ingress('staging/tenants/acme/ingress-gateway.yaml', 'gateway', 'tenant-acme', ['acme.staging.stoa.example.com']),
];

test('id and reason', () => {
  expect(uniqueHosts.id).toBe('unique-hosts');
  expect(uniqueHosts.reason).toMatch(/no two Ingresses of an environment serve the same host/);
});

test('quiet on the post-fix shape', () => {
  expect(check(postFix)).toEqual([]);
});

test('a tenant named portal: its gateway Ingress takes the platform portal\'s host', () => {
  const tenantPortal = ingress('dev/tenants/portal/ingress-gateway.yaml', 'gateway', 'tenant-portal', ['portal.dev.stoa.example.com']);
  expect(check([...postFix, tenantPortal])).toEqual([{
    file: 'dev/tenants/portal/ingress-gateway.yaml',
    message: 'host portal.dev.stoa.example.com is also served by Ingress stoa-system/stoa-portal (dev/platform/stoa-portal/ingress-stoa-portal.yaml): give one of them another host',
  }]);
});

test('the first Ingress by path wins, whatever the order of the input', () => {
  const tenantPortal = ingress('dev/tenants/portal/ingress-gateway.yaml', 'gateway', 'tenant-portal', ['portal.dev.stoa.example.com']);
  const reported = check([tenantPortal, ...postFix].reverse());
  expect(reported.map((v) => v.file)).toEqual(['dev/tenants/portal/ingress-gateway.yaml']);
  expect(reported[0].message).toContain('(dev/platform/stoa-portal/ingress-stoa-portal.yaml)');
});

test('hosts compare case-insensitively (and without a trailing dot); the message keeps the host as written', () => {
  const shouting = ingress('dev/tenants/portal/ingress-gateway.yaml', 'gateway', 'tenant-portal', ['Portal.DEV.stoa.example.com.']);
  expect(check([PORTAL, shouting])).toEqual([{
    file: 'dev/tenants/portal/ingress-gateway.yaml',
    message: expect.stringMatching(/^host Portal\.DEV\.stoa\.example\.com\. is also served by Ingress stoa-system\/stoa-portal /),
  }]);
});

test('a TLS-only host counts as served', () => {
  const tlsOnly = ingress('dev/platform/zz-extra/ingress-extra.yaml', 'extra', 'stoa-system', ['extra.dev.stoa.example.com'], ['portal.dev.stoa.example.com']);
  expect(check([PORTAL, tlsOnly])).toEqual([{
    file: 'dev/platform/zz-extra/ingress-extra.yaml',
    message: expect.stringContaining('host portal.dev.stoa.example.com is also served by Ingress stoa-system/stoa-portal'),
  }]);
});

test('an Ingress naming its host in rules and tls (or twice) does not clash with itself', () => {
  const twice = ingress('dev/tenants/acme/ingress-gateway.yaml', 'gateway', 'tenant-acme', ['acme.dev.stoa.example.com', 'ACME.dev.stoa.example.com']);
  expect(check([twice])).toEqual([]);
});

test('the same host in two environments is fine: each environment is its own cluster', () => {
  const devShared = ingress('dev/platform/docs/ingress-docs.yaml', 'docs', 'stoa-system', ['docs.stoa.example.com']);
  const prodShared = ingress('prod/platform/docs/ingress-docs.yaml', 'docs', 'stoa-system', ['docs.stoa.example.com']);
  expect(check([devShared, prodShared])).toEqual([]);
});

test('every later duplicate is reported against the first one, once per host', () => {
  const second = ingress('dev/tenants/portal/ingress-gateway.yaml', 'gateway', 'tenant-portal', ['portal.dev.stoa.example.com', 'acme.dev.stoa.example.com']);
  const third = ingress('dev/tenants/zeta/ingress-gateway.yaml', 'gateway', undefined, ['portal.dev.stoa.example.com']);
  const reported = check([...postFix, second, third]).filter((v) => v.message.startsWith('host '));
  expect(reported).toEqual([
    { file: 'dev/tenants/portal/ingress-gateway.yaml', message: expect.stringMatching(/^host portal\.dev\.stoa\.example\.com is also served by Ingress stoa-system\/stoa-portal \(dev\/platform\/stoa-portal\/ingress-stoa-portal\.yaml\)/) },
    { file: 'dev/tenants/portal/ingress-gateway.yaml', message: expect.stringMatching(/^host acme\.dev\.stoa\.example\.com is also served by Ingress tenant-acme\/gateway \(dev\/tenants\/acme\/ingress-gateway\.yaml\)/) },
    { file: 'dev/tenants/zeta/ingress-gateway.yaml', message: expect.stringMatching(/^host portal\.dev\.stoa\.example\.com is also served by Ingress stoa-system\/stoa-portal \(dev\/platform/) },
  ]);
});

test('objects other than Ingresses, and Ingresses without hosts, are ignored', () => {
  const noHost = ingress('dev/tenants/acme/ingress-default.yaml', 'default', 'tenant-acme', [], []);
  const service: ObjectInFile = { path: 'dev/tenants/acme/service-gateway.yaml', object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'gateway', namespace: 'tenant-acme' }, spec: { rules: [{ host: 'portal.dev.stoa.example.com' }] } } };
  const broken: ObjectInFile = { path: 'dev/tenants/acme/ingress-broken.yaml', object: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'broken' }, spec: { rules: 'nope', tls: [{ hosts: null }] } } };
  expect(check([PORTAL, noHost, service, broken])).toEqual([]);
});

describe('a tenant\'s Ingresses serve <tenant>.<domain> only', () => {
  const withDomain = (objects: ObjectInFile[]) => uniqueHosts.check({
    ...context(objects), environments: new Map([['dev', factsOf({ domain: 'dev.stoa.example.com' })]]),
  });
  const ACME = 'dev/tenants/acme/ingress-gateway.yaml';

  test('quiet on the post-fix shape with the domain known', () => {
    expect(withDomain(postFix)).toEqual([]);
  });

  test('a wildcard, another tenant\'s name, a platform host or another domain', () => {
    const hosts = ['*.dev.stoa.example.com', 'globex2.dev.stoa.example.com', 'acme.evil.example.com', 'acme.dev.stoa.example.com'];
    const bad = ingress(ACME, 'gateway', 'tenant-acme', hosts);
    expect(withDomain([bad]).map((v) => v.message)).toEqual([
      'Ingress tenant-acme/gateway of tenant acme: host *.dev.stoa.example.com is a wildcard; a tenant\'s Ingresses serve acme.dev.stoa.example.com only',
      'Ingress tenant-acme/gateway of tenant acme: host globex2.dev.stoa.example.com is not the tenant\'s; a tenant\'s Ingresses serve acme.dev.stoa.example.com only',
      'Ingress tenant-acme/gateway of tenant acme: host acme.evil.example.com is not the tenant\'s; a tenant\'s Ingresses serve acme.dev.stoa.example.com only',
    ]);
    // Without the domain, only the tenant's prefix is known.
    expect(check([bad]).map((v) => v.message)).toEqual([
      expect.stringContaining('host *.dev.stoa.example.com is a wildcard; a tenant\'s Ingresses serve acme.<domain> only'),
      expect.stringContaining('host globex2.dev.stoa.example.com is not the tenant\'s'),
    ]);
  });

  test('a rule without a host and a default backend catch every host nobody claims', () => {
    const catchAll = ingress(ACME, 'gateway', 'tenant-acme', ['acme.dev.stoa.example.com']);
    (catchAll.object.spec as any).rules.push({ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'gateway', port: { name: 'http' } } } }] } });
    (catchAll.object.spec as any).defaultBackend = { service: { name: 'gateway', port: { name: 'http' } } };
    expect(withDomain([catchAll]).map((v) => v.message)).toEqual([
      'Ingress tenant-acme/gateway of tenant acme: spec.defaultBackend serves every host no other Ingress claims (the controller\'s catch-all); a tenant\'s Ingresses serve acme.dev.stoa.example.com only',
      'Ingress tenant-acme/gateway of tenant acme: rules[1] has no host, so it serves every host no other rule claims; a tenant\'s Ingresses serve acme.dev.stoa.example.com only',
    ]);
  });

  test('the tenant comes from the namespace (its stoa.io/tenant label, or its name); case and a trailing dot do not matter', () => {
    const ns: ObjectInFile = { path: 'dev/tenants/initech/namespace-apps.yaml', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'initech-apps', labels: { 'stoa.io/tenant': 'initech' } } } };
    const labelled = ingress('dev/tenants/initech/ingress-gateway.yaml', 'gateway', 'initech-apps', ['INITECH.dev.stoa.example.com.']);
    expect(withDomain([ns, labelled])).toEqual([]);
    const other = ingress('dev/tenants/initech/ingress-gateway.yaml', 'gateway', 'initech-apps', ['acme.dev.stoa.example.com']);
    expect(withDomain([ns, other]).map((v) => v.message)).toEqual([expect.stringMatching(/^Ingress initech-apps\/gateway of tenant initech: host acme\.dev\.stoa\.example\.com is not the tenant's/)]);
  });

  test('an Ingress without a namespace is placed by its Application; platform Ingresses may serve any host', () => {
    const placed = ingress(ACME, 'gateway', undefined, ['*.dev.stoa.example.com']);
    const app: ObjectInFile = { path: 'dev/apps/application-dev-tenant-acme.yaml', object: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'dev-tenant-acme' }, spec: { source: { path: 'dev/tenants/acme' }, destination: { namespace: 'tenant-acme' } } } };
    expect(uniqueHosts.check({ ...context([placed]), applications: [app] }).map((v) => v.message)).toEqual([expect.stringContaining('Ingress tenant-acme/gateway of tenant acme: host *.dev.stoa.example.com is a wildcard')]);
    expect(withDomain([ingress('dev/platform/wild/ingress-wild.yaml', 'wild', 'stoa-system', ['*.dev.stoa.example.com'])])).toEqual([]);
  });
});
