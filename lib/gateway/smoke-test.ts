import { k8s } from 'cdk8s-plus-28';
import { ENVIRONMENT_DEFAULTS } from '../config/environment-defaults';
import { Construct } from 'constructs';
import { namespaceNamed, tcpPort } from '../network/policies';
import { addHookJob, HOOK_POD_LABEL, HookPhase } from '../workloads/hook-job';
import { Gateway } from './gateway';

/** Seconds each check of the smoke test retries before it fails (a new Ingress takes the controller a few seconds to load). */
export const SMOKE_TEST_TIMEOUT_SECONDS = 60;

/** Seconds one request of the smoke test may take: connecting, TLS and the whole answer. */
export const SMOKE_TEST_REQUEST_TIMEOUT_SECONDS = 5;

/** Seconds between two attempts of a check. */
export const SMOKE_TEST_RETRY_SECONDS = 2;

/**
 * Seconds Kubernetes lets the smoke test's Job run (`activeDeadlineSeconds`): the checks' own limit
 * (the last attempt starts before it and takes at most one request timeout), plus two minutes to
 * schedule the pod and pull the image.
 */
export const SMOKE_TEST_DEADLINE_SECONDS = SMOKE_TEST_TIMEOUT_SECONDS + SMOKE_TEST_REQUEST_TIMEOUT_SECONDS + 120;

/** The smoke test pod's `stoa.io/hook` label value (and its container's name). */
export const SMOKE_TEST_ROLE = 'smoke-test';

/**
 * What the smoke test container runs (`node -e`): two checks at once, each a GET retried every
 * SMOKE_RETRY_SECONDS until it answers 2xx or SMOKE_TIMEOUT_SECONDS have passed, each request cut
 * off after SMOKE_REQUEST_TIMEOUT_SECONDS. (a) `SMOKE_SERVICE_URL`: the gateway through its own
 * Service. (b) `SMOKE_INGRESS_URL` with `SMOKE_HOST` as TLS SNI and Host header: the tenant's host
 * through the ingress controller's Service inside the cluster, so the check needs neither public
 * DNS nor a load balancer, and does not verify the certificate (on the first sync cert-manager has
 * not issued it yet; the log says whether the one served is trusted for the host). Exit 0 when both
 * pass, 1 when either fails or on SIGTERM (the Job's deadline, a terminated sync).
 */
export const SMOKE_TEST_SCRIPT = `const http = require('http');
const https = require('https');
const tls = require('tls');
const { SMOKE_SERVICE_URL: serviceUrl, SMOKE_INGRESS_URL: ingressUrl, SMOKE_HOST: host } = process.env;
const limit = Number(process.env.SMOKE_TIMEOUT_SECONDS) * 1000;
const requestLimit = Number(process.env.SMOKE_REQUEST_TIMEOUT_SECONDS) * 1000;
const pause = Number(process.env.SMOKE_RETRY_SECONDS) * 1000;
process.on('SIGTERM', () => { console.error('FAILED: stopped (SIGTERM) before the checks finished: the Job reached its deadline or the sync was terminated'); process.exit(1); });
const certificateOf = (socket) => {
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.subject) return 'no certificate';
  const issuer = (cert.issuer && (cert.issuer.O || cert.issuer.CN)) || 'unknown issuer';
  const problem = !socket.authorized ? String(socket.authorizationError) : tls.checkServerIdentity(host, cert)?.message;
  return 'certificate of ' + issuer + (problem ? ', not trusted for ' + host + ' (yet): ' + problem : ', trusted for ' + host);
};
const get = (url, sni) => new Promise((resolve) => {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  const options = { method: 'GET', agent: false, headers: sni ? { Host: sni } : {} };
  if (secure) Object.assign(options, { servername: sni, rejectUnauthorized: false });
  let done = false;
  const finish = (result) => { if (!done) { done = true; clearTimeout(timer); resolve(result); } };
  const req = (secure ? https : http).request(u, options, (res) => {
    const cert = secure ? certificateOf(res.socket) : undefined;
    res.resume();
    res.on('end', () => finish({ status: res.statusCode, cert }));
    res.on('error', (e) => finish({ error: e.message }));
  });
  const timer = setTimeout(() => { req.destroy(); finish({ error: 'no answer within ' + requestLimit / 1000 + ' s' }); }, requestLimit);
  req.on('error', (e) => finish({ error: e.code ? e.code + ' ' + e.message : e.message }));
  req.end();
});
const check = async (name, url, sni) => {
  const what = sni ? 'https://' + sni + new URL(url).pathname + ' through ' + new URL(url).host : url;
  const deadline = Date.now() + limit;
  for (let attempt = 1; ; attempt++) {
    const r = await get(url, sni);
    const answer = r.error ?? 'HTTP ' + r.status;
    if (r.status >= 200 && r.status < 300) {
      console.log('ok: ' + name + ' ' + what + ': ' + answer + (r.cert ? ' (' + r.cert + ')' : '') + ', attempt ' + attempt);
      return true;
    }
    if (Date.now() + pause >= deadline) {
      console.error('FAILED: ' + name + ' ' + what + ': ' + answer + ' on attempt ' + attempt + ', the last within ' + limit / 1000 + ' s');
      return false;
    }
    console.log(name + ' ' + what + ': ' + answer + ', retrying');
    await new Promise((r) => setTimeout(r, pause));
  }
};
Promise.all([check('service', serviceUrl), check('host', ingressUrl, host)]).then((passed) => process.exit(passed.every(Boolean) ? 0 : 1));
`;

