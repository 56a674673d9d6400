import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import { AddressInfo } from 'net';
import * as path from 'path';
import { stringify } from 'yaml';
import {
  SMOKE_TEST_DEADLINE_SECONDS, SMOKE_TEST_REQUEST_TIMEOUT_SECONDS, SMOKE_TEST_RETRY_SECONDS, SMOKE_TEST_SCRIPT, SMOKE_TEST_TIMEOUT_SECONDS,
} from '../lib/gateway/smoke-test';
import { HOOK_POD_RESOURCES, SMOKE_TEST_PODS, tierQuota } from '../lib/config/tiers';
import { HOOK_IMAGE } from '../lib/workloads/hook-job';
import { PolicyContext } from '../lib/validate/policy';
import { quotaFits } from '../lib/validate/behaviour/quota-fits';
import { flowMatrix, networkFlows, podSecurity } from '../lib/validate/behaviour';
import { ArgoReplay } from './replay/argocd-replay';
import { editYaml, RenderedObject, renderedExample, tempDir, writeFile } from './helpers';

/*
 * The gateway smoke test (docs/smoke-tests.md): what is rendered for each tenant, that the validation's
 * models agree with it, that the rendered script itself fails on an unhealthy or silent gateway within
 * its bounds, and what Argo CD does with it over syncs (the replay).
 */

const example = renderedExample();
const at = (objects: RenderedObject[], file: string) => {
  const found = objects.find((o) => o.path === file);
  if (!found) throw new Error(`no ${file}`);
  return found.object;
};
const envOf = (job: any) => Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
const contextOf = (objects: RenderedObject[]): PolicyContext => ({
  objects: [...objects].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  applications: objects.filter((o) => o.object.kind === 'Application'),
  readOnlyEnvironments: new Set(),
  environments: new Map(),
});

