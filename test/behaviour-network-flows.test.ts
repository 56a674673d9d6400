import { flowMatrix, ipv4InCidr, networkFlows } from '../lib/validate/behaviour/network-flows';
import { EnvironmentFacts, factsOf, ObjectInFile, PolicyContext } from '../lib/validate/policy';
import { formatReport, validateObjects } from '../lib/validate/validate';

// The post-fix shape of /tmp/post-fix-shape.md, one tenant (acme) in dev, built inline.

const INTERNAL = ['10.0.0.0/8', '172.16.0.0/12'];
const GATEWAY_LABELS = { 'app.kubernetes.io/name': 'stoa-gateway', 'app.kubernetes.io/instance': 'acme' };
const TENANT = 'dev/tenants/acme';
const GATEWAY = `${TENANT}/deployment-gateway.yaml`;
const HOOK = `${TENANT}/job-acme-provision.yaml`;
const API = 'dev/platform/control-plane-api/deployment-control-plane-api.yaml';
const INGRESS = `${TENANT}/ingress-gateway.yaml`;

const at = (path: string, object: any): ObjectInFile => ({ path, object });

const namespace = (name: string, labels: Record<string, string> = {}) =>
  at(`${name === 'stoa-hooks' ? 'dev/platform/hooks' : TENANT}/namespace-${name}.yaml`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

const policy = (folder: string, ns: string, name: string, spec: any) =>
  at(`${folder}/networkpolicy-${name}.yaml`, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec });

const fromNamespace = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });

const defaultDeny = (folder: string, ns: string) => policy(folder, ns, 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

const allowDns = (folder: string, ns: string, extraTo: any[] = []) => policy(folder, ns, 'allow-dns', {
  podSelector: {},
  policyTypes: ['Egress'],
  egress: [{
    to: [{ ...fromNamespace('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }, ...extraTo],
    ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
  }],
});

const httpsToInternet = (except = INTERNAL) => ({ to: [{ ipBlock: { cidr: '0.0.0.0/0', except } }], ports: [{ port: 443, protocol: 'TCP' }] });

const container = (name: string, ports: any[], env: any[] = []) => ({ name, image: `${name}:1.0.0`, ports, env });

const workload = (path: string, kind: string, name: string, ns: string, labels: Record<string, string>, containers: any[]) =>
  at(path, {
    apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1', kind, metadata: { name, namespace: ns },
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers } } },
  });

const service = (path: string, name: string, ns: string, selector: Record<string, string>, ports: any[]) =>
  at(path, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, labels: selector }, spec: { selector, ports } });

