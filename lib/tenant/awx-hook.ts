import { Construct } from 'constructs';
import { addHookJob, HOOK_IMAGE, HOOK_POD_LABEL, HookPhase } from '../workloads/hook-job';

export { HOOK_IMAGE, HookPhase };

/** Label on every hook pod (value: the hook's role, e.g. `provision`); network policies select on it. */
export const AWX_HOOK_POD_LABEL = HOOK_POD_LABEL;

/** The Secret (in the hooks namespace) that holds the AWX token, and its key. */
export const AWX_TOKEN_SECRET = { name: 'awx-token', key: 'token' } as const;

/** Seconds a hook waits for AWX's job to finish before it fails the sync. */
export const AWX_HOOK_TIMEOUT_SECONDS = 900;

/**
 * What a hook container runs (`node -e`): launches the job template, then polls
 * the job until AWX reports a final status. Exit 0 only on `successful`; 1 on
 * failed, error, canceled, a refused launch, variables AWX ignored (the template
 * does not prompt for them), or the time limit. Errors while polling are
 * retried until the limit. On the time limit or SIGTERM (the Job's deadline,
 * a terminated sync) it cancels the AWX job, so nothing runs on unobserved.
 * Reads AWX_URL, AWX_TOKEN, AWX_BODY, AWX_TIMEOUT_SECONDS and AWX_POLL_SECONDS.
 */
export const AWX_WAIT_SCRIPT = `const { AWX_URL: launch, AWX_TOKEN: token, AWX_BODY: body, AWX_TIMEOUT_SECONDS: limit, AWX_POLL_SECONDS: poll } = process.env;
const deadline = Date.now() + Number(limit) * 1000;
const headers = { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' };
let id;
const fail = (message) => { console.error(message); process.exit(1); };
const cancel = async () => {
  if (id === undefined) return;
  try {
    const r = await fetch(new URL('/api/v2/jobs/' + id + '/cancel/', launch), { method: 'POST', headers, signal: AbortSignal.timeout(30000) });
    console.log('asked AWX to cancel job ' + id + ': HTTP ' + r.status);
  } catch (e) { console.log('could not cancel AWX job ' + id + ': ' + e.message); }
};
process.on('SIGTERM', () => { cancel().then(() => fail('stopped (SIGTERM) while AWX job ' + id + ' ran')); });
(async () => {
  let res;
  try { res = await fetch(launch, { method: 'POST', headers, body, signal: AbortSignal.timeout(60000) }); } catch (e) { fail('AWX launch failed: ' + e.message); }
  if (!res.ok) fail('AWX refused the launch: HTTP ' + res.status + ' ' + (await res.text()).slice(0, 2000));
  const job = await res.json();
  id = job.job ?? job.id;
  if (job.ignored_fields && Object.keys(job.ignored_fields).length > 0) {
    await cancel();
    fail('AWX ignored ' + JSON.stringify(job.ignored_fields) + ': let the job template prompt for variables on launch');
  }
  const statusUrl = new URL(job.url ?? '/api/v2/jobs/' + id + '/', launch).href;
  console.log('launched AWX job ' + id + ': ' + statusUrl);
  while (Date.now() < deadline) {
    let status;
    try {
      const r = await fetch(statusUrl, { headers, signal: AbortSignal.timeout(60000) });
      if (r.ok) status = (await r.json()).status; else console.log('polling: HTTP ' + r.status + ', retrying');
    } catch (e) { console.log('polling failed, retrying: ' + e.message); }
    if (status === 'successful') { console.log('AWX job ' + id + ' successful'); process.exit(0); }
    if (['failed', 'error', 'canceled'].includes(status)) fail('AWX job ' + id + ' ended ' + status);
    await new Promise((r) => setTimeout(r, Number(poll) * 1000));
  }
  await cancel();
  fail('AWX job ' + id + ' not finished after ' + limit + ' seconds');
})();
`;

/** Props of {@link AwxHookJob}. */
export interface AwxHookJobProps {
  /** Job name, e.g. `acme-provision`. */
  readonly name: string;
  /** Namespace of the Job (the platform's hooks namespace, where the token is). */
  readonly namespace: string;
  /** The hook's role, e.g. `provision`: the value of the `stoa.io/hook` pod label. */
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
   * Image with Node.js 20 or later.
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
    addHookJob(this, 'Resource', {
      name: props.name,
      namespace: props.namespace,
      role: props.role,
      phase: props.phase,
      labels: props.labels,
      image: props.image,
      script: AWX_WAIT_SCRIPT,
      env: [
        { name: 'AWX_BODY', value: JSON.stringify({ extra_vars: props.extraVars }) },
        { name: 'AWX_POLL_SECONDS', value: '10' },
        { name: 'AWX_TIMEOUT_SECONDS', value: String(AWX_HOOK_TIMEOUT_SECONDS) },
        { name: 'AWX_TOKEN', valueFrom: { secretKeyRef: { name: props.tokenSecret.name, key: props.tokenSecret.key } } },
        { name: 'AWX_URL', value: props.jobTemplateUrl },
      ],
      // Room past the script's own limit for the image pull, a call in flight and the cancel.
      activeDeadlineSeconds: AWX_HOOK_TIMEOUT_SECONDS + 300,
    });
  }
}
