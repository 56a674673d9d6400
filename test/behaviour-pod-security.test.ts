import { renderProject } from '../lib';
import { podSecurity } from '../lib/validate/behaviour/pod-security';
import { ObjectInFile, PolicyContext } from '../lib/validate/policy';
import { exampleProject } from './helpers';

// The example as rendered: tenant namespaces and the hooks namespace enforce "restricted".
const example: ObjectInFile[] = renderProject({ projectDir: exampleProject() }).files.map((f) => ({ path: f.path, object: f.object }));
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

test('baseline refuses only the baseline list', () => {
  const objects = copy();
  const file = 'dev/tenants/acme/job-acme-provision.yaml';
  const pod = find(objects, file).spec.template.spec;
  delete pod.securityContext.seccompProfile;
  pod.hostNetwork = true;
  find(objects, 'dev/platform/hooks/namespace-stoa-hooks.yaml').metadata.labels['pod-security.kubernetes.io/enforce'] = 'baseline';
  expect(check(objects).map((v) => `${v.file}: ${v.message}`)).toEqual([
    `${file}: Job stoa-hooks/acme-provision: namespace stoa-hooks enforces Pod Security "baseline", which refuses its pods: hostNetwork: true`,
  ]);
});

test('the level is per environment: the same namespace name elsewhere keeps its own', () => {
  const objects = copy();
  find(objects, 'staging/platform/hooks/namespace-stoa-hooks.yaml').metadata.labels['pod-security.kubernetes.io/enforce'] = 'baseline';
  delete find(objects, 'staging/tenants/acme/job-acme-provision.yaml').spec.template.spec.securityContext.seccompProfile;
  expect(check(objects)).toEqual([]);
  delete find(objects, 'dev/tenants/acme/job-acme-provision.yaml').spec.template.spec.securityContext.seccompProfile;
  expect(check(objects).map((v) => v.file)).toEqual(['dev/tenants/acme/job-acme-provision.yaml']);
});

describe('the platform\'s floor', () => {
  const PORTAL = 'dev/platform/stoa-portal/deployment-stoa-portal.yaml';

  test('a tenant namespace must enforce restricted: a privileged gateway is refused whatever its namespace says', () => {
    for (const change of [
      (labels: any) => { labels['pod-security.kubernetes.io/enforce'] = 'privileged'; },
      (labels: any) => { labels['pod-security.kubernetes.io/enforce'] = 'baseline'; },
      (labels: any) => { delete labels['pod-security.kubernetes.io/enforce']; },
    ]) {
      const objects = copy();
      change(find(objects, 'dev/tenants/globex/namespace-tenant-globex.yaml').metadata.labels);
      const pod = find(objects, GATEWAY).spec.template.spec;
      pod.containers[0].securityContext.privileged = true;
      pod.hostPID = true;
      const enforced = find(objects, 'dev/tenants/globex/namespace-tenant-globex.yaml').metadata.labels['pod-security.kubernetes.io/enforce'];
      const text = enforced === undefined ? 'no Pod Security level' : `Pod Security "${enforced}"`;
      expect(check(objects).map((v) => `${v.file}: ${v.message}`)).toEqual([
        `${GATEWAY}: Deployment tenant-globex/gateway: namespace tenant-globex enforces ${text}, but the platform holds a tenant namespace to "restricted", which refuses its pods: `
          + 'hostPID: true; container "gateway": privileged',
        `dev/tenants/globex/namespace-tenant-globex.yaml: Namespace tenant-globex is a tenant's and enforces ${text}: tenant namespaces must enforce "restricted" `
          + '(label pod-security.kubernetes.io/enforce: restricted), or a tenant\'s pods could run privileged, on the host\'s namespaces or with hostPath volumes',
      ]);
    }
  });

  test('a tenant namespace enforces the latest standard: an old pinned enforce-version is refused', () => {
    const objects = copy();
    find(objects, 'dev/tenants/globex/namespace-tenant-globex.yaml').metadata.labels['pod-security.kubernetes.io/enforce-version'] = 'v1.22';
    expect(check(objects).map((v) => `${v.file}: ${v.message}`)).toEqual([
      'dev/tenants/globex/namespace-tenant-globex.yaml: Namespace tenant-globex is a tenant\'s and pins pod-security.kubernetes.io/enforce-version: v1.22: tenant namespaces enforce the latest standard (omit the label or set "latest")',
    ]);
  });

  test('a namespace is a tenant\'s by its stoa.io/tenant label too', () => {
    const objects = copy();
    const ns = find(objects, 'dev/platform/hooks/namespace-stoa-hooks.yaml');
    ns.metadata.labels['stoa.io/tenant'] = 'hooks';
    ns.metadata.labels['pod-security.kubernetes.io/enforce'] = 'baseline';
    expect(check(objects).map((v) => v.message)).toEqual([expect.stringMatching(/^Namespace stoa-hooks is a tenant's and enforces Pod Security "baseline": tenant namespaces must enforce "restricted"/)]);
  });

  test('a platform namespace without a level (stoa-system) is held to baseline: privileged, host namespaces, hostPath, capabilities', () => {
    const objects = copy();
    const pod = find(objects, PORTAL).spec.template.spec;
    pod.hostNetwork = true;
    pod.hostIPC = true;
    pod.volumes.push({ name: 'root', hostPath: { path: '/' } });
    pod.containers[0].securityContext.privileged = true;
    pod.containers[0].securityContext.capabilities.add = ['SYS_ADMIN', 'NET_BIND_SERVICE'];
    expect(check(objects).map((v) => `${v.file}: ${v.message}`)).toEqual([
      `${PORTAL}: Deployment stoa-system/stoa-portal: namespace stoa-system enforces no Pod Security level, but the platform holds every namespace to at least "baseline", which refuses its pods: `
        + 'hostNetwork: true; hostIPC: true; hostPath volume "root"; container "stoa-portal": privileged; container "stoa-portal": adds capability SYS_ADMIN',
    ]);
  });

  test('the floor is baseline: what only restricted refuses passes in a platform namespace, also one labelled privileged', () => {
    const objects = copy();
    const pod = find(objects, PORTAL).spec.template.spec;
    delete pod.securityContext.seccompProfile;
    delete pod.containers[0].securityContext.allowPrivilegeEscalation;
    pod.containers[0].securityContext.capabilities = { add: ['CHOWN'] };
    expect(check(objects)).toEqual([]);
    find(objects, 'dev/platform/hooks/namespace-stoa-hooks.yaml').metadata.labels['pod-security.kubernetes.io/enforce'] = 'privileged';
    find(objects, 'dev/tenants/acme/job-acme-provision.yaml').spec.template.spec.hostPID = true;
    expect(check(objects).map((v) => v.message)).toEqual([
      expect.stringMatching(/^Job stoa-hooks\/acme-provision: namespace stoa-hooks enforces Pod Security "privileged", but the platform holds every namespace to at least "baseline", which refuses its pods: hostPID: true$/),
    ]);
  });
});
