import { spawn } from 'child_process';
import * as http from 'http';
import { AddressInfo } from 'net';
import { renderProject } from '../lib';
import { exampleProject } from './helpers';

// The container of the rendered provisioning hook, run here with this Node.js against a fake AWX.
const job = renderProject({ projectDir: exampleProject() }).files.find((f) => f.path === 'staging/tenants/acme/job-acme-provision.yaml')!.object as any;
const container = job.spec.template.spec.containers[0];
const renderedEnv: Record<string, string> = Object.fromEntries(container.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));

/** A fake AWX: the launch answers `launch`; each poll of the job answers the next of `statuses` (the last one repeats). */
function fakeAwx(launch: { code: number; body: unknown }, statuses: string[]) {
  const seen: Array<{ method: string; url: string; auth?: string; body: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      const reply = (code: number, payload: unknown) => { res.writeHead(code, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(payload)); };
      if (req.method === 'POST' && req.url === '/api/v2/job_templates/12/launch/') return reply(launch.code, launch.body);
      if (req.method === 'GET' && req.url === '/api/v2/jobs/42/') return reply(200, { id: 42, status: statuses.length > 1 ? statuses.shift() : statuses[0] });
      if (req.method === 'POST' && req.url === '/api/v2/jobs/42/cancel/') return reply(202, {});
      return reply(404, { detail: 'not found' });
    });
  });
  return { server, seen };
}

async function runHook(awx: ReturnType<typeof fakeAwx>, env: Record<string, string> = {}, terminateOnFirstPoll = false): Promise<{ code: number | null; out: string }> {
  await new Promise<void>((resolve) => awx.server.listen(0, '127.0.0.1', resolve));
  const port = (awx.server.address() as AddressInfo).port;
  try {
    const url = new URL(renderedEnv.AWX_URL);
    const child = spawn(process.execPath, container.command.slice(1), {
      env: { ...renderedEnv, AWX_URL: `http://127.0.0.1:${port}${url.pathname}`, AWX_TOKEN: 's3cret', AWX_POLL_SECONDS: '0.01', ...env },
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    // As Kubernetes does at the Job's deadline: once the job is launched and being polled.
    if (terminateOnFirstPoll) awx.server.on('request', (req) => { if (req.method === 'GET') child.kill('SIGTERM'); });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, out };
  } finally {
    await new Promise((resolve) => awx.server.close(resolve));
  }
}

const launched = { code: 201, body: { job: 42, id: 42, url: '/api/v2/jobs/42/', status: 'pending' } };

test('the rendered hook runs node with the wait script and the AWX settings', () => {
  expect(container.command.slice(0, 2)).toEqual(['node', '-e']);
  expect(container.image).toMatch(/^node:\d+\.\d+\.\d+-alpine/);
  expect(renderedEnv.AWX_TIMEOUT_SECONDS).toBe('900');
  expect(job.spec.activeDeadlineSeconds).toBe(1200);
});

test('launches the job template with the token and the extra vars, then waits until AWX reports success', async () => {
  const awx = fakeAwx(launched, ['pending', 'running', 'running', 'successful']);
  const { code, out } = await runHook(awx);
  expect(out).toContain('AWX job 42 successful');
  expect(code).toBe(0);
  expect(awx.seen[0]).toMatchObject({ method: 'POST', auth: 'Bearer s3cret' });
  expect(JSON.parse(awx.seen[0].body)).toEqual({ extra_vars: { tenant: 'acme', environment: 'staging', namespace: 'tenant-acme' } });
  expect(awx.seen.filter((r) => r.method === 'GET')).toHaveLength(4);
});

test.each(['failed', 'error', 'canceled'])('fails the sync when the AWX job ends %s', async (status) => {
  const { code, out } = await runHook(fakeAwx(launched, ['running', status]));
  expect(code).toBe(1);
  expect(out).toContain(`AWX job 42 ended ${status}`);
});

test('fails when AWX refuses the launch, with its answer', async () => {
  const { code, out } = await runHook(fakeAwx({ code: 403, body: { detail: 'no permission to launch' } }, ['successful']));
  expect(code).toBe(1);
  expect(out).toMatch(/AWX refused the launch: HTTP 403 .*no permission to launch/);
});

test('fails when the job does not finish in time, and cancels it in AWX', async () => {
  const awx = fakeAwx(launched, ['running']);
  const { code, out } = await runHook(awx, { AWX_TIMEOUT_SECONDS: '0.3' });
  expect(code).toBe(1);
  expect(out).toContain('AWX job 42 not finished after 0.3 seconds');
  expect(awx.seen.filter((r) => r.method === 'POST').map((r) => r.url)).toEqual(['/api/v2/job_templates/12/launch/', '/api/v2/jobs/42/cancel/']);
});

test('cancels the AWX job when Kubernetes stops the pod (SIGTERM)', async () => {
  const awx = fakeAwx(launched, ['running']);
  const { code, out } = await runHook(awx, { AWX_TIMEOUT_SECONDS: '30' }, true);
  expect(code).toBe(1);
  expect(out).toContain('stopped (SIGTERM) while AWX job 42 ran');
  expect(awx.seen.map((r) => `${r.method} ${r.url}`)).toContain('POST /api/v2/jobs/42/cancel/');
});

test('fails when AWX ignores the extra vars (the template does not prompt for them), and cancels the job', async () => {
  const awx = fakeAwx({ code: 201, body: { ...launched.body, ignored_fields: { extra_vars: { tenant: 'acme' } } } }, ['successful']);
  const { code, out } = await runHook(awx);
  expect(code).toBe(1);
  expect(out).toContain('AWX ignored {"extra_vars":{"tenant":"acme"}}: let the job template prompt for variables on launch');
  expect(awx.seen.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /api/v2/job_templates/12/launch/', 'POST /api/v2/jobs/42/cancel/']);
});