describe('rendered for every tenant', () => {
  test('one PostSync hook Job per tenant folder, in the tenant namespace, with a deterministic name', () => {
    const tenantFolders = [...new Set(example.filter((o) => /^[^/]+\/tenants\/[^/]+\//.test(o.path)).map((o) => path.posix.dirname(o.path)))].sort();
    const jobs = example.filter((o) => o.object.metadata?.labels?.['stoa.io/hook'] === 'smoke-test');
    expect(jobs.map((o) => o.path).sort()).toEqual(tenantFolders.map((f) => `${f}/job-gateway-smoke-test.yaml`));
    for (const { object } of jobs) {
      expect(object.metadata.name).toBe('gateway-smoke-test');
      expect(object.metadata.namespace).toBe(`tenant-${object.metadata.labels['stoa.io/tenant']}`);
    }
  });

  test('the hook: PostSync, replaced before the next sync, deleted on success, kept for its logs on failure; bounded', () => {
    const job = at(example, 'prod/tenants/acme/job-gateway-smoke-test.yaml');
    expect(job.metadata.annotations).toEqual({
      'argocd.argoproj.io/hook': 'PostSync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
    });
    expect(job.metadata.annotations['argocd.argoproj.io/sync-wave']).toBeUndefined();
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.activeDeadlineSeconds).toBe(SMOKE_TEST_DEADLINE_SECONDS);
    expect(SMOKE_TEST_DEADLINE_SECONDS).toBe(185);
    // An eviction or preemption starts a new pod instead of failing the sync; a failed check does not.
    expect(job.spec.podFailurePolicy).toEqual({ rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] });
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
  });

  test('the URLs it calls: the readiness route of the probes, through the Service and through the host via the ingress controller', () => {
    for (const [env, tenant, workload] of [['prod', 'acme', 'rollout-gateway.yaml'], ['dev', 'initech', 'deployment-gateway.yaml']]) {
      const job = at(example, `${env}/tenants/${tenant}/job-gateway-smoke-test.yaml`);
      const gateway = at(example, `${env}/tenants/${tenant}/${workload}`);
      const ingress = at(example, `${env}/tenants/${tenant}/ingress-gateway.yaml`);
      const service = at(example, `${env}/tenants/${tenant}/service-gateway.yaml`);
      const probe = gateway.spec.template.spec.containers[0].readinessProbe.httpGet.path;
      expect(probe).toBe('/readyz');
      expect(service.spec.ports).toEqual([expect.objectContaining({ port: 80, targetPort: 'http' })]);
      expect(envOf(job)).toEqual({
        SMOKE_SERVICE_URL: `http://gateway.tenant-${tenant}.svc${probe}`,
        SMOKE_INGRESS_URL: `https://ingress-nginx-controller.ingress-nginx.svc${probe}`,
        SMOKE_HOST: ingress.spec.rules[0].host,
        SMOKE_TIMEOUT_SECONDS: String(SMOKE_TEST_TIMEOUT_SECONDS),
        SMOKE_REQUEST_TIMEOUT_SECONDS: String(SMOKE_TEST_REQUEST_TIMEOUT_SECONDS),
        SMOKE_RETRY_SECONDS: String(SMOKE_TEST_RETRY_SECONDS),
      });
      expect(ingress.spec.rules[0].host).toBe(`${tenant}.${env === 'prod' ? '' : `${env}.`}stoa.example.com`);
    }
    expect([SMOKE_TEST_TIMEOUT_SECONDS, SMOKE_TEST_REQUEST_TIMEOUT_SECONDS, SMOKE_TEST_RETRY_SECONDS]).toEqual([60, 5, 2]);
  });

  test('the container: the pinned Node.js hook image, restricted Pod Security, no token, small fixed resources', () => {
    const pod = at(example, 'dev/tenants/globex/job-gateway-smoke-test.yaml').spec.template;
    expect(pod.metadata.labels).toEqual({ 'stoa.io/hook': 'smoke-test' });
    expect(pod.spec).toEqual({
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [expect.objectContaining({
        name: 'smoke-test',
        image: HOOK_IMAGE,
        command: ['node', '-e', SMOKE_TEST_SCRIPT],
        resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
        securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      })],
    });
    expect(HOOK_POD_RESOURCES).toEqual({ requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } });
    // The AWX hooks use the same image, pod and resources.
    const awx = at(example, 'dev/tenants/acme/job-acme-provision.yaml').spec.template.spec;
    expect(awx.containers[0].image).toBe(HOOK_IMAGE);
    expect(awx.containers[0].resources).toEqual(pod.spec.containers[0].resources);
    expect(awx.securityContext).toEqual(pod.spec.securityContext);
  });

  test('network policies: exactly the smoke pod to the gateway port and the ingress controller, and the gateway from it', () => {
    expect(at(example, 'dev/tenants/acme/networkpolicy-gateway-smoke-test-allow-egress.yaml').spec).toEqual({
      podSelector: { matchLabels: { 'stoa.io/hook': 'smoke-test' } },
      policyTypes: ['Egress'],
      egress: [
        { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'stoa-gateway', 'app.kubernetes.io/instance': 'acme' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
        { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ protocol: 'TCP', port: 443 }] },
      ],
    });
    expect(at(example, 'dev/tenants/acme/networkpolicy-gateway-allow-smoke-test.yaml').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'stoa-gateway', 'app.kubernetes.io/instance': 'acme' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { 'stoa.io/hook': 'smoke-test' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
    });
  });

  test('the environment names the ingress controller: its namespace and Service', () => {
    const objects = renderedExample((p) => editYaml(p, 'environments/dev.yaml', (d) => {
      d.ingress = { ...d.ingress, controllerNamespace: 'edge', controllerService: 'edge-https' };
    }));
    expect(envOf(at(objects, 'dev/tenants/acme/job-gateway-smoke-test.yaml')).SMOKE_INGRESS_URL).toBe('https://edge-https.edge.svc/readyz');
    expect(at(objects, 'dev/tenants/acme/networkpolicy-gateway-smoke-test-allow-egress.yaml').spec.egress[1].to)
      .toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } } }]);
  });

  test('a tenant leaving an environment renders no smoke test (there is no gateway left to check)', () => {
    const objects = renderedExample((p) => editYaml(p, 'tenants/acme.yaml', (d) => {
      d.hooks.postDelete = 'https://awx.stoa.example.com/api/v2/job_templates/14/launch/';
      d.environments = ['dev', 'staging'];
      d.leaving = ['prod'];
    }));
    expect(objects.filter((o) => o.path.startsWith('prod/tenants/acme/')).map((o) => path.basename(o.path))).toEqual(['job-acme-deprovision.yaml']);
    expect(objects.filter((o) => o.path.startsWith('staging/tenants/acme/')).map((o) => path.basename(o.path))).toContain('job-gateway-smoke-test.yaml');
  });
});