/** Every object of the post-fix shape for tenant acme in dev; the policies are keyed by name so tests can drop or change one. */
function postFix(): ObjectInFile[] {
  return [
    namespace('tenant-acme', { 'stoa.io/tenant': 'acme', 'pod-security.kubernetes.io/enforce': 'restricted' }),
    defaultDeny(TENANT, 'tenant-acme'),
    allowDns(TENANT, 'tenant-acme'),
    policy(TENANT, 'tenant-acme', 'gateway-allow-ingress', {
      podSelector: { matchLabels: GATEWAY_LABELS }, policyTypes: ['Ingress'],
      ingress: [{ from: [fromNamespace('ingress-nginx')], ports: [{ port: 8080, protocol: 'TCP' }] }],
    }),
    policy(TENANT, 'tenant-acme', 'gateway-allow-metrics', {
      podSelector: { matchLabels: GATEWAY_LABELS }, policyTypes: ['Ingress'],
      ingress: [{ from: [fromNamespace('monitoring')], ports: [{ port: 9090, protocol: 'TCP' }] }],
    }),
    policy(TENANT, 'tenant-acme', 'gateway-allow-egress', {
      podSelector: { matchLabels: GATEWAY_LABELS }, policyTypes: ['Egress'],
      egress: [
        { to: [{ ...fromNamespace('stoa-system'), podSelector: { matchLabels: { 'app.kubernetes.io/name': 'control-plane-api' } } }], ports: [{ port: 8000, protocol: 'TCP' }] },
        httpsToInternet(),
      ],
    }),
    policy(TENANT, 'tenant-acme', 'allow-acme-http01-solver', {
      podSelector: { matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' } }, policyTypes: ['Ingress'],
      ingress: [{ from: [fromNamespace('ingress-nginx')], ports: [{ port: 8089, protocol: 'TCP' }] }],
    }),
    workload(GATEWAY, 'Deployment', 'gateway', 'tenant-acme', GATEWAY_LABELS, [container('gateway',
      [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }],
      [{ name: 'STOA_CONTROL_PLANE_URL', value: 'http://control-plane-api.stoa-system.svc' }, { name: 'STOA_TENANT', value: 'acme' }])]),
    service(`${TENANT}/service-gateway.yaml`, 'gateway', 'tenant-acme', GATEWAY_LABELS, [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' },
      { name: 'metrics', port: 9090, protocol: 'TCP', targetPort: 'metrics' },
    ]),
    at(INGRESS, {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
      metadata: { name: 'gateway', namespace: 'tenant-acme', annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' } },
      spec: { rules: [{ host: 'acme.stoa.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'gateway', port: { name: 'http' } } } }] } }] },
    }),
    at(`${TENANT}/podmonitor-gateway.yaml`, {
      apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name: 'gateway', namespace: 'tenant-acme' },
      spec: { selector: { matchLabels: GATEWAY_LABELS }, podMetricsEndpoints: [{ port: 'metrics', path: '/metrics' }] },
    }),
    workload(HOOK, 'Job', 'acme-provision', 'stoa-hooks', { 'stoa.io/hook': 'provision', 'stoa.io/tenant': 'acme' }, [container('provision', [],
      [{ name: 'AWX_URL', value: 'https://awx.example.com/api/v2/job_templates/12/launch/' }, { name: 'AWX_TOKEN', valueFrom: { secretKeyRef: { name: 'awx-token', key: 'token' } } }])]),
    namespace('stoa-hooks', { 'pod-security.kubernetes.io/enforce': 'restricted' }),
    defaultDeny('dev/platform/hooks', 'stoa-hooks'),
    allowDns('dev/platform/hooks', 'stoa-hooks'),
    policy('dev/platform/hooks', 'stoa-hooks', 'hooks-allow-egress', {
      podSelector: { matchExpressions: [{ key: 'stoa.io/hook', operator: 'Exists' }] }, policyTypes: ['Egress'], egress: [httpsToInternet()],
    }),
    workload(API, 'Deployment', 'control-plane-api', 'stoa-system', { 'app.kubernetes.io/name': 'control-plane-api' },
      [container('control-plane-api', [{ name: 'http', containerPort: 8000, protocol: 'TCP' }])]),
    service('dev/platform/control-plane-api/service-control-plane-api.yaml', 'control-plane-api', 'stoa-system',
      { 'app.kubernetes.io/name': 'control-plane-api' }, [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }]),
  ];
}

const contextOf = (objects: ObjectInFile[], facts: Partial<EnvironmentFacts> = {}): PolicyContext => ({
  objects, applications: [], readOnlyEnvironments: new Set(), environments: new Map([['dev', factsOf({ internalCidrs: INTERNAL, ...facts })]]),
});

const without = (objects: ObjectInFile[], name: string, ns = 'tenant-acme') =>
  objects.filter((o) => !(o.object.kind === 'NetworkPolicy' && o.object.metadata.name === name && o.object.metadata.namespace === ns));

const find = (objects: ObjectInFile[], kind: string, name: string, ns = 'tenant-acme'): any => {
  const found = objects.find((o) => o.object.kind === kind && o.object.metadata.name === name && o.object.metadata.namespace === ns);
  if (!found) throw new Error(`no ${kind} ${ns}/${name}`);
  return found.object;
};

const check = (objects: ObjectInFile[], facts: Partial<EnvironmentFacts> = {}) => networkFlows.check(contextOf(objects, facts));

describe('the post-fix tenant shape', () => {
  test('breaks no rule', () => {
    expect(networkFlows.id).toBe('network-flows');
    expect(check(postFix())).toEqual([]);
  });

  test('the matrix lists every required flow, allowed, with the policies on each side', () => {
    const flows = flowMatrix(contextOf(postFix())).dev;
    const summary = flows.map((f) => `${f.need} | ${f.from} -> ${f.to} ${f.protocol} ${f.port} ${f.allowed ? 'allowed' : 'BLOCKED'}`);
    expect(summary).toEqual([
      'backend of Ingress tenant-acme/gateway | ingress-nginx/ingress-controller -> tenant-acme/Deployment/gateway TCP 8080 allowed',
      'ACME HTTP-01 challenge of Ingress tenant-acme/gateway | ingress-nginx/ingress-controller -> tenant-acme/acme-http01-solver TCP 8089 allowed',
      'PodMonitor tenant-acme/gateway port metrics | monitoring/prometheus -> tenant-acme/Deployment/gateway TCP 9090 allowed',
      'env AWX_URL of container provision | stoa-hooks/Job/acme-provision -> 203.0.113.10 (internet) TCP 443 allowed',
      'DNS | stoa-hooks/Job/acme-provision -> kube-system/kube-dns UDP 53 allowed',
      'DNS | stoa-system/Deployment/control-plane-api -> kube-system/kube-dns UDP 53 allowed',
      'DNS | tenant-acme/Deployment/gateway -> kube-system/kube-dns UDP 53 allowed',
      'env STOA_CONTROL_PLANE_URL of container gateway | tenant-acme/Deployment/gateway -> stoa-system/Deployment/control-plane-api TCP 8000 allowed',
    ]);
    expect(flows.find((f) => f.to === 'stoa-system/Deployment/control-plane-api')).toEqual({
      need: 'env STOA_CONTROL_PLANE_URL of container gateway',
      from: 'tenant-acme/Deployment/gateway',
      to: 'stoa-system/Deployment/control-plane-api',
      port: 8000,
      protocol: 'TCP',
      allowed: true,
      egress: { isolatedBy: ['tenant-acme/allow-dns', 'tenant-acme/default-deny', 'tenant-acme/gateway-allow-egress'], allowedBy: ['tenant-acme/gateway-allow-egress'], allowed: true },
      ingress: { isolatedBy: [], allowedBy: [], allowed: true },
      fromFile: GATEWAY,
      toFile: API,
      origin: GATEWAY,
    });
  });

  test('the order of the objects does not change the matrix', () => {
    expect(flowMatrix(contextOf([...postFix()].reverse()))).toEqual(flowMatrix(contextOf(postFix())));
  });
});

describe('each pre-fix defect fires', () => {
  test('default-deny without gateway-allow-metrics blocks Prometheus from the metrics port', () => {
    expect(check(without(postFix(), 'gateway-allow-metrics'))).toEqual([{
      file: GATEWAY,
      message: 'PodMonitor tenant-acme/gateway port metrics: monitoring/prometheus -> tenant-acme/Deployment/gateway on TCP 9090 is blocked: '
        + 'tenant-acme/Deployment/gateway is isolated for ingress by default-deny, gateway-allow-ingress and none of them allows it',
    }]);
  });

  test('no allow for the HTTP-01 solver blocks cert-manager (reported on the Ingress); quiet when the cluster does not use HTTP-01', () => {
    const objects = without(postFix(), 'allow-acme-http01-solver');
    expect(check(objects)).toEqual([{
      file: INGRESS,
      message: 'ACME HTTP-01 challenge of Ingress tenant-acme/gateway: ingress-nginx/ingress-controller -> tenant-acme/acme-http01-solver on TCP 8089 is blocked: '
        + 'tenant-acme/acme-http01-solver is isolated for ingress by default-deny and none of them allows it',
    }]);
    expect(check(objects, { acmeHttp01: false })).toEqual([]);
    expect(flowMatrix(contextOf(objects, { acmeHttp01: false })).dev.some((f) => f.to.includes('solver'))).toBe(false);
  });

  test('without allow-dns the pods of the namespace cannot resolve names', () => {
    expect(check(without(postFix(), 'allow-dns'))).toEqual([{
      file: GATEWAY,
      message: 'DNS: tenant-acme/Deployment/gateway -> kube-system/kube-dns on UDP 53 is blocked: '
        + 'tenant-acme/Deployment/gateway is isolated for egress by default-deny, gateway-allow-egress and none of them allows it',
    }]);
    const hooks = check(without(postFix(), 'allow-dns', 'stoa-hooks'));
    expect(hooks.map((v) => v.file)).toEqual([HOOK]);
    expect(hooks[0].message).toMatch(/^DNS: stoa-hooks\/Job\/acme-provision -> kube-system\/kube-dns on UDP 53 is blocked: .* by default-deny, hooks-allow-egress and/);
  });

  test('NodeLocal DNSCache set but allow-dns only allows kube-dns', () => {
    const violations = check(postFix(), { nodeLocalDnsAddress: '169.254.20.10' });
    expect(violations.map((v) => v.file)).toEqual([GATEWAY, HOOK]);
    expect(violations[0].message).toBe('DNS: tenant-acme/Deployment/gateway -> 169.254.20.10 (NodeLocal DNSCache) on UDP 53 is blocked: '
      + 'tenant-acme/Deployment/gateway is isolated for egress by allow-dns, default-deny, gateway-allow-egress and none of them allows it');

    // Allowing the link-local address as an ipBlock fixes it; kube-dns alone never did.
    const fixed = postFix().map((o) => (o.object.kind === 'NetworkPolicy' && o.object.metadata.name === 'allow-dns'
      ? allowDns(o.path.slice(0, o.path.lastIndexOf('/')), o.object.metadata.namespace!, [{ ipBlock: { cidr: '169.254.20.10/32' } }])
      : o));
    expect(check(fixed, { nodeLocalDnsAddress: '169.254.20.10' })).toEqual([]);
  });

  test('a policy letting every namespace into a tenant namespace', () => {
    const objects = [...postFix(), policy(TENANT, 'tenant-acme', 'allow-cluster', {
      podSelector: { matchLabels: GATEWAY_LABELS }, policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 8080, protocol: 'TCP' }] }],
    })];
    expect(check(objects)).toEqual([{
      file: `${TENANT}/networkpolicy-allow-cluster.yaml`,
      message: 'NetworkPolicy "allow-cluster" allows traffic into tenant-acme from every namespace on TCP 8080',
    }]);
  });

  test('every other way into a tenant namespace: all sources, ipBlock, another namespace, unpinned labels, wrong ports', () => {
    const objects = [...postFix(), policy(TENANT, 'tenant-acme', 'too-open', {
      podSelector: {}, policyTypes: ['Ingress'],
      ingress: [
        { ports: [{ port: 8080 }] },
        { from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] },
        { from: [fromNamespace('stoa-system')], ports: [{ port: 8080, endPort: 8090 }] },
        { from: [{ namespaceSelector: { matchLabels: { team: 'platform' } } }], ports: [{ port: 'http' }] },
        { from: [fromNamespace('monitoring')], ports: [{ port: 'http' }, { port: 'metrics' }] },
        { from: [fromNamespace('ingress-nginx')], ports: [{ port: 9090 }, { port: 8089 }] },
        { from: [{ podSelector: { matchLabels: { app: 'sidecar' } } }], ports: [{ port: 5432 }] },
      ],
    })];
    const file = `${TENANT}/networkpolicy-too-open.yaml`;
    const into = 'NetworkPolicy "too-open" allows traffic into tenant-acme';
    expect(check(objects)).toEqual([
      { file, message: `${into} from every source on TCP 8080` },
      { file, message: `${into} from ipBlock 10.0.0.0/8 except 10.1.0.0/16 on every port` },
      { file, message: `${into} from namespace ingress-nginx on TCP 9090: not an Ingress backend or the HTTP-01 solver port (8089)` },
      { file, message: `${into} from namespace monitoring on TCP http: not scraped by any PodMonitor or ServiceMonitor` },
      { file, message: `${into} from namespace stoa-system on TCP 8080-8090` },
      { file, message: `${into} from namespaces matching team=platform on TCP http` },
    ]);
  });

  test('the forbidden class covers namespaces named tenant-* without a Namespace manifest, and only tenant namespaces', () => {
    const open = (ns: string, folder: string) => policy(folder, ns, 'allow-all', { podSelector: {}, ingress: [{}] });
    expect(check([open('tenant-initech', 'dev/tenants/initech')])).toEqual([{
      file: 'dev/tenants/initech/networkpolicy-allow-all.yaml', message: 'NetworkPolicy "allow-all" allows traffic into tenant-initech from every source on every port',
    }]);
    expect(check([open('stoa-system', 'dev/platform/misc')])).toEqual([]);
  });
});

