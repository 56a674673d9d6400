import * as fs from 'fs';
import * as path from 'path';
import { git } from '../lib/git/git';
import { InputError, renderProject, validationOptionsOf, loadEnvironments } from '../lib';
import { renderPreview } from '../lib/project/synth-project';
import { closePreview, previewFiles, publishPreview } from '../lib/workflow/preview-publish';
import { validateObjects } from '../lib/validate/validate';
import { cli, editYaml, exampleProject, tempDir } from './helpers';
import { commitAll } from './git-helpers';

/** The example with previews of GitHub pull requests in dev (a copy of its own). */
function projectWithPreviews(previews: Record<string, unknown> = {}): string {
  const project = exampleProject();
  editYaml(project, 'environments/dev.yaml', (doc) => {
    doc.previews = {
      pullRequests: { github: { owner: 'stoa', repo: 'stoa-manifests' } },
      tokenSecret: { name: 'stoa-previews-scm', key: 'token' },
      argocdUrl: 'https://argocd.stoa.example.com',
      ...previews,
    };
  });
  return project;
}

/** One project with previews, rendered once for the tests that only read it. */
let rendered: { project: string; files: Array<{ path: string; object: any }> } | undefined;
function renderedWithPreviews() {
  if (!rendered) {
    const project = projectWithPreviews();
    rendered = { project, files: renderProject({ projectDir: project }).files.map((f) => ({ path: f.path, object: f.object as any })) };
  }
  return rendered;
}

const at = (files: Array<{ path: string; object: any }>, rel: string) => {
  const found = files.find((f) => f.path === rel);
  if (!found) throw new Error(`${rel} is not in the output`);
  return found.object;
};

/** Whether the AppProject spec allows the object (Argo CD's rules, with the `*` globs the fence uses). */
function fenceAllows(project: any, object: any, server: string): boolean {
  const glob = (pattern: string, value: string) => (pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : pattern === value);
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
  if (object.metadata.namespace === undefined) {
    return (project.spec.clusterResourceWhitelist ?? []).some((k: any) => k.group === group && k.kind === object.kind && (k.name === undefined || glob(k.name, object.metadata.name)));
  }
  const kind = (project.spec.namespaceResourceWhitelist ?? []).some((k: any) => k.group === group && k.kind === object.kind);
  const destination = project.spec.destinations.some((d: any) => d.server === server && glob(d.namespace, object.metadata.namespace));
  return kind && destination;
}