describe('the validation models agree', () => {
  test('network-flows: the smoke pod reaches the gateway through its Service and the ingress controller, and nothing else is opened', () => {
    const context = contextOf(example.filter((o) => o.path.startsWith('dev/')));
    expect(networkFlows.check(context)).toEqual([]);
    const smoke = flowMatrix(context).dev.filter((f) => f.from === 'tenant-acme/Job/gateway-smoke-test' && f.need.startsWith('env SMOKE_'));
    expect(smoke.map((f) => [f.need, f.to, f.port, f.allowed])).toEqual([
      ['env SMOKE_INGRESS_URL of container smoke-test', 'ingress-nginx/ingress-controller', 443, true],
      ['env SMOKE_SERVICE_URL of container smoke-test', 'tenant-acme/Deployment/gateway', 8080, true],
    ].sort((a, b) => (String(a[1]) < String(b[1]) ? -1 : 1)));
  });

  test('network-flows: without the smoke test policies both flows are blocked (the negative control)', () => {
    const objects = example.filter((o) => o.path.startsWith('dev/') && !/smoke-test-allow-egress|allow-smoke-test/.test(o.path));
    const found = networkFlows.check(contextOf(objects)).map((v) => v.message).filter((m) => m.includes('SMOKE_'));
    expect(found).toEqual(expect.arrayContaining([
      expect.stringMatching(/^env SMOKE_INGRESS_URL of container smoke-test: tenant-acme\/Job\/gateway-smoke-test -> ingress-nginx\/ingress-controller on TCP 443 is blocked/),
      expect.stringMatching(/^env SMOKE_SERVICE_URL of container smoke-test: tenant-acme\/Job\/gateway-smoke-test -> tenant-acme\/Deployment\/gateway on TCP 8080 is blocked: .*tenant-acme\/Deployment\/gateway is isolated for ingress by default-deny, gateway-allow-ingress, gateway-allow-metrics and none of them allows it$/),
    ]));
  });

  test('quota-fits: the tier quota admits the smoke pod beside the gateway at its peak, and would not without its share', () => {
    expect(SMOKE_TEST_PODS).toBe(1);
    expect(tierQuota('bronze')).toEqual({ requests: { cpu: '320m', memory: '480Mi' }, limits: { cpu: '1800m', memory: '960Mi' }, pods: 5 });
    const dev = example.filter((o) => o.path.startsWith('dev/'));
    expect(quotaFits.check(contextOf(dev))).toEqual([]);
    const quotaFile = 'dev/tenants/initech/resourcequota-tenant-quota.yaml';
    // The model's peak of bronze's steady state (the switch headroom is by construction): the Deployment's
    // pod and its surge pod, the HTTP-01 solver, and the smoke test. A quota with room for all but the last fails.
    const without = dev.map((o) => (o.path !== quotaFile ? o : {
      ...o, object: { ...o.object, spec: { hard: { ...o.object.spec.hard, pods: '3', 'limits.memory': '576Mi' } } },
    }));
    expect(quotaFits.check(contextOf(without)).map((v) => v.message)).toEqual([
      expect.stringMatching(/^namespace tenant-initech, limits.memory: needs 704Mi .*largest hook Job gateway-smoke-test: 1 pod x 128Mi = 128Mi\) but quota tenant-quota allows 576Mi/),
      expect.stringMatching(/^namespace tenant-initech, pods: needs 4 .*largest hook Job gateway-smoke-test: 1 pod x 1 = 1\) but quota tenant-quota allows 3/),
    ]);
  });

  test('pod-security: the restricted tenant namespace admits the smoke pod', () => {
    const found = podSecurity.check(contextOf(example)).filter((v) => v.file.includes('smoke'));
    expect(found).toEqual([]);
  });
});

