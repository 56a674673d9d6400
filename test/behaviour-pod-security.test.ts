import { render } from '../lib';
import { podSecurity } from '../lib/validate/behaviour/pod-security';
import { ObjectInFile, PolicyContext } from '../lib/validate/policy';
import { exampleProject } from './helpers';

// The example as rendered: tenant namespaces and the hooks namespace enforce "restricted".
const example: ObjectInFile[] = render({ projectDir: exampleProject() }).files.map((f) => ({ path: f.path, object: f.object }));
const copy = (): any[] => JSON.parse(JSON.stringify(example));
const find = (objects: any[], file: string) => objects.find((o) => o.path === file)!.object;
const contextOf = (objects: ObjectInFile[]): PolicyContext => ({
  objects, applications: objects.filter((o) => o.object.kind === 'Application'), readOnlyEnvironments: new Set(), environments: new Map(),
});
const check = (objects: ObjectInFile[]) => podSecurity.check(contextOf(objects));
const GATEWAY = 'dev/tenants/globex/deployment-gateway.yaml';

test('the example meets the level of every namespace (tenants and hooks: restricted)', () => {
  expect(find(example, 'dev/tenants/globex/namespace-tenant-globex.yaml').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  expect(find(example, 'dev/platform/hooks/namespace-stoa-hooks.yaml').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  expect(check(example)).toEqual([]);
});

test('restricted refuses a pod without a seccomp profile, with privilege escalation, or keeping capabilities', () => {
  const objects = copy();
  const pod = find(objects, GATEWAY).spec.template.spec;
  delete pod.securityContext.seccompProfile;
  delete pod.containers[0].securityContext.allowPrivilegeEscalation;
  pod.containers[0].securityContext.capabilities = { drop: ['NET_RAW'], add: ['NET_ADMIN'] };
  expect(check(objects)).toEqual([{
    file: GATEWAY,
    message: 'Deployment tenant-globex/gateway: namespace tenant-globex enforces Pod Security "restricted", which refuses its pods: '
      + 'container "gateway": adds capability NET_ADMIN; container "gateway": allowPrivilegeEscalation is not false; '
      + 'container "gateway": seccompProfile is not RuntimeDefault or Localhost (pod or container); '
      + 'container "gateway": capabilities do not drop ALL',
  }]);
});

test('the hook Jobs are held to their namespace too', () => {
  const objects = copy();
  const file = 'prod/tenants/acme/job-acme-provision.yaml';
  find(objects, file).spec.template.spec.volumes = [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }];
  expect(check(objects).map((v) => `${v.file}: ${v.message}`)).toEqual([
    `${file}: Job stoa-hooks/acme-provision: namespace stoa-hooks enforces Pod Security "restricted", which refuses its pods: hostPath volume "docker"; volume "docker" of type hostPath`,
  ]);
});

test('baseline refuses only the baseline list; privileged (or no label) refuses nothing', () => {
  const objects = copy();
  const pod = find(objects, GATEWAY).spec.template.spec;
  delete pod.securityContext.seccompProfile;
  pod.hostNetwork = true;
  find(objects, 'dev/tenants/globex/namespace-tenant-globex.yaml').metadata.labels['pod-security.kubernetes.io/enforce'] = 'baseline';
  expect(check(objects).map((v) => v.message)).toEqual([expect.stringMatching(/enforces Pod Security "baseline", which refuses its pods: hostNetwork: true$/)]);
  delete find(objects, 'dev/tenants/globex/namespace-tenant-globex.yaml').metadata.labels['pod-security.kubernetes.io/enforce'];
  expect(check(objects)).toEqual([]);
});

test('the level is per environment: the same namespace name elsewhere keeps its own', () => {
  const objects = copy();
  find(objects, 'staging/tenants/globex/namespace-tenant-globex.yaml').metadata.labels['pod-security.kubernetes.io/enforce'] = 'privileged';
  find(objects, 'staging/tenants/globex/deployment-gateway.yaml').spec.template.spec.hostPID = true;
  expect(check(objects)).toEqual([]);
  find(objects, GATEWAY).spec.template.spec.hostPID = true;
  expect(check(objects).map((v) => v.file)).toEqual([GATEWAY]);
});
