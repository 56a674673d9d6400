import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { DiffResult, diffJson, diffRefs, formatDiff } from '../lib/cli';
import { summarizeApplication } from '../lib/workflow/diff-summary';
import { synth, VALIDATION_RULES } from '../lib';
import { commitAll, exampleRepo } from './git-helpers';

// Per-Application summaries read the objects of the changed files, before and after.

const yaml = (...objects: object[]) => objects.map((o) => stringify(o)).join('---\n');
const deployment = (image: string, replicas: number, name = 'gateway') => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'tenant-acme' },
  spec: { replicas, template: { spec: { initContainers: [{ name: 'init', image: 'busybox:1.36' }], containers: [{ name: 'gateway', image }] } } },
});
const binding = (subjects: object[], role = 'tenant-owner') => ({
  apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'tenant-owners', namespace: 'tenant-acme' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role }, subjects,
});
const user = (name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name });
const policy = (name: string, ports: number[]) => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'tenant-acme' },
  spec: { podSelector: {}, ingress: [{ ports: ports.map((port) => ({ port })) }] },
});

describe('summarizeApplication', () => {
  test('images, replicas and autoscaling bounds, per workload', () => {
    const s = summarizeApplication([
      { path: 'a/deployment.yaml', before: yaml(deployment('reg/gw:1.0', 2)), after: yaml(deployment('reg/gw:1.1', 3)) },
      {
        path: 'a/hpa.yaml',
        before: yaml({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'gw', namespace: 'tenant-acme' }, spec: { minReplicas: 2, maxReplicas: 5 } }),
        after: yaml({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'gw', namespace: 'tenant-acme' }, spec: { minReplicas: 2, maxReplicas: 8 } }),
      },
      {
        path: 'a/scaledobject.yaml',
        before: yaml({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'gw', namespace: 'tenant-acme' }, spec: { minReplicaCount: 1 } }),
        after: yaml({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'gw', namespace: 'tenant-acme' }, spec: { minReplicaCount: 3, maxReplicaCount: 9 } }),
      },
    ]);
    const gw = { kind: 'Deployment', namespace: 'tenant-acme', name: 'gateway' };
    expect(s.images).toEqual([{ workload: gw, container: 'gateway', before: 'reg/gw:1.0', after: 'reg/gw:1.1' }]);
    expect(s.replicas).toEqual([
      { object: gw, field: 'replicas', before: 2, after: 3 },
      { object: { kind: 'HorizontalPodAutoscaler', namespace: 'tenant-acme', name: 'gw' }, field: 'maxReplicas', before: 5, after: 8 },
      { object: { kind: 'ScaledObject', namespace: 'tenant-acme', name: 'gw' }, field: 'maxReplicaCount', before: undefined, after: 9 },
      { object: { kind: 'ScaledObject', namespace: 'tenant-acme', name: 'gw' }, field: 'minReplicaCount', before: 1, after: 3 },
    ]);
    expect([s.added, s.removed]).toEqual([[], []]);
    expect(s.changed.map((o) => o.kind)).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'ScaledObject']);
  });

  test('objects added and removed by kind, namespace and name; an object moved to another file is not', () => {
    const s = summarizeApplication([
      { path: 'a/old-name.yaml', before: yaml(policy('allow-dns', [53])) },
      { path: 'a/new-name.yaml', after: yaml(policy('allow-dns', [53])) },
      { path: 'a/cm.yaml', after: yaml({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'tenant-acme' } }) },
      { path: 'a/ns.yaml', before: yaml({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-acme' } }) },
    ]);
    expect(s.added).toEqual([{ kind: 'ConfigMap', namespace: 'tenant-acme', name: 'settings' }]);
    expect(s.removed).toEqual([{ kind: 'Namespace', name: 'tenant-acme' }]);
    expect([s.changed, s.networkPolicies]).toEqual([[], []]);
  });

  test('RBAC: bindings\' subjects added and removed, a role swapped; NetworkPolicies by name', () => {
    const s = summarizeApplication([
      { path: 'a/rb.yaml', before: yaml(binding([user('alice'), user('bob')])), after: yaml(binding([user('bob'), user('carol'), { kind: 'ServiceAccount', name: 'ci', namespace: 'tools' }], 'admin')) },
      { path: 'a/role.yaml', after: yaml({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' }, rules: [] }) },
      { path: 'a/np.yaml', before: yaml(policy('gateway-allow-ingress', [8080])), after: yaml(policy('gateway-allow-ingress', [8080, 9090])) },
      { path: 'a/np2.yaml', before: yaml(policy('legacy', [1])) },
    ]);
    expect(s.rbac).toEqual([
      { object: { kind: 'ClusterRole', name: 'reader' }, change: 'added', subjectsAdded: [], subjectsRemoved: [] },
      {
        object: { kind: 'RoleBinding', namespace: 'tenant-acme', name: 'tenant-owners' }, change: 'changed',
        subjectsAdded: ['ServiceAccount tools/ci', 'User carol'], subjectsRemoved: ['User alice'], roleRef: { before: 'Role/tenant-owner', after: 'Role/admin' },
      },
    ]);
    expect(s.networkPolicies).toEqual([
      { object: { kind: 'NetworkPolicy', namespace: 'tenant-acme', name: 'gateway-allow-ingress' }, change: 'changed' },
      { object: { kind: 'NetworkPolicy', namespace: 'tenant-acme', name: 'legacy' }, change: 'removed' },
    ]);
  });

  test('key order and formatting do not count as changes; files that hold no objects are named', () => {
    const s = summarizeApplication([
      { path: 'a/d.yaml', before: yaml(deployment('reg/gw:1.0', 2)), after: `# reformatted\n${yaml({ spec: deployment('reg/gw:1.0', 2).spec, metadata: { namespace: 'tenant-acme', name: 'gateway' }, kind: 'Deployment', apiVersion: 'apps/v1' })}` },
      { path: 'a/link.yaml', after: 'symlink -> /etc/passwd\n' },
      { path: 'a/broken.yaml', before: 'a: [\n' },
    ]);
    expect([s.changed, s.images, s.added]).toEqual([[], [], []]);
    expect(s.unreadable).toEqual(['a/broken.yaml', 'a/link.yaml']);
  });
});

describe('summaries in the reports', () => {
  const hostile = (): DiffResult => ({
    base: { ref: 'main', commit: 'abc1234' },
    environments: [{
      environment: 'prod', readOnly: true,
      applications: [{
        application: 'prod-root', folder: 'prod/apps', added: 0, removed: 0, changed: 1,
        files: [{ path: 'prod/apps/x.yaml', status: 'changed', before: yaml(deployment('reg/gw:1.0', 1)), after: yaml(deployment('reg/gw:1.0`|<b>\u202e\x1b[31m', 1, 'gw*_`x')) }],
      }],
    }],
    files: 1,
  });

  test('values from the repository are escaped: code spans cannot be closed, control characters are visible', () => {
    const md = formatDiff(hostile(), 'markdown');
    expect(md).toContain('- added 1 object: ``Deployment tenant-acme/gw*_`x``');
    expect(md).toContain('- removed 1 object: `Deployment tenant-acme/gateway`');
    expect(md).toContain('- image ``Deployment tenant-acme/gw*_`x`` container `gateway`: ``reg/gw:1.0`|<b>\\u{202e}\\x1b[31m`` (new)');
    const summary = md.slice(md.indexOf('**prod-root**'), md.indexOf('<details>'));
    expect(summary).not.toMatch(/[\x1b\u202e]/);
    const text = formatDiff(hostile(), 'text');
    expect(text).toContain('  - image Deployment tenant-acme/gw*_`x container gateway: reg/gw:1.0`|<b>\\u{202e}\\x1b[31m (new)');
    expect(text.slice(0, text.indexOf('--- prod/apps/x.yaml'))).not.toMatch(/[\x1b\u202e]/);
  });

  test('a hand-edited output is validated at the head: the failing rule shows under its Application, in Markdown and JSON', () => {
    const repo = exampleRepo();
    const file = path.join(repo, 'dist/dev/tenants/acme/deployment-gateway.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('stoa-gateway:1.9.0', 'stoa-gateway:latest'));
    for (const head of [undefined, 'HEAD']) {
      if (head) commitAll(repo, 'hand edit');
      const r = diffRefs({ projectDir: repo, base: head ? 'HEAD~1' : 'HEAD', head });
      const acme = r.environments[0].applications[0];
      expect(acme.rules).toEqual({
        checked: VALIDATION_RULES.length,
        violations: [{ rule: 'image-pinned', file: 'dev/tenants/acme/deployment-gateway.yaml', message: 'container "gateway": image "ghcr.io/stoa-platform/stoa-gateway:latest" is not pinned' }],
      });
      const md = formatDiff(r, 'markdown');
      expect(md).toContain([
        '**dev-tenant-acme** (`dev/tenants/acme`)',
        '- image `Deployment tenant-acme/gateway` container `gateway`: `ghcr.io/stoa-platform/stoa-gateway:1.9.0` → `ghcr.io/stoa-platform/stoa-gateway:latest`',
        `- rules: 1 of ${VALIDATION_RULES.length} fail (1 violation)`,
        '  - `image-pinned` deployment-gateway.yaml: container &quot;gateway&quot;: image &quot;ghcr.io/stoa-platform/stoa-gateway:latest&quot; is not pinned',
      ].join('\n'));
      expect(md.indexOf('- rules: 1 of')).toBeLessThan(md.indexOf('<details>'));
      const json = JSON.parse(diffJson(r));
      expect(json.environments[0].applications[0].rules.violations.map((v: any) => v.rule)).toEqual(['image-pinned']);
      expect(json.environments[0].applications[0].summary.images[0]).toEqual({
        workload: { kind: 'Deployment', namespace: 'tenant-acme', name: 'gateway' }, container: 'gateway',
        before: 'ghcr.io/stoa-platform/stoa-gateway:1.9.0', after: 'ghcr.io/stoa-platform/stoa-gateway:latest',
      });
    }
  }, 60_000);

  test('a current output passes every rule: it is what rendering validated', () => {
    const repo = exampleRepo();
    fs.rmSync(path.join(repo, 'tenants/initech.yaml'));
    synth({ projectDir: repo });
    const r = diffRefs({ projectDir: repo, base: 'HEAD' });
    const initech = r.environments[0].applications.find((a) => a.folder === 'dev/tenants/initech')!;
    const root = r.environments[0].applications.find((a) => a.folder === 'dev/apps')!;
    expect(root.rules).toEqual({ checked: VALIDATION_RULES.length, violations: [] });
    const md = formatDiff(r, 'markdown');
    expect(md).toContain(`**dev-root** (\`dev/apps\`)\n- removed 2 objects: \`AppProject argocd/dev-tenant-initech\`, \`Application argocd/dev-tenant-initech\`\n- rules: all ${VALIDATION_RULES.length} pass`);
    // Nothing of a removed Application is left at head: no rules line.
    expect(initech.removed).toBeGreaterThan(5);
    expect(md).toMatch(/\*\*dev-tenant-initech\*\* \(`dev\/tenants\/initech`\)\n- removed \d+ objects: [^\n]*\n- RBAC `Role tenant-initech\/tenant-owner` removed\n- RBAC `RoleBinding tenant-initech\/tenant-owners` removed: subjects −`User bill.lumbergh@initech.example`\n- NetworkPolicy removed [^\n]*\n\n/);
  }, 60_000);
});