describe('around the policies: tenant Services and Ingress annotations', () => {
  const SERVICE = `${TENANT}/service-gateway.yaml`;
  const exposure = (objects: ObjectInFile[]) => check(objects).map((v) => `${v.file}: ${v.message}`);

  test.each([
    ['LoadBalancer', 'asks the cloud for a load balancer that reaches its pods from outside the cluster, around the ingress controller and its TLS'],
    ['NodePort', 'opens a port on every node that reaches its pods, around the ingress controller and its TLS'],
  ])('a tenant Service of type %s', (type, what) => {
    const objects = postFix();
    find(objects, 'Service', 'gateway').spec.type = type;
    expect(exposure(objects)).toEqual([
      `${SERVICE}: Service tenant-acme/gateway of a tenant namespace is of type ${type}, which ${what}: tenant Services are ClusterIP, reached through the ingress controller`,
    ]);
  });

  test('an ExternalName Service and externalIPs', () => {
    const objects = postFix();
    objects.push(service(`${TENANT}/service-upstream.yaml`, 'upstream', 'tenant-acme', {}, []));
    Object.assign(find(objects, 'Service', 'upstream').spec, { type: 'ExternalName', externalName: 'control-plane-api.stoa-system.svc.cluster.local' });
    delete find(objects, 'Service', 'upstream').spec.selector;
    find(objects, 'Service', 'gateway').spec.externalIPs = ['10.96.0.10', '8.8.8.8'];
    expect(exposure(objects)).toEqual([
      `${SERVICE}: Service tenant-acme/gateway of a tenant namespace sets externalIPs 10.96.0.10, 8.8.8.8: every node then captures traffic to those addresses, for the whole cluster (CVE-2020-8554): tenant Services are ClusterIP, reached through the ingress controller`,
      `${TENANT}/service-upstream.yaml: Service tenant-acme/upstream of a tenant namespace is of type ExternalName (control-plane-api.stoa-system.svc.cluster.local), which makes its name a CNAME to another host: `
        + 'an Ingress naming it sends the ingress controller there, another namespace\'s Services included: tenant Services are ClusterIP, reached through the ingress controller',
    ]);
  });

  test('platform Services may be of any type; an explicit ClusterIP is fine', () => {
    const objects = postFix();
    find(objects, 'Service', 'control-plane-api', 'stoa-system').spec.type = 'LoadBalancer';
    find(objects, 'Service', 'gateway').spec.type = 'ClusterIP';
    expect(check(objects)).toEqual([]);
  });

  test('nginx snippets of every kind', () => {
    const objects = postFix();
    Object.assign(find(objects, 'Ingress', 'gateway').metadata.annotations, {
      'nginx.ingress.kubernetes.io/configuration-snippet': 'more_set_headers "X: y";',
      'nginx.ingress.kubernetes.io/server-snippet': 'location /admin { proxy_pass http://control-plane-api.stoa-system.svc; }',
      'nginx.ingress.kubernetes.io/auth-snippet': 'return 200;',
      'nginx.ingress.kubernetes.io/proxy-body-size': '8m',
    });
    const snippet = (key: string) => `${INGRESS}: Ingress tenant-acme/gateway of a tenant namespace sets nginx.ingress.kubernetes.io/${key}, which injects its nginx configuration into the ingress controller every tenant shares (it could route, or read, any traffic the controller carries): remove it`;
    expect(exposure(objects)).toEqual([snippet('auth-snippet'), snippet('configuration-snippet'), snippet('server-snippet')]);
  });

  test.each([
    ['http://control-plane-api.stoa-system.svc.cluster.local/auth', true],
    ['http://oauth2-proxy/oauth2/auth', true],
    ['http://169.254.169.254/latest/meta-data/', true],
    ['https://10.1.2.3/auth', true],
    ['http://[::1]/auth', true],
    ['not a url', true],
    ['https://auth.acme.example/oauth2/auth', false],
  ])('auth-url %s inside the cluster: %s', (url, inside) => {
    const objects = postFix();
    find(objects, 'Ingress', 'gateway').metadata.annotations['nginx.ingress.kubernetes.io/auth-url'] = url;
    expect(exposure(objects)).toEqual(inside ? [
      `${INGRESS}: Ingress tenant-acme/gateway of a tenant namespace sets nginx.ingress.kubernetes.io/auth-url "${url}", inside the cluster: `
        + 'the ingress controller sends every request to it for authentication, a flow into another namespace that no NetworkPolicy of the tenant governs: use an external URL, or remove it',
    ] : []);
  });

  test('a platform Ingress may configure the controller', () => {
    const objects = postFix();
    objects.push(at('dev/platform/stoa-portal/ingress-stoa-portal.yaml', {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
      metadata: { name: 'stoa-portal', namespace: 'stoa-system', annotations: { 'nginx.ingress.kubernetes.io/configuration-snippet': 'x;', 'nginx.ingress.kubernetes.io/auth-url': 'http://oauth2-proxy/auth' } },
      spec: { rules: [] },
    }));
    expect(check(objects)).toEqual([]);
  });
});