describe('the rendered script, run by node against local servers', () => {
  const dir = tempDir('stoa-smoke-');
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  // The controller's certificate on a first sync: self-signed, for another name (its default certificate).
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=ingress-default'], { stdio: 'ignore' });

  type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
  const servers: Array<http.Server | https.Server> = [];
  const listen = async (server: http.Server | https.Server): Promise<number> => {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };
  const httpServer = (handler: Handler) => listen(http.createServer(handler));
  const httpsServer = (handler: Handler) => listen(https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, handler));
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  });

  /** The ingress controller: routes only the tenant's host (Host header and SNI), like nginx; anything else is its default backend's 404. */
  const controller = (gateway: Handler): Handler => (req, res) => {
    const sni = (req.socket as any).servername;
    if (req.headers.host !== 'acme.dev.stoa.example.com' || sni !== 'acme.dev.stoa.example.com') {
      res.writeHead(404).end('default backend - 404');
      return;
    }
    gateway(req, res);
  };
  const healthy: Handler = (req, res) => (req.url === '/readyz' ? res.writeHead(200).end('ok') : res.writeHead(404).end());

  const run = (env: Record<string, string>, after?: (child: ReturnType<typeof spawn>) => void) => new Promise<{ code: number | null; out: string; err: string; seconds: number }>((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['-e', SMOKE_TEST_SCRIPT], {
      // A request's limit is generous unless a test is about a silent server: on a loaded machine, a first TLS
      // handshake can take over half a second, which would cost an attempt and change the count a test asserts.
      env: { PATH: process.env.PATH ?? '', SMOKE_TIMEOUT_SECONDS: '10', SMOKE_REQUEST_TIMEOUT_SECONDS: '5', SMOKE_RETRY_SECONDS: '0.1', SMOKE_HOST: 'acme.dev.stoa.example.com', ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    after?.(child);
    child.on('close', (code) => resolve({ code, out, err, seconds: (Date.now() - started) / 1000 }));
  });
  const urls = (servicePort: number, ingressPort: number) => ({
    SMOKE_SERVICE_URL: `http://127.0.0.1:${servicePort}/readyz`, SMOKE_INGRESS_URL: `https://127.0.0.1:${ingressPort}/readyz`,
  });

  test('a healthy gateway: both checks pass, exit 0; the log says the certificate is not trusted yet, which does not fail it', async () => {
    const r = await run(urls(await httpServer(healthy), await httpsServer(controller(healthy))));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok: service http:\/\/127\.0\.0\.1:\d+\/readyz: HTTP 200, attempt 1$/m);
    expect(r.out).toMatch(/^ok: host https:\/\/acme\.dev\.stoa\.example\.com\/readyz through 127\.0\.0\.1:\d+: HTTP 200 \(certificate of ingress-default, not trusted for acme\.dev\.stoa\.example\.com \(yet\): [^)]+\), attempt 1$/m);
  });

  test('a new Ingress the controller has not loaded yet (404 twice): retried until it answers', async () => {
    let calls = 0;
    const loading: Handler = (req, res) => (++calls <= 2 ? res.writeHead(404).end('default backend - 404') : healthy(req, res));
    const r = await run({ ...urls(await httpServer(healthy), await httpsServer(controller(loading))), SMOKE_RETRY_SECONDS: '0.02' });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^host https:\/\/acme\.dev\.stoa\.example\.com\/readyz through 127\.0\.0\.1:\d+: HTTP 404, retrying$/m);
    expect(r.out).toMatch(/HTTP 200 .*attempt 3$/m);
  });

  // The failing checks below run with a check time of 0.3 s (SMOKE_TIMEOUT_SECONDS, read by the script): the same
  // bounds, a shorter wait.
  test('a gateway answering 503 through its Service: exit 1 once the check\'s time is up, saying which check and what it got', async () => {
    const r = await run({ ...urls(await httpServer((_req, res) => res.writeHead(503).end('not ready')), await httpsServer(controller(healthy))), SMOKE_TIMEOUT_SECONDS: '0.3' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^FAILED: service http:\/\/127\.0\.0\.1:\d+\/readyz: HTTP 503 on attempt \d+, the last within 0\.3 s$/m);
    expect(r.out).toMatch(/^ok: host /m);
    expect(r.seconds).toBeGreaterThanOrEqual(0.2);
    expect(r.seconds).toBeLessThan(5);
  });

  test('a host the controller does not route (wrong Host or SNI) fails the host check', async () => {
    const r = await run({ ...urls(await httpServer(healthy), await httpsServer(controller(healthy))), SMOKE_HOST: 'other.dev.stoa.example.com', SMOKE_TIMEOUT_SECONDS: '0.3' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^FAILED: host https:\/\/other\.dev\.stoa\.example\.com\/readyz through 127\.0\.0\.1:\d+: HTTP 404/m);
  });

  test('a gateway that never answers: each request is cut off, the check ends within its bounds, exit 1', async () => {
    const silent = await httpServer(() => undefined);
    const r = await run({ ...urls(silent, await httpsServer(() => undefined)), SMOKE_TIMEOUT_SECONDS: '0.3', SMOKE_REQUEST_TIMEOUT_SECONDS: '0.2' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^FAILED: service .*: no answer within 0\.2 s on attempt \d+/m);
    expect(r.err).toMatch(/^FAILED: host .*: no answer within 0\.2 s on attempt \d+/m);
    // The limit (0.3 s) plus at most one request (0.2 s), and node's start.
    expect(r.seconds).toBeLessThan(4);
  });

  test('nothing listening (connection refused): exit 1', async () => {
    const port = await httpServer(healthy);
    for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
    const r = await run({ ...urls(port, port), SMOKE_TIMEOUT_SECONDS: '0.3' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^FAILED: service .*: ECONNREFUSED/m);
  });

  test('SIGTERM (the Job\'s deadline, a terminated sync) while it retries: exit 1, saying so', async () => {
    // Stopped as soon as it says it retries (a request cut off after 0.1 s), with 60 s of its check left.
    const r = await run({ ...urls(await httpServer(() => undefined), await httpsServer(() => undefined)), SMOKE_TIMEOUT_SECONDS: '60', SMOKE_REQUEST_TIMEOUT_SECONDS: '0.1' },
      (child) => {
        let seen = '';
        const onData = (d: Buffer) => {
          seen += d;
          if (!/retrying$/m.test(seen)) return;
          child.stdout!.off('data', onData);
          child.kill('SIGTERM');
        };
        child.stdout!.on('data', onData);
      });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/: no answer within 0\.1 s, retrying$/m);
    expect(r.err).toMatch(/^FAILED: stopped \(SIGTERM\)/m);
  });
});

describe('Argo CD runs it after every sync (the replay)', () => {
  const hooli = renderedExample((p) => {
    writeFile(p, 'tenants/hooli.yaml', stringify({
      name: 'hooli', displayName: 'Hooli', tier: 'bronze', owners: { users: ['gavin@hooli.example'] }, environments: ['dev', 'staging', 'prod'],
    }));
    editYaml(p, 'environments/dev.yaml', (d) => { d.notifications = { service: 'slack', recipient: 'stoa-dev-alerts' }; });
  });
  const smokeHooks = (r: ArgoReplay, app: string, from = 0) => r.eventsOf('hook', from).filter((e) => e.app === app && e.job === 'gateway-smoke-test');
  const notices = (r: ArgoReplay, from = 0) => r.eventsOf('notified', from).map((e) => `${e.app} ${e.trigger}`);

  test('dev: a passing smoke test: the sync succeeds and the tenant is reported ready; a failing one fails the sync, alerts, keeps its Job until the next sync', () => {
    const failing = new Set<string>();
    const dev = new ArgoReplay('dev', { hookFails: (app, job) => (failing.has(app) && job === 'gateway-smoke-test' ? 'exit code 1: FAILED: service http://gateway.tenant-hooli.svc/readyz: HTTP 503' : undefined) });
    dev.commit('r1', hooli);
    expect(smokeHooks(dev, 'dev-tenant-hooli')).toEqual([{ type: 'hook', app: 'dev-tenant-hooli', phase: 'PostSync', job: 'gateway-smoke-test', calls: undefined }]);
    expect(dev.application('dev-tenant-hooli').status.operationState.phase).toBe('Succeeded');
    expect(dev.isLive('Job/tenant-hooli/gateway-smoke-test')).toBe(false);
    expect(notices(dev)).toContain('dev-tenant-hooli on-tenant-ready-dev');
    expect(notices(dev).filter((n) => n.includes('on-sync-failed'))).toEqual([]);

    // The next revision breaks the gateway (the world: its readiness route answers 503 through the Service).
    failing.add('dev-tenant-hooli');
    const mark = dev.events.length;
    const broken = hooli.map((o) => (o.path === 'dev/tenants/hooli/deployment-gateway.yaml'
      ? { ...o, object: { ...o.object, metadata: { ...o.object.metadata, annotations: { 'stoa.io/revision': 'r2' } } } } : o));
    dev.commit('r2', broken);
    expect(smokeHooks(dev, 'dev-tenant-hooli', mark)).toEqual([expect.objectContaining({ phase: 'PostSync', failed: expect.stringMatching(/HTTP 503/) })]);
    const state = dev.application('dev-tenant-hooli').status.operationState;
    expect(state.phase).toBe('Failed');
    expect(state.message).toMatch(/^one or more synchronization tasks completed unsuccessfully: Job gateway-smoke-test failed: exit code 1/);
    // The objects were applied (PostSync comes after them): the sync is Failed, the Application stays Synced and Healthy.
    expect(dev.application('dev-tenant-hooli').status.sync.status).toBe('Synced');
    expect(notices(dev, mark)).toEqual(['dev-tenant-hooli on-sync-failed']);
    // Its Job and logs stay until the next sync replaces it.
    expect(dev.isLive('Job/tenant-hooli/gateway-smoke-test')).toBe(true);
    failing.clear();
    dev.sync('dev-tenant-hooli');
    expect(dev.application('dev-tenant-hooli').status.operationState.phase).toBe('Succeeded');
    expect(dev.isLive('Job/tenant-hooli/gateway-smoke-test')).toBe(false);
    expect(notices(dev, mark)).toEqual(['dev-tenant-hooli on-sync-failed', 'dev-tenant-hooli on-tenant-ready-dev']);
    // Every other tenant's smoke test ran and passed.
    expect(dev.eventsOf('hook').filter((e) => e.job === 'gateway-smoke-test').map((e) => e.app).sort())
      .toEqual(['dev-tenant-acme', 'dev-tenant-globex', 'dev-tenant-hooli', 'dev-tenant-hooli', 'dev-tenant-hooli', 'dev-tenant-initech']);
    expect(dev.eventsOf('hook').some((e) => e.failed !== undefined && e.app !== 'dev-tenant-hooli')).toBe(false);
  });

  test('prod: while the canary is paused the sync waits and the smoke test has not run; it runs once the Rollout is Healthy', () => {
    const health = new Map<string, string>([['prod-tenant-acme', 'Suspended']]);
    const prod = new ArgoReplay('prod', { health: (app) => health.get(app) });
    prod.commit('r1', hooli).syncRoot().syncAll();
    const acme = () => prod.application('prod-tenant-acme').status;
    expect(acme().operationState).toEqual(expect.objectContaining({ phase: 'Running', message: expect.stringMatching(/waiting for healthy state \(Suspended\)/) }));
    expect(smokeHooks(prod, 'prod-tenant-acme')).toEqual([]);
    // The AWX validation (PostSync too) waits just the same; the PreSync provisioning ran.
    expect(prod.eventsOf('hook').filter((e) => e.app === 'prod-tenant-acme').map((e) => `${e.phase} ${e.job}`)).toEqual(['PreSync acme-provision']);
    // Tenants without a canary are checked and ready at once.
    expect(smokeHooks(prod, 'prod-tenant-hooli')).toHaveLength(1);
    expect(notices(prod)).toContain('prod-tenant-hooli on-tenant-ready-prod');
    expect(notices(prod)).not.toContain('prod-tenant-acme on-tenant-ready-prod');
    // The canary goes on through its steps (the stuck and slow-sync alerts measure this wait) and completes.
    prod.wait(20).health('prod-tenant-acme', 'Healthy');
    expect(prod.eventsOf('hook').filter((e) => e.app === 'prod-tenant-acme').map((e) => `${e.phase} ${e.job}`))
      .toEqual(['PreSync acme-provision', 'PostSync acme-validate', 'PostSync gateway-smoke-test']);
    expect(acme().operationState.phase).toBe('Succeeded');
    expect(notices(prod)).toContain('prod-tenant-acme on-tenant-ready-prod');
  });

  test('prod: a canary that aborts (Degraded) fails the sync without running the smoke test', () => {
    const prod = new ArgoReplay('prod', { health: (app) => (app === 'prod-tenant-acme' ? 'Progressing' : undefined) });
    prod.commit('r1', hooli).syncRoot().syncAll();
    const mark = prod.events.length;
    prod.health('prod-tenant-acme', 'Degraded');
    expect(smokeHooks(prod, 'prod-tenant-acme')).toEqual([]);
    expect(prod.application('prod-tenant-acme').status.operationState).toEqual(expect.objectContaining({ phase: 'Failed' }));
    expect(notices(prod, mark)).toEqual(expect.arrayContaining(['prod-tenant-acme on-sync-failed', 'prod-tenant-acme on-health-degraded']));
  });
});
