import * as fs from 'fs';
import { App, Chart, Testing } from 'cdk8s';
import {
  AWX_HOOK_POD_LABEL, AWX_HOOK_TIMEOUT_SECONDS, AWX_TOKEN_SECRET, AWX_WAIT_SCRIPT, AwxHookJob, AwxHookJobProps, HOOK_IMAGE, HookPhase,
} from '../lib/tenant/awx-hook';

// AwxHookJob alone, in a plain test chart (no Environment, no Tenant, no hooks namespace). Imports
// come from the defining modules: the package index also loads the validators and the CLI.
// What the script does against AWX is tested in awx-hook.test.ts.

// Testing.chart() makes a temp outdir for its app; nothing is written there, and it is removed after the file.
const charts: Chart[] = [];
afterAll(() => {
  for (const c of charts.splice(0)) fs.rmSync(App.of(c).outdir, { recursive: true, force: true });
});

const LAUNCH = 'https://awx.example.com/api/v2/job_templates/12/launch/';

const provision: AwxHookJobProps = {
  name: 'acme-provision',
  namespace: 'stoa-hooks',
  role: 'provision',
  phase: HookPhase.PRE_SYNC,
  jobTemplateUrl: LAUNCH,
  tokenSecret: AWX_TOKEN_SECRET,
  extraVars: { tenant: 'acme', environment: 'qa', namespace: 'tenant-acme' },
  labels: { 'stoa.io/tenant': 'acme' },
};

/** The one Job of an AwxHookJob with `props` (over the provisioning hook above). */
function synth(props: Partial<AwxHookJobProps> = {}): any {
  const chart = Testing.chart();
  charts.push(chart);
  new AwxHookJob(chart, 'hook', { ...provision, ...props });
  const objects = Testing.synth(chart);
  expect(objects).toHaveLength(1);
  return objects[0];
}

const envOf = (job: any) => job.spec.template.spec.containers[0].env as Array<{ name: string; value?: string; valueFrom?: unknown }>;

describe('AwxHookJob', () => {
  test('a PreSync hook Job runs before the sync applies anything, is replaced before each sync and deleted on success', () => {
    const job = synth();
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.kind).toBe('Job');
    expect(job.metadata.name).toBe('acme-provision');
    expect(job.metadata.namespace).toBe('stoa-hooks');
    expect(job.metadata.annotations).toEqual({
      'argocd.argoproj.io/hook': 'PreSync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
    });
  });

  test('a hook Job runs after sync with the token from the store, never inline', () => {
    const job = synth({ name: 'acme-validate', role: 'validate', phase: HookPhase.POST_SYNC });
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
    const token = envOf(job).find((e) => e.name === 'AWX_TOKEN');
    expect(token).toEqual({ name: 'AWX_TOKEN', valueFrom: { secretKeyRef: { name: 'awx-token', key: 'token' } } });
    // Only the token is read from a Secret; every other variable is a plain setting.
    expect(envOf(job).filter((e) => e.valueFrom !== undefined).map((e) => e.name)).toEqual(['AWX_TOKEN']);
    // The pod has no way to the API server either.
    expect(job.spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  test('the token is read from whichever Secret and key it is given', () => {
    const token = envOf(synth({ tokenSecret: { name: 'awx', key: 'AWX_TOKEN' } })).find((e) => e.name === 'AWX_TOKEN');
    expect(token!.valueFrom).toEqual({ secretKeyRef: { name: 'awx', key: 'AWX_TOKEN' } });
  });

  test('AWX gets the job template URL and the extra vars as JSON, and the script waits at most the time limit', () => {
    const job = synth();
    const container = job.spec.template.spec.containers[0];
    expect(container.command).toEqual(['node', '-e', AWX_WAIT_SCRIPT]);
    expect(envOf(job).filter((e) => e.value !== undefined)).toEqual([
      { name: 'AWX_BODY', value: JSON.stringify({ extra_vars: { tenant: 'acme', environment: 'qa', namespace: 'tenant-acme' } }) },
      { name: 'AWX_POLL_SECONDS', value: '10' },
      { name: 'AWX_TIMEOUT_SECONDS', value: String(AWX_HOOK_TIMEOUT_SECONDS) },
      { name: 'AWX_URL', value: LAUNCH },
    ]);
  });

  test("one attempt per sync, stopped by the Job's deadline with room past the script's own limit", () => {
    const spec = synth().spec;
    expect(spec.backoffLimit).toBe(0);
    expect(spec.template.spec.restartPolicy).toBe('Never');
    expect(spec.activeDeadlineSeconds).toBe(AWX_HOOK_TIMEOUT_SECONDS + 300);
    expect(spec.activeDeadlineSeconds).toBe(1200);
  });

  test('the Job and its pod carry the role label network policies select, which no given label can override', () => {
    const job = synth({ labels: { 'stoa.io/tenant': 'acme', [AWX_HOOK_POD_LABEL]: 'something-else' } });
    const expected = { 'stoa.io/tenant': 'acme', 'stoa.io/hook': 'provision' };
    expect(job.metadata.labels).toEqual(expected);
    expect(job.spec.template.metadata.labels).toEqual(expected);
    expect(job.spec.template.spec.containers[0].name).toBe('provision');
    expect(synth({ labels: undefined }).metadata.labels).toEqual({ 'stoa.io/hook': 'provision' });
  });

  test('the hook runs restricted on the pinned Node.js image, with small requests and limits', () => {
    const pod = synth().spec.template.spec;
    const container = pod.containers[0];
    expect(container.image).toBe(HOOK_IMAGE);
    expect(HOOK_IMAGE).toMatch(/^node:\d+\.\d+\.\d+-alpine[\d.]+$/);
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({
      runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
    });
    expect(container.resources).toEqual({ requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } });
    expect(synth({ image: 'registry.example.com/node:20.18.1' }).spec.template.spec.containers[0].image).toBe('registry.example.com/node:20.18.1');
  });
});