describe('ports, addresses and selectors', () => {
  test('a named targetPort resolves to the container port: a policy on the Service port (80) does not allow it', () => {
    const objects = postFix();
    find(objects, 'NetworkPolicy', 'gateway-allow-ingress').spec.ingress[0].ports = [{ port: 80, protocol: 'TCP' }];
    const violations = check(objects);
    expect(violations.map((v) => v.file)).toEqual([GATEWAY, `${TENANT}/networkpolicy-gateway-allow-ingress.yaml`]);
    expect(violations[0].message).toBe('backend of Ingress tenant-acme/gateway: ingress-nginx/ingress-controller -> tenant-acme/Deployment/gateway on TCP 8080 is blocked: '
      + 'tenant-acme/Deployment/gateway is isolated for ingress by default-deny, gateway-allow-ingress, gateway-allow-metrics and none of them allows it');
    expect(violations[1].message).toBe('NetworkPolicy "gateway-allow-ingress" allows traffic into tenant-acme from namespace ingress-nginx on TCP 80: not an Ingress backend or the HTTP-01 solver port (8089)');
  });

  test('a podSelector without namespaceSelector only matches pods of the policy\'s own namespace', () => {
    const objects = postFix();
    find(objects, 'NetworkPolicy', 'gateway-allow-ingress').spec.ingress[0].from = [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } }];
    expect(check(objects)).toEqual([{
      file: GATEWAY,
      message: 'backend of Ingress tenant-acme/gateway: ingress-nginx/ingress-controller -> tenant-acme/Deployment/gateway on TCP 8080 is blocked: '
        + 'tenant-acme/Deployment/gateway is isolated for ingress by default-deny, gateway-allow-ingress, gateway-allow-metrics and none of them allows it',
    }]);
    find(objects, 'NetworkPolicy', 'gateway-allow-ingress').spec.ingress[0].from[0].namespaceSelector = { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['ingress-nginx'] }] };
    expect(check(objects)).toEqual([]);
  });

  test('a named port in a policy matches the destination container port of that name', () => {
    const objects = postFix();
    find(objects, 'NetworkPolicy', 'gateway-allow-ingress').spec.ingress[0].ports = [{ port: 'http' }];
    find(objects, 'NetworkPolicy', 'gateway-allow-metrics').spec.ingress[0].ports = [{ port: 'metrics', protocol: 'TCP' }];
    expect(check(objects)).toEqual([]);
    const flows = flowMatrix(contextOf(objects)).dev;
    expect(flows.find((f) => f.from === 'monitoring/prometheus')?.ingress.allowedBy).toEqual(['tenant-acme/gateway-allow-metrics']);
  });

  test('a numeric targetPort and an endPort range', () => {
    const objects = postFix();
    find(objects, 'Service', 'gateway').spec.ports[0].targetPort = 8080;
    find(objects, 'NetworkPolicy', 'gateway-allow-ingress').spec.ingress[0].ports = [{ port: 8000, endPort: 8080, protocol: 'TCP' }];
    const violations = check(objects);
    // The flow passes; the range is wider than the backend port, which the forbidden class reports.
    expect(violations).toEqual([{
      file: `${TENANT}/networkpolicy-gateway-allow-ingress.yaml`,
      message: 'NetworkPolicy "gateway-allow-ingress" allows traffic into tenant-acme from namespace ingress-nginx on TCP 8000-8080: not an Ingress backend or the HTTP-01 solver port (8089)',
    }]);
  });

  test('a targetPort name no container has is reported on the workload', () => {
    const objects = postFix();
    find(objects, 'Service', 'gateway').spec.ports[0].targetPort = 'web';
    // The policy's 8080 is then no backend port any more, which the forbidden class reports too.
    expect(check(objects)).toEqual([{
      file: GATEWAY,
      message: 'backend of Ingress tenant-acme/gateway: ingress-nginx/ingress-controller -> tenant-acme/Deployment/gateway on TCP web is blocked: '
        + 'Service gateway targetPort "web" is not a TCP port of any container of tenant-acme/Deployment/gateway',
    }, {
      file: `${TENANT}/networkpolicy-gateway-allow-ingress.yaml`,
      message: 'NetworkPolicy "gateway-allow-ingress" allows traffic into tenant-acme from namespace ingress-nginx on TCP 8080: not an Ingress backend or the HTTP-01 solver port (8089)',
    }]);
  });

  test('ipBlock except: an except that covers the internet blocks external URLs', () => {
    const objects = postFix();
    find(objects, 'NetworkPolicy', 'hooks-allow-egress', 'stoa-hooks').spec.egress[0].to[0].ipBlock.except = [...INTERNAL, '203.0.113.0/24'];
    expect(check(objects)).toEqual([{
      file: HOOK,
      message: 'env AWX_URL of container provision: stoa-hooks/Job/acme-provision -> 203.0.113.10 (internet) on TCP 443 is blocked: '
        + 'stoa-hooks/Job/acme-provision is isolated for egress by allow-dns, default-deny, hooks-allow-egress and none of them allows it',
    }]);
  });

  test('external URL ports, in-cluster URLs with a port, and hosts that are neither', () => {
    const objects = postFix();
    find(objects, 'Job', 'acme-provision', 'stoa-hooks').spec.template.spec.containers[0].env = [
      { name: 'AWX_URL', value: 'https://awx.example.com:8443/api' },
      { name: 'PLAIN', value: 'http://example.org/' },
      { name: 'LOCAL', value: 'https://localhost:9000 https://vault.vault.svc.cluster.local:8200 https://10.2.3.4/' },
      { name: 'API', value: 'see http://control-plane-api.stoa-system.svc.cluster.local:80/v1' },
    ];
    const flows = flowMatrix(contextOf(objects)).dev.filter((f) => f.from === 'stoa-hooks/Job/acme-provision' && f.need !== 'DNS');
    expect(flows.map((f) => `${f.need} -> ${f.to} ${f.port} ${f.allowed}`)).toEqual([
      'env AWX_URL of container provision -> 203.0.113.10 (internet) 8443 false',
      'env API of container provision -> stoa-system/Deployment/control-plane-api 8000 false',
    ]);
  });

  test('a ServiceMonitor scrapes through its Service, in the namespaces of namespaceSelector.matchNames', () => {
    const objects = [...without(postFix(), 'gateway-allow-metrics').filter((o) => o.object.kind !== 'PodMonitor'), at('dev/platform/monitoring/servicemonitor-gateways.yaml', {
      apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'gateways', namespace: 'monitoring' },
      spec: {
        selector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['stoa-gateway'] }] },
        namespaceSelector: { matchNames: ['tenant-acme'] }, endpoints: [{ port: 'metrics' }],
      },
    })];
    expect(check(objects)).toEqual([{
      file: GATEWAY,
      message: 'ServiceMonitor monitoring/gateways port metrics: monitoring/prometheus -> tenant-acme/Deployment/gateway on TCP 9090 is blocked: '
        + 'tenant-acme/Deployment/gateway is isolated for ingress by default-deny, gateway-allow-ingress and none of them allows it',
    }]);
  });

  test('policyTypes default to Ingress, plus Egress when the policy has egress rules', () => {
    const objects = postFix();
    delete find(objects, 'NetworkPolicy', 'gateway-allow-egress').spec.policyTypes;
    delete find(objects, 'NetworkPolicy', 'default-deny').spec.policyTypes; // now isolates ingress only
    const flows = flowMatrix(contextOf(objects)).dev;
    const toApi = flows.find((f) => f.to === 'stoa-system/Deployment/control-plane-api')!;
    expect(toApi.egress.isolatedBy).toEqual(['tenant-acme/allow-dns', 'tenant-acme/gateway-allow-egress']);
    expect(toApi.allowed).toBe(true);
    expect(flows.find((f) => f.need === 'backend of Ingress tenant-acme/gateway')?.ingress.isolatedBy)
      .toEqual(['tenant-acme/default-deny', 'tenant-acme/gateway-allow-egress', 'tenant-acme/gateway-allow-ingress', 'tenant-acme/gateway-allow-metrics']);
  });

  test('an object without a namespace is in the destination namespace of the Application that syncs its folder', () => {
    const objects = postFix().map((o) => (o.path === GATEWAY ? at(o.path, { ...o.object, metadata: { name: 'gateway' } }) : o));
    const application = at('dev/apps/application-dev-tenant-acme.yaml', {
      apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'dev-tenant-acme', namespace: 'argocd' },
      spec: { source: { path: 'dev/tenants/acme' }, destination: { namespace: 'tenant-acme' } },
    });
    const context = { ...contextOf(objects), applications: [application] };
    expect(networkFlows.check(context)).toEqual([]);
    expect(flowMatrix(context).dev.filter((f) => f.to === 'tenant-acme/Deployment/gateway')).toHaveLength(2);
    expect(flowMatrix(contextOf(objects)).dev.filter((f) => f.to === 'default/Deployment/gateway')).toEqual([]);
  });

  test('IPv4 CIDRs', () => {
    expect(ipv4InCidr('203.0.113.10', '0.0.0.0/0')).toBe(true);
    expect(ipv4InCidr('10.255.0.1', '10.0.0.0/8')).toBe(true);
    expect(ipv4InCidr('11.0.0.1', '10.0.0.0/8')).toBe(false);
    expect(ipv4InCidr('172.31.255.255', '172.16.0.0/12')).toBe(true);
    expect(ipv4InCidr('172.32.0.0', '172.16.0.0/12')).toBe(false);
    expect(ipv4InCidr('169.254.20.10', '169.254.20.10')).toBe(true);
    expect(ipv4InCidr('169.254.20.11', '169.254.20.10/32')).toBe(false);
    expect(ipv4InCidr('10.0.0.1', 'fd00::/8')).toBe(false);
    expect(ipv4InCidr('10.0.0.256', '0.0.0.0/0')).toBe(false);
    expect(ipv4InCidr('10.0.0.1', '10.0.0.0/33')).toBe(false);
  });
});

test('validate --format json carries the flow matrix of each environment', () => {
  const report = validateObjects(postFix(), { environments: { dev: { internalCidrs: INTERNAL } } });
  const json = JSON.parse(formatReport(report, 'json'));
  expect(Object.keys(json.flows)).toEqual(['dev']);
  expect(json.flows.dev).toHaveLength(8);
  expect(json.flows.dev).toContainEqual(expect.objectContaining({
    need: 'PodMonitor tenant-acme/gateway port metrics', from: 'monitoring/prometheus', to: 'tenant-acme/Deployment/gateway',
    port: 9090, protocol: 'TCP', allowed: true, toFile: GATEWAY,
    ingress: { isolatedBy: ['tenant-acme/default-deny', 'tenant-acme/gateway-allow-ingress', 'tenant-acme/gateway-allow-metrics'], allowedBy: ['tenant-acme/gateway-allow-metrics'], allowed: true },
  }));
  expect(formatReport(report, 'text')).not.toContain('flows');
});
