import { ObjectInFile, PolicyContext } from '../lib/validate/policy';
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
  const tlsOnly = ingress('dev/tenants/acme/ingress-extra.yaml', 'extra', 'tenant-acme', ['extra.dev.stoa.example.com'], ['portal.dev.stoa.example.com']);
  expect(check([PORTAL, tlsOnly])).toEqual([{
    file: 'dev/tenants/acme/ingress-extra.yaml',
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
  const reported = check([...postFix, second, third]);
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