describe('the environment that runs previews renders their ApplicationSet and fence', () => {
  test('one Pull Request generator filtered by label; Applications pr-<number> read preview/pr-<number> into the dev cluster, in a fixed project', () => {
    const { files } = renderedWithPreviews();
    const set = at(files, 'dev/apps/applicationset-dev-previews.yaml');
    expect(set.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('3');
    expect(set.spec.goTemplate).toBe(false);
    expect(set.spec.generators).toEqual([{ pullRequest: {
      github: { owner: 'stoa', repo: 'stoa-manifests', tokenRef: { secretName: 'stoa-previews-scm', key: 'token' }, labels: ['preview'] },
      filters: [{ targetBranchMatch: '^main$' }],
      requeueAfterSeconds: 180,
    } }]);
    const template = set.spec.template;
    expect(template.metadata.name).toBe('pr-{{number}}');
    expect(template.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    expect(template.metadata.annotations).toMatchObject({
      'stoa.io/pull-request-repo': 'https://github.com/stoa/stoa-manifests',
      'notifications.argoproj.io/subscribe.on-preview-result-dev.github': '',
    });
    expect(template.spec.project).toBe('dev-previews');
    expect(template.spec.source).toEqual({ repoURL: 'https://git.stoa.example.com/stoa/stoa-envs.git', targetRevision: 'preview/pr-{{number}}', path: 'pr-{{number}}', directory: { recurse: true } });
    expect(template.spec.destination).toEqual({ server: 'https://dev.k8s.stoa.example.com', namespace: 'pr-{{number}}-stoa-system' });
    expect(template.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    // The root may now manage an ApplicationSet, and nothing else new.
    expect(at(files, 'dev/bootstrap/appproject-dev-bootstrap.yaml').spec.namespaceResourceWhitelist.map((k: any) => k.kind).sort()).toEqual(['AppProject', 'Application', 'ApplicationSet']);
  });

  test('the fence: only the envs repo, only pr-* namespaces of the dev cluster, only Namespaces named pr-*, no Argo CD kind, Secret or secret store', () => {
    const project = at(renderedWithPreviews().files, 'dev/apps/appproject-dev-previews.yaml');
    expect(project.spec.sourceRepos).toEqual(['https://git.stoa.example.com/stoa/stoa-envs.git']);
    expect(project.spec.destinations).toEqual([{ server: 'https://dev.k8s.stoa.example.com', namespace: 'pr-*' }]);
    expect(project.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace', name: 'pr-*' }]);
    const kinds = project.spec.namespaceResourceWhitelist.map((k: any) => `${k.group}/${k.kind}`);
    expect(kinds).toContain('batch/Job');
    for (const forbidden of ['argoproj.io/Application', 'argoproj.io/AppProject', 'argoproj.io/ApplicationSet', '/Secret', 'external-secrets.io/ExternalSecret', 'external-secrets.io/SecretStore']) {
      expect(kinds).not.toContain(forbidden);
    }
    expect(project.spec.roles).toBeUndefined();
  });

  test('GitHub: the result of each preview is a commit status of its pull request head, success or failure, once per synced revision', () => {
    const cm = at(renderedWithPreviews().files, 'dev/argocd-config/configmap-argocd-notifications-cm.yaml');
    const trigger = cm.data['trigger.on-preview-result-dev'];
    expect(trigger).toContain("phase in ['Succeeded'] and app.status.health.status == 'Healthy'");
    expect(trigger).toContain("phase in ['Error', 'Failed']");
    expect(trigger.match(/oncePer: app.status.operationState\?.syncResult\?.revision/g)).toHaveLength(2);
    expect(cm.data['template.preview-passed-dev']).toContain('state: success');
    expect(cm.data['template.preview-failed-dev']).toContain('state: failure');
    // The status goes on the source commit the synced preview was rendered from, which its envs commit records.
    expect(cm.data['template.preview-failed-dev']).toContain(`revisionPath: '{{ (call .repo.GetCommitMetadata .app.status.operationState.syncResult.revision).Message | regexFind "Source-Commit: [0-9a-f]{40}" | trimPrefix "Source-Commit: " }}'`);
    expect(cm.data['template.preview-passed-dev']).toContain("targetURL: 'https://argocd.stoa.example.com/applications/argocd/{{.app.metadata.name}}'");
  });

  test('GitLab: the generator asks for open merge requests with the labels; no GitHub status is subscribed', () => {
    const project = projectWithPreviews({ pullRequests: { gitlab: { project: 'stoa/stoa-manifests', api: 'https://gitlab.stoa.example.com' } }, labels: ['preview', 'tenants'] });
    const files = renderProject({ projectDir: project }).files.map((f) => ({ path: f.path, object: f.object as any }));
    const set = at(files, 'dev/apps/applicationset-dev-previews.yaml');
    expect(set.spec.generators[0].pullRequest.gitlab).toEqual({ project: 'stoa/stoa-manifests', api: 'https://gitlab.stoa.example.com', tokenRef: { secretName: 'stoa-previews-scm', key: 'token' }, labels: ['preview', 'tenants'], pullRequestState: 'opened' });
    expect(Object.keys(set.spec.template.metadata.annotations).filter((k) => k.startsWith('notifications.'))).toEqual([]);
    expect(at(files, 'dev/argocd-config/configmap-argocd-notifications-cm.yaml').data['trigger.on-preview-result-dev']).toBeUndefined();
  });
});

describe('a preview is rendered from dev, in its own names, small, without side effects outside the cluster', () => {
  const preview = () => renderPreview({ projectDir: renderedWithPreviews().project, pullRequest: 7 }).files.map((f) => ({ path: f.path, object: f.object as any }));

  test('every namespace starts with pr-7-, every host ends with .pr-7.<dev domain>, every Argo CD name with pr-7-', () => {
    const files = preview();
    expect(new Set(files.map((f) => f.path.split('/')[0]))).toEqual(new Set(['pr-7']));
    for (const { object } of files) {
      if (object.metadata.namespace !== undefined && object.metadata.namespace !== 'argocd') expect(object.metadata.namespace).toMatch(/^pr-7-/);
      if (object.kind === 'Namespace') expect(object.metadata.name).toMatch(/^pr-7-/);
      if (object.kind === 'Ingress') for (const rule of object.spec.rules) expect(rule.host).toMatch(/\.pr-7\.dev\.stoa\.example\.com$/);
      if (['Application', 'AppProject'].includes(object.kind)) expect(object.metadata.name).toMatch(/^pr-7-/);
    }
    expect(at(files, 'pr-7/platform/namespace/namespace-pr-7-stoa-system.yaml').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(files.filter((f) => f.object.kind === 'Namespace').map((f) => f.object.metadata.name).sort())
      .toEqual(['pr-7-stoa-system', 'pr-7-tenant-acme', 'pr-7-tenant-globex', 'pr-7-tenant-initech']);
  });

  test('no AWX hook, secret, secret store, notification, admission policy, dashboard or alert; every tenant at the smallest quota and one replica', () => {
    const files = preview();
    const kinds = new Set(files.map((f) => f.object.kind));
    for (const kind of ['ExternalSecret', 'SecretStore', 'ClusterSecretStore', 'ValidatingAdmissionPolicy', 'PrometheusRule', 'ScaledObject', 'Rollout', 'HorizontalPodAutoscaler']) expect(kinds).not.toContain(kind);
    expect(files.filter((f) => f.object.kind === 'Job').every((f) => !JSON.stringify(f.object).includes('awx'))).toBe(true);
    expect(files.some((f) => Object.keys(f.object.metadata.annotations ?? {}).some((a) => a.startsWith('notifications.argoproj.io/')))).toBe(false);
    expect(files.some((f) => f.path.startsWith('pr-7/platform/dashboards/') || f.path.startsWith('pr-7/platform/alerts/') || f.path.startsWith('pr-7/platform/hooks/'))).toBe(false);
    const quota = at(files, 'pr-7/tenants/acme/resourcequota-tenant-quota.yaml');
    const bronze = at(files, 'pr-7/tenants/initech/resourcequota-tenant-quota.yaml');
    expect(quota.spec).toEqual(bronze.spec);
    expect(at(files, 'pr-7/tenants/acme/deployment-gateway.yaml').spec.replicas).toBe(1);
  });

  test('previews use their own certificate issuer where the environment file names one', () => {
    const project = projectWithPreviews({ clusterIssuer: 'letsencrypt-staging' });
    const files = renderPreview({ projectDir: project, pullRequest: 3 }).files;
    const ingresses = files.filter((f) => f.object.kind === 'Ingress');
    expect(ingresses.length).toBeGreaterThan(3);
    for (const f of ingresses) expect((f.object.metadata as any).annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-staging');
    const gitlab = projectWithPreviews({ targetBranch: 'release/1.x' });
    const set = renderProject({ projectDir: gitlab }).files.find((f) => f.path === 'dev/apps/applicationset-dev-previews.yaml')!.object as any;
    expect(set.spec.generators[0].pullRequest.filters).toEqual([{ targetBranchMatch: '^release/1\\.x$' }]);
  });

  test('a preview name can never be an environment\'s, and only one full environment runs previews, on branches no environment deploys', () => {
    const named = projectWithPreviews();
    fs.renameSync(path.join(named, 'environments/staging.yaml'), path.join(named, 'environments/pr-5.yaml'));
    editYaml(named, 'environments/pr-5.yaml', (doc) => { doc.name = 'pr-5'; });
    expect(() => loadEnvironments({ environmentsDir: path.join(named, 'environments') })).toThrow(/pr-5\.yaml:\d+: name: must not be pr-<number>: that is the name of a pull request preview/);

    const twice = projectWithPreviews();
    editYaml(twice, 'environments/staging.yaml', (doc) => { doc.previews = { pullRequests: { gitea: { owner: 'o', repo: 'r', api: 'https://gitea.example.com' } }, tokenSecret: { name: 's', key: 'k' } }; });
    expect(() => loadEnvironments({ environmentsDir: path.join(twice, 'environments') })).toThrow(/staging\.yaml:\d+: previews: environment dev \(.*dev\.yaml\) already has the previews: one environment runs them/);

    const prod = projectWithPreviews();
    editYaml(prod, 'environments/prod.yaml', (doc) => { doc.previews = { pullRequests: { github: { owner: 'o', repo: 'r' } }, tokenSecret: { name: 's', key: 'k' } }; });
    editYaml(prod, 'environments/dev.yaml', (doc) => { delete doc.previews; });
    expect(() => loadEnvironments({ environmentsDir: path.join(prod, 'environments') })).toThrow(/prod\.yaml:\d+: previews: is only for a full environment/);

    const branch = projectWithPreviews();
    editYaml(branch, 'environments/staging.yaml', (doc) => { doc.repo.revision = 'preview/pr-1'; });
    expect(() => loadEnvironments({ environmentsDir: path.join(branch, 'environments') })).toThrow(/staging\.yaml:\d+: repo\.revision: must not start with "preview\/"/);

    const none = projectWithPreviews({ pullRequests: {} });
    expect(() => loadEnvironments({ environmentsDir: path.join(none, 'environments') })).toThrow(InputError);
    expect(() => renderPreview({ projectDir: exampleProject(), pullRequest: 3 })).toThrow(/no environment file has previews/);
    expect(() => renderPreview({ projectDir: renderedWithPreviews().project, pullRequest: 0 })).toThrow(/"0" is not a pull request number/);
  });
});

describe('a preview can never touch staging or prod', () => {
  test('the fence allows every object the preview publishes, and refuses every object of staging and prod', () => {
    const { project, files } = renderedWithPreviews();
    const fence = at(files, 'dev/apps/appproject-dev-previews.yaml');
    const dev = 'https://dev.k8s.stoa.example.com';
    const published = previewFiles(renderPreview({ projectDir: project, pullRequest: 41 }).files, 41);
    expect(published.length).toBeGreaterThan(40);
    for (const f of published) expect([f.path, fenceAllows(fence, f.object, dev)]).toEqual([f.path, true]);
    const servers: Record<string, string> = { staging: 'https://staging.k8s.stoa.example.com', prod: 'https://prod.k8s.stoa.example.com' };
    const others = files.filter((f) => ['staging', 'prod'].includes(f.path.split('/')[0]) && !['apps', 'bootstrap', 'argocd-config'].includes(f.path.split('/')[1]));
    expect(others.length).toBeGreaterThan(40);
    for (const f of others) {
      // Neither on their own cluster, nor were they somehow applied to dev's.
      expect([f.path, fenceAllows(fence, f.object, servers[f.path.split('/')[0]]), fenceAllows(fence, f.object, dev)]).toEqual([f.path, false, false]);
    }
  });

  test('publishing pushes only preview/pr-<number>: the envs repo\'s main, and every other branch, stay as they were', () => {
    const { source, envs } = sourceAndEnvs();
    const before = git(envs, ['for-each-ref', '--format=%(refname) %(objectname)']);
    const r = publishPreview({ projectDir: source, repo: envs, pullRequest: 9 });
    expect(r).toMatchObject({ preview: 'pr-9', branch: 'preview/pr-9', committed: true });
    expect(r.hosts).toContain('acme.pr-9.dev.stoa.example.com');
    const after = git(envs, ['for-each-ref', '--format=%(refname) %(objectname)']);
    expect(after.split('\n').filter((l) => !l.startsWith('refs/heads/preview/pr-9 '))).toEqual(before.split('\n'));
    const tree = git(envs, ['ls-tree', '-r', '--name-only', 'preview/pr-9']).trim().split('\n');
    expect(tree.every((p) => p.startsWith('pr-9/platform/') || p.startsWith('pr-9/tenants/'))).toBe(true);
    expect(tree).toContain('pr-9/tenants/acme/deployment-gateway.yaml');
    // Its own history: nothing of main's.
    expect(git(envs, ['rev-list', '--count', 'preview/pr-9']).trim()).toBe('1');
    expect(git(envs, ['log', '-1', '--format=%B', 'preview/pr-9'])).toContain(`Source-Commit: ${git(source, ['rev-parse', 'HEAD']).trim()}`);
    // The same preview again: nothing to push; a change: one more commit.
    expect(publishPreview({ projectDir: source, repo: envs, pullRequest: 9 }).committed).toBe(false);
    editYaml(source, 'tenants/globex.yaml', (doc) => { doc.displayName = 'Globex (renamed)'; });
    commitAll(source, 'rename globex');
    expect(publishPreview({ projectDir: source, repo: envs, pullRequest: 9 }).committed).toBe(true);
    expect(git(envs, ['rev-list', '--count', 'preview/pr-9']).trim()).toBe('2');

    expect(closePreview({ repo: envs, pullRequest: 9 })).toBe(true);
    expect(git(envs, ['for-each-ref', '--format=%(refname) %(objectname)'])).toBe(before);
    expect(closePreview({ repo: envs, pullRequest: 9 })).toBe(false);
  });

  test('an object outside the preview\'s namespaces or kinds is refused before anything is pushed', () => {
    const files = renderPreview({ projectDir: renderedWithPreviews().project, pullRequest: 5 }).files;
    const gateway = files.find((f) => f.path === 'pr-5/tenants/acme/deployment-gateway.yaml')!;
    const moved = { ...gateway, object: { ...gateway.object, metadata: { ...gateway.object.metadata, namespace: 'tenant-acme' } } };
    expect(() => previewFiles([...files.filter((f) => f !== gateway), moved], 5)).toThrow('pr-5/tenants/acme/deployment-gateway.yaml: Deployment gateway is in namespace tenant-acme, not one of the preview\'s (pr-5-*); nothing was pushed');
    const secret = { path: 'pr-5/tenants/acme/secret-x.yaml', content: '', object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'pr-5-tenant-acme' } } };
    expect(() => previewFiles([...files, secret as any], 5)).toThrow(/Secret x is of a kind the previews' AppProject does not allow/);
    const role = { path: 'pr-5/tenants/acme/clusterrole-x.yaml', content: '', object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'x' } } };
    expect(() => previewFiles([...files, role as any], 5)).toThrow(/ClusterRole x is cluster-scoped; a preview creates only its own Namespaces/);
  });
});

/** The example with previews, committed in a source repository, and an envs remote holding one commit on main. */
function sourceAndEnvs(): { source: string; envs: string } {
  const source = projectWithPreviews();
  git(source, ['init', '--quiet', '--initial-branch=main']);
  commitAll(source, 'example with previews');
  const parent = tempDir('stoa-envs-');
  const envs = path.join(parent, 'envs.git');
  git(parent, ['init', '--quiet', '--bare', '--initial-branch=main', envs]);
  const clone = path.join(parent, 'clone');
  git(parent, ['clone', '--quiet', envs, clone]);
  fs.mkdirSync(path.join(clone, 'dev'));
  fs.writeFileSync(path.join(clone, 'dev', 'x.yaml'), 'a: 1\n');
  commitAll(clone, 'dev');
  git(clone, ['push', '--quiet', 'origin', 'main']);
  return { source, envs };
}

describe('the preview-fence rule', () => {
  const violations = (edit: (set: any, project: any) => void) => {
    const { project, files } = renderedWithPreviews();
    const copy = files.map((f) => ({ path: f.path, object: JSON.parse(JSON.stringify(f.object)) }));
    edit(at(copy, 'dev/apps/applicationset-dev-previews.yaml'), at(copy, 'dev/apps/appproject-dev-previews.yaml'));
    const options = validationOptionsOf(loadEnvironments({ environmentsDir: path.join(project, 'environments') }));
    return validateObjects(copy, options).violations.filter((v) => v.rule === 'preview-fence' || v.rule === 'project-scope').map((v) => v.message);
  };

  test('the rendered ApplicationSet and fence pass', () => {
    expect(violations(() => undefined)).toEqual([]);
  });

  test.each([
    ['a project the pull request chooses', (s: any) => { s.spec.template.spec.project = 'dev-{{branch}}'; }, /template project is "dev-\{\{branch\}\}": a pull request must never choose its project/],
    ['no label filter', (s: any) => { s.spec.generators[0].pullRequest.github.labels = []; }, /has no labels: every pull request would get a preview/],
    ['a second generator', (s: any) => { s.spec.generators.push({ list: { elements: [] } }); }, /has generators besides its one Pull Request generator/],
    ['the main branch', (s: any) => { s.spec.template.spec.source.targetRevision = 'main'; }, /reads revision "main", not "preview\/pr-\{\{number\}\}"/],
    ['another cluster', (s: any) => { s.spec.template.spec.destination.server = 'https://prod.k8s.stoa.example.com'; }, /deploys to https:\/\/prod\.k8s\.stoa\.example\.com, not the cluster of dev/],
    ['resources kept on deletion', (s: any) => { s.spec.syncPolicy = { preserveResourcesOnDeletion: true }; }, /preserves resources on deletion/],
    ['Applications never deleted', (s: any) => { s.spec.syncPolicy = { applicationsSync: 'create-update' }; }, /has applicationsSync create-update: a closed pull request's Application would never be deleted/],
    ['no resources finalizer', (s: any) => { s.spec.template.metadata.finalizers = []; }, /a closed pull request's preview would stay running/],
    ['a namespace outside the preview', (s: any) => { s.spec.template.spec.destination.namespace = 'stoa-system'; }, /destination namespace "stoa-system" is not one of the preview's/],
    ['every namespace', (_: any, p: any) => { p.spec.destinations[0].namespace = '*'; }, /allows destination https:\/\/dev\.k8s\.stoa\.example\.com\/\*: only https:\/\/dev\.k8s\.stoa\.example\.com\/pr-\*/],
    ['any Namespace', (_: any, p: any) => { delete p.spec.clusterResourceWhitelist[0].name; }, /allows cluster-scoped core\/Namespace: only Namespaces named pr-\*/],
    ['Applications', (_: any, p: any) => { p.spec.namespaceResourceWhitelist.push({ group: 'argoproj.io', kind: 'Application' }); }, /namespaceResourceWhitelist allows argoproj\.io\/Application: a preview never creates one/],
    ['every namespaced kind', (_: any, p: any) => { delete p.spec.namespaceResourceWhitelist; }, /has no namespaceResourceWhitelist/],
    ['another repository', (_: any, p: any) => { p.spec.sourceRepos.push('https://evil.example.com/x.git'); }, /allows sources .*: only the envs repo/],
  ])('refuses %s', (_what, edit, message) => {
    const found = violations(edit as any);
    expect(found.some((m) => message.test(m))).toBe(true);
  });
});

describe('the CLI', () => {
  test('preview publish prints the branch and the hosts to open; --format json for machines; preview close deletes the branch', () => {
    const { source, envs } = sourceAndEnvs();
    const text = cli('preview', 'publish', '--pull-request', '12', '--repo', envs, '--project', source);
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toMatch(/^preview pr-12: pushed [0-9a-f]{12} to preview\/pr-12 of .*envs\.git \(\d+ files\)\n/);
    expect(text.stdout).toContain('  https://acme.pr-12.dev.stoa.example.com');
    const json = cli('preview', 'publish', '--pull-request', '12', '--repo', envs, '--project', source, '--format', 'json');
    expect(JSON.parse(json.stdout)).toMatchObject({ preview: 'pr-12', branch: 'preview/pr-12', committed: false, urls: expect.arrayContaining(['https://globex.pr-12.dev.stoa.example.com']) });
    expect(cli('preview', 'close', '--pull-request', '12', '--repo', envs)).toMatchObject({ code: 0, stdout: expect.stringContaining('deleted preview/pr-12') });
    expect(cli('preview', 'close', '--pull-request', '12x', '--repo', envs)).toMatchObject({ code: 2, stderr: expect.stringContaining('"12x" is not a pull request number') });
  });
});