/** Props of {@link GatewaySmokeTest}. */
export interface GatewaySmokeTestProps {
  /** The gateway to check: its Service, port, readiness route, pod labels and Ingress host. */
  readonly gateway: Gateway;
  /** Namespace of the gateway, where the Job and its network policies go. */
  readonly namespace: string;
  /** Namespace of the ingress controller. */
  readonly ingressControllerNamespace: string;
  /**
   * The ingress controller's Service in its namespace, serving HTTPS on port 443 (its pods too).
   * @default 'ingress-nginx-controller'
   */
  readonly ingressControllerService?: string;
  /**
   * Name of the Job (and prefix of its network policies).
   * @default 'gateway-smoke-test'
   */
  readonly name?: string;
  /**
   * Labels on the Job and its pod.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Image with Node.js 20 or later.
   * @default HOOK_IMAGE
   */
  readonly image?: string;
}

/** Port the ingress controller serves HTTPS on (its Service, and its pods: ingress-nginx's default). */
export const INGRESS_CONTROLLER_HTTPS_PORT = 443;

/**
 * The gateway's smoke test: an Argo CD PostSync hook Job in the gateway's namespace that, after every
 * sync whose objects are healthy, checks that the gateway answers on its readiness route through
 * its own Service and through its public host (the ingress controller), each check bounded. A
 * failing check fails the Job, and with it the sync. Network policies let exactly that pod reach
 * the gateway's port and the ingress controller's HTTPS port, and the gateway let it in.
 */
export class GatewaySmokeTest extends Construct {
  /** The PostSync hook Job. */
  public readonly job: k8s.KubeJob;
  /** URL of the check through the gateway's Service. */
  public readonly serviceUrl: string;
  /** URL of the check through the ingress controller (sent with {@link host} as SNI and Host header). */
  public readonly ingressUrl: string;
  /** The tenant's public host the second check asks for. */
  public readonly host: string;

  constructor(scope: Construct, id: string, props: GatewaySmokeTestProps) {
    super(scope, id);
    const name = props.name ?? 'gateway-smoke-test';
    const workload = props.gateway.workload;
    if (!workload.ingress) throw new Error(`${name}: the gateway ${workload.name} has no Ingress to check`);
    const controller = props.ingressControllerService ?? ENVIRONMENT_DEFAULTS.ingressControllerService;
    const path = workload.readinessPath;
    this.host = workload.ingress.host;
    this.serviceUrl = `http://${workload.name}.${props.namespace}.svc${workload.servicePort === 80 ? '' : `:${workload.servicePort}`}${path}`;
    this.ingressUrl = `https://${controller}.${props.ingressControllerNamespace}.svc${path}`;
    const podLabels = { [HOOK_POD_LABEL]: SMOKE_TEST_ROLE };

    this.job = addHookJob(this, 'Job', {
      name,
      namespace: props.namespace,
      role: SMOKE_TEST_ROLE,
      phase: HookPhase.POST_SYNC,
      labels: props.labels,
      image: props.image,
      script: SMOKE_TEST_SCRIPT,
      env: [
        { name: 'SMOKE_HOST', value: this.host },
        { name: 'SMOKE_INGRESS_URL', value: this.ingressUrl },
        { name: 'SMOKE_REQUEST_TIMEOUT_SECONDS', value: String(SMOKE_TEST_REQUEST_TIMEOUT_SECONDS) },
        { name: 'SMOKE_RETRY_SECONDS', value: String(SMOKE_TEST_RETRY_SECONDS) },
        { name: 'SMOKE_SERVICE_URL', value: this.serviceUrl },
        { name: 'SMOKE_TIMEOUT_SECONDS', value: String(SMOKE_TEST_TIMEOUT_SECONDS) },
      ],
      activeDeadlineSeconds: SMOKE_TEST_DEADLINE_SECONDS,
      // Two GETs may safely run again: a pod the cluster evicts or preempts is replaced, not a failed sync.
      retryOnDisruption: true,
    });

    // The namespace is default-deny; DNS is allowed to every pod by the tenant's allow-dns.
    new k8s.KubeNetworkPolicy(this, 'egress', {
      metadata: { name: `${name}-allow-egress`, namespace: props.namespace },
      spec: {
        podSelector: { matchLabels: podLabels },
        policyTypes: ['Egress'],
        egress: [
          // Through the Service: after its address is translated, the flow is to a gateway pod's port.
          { to: [{ podSelector: { matchLabels: workload.selectorLabels } }], ports: [tcpPort(workload.port)] },
          { to: [{ namespaceSelector: namespaceNamed(props.ingressControllerNamespace) }], ports: [tcpPort(INGRESS_CONTROLLER_HTTPS_PORT)] },
        ],
      },
    });
    new k8s.KubeNetworkPolicy(this, 'gateway-ingress', {
      metadata: { name: `${workload.name}-allow-smoke-test`, namespace: props.namespace },
      spec: {
        podSelector: { matchLabels: workload.selectorLabels },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: { matchLabels: podLabels } }], ports: [tcpPort(workload.port)] }],
      },
    });
  }
}
