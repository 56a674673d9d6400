import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../workloads/security';

/** Argo CD sync phase a hook runs in. */
export enum HookPhase {
  /** Before any object of the sync is applied: provisioning. */
  PRE_SYNC = 'PreSync',
  /** After every object is applied and healthy: validation. */
  POST_SYNC = 'PostSync',
}

/** Pinned image of the hook Jobs: Python's standard library only, run as non-root. */
export const HOOK_IMAGE = 'python:3.13.1-alpine3.21';

/** Label on every hook pod (value: the hook's role, e.g. `provision`); network policies select on it. */
export const AWX_HOOK_POD_LABEL = 'stoa.io/hook';

/** The Secret (in the hooks namespace) that holds the AWX token, and its key. */
export const AWX_TOKEN_SECRET = { name: 'awx-token', key: 'token' } as const;

/** Seconds a hook waits for AWX's job to finish before it fails the sync. */
export const AWX_HOOK_TIMEOUT_SECONDS = 900;

/**
 * Launches the job template, then polls the job until AWX reports a final
 * status: exit 0 only on `successful`, 1 on failed, error, canceled, a refused
 * launch or the time limit. Transient errors while polling are retried.
 */
const AWX_WAIT_SCRIPT = `import json, os, sys, time, urllib.error, urllib.parse, urllib.request
launch, token = os.environ["AWX_URL"], os.environ["AWX_TOKEN"]
deadline = time.time() + int(os.environ["AWX_TIMEOUT_SECONDS"])
def call(method, url, body=None):
    req = urllib.request.Request(url, data=body, method=method, headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)
try:
    job = call("POST", launch, os.environ["AWX_BODY"].encode())
except urllib.error.HTTPError as e:
    sys.exit("AWX refused the launch: HTTP %s %s" % (e.code, e.read()[:2000].decode(errors="replace")))
job_id = job.get("job", job.get("id"))
status_url = urllib.parse.urljoin(launch, job.get("url") or "/api/v2/jobs/%s/" % job_id)
print("launched AWX job %s: %s" % (job_id, status_url), flush=True)
while time.time() < deadline:
    try:
        status = call("GET", status_url).get("status")
    except (urllib.error.URLError, OSError, ValueError) as e:
        print("polling failed, retrying: %s" % e, flush=True)
        status = None
    if status == "successful":
        print("AWX job %s successful" % job_id)
        sys.exit(0)
    if status in ("failed", "error", "canceled"):
        sys.exit("AWX job %s ended %s" % (job_id, status))
    time.sleep(10)
sys.exit("AWX job %s not finished after %s seconds" % (job_id, os.environ["AWX_TIMEOUT_SECONDS"]))
`;

/** Props of {@link AwxHookJob}. */
export interface AwxHookJobProps {
  /** Job name, e.g. `acme-provision`. */
  readonly name: string;
  /** Namespace of the Job (the platform's hooks namespace, where the token is). */
  readonly namespace: string;
  /** The hook's role, e.g. `provision`: the value of the {@link AWX_HOOK_POD_LABEL} label. */
  readonly role: string;
  /** When it runs. */
  readonly phase: HookPhase;
  /** AWX job template launch URL, e.g. `https://awx.example.com/api/v2/job_templates/12/launch/`. */
  readonly jobTemplateUrl: string;
  /** Secret holding the AWX token (created by an ExternalSecret in the same namespace). */
  readonly tokenSecret: { readonly name: string; readonly key: string };
  /** Passed to AWX as `extra_vars`. */
  readonly extraVars: Record<string, string>;
  /**
   * Labels on the Job and its pod, next to the role label.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Image with Python 3.
   * @default HOOK_IMAGE
   */
  readonly image?: string;
}

/**
 * An Argo CD hook Job that launches an AWX job template (the pre-provisioning
 * and post-deployment validation steps of the platform's AWX workflow) and
 * waits for the AWX job to finish, so provisioning is done before the sync
 * goes on and a failed AWX job fails the sync. One attempt per sync (a retry
 * would launch AWX again); Argo CD's sync retry starts the next one.
 * Replaced before each sync, deleted on success.
 */
export class AwxHookJob extends Construct {
  constructor(scope: Construct, id: string, props: AwxHookJobProps) {
    super(scope, id);
    const labels = { ...props.labels, [AWX_HOOK_POD_LABEL]: props.role };
    new k8s.KubeJob(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels,
        annotations: {
          'argocd.argoproj.io/hook': props.phase,
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
        },
      },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: AWX_HOOK_TIMEOUT_SECONDS + 60,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(),
            containers: [{
              name: props.role,
              image: props.image ?? HOOK_IMAGE,
              command: ['python3', '-c', AWX_WAIT_SCRIPT],
              env: [
                { name: 'AWX_BODY', value: JSON.stringify({ extra_vars: props.extraVars }) },
                { name: 'AWX_TIMEOUT_SECONDS', value: String(AWX_HOOK_TIMEOUT_SECONDS) },
                { name: 'AWX_TOKEN', valueFrom: { secretKeyRef: { name: props.tokenSecret.name, key: props.tokenSecret.key } } },
                { name: 'AWX_URL', value: props.jobTemplateUrl },
                // The root filesystem is read-only.
                { name: 'PYTHONDONTWRITEBYTECODE', value: '1' },
              ],
              resources: {
                requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('32Mi') },
                limits: { cpu: k8s.Quantity.fromString('200m'), memory: k8s.Quantity.fromString('128Mi') },
              },
              securityContext: restrictedContainerSecurityContext(),
            }],
          },
        },
      },
    });
  }
}
