import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { InputError, loadProjectInput, renderProject, validateFolder, validateObjects, validationOptionsOf, Violation } from '../lib';
import { ARGOCD_CREDENTIAL_FIELDS, normalizeRepoUrl, writesLiteral } from '../lib/config/repo-credentials';
import { editYaml, exampleProject, renderedExample, RenderedObject, tempDir } from './helpers';

// Argo CD's credentials for the envs repo: a reference in the environment file, an ExternalSecret in
// <env>/bootstrap/, never a value; the rules that refuse literal Argo CD credentials.

const URL = 'https://git.stoa.example.com/stoa/stoa-envs.git';
const HTTPS = { secretStore: 'argocd-vault', key: 'argocd/envs-repo', type: 'https', properties: { password: 'token' } };

/** Sets repo.credentials (and any other repo fields) of `envs` in a project. */
function withCredentials(project: string, credentials: unknown, envs = ['dev', 'staging', 'prod'], repo: Record<string, unknown> = {}): void {
  for (const env of envs) editYaml(project, `environments/${env}.yaml`, (doc) => { doc.repo = { ...doc.repo, ...repo, credentials }; });
}

const load = (project: string) => loadProjectInput({ environmentsDir: path.join(project, 'environments'), tenantsDir: path.join(project, 'tenants'), displayRoot: project });
/** The problems of a project's input, as `file:line: field: message` lines. */
function problemsOf(project: string): string[] {
  try {
    load(project);
  } catch (e) {
    if (e instanceof InputError) return e.problems.map((p) => `${p.file}:${p.line ?? ''}: ${p.field}: ${p.message}`);
    throw e;
  }
  return [];
}

const byPath = (objects: RenderedObject[], p: string) => objects.find((o) => o.path === p)?.object;
const rulesOf = (violations: readonly Violation[], ...rules: string[]) => violations.filter((v) => rules.includes(v.rule)).map((v) => `${v.rule} ${v.file}: ${v.message}`);

describe('rendered', () => {
  const project = exampleProject();
  withCredentials(project, HTTPS);
  const objects: RenderedObject[] = renderProject({ projectDir: project }).files.map((f) => ({ path: f.path, object: f.object as any }));

  test('an ExternalSecret <env>-envs-repo in Argo CD\'s namespace, in bootstrap/ with the root: the url in git, the credentials as template references', () => {
    expect(byPath(objects, 'dev/bootstrap/externalsecret-dev-envs-repo.yaml')).toEqual({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'dev-envs-repo', namespace: 'argocd', labels: { 'app.kubernetes.io/managed-by': 'stoa-manifests', 'stoa.io/environment': 'dev' } },
      spec: {
        refreshInterval: '15m',
        secretStoreRef: { kind: 'ClusterSecretStore', name: 'argocd-vault' },
        target: {
          name: 'dev-envs-repo',
          creationPolicy: 'Owner',
          deletionPolicy: 'Retain',
          template: {
            engineVersion: 'v2',
            mergePolicy: 'Replace',
            type: 'Opaque',
            metadata: { labels: { 'app.kubernetes.io/managed-by': 'stoa-manifests', 'stoa.io/environment': 'dev', 'argocd.argoproj.io/secret-type': 'repository' } },
            data: { type: 'git', url: URL, username: '{{ .username }}', password: '{{ .password }}' },
          },
        },
        data: [
          { secretKey: 'username', remoteRef: { key: 'argocd/envs-repo', property: 'username' } },
          { secretKey: 'password', remoteRef: { key: 'argocd/envs-repo', property: 'token' } },
        ],
      },
    });
  });

  test('one per environment, each named for it, only in bootstrap/ (no Application syncs or prunes it)', () => {
    const found = objects.filter((o) => o.object.kind === 'ExternalSecret' && o.object.metadata.namespace === 'argocd').map((o) => o.path).sort();
    expect(found).toEqual(['dev/bootstrap/externalsecret-dev-envs-repo.yaml', 'prod/bootstrap/externalsecret-prod-envs-repo.yaml', 'staging/bootstrap/externalsecret-staging-envs-repo.yaml']);
    // The root's project may manage Applications and AppProjects only: the root never takes the ExternalSecret over.
    expect(byPath(objects, 'dev/bootstrap/appproject-dev-bootstrap.yaml').spec.namespaceResourceWhitelist.map((k: any) => k.kind).sort()).toEqual(['AppProject', 'Application']);
  });

  test('no Secret and no credential value anywhere in the output; the output passes validation', () => {
    expect(objects.filter((o) => o.object.kind === 'Secret')).toEqual([]);
    expect(objects.map((o) => stringify(o.object)).join('\n')).not.toMatch(/PRIVATE KEY|hunter2/);
    // Every credential field anywhere in the output (at any depth) is a template reference.
    const credentialValues: unknown[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (ARGOCD_CREDENTIAL_FIELDS.includes(k) && typeof x !== 'object') credentialValues.push(x);
          walk(x);
        }
      }
    };
    objects.forEach((o) => walk(o.object));
    expect(new Set(credentialValues)).toEqual(new Set(['{{ .password }}']));
    for (const o of objects.filter((x) => x.path.includes('/bootstrap/externalsecret-'))) {
      const data = o.object.spec.target.template.data;
      for (const key of ['username', 'password']) expect(data[key]).toBe(`{{ .${key} }}`);
    }
    expect(validateObjects(objects, validationOptionsOf(load(project).environments)).violations).toEqual([]);
  });

  test('ssh: the private key from its default property; a URL prefix makes a repo-creds credential template; refreshInterval is the file\'s', () => {
    const ssh = renderedExample((p) => withCredentials(p, { secretStore: 'argocd-vault', key: 'argocd/git-ssh', type: 'ssh', urlPrefix: 'git@git.stoa.example.com:stoa/', refreshInterval: '1h' }, ['dev', 'staging', 'prod'], { url: 'git@git.stoa.example.com:stoa/stoa-envs.git' }));
    const es = byPath(ssh, 'staging/bootstrap/externalsecret-staging-envs-repo.yaml');
    expect(es.spec.refreshInterval).toBe('1h');
    expect(es.spec.data).toEqual([{ secretKey: 'sshPrivateKey', remoteRef: { key: 'argocd/git-ssh', property: 'sshPrivateKey' } }]);
    expect(es.spec.target.template.data).toEqual({ type: 'git', url: 'git@git.stoa.example.com:stoa/', sshPrivateKey: '{{ .sshPrivateKey }}' });
    expect(es.spec.target.template.metadata.labels['argocd.argoproj.io/secret-type']).toBe('repo-creds');
  });

  test('without repo.credentials, bootstrap/ holds the root and its project only', () => {
    const plain = renderedExample();
    expect(plain.filter((o) => o.path.startsWith('dev/bootstrap/')).map((o) => o.path)).toEqual(['dev/bootstrap/application-dev-root.yaml', 'dev/bootstrap/appproject-dev-bootstrap.yaml']);
  });
});

describe('the environment file', () => {
  const cases: Array<[string, unknown, Record<string, unknown>, RegExp]> = [
    ['a login type that is not https or ssh', { ...HTTPS, type: 'token' }, {},
      /^environments\/dev\.yaml:\d+: repo\.credentials\.type: must be one of "https", "ssh" \(got "token"\)$/],
    ['https credentials for an SSH URL', HTTPS, { url: 'git@git.stoa.example.com:stoa/stoa-envs.git' },
      /^environments\/dev\.yaml:\d+: repo\.credentials\.type: is https but repo\.url is an SSH URL .*: use type ssh, or an https:\/\/ URL$/],
    ['ssh credentials for an https URL', { secretStore: 'argocd-vault', key: 'k', type: 'ssh' }, {},
      /^environments\/dev\.yaml:\d+: repo\.credentials\.type: is ssh but repo\.url is an https:\/\/ URL: use type https, or an ssh:\/\/ or git@ URL$/],
    ['a private key property for https', { ...HTTPS, properties: { sshPrivateKey: 'key' } }, {},
      /^environments\/dev\.yaml:\d+: repo\.credentials\.properties\.sshPrivateKey: is not a credential of type https: allowed username, password$/],
    ['a token where a property name goes', { ...HTTPS, properties: { password: 'ghp_abcdefabcdefabcdefabcdefabcdefabcd' } }, {},
      /^environments\/dev\.yaml:\d+: repo\.credentials\.properties\.password: looks like an access token, not the name of a property: .*\(got "ghp_/],
    ['a value (with spaces) where a property name goes', { ...HTTPS, properties: { password: 'my secret' } }, {},
      /repo\.credentials\.properties\.password: must be the name of a property of the key: letters, digits/],
    ['a password field', { ...HTTPS, password: 'hunter2' }, {},
      /^environments\/dev\.yaml:\d+: repo\.credentials\.password: unknown field; allowed: key, properties, refreshInterval, secretStore, type, urlPrefix$/],
    ['a URL prefix that is not the URL\'s', { ...HTTPS, urlPrefix: 'https://github.com/stoa' }, {},
      /^environments\/dev\.yaml:\d+: repo\.credentials\.urlPrefix: must be a prefix of repo\.url \(https:\/\/git\.stoa\.example\.com\/stoa\/stoa-envs\.git\): the credential template is for the repositories under it$/],
    ['a store that is not a name', { ...HTTPS, secretStore: 'Argo Vault' }, {},
      /repo\.credentials\.secretStore: must be a DNS label/],
    ['a refresh interval without unit', { ...HTTPS, refreshInterval: '15' }, {},
      /repo\.credentials\.refreshInterval: must be a duration from 1 to 9999 seconds, minutes or hours, such as 15m or 1h/],
    ['no store', { key: 'k', type: 'https' }, {},
      /repo\.credentials\.secretStore: is required/],
  ];
  test.each(cases)('refuses %s, naming the file, the field and what is allowed', (_name, credentials, repo, expected) => {
    const project = exampleProject();
    withCredentials(project, credentials, ['dev'], repo);
    expect(problemsOf(project)).toEqual([expect.stringMatching(expected)]);
  });

  test('refuses a password in the URL, with or without repo.credentials', () => {
    const project = exampleProject();
    editYaml(project, 'environments/dev.yaml', (doc) => { doc.repo.url = 'https://ci:hunter2@git.stoa.example.com/stoa/stoa-envs.git'; });
    expect(problemsOf(project)).toEqual([expect.stringMatching(/^environments\/dev\.yaml:\d+: repo\.url: must not carry a password \(https:\/\/user:password@\.\.\.\): .*set repo\.credentials/)]);
  });

  test('the credentials reach the props unchanged', () => {
    const project = exampleProject();
    withCredentials(project, HTTPS, ['dev']);
    expect(load(project).environments.find((e) => e.name === 'dev')!.repo.credentials).toEqual(HTTPS);
  });
});

describe('environments sharing an Argo CD', () => {
  test('the same repository URL with other credentials in one Argo CD namespace is refused on the later environment', () => {
    const project = exampleProject();
    withCredentials(project, HTTPS, ['dev', 'prod']);
    withCredentials(project, { ...HTTPS, key: 'argocd/staging-repo' }, ['staging']);
    expect(problemsOf(project)).toEqual([expect.stringMatching(
      /^environments\/staging\.yaml:\d+: repo\.credentials: differ from those of environment dev \(environments\/dev\.yaml\) for the same repository https:\/\/git\.stoa\.example\.com\/stoa\/stoa-envs\.git in Argo CD namespace argocd: .*same secretStore, key, type and properties, or a different argocd\.namespace$/,
    )]);
  });

  test('URLs are compared as Argo CD normalizes them (case, trailing .git)', () => {
    const project = exampleProject();
    withCredentials(project, HTTPS, ['dev', 'prod']);
    withCredentials(project, { ...HTTPS, properties: {} }, ['staging'], { url: 'https://GIT.stoa.example.com/stoa/stoa-envs' });
    expect(problemsOf(project)).toEqual([expect.stringContaining('environments/staging.yaml')]);
  });

  test('the same credentials, other Argo CD namespaces, or one environment without credentials are fine', () => {
    const same = exampleProject();
    withCredentials(same, HTTPS);
    // The defaults spelled out are the same credentials.
    withCredentials(same, { ...HTTPS, properties: { username: 'username', password: 'token' } }, ['prod']);
    expect(problemsOf(same)).toEqual([]);
    const apart = exampleProject();
    withCredentials(apart, HTTPS, ['dev', 'prod']);
    withCredentials(apart, { ...HTTPS, key: 'argocd/staging-repo' }, ['staging']);
    editYaml(apart, 'environments/staging.yaml', (doc) => { doc.argocd = { namespace: 'argocd-staging' }; });
    expect(problemsOf(apart)).toEqual([]);
    const one = exampleProject();
    withCredentials(one, HTTPS, ['dev']);
    expect(problemsOf(one)).toEqual([]);
  });

  test('rendered: repo-credentials-unique refuses two ExternalSecrets making repository Secrets for one URL in one namespace from other keys', () => {
    const objects = renderedExample((p) => withCredentials(p, HTTPS));
    const staging = objects.find((o) => o.path === 'staging/bootstrap/externalsecret-staging-envs-repo.yaml')!;
    staging.object.spec.data[1].remoteRef.key = 'argocd/other';
    expect(rulesOf(validateObjects(objects).violations, 'repo-credentials-unique')).toEqual([expect.stringMatching(
      /^repo-credentials-unique staging\/bootstrap\/externalsecret-staging-envs-repo\.yaml: ExternalSecret argocd\/staging-envs-repo makes an Argo CD repository Secret for https:\/\/\S+ in namespace argocd, as ExternalSecret argocd\/dev-envs-repo \(dev\/bootstrap\/externalsecret-dev-envs-repo\.yaml\) does, from other credentials/,
    )]);
  });
});

describe('the rules, on a hand-made folder', () => {
  const repoSecret = {
    apiVersion: 'v1', kind: 'Secret',
    metadata: { name: 'envs-repo', namespace: 'argocd', labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
    stringData: { type: 'git', url: URL, username: 'ci', password: 'hunter2' },
  };
  const externalSecret = (data: Record<string, unknown>, type = 'repository') => ({
    apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret',
    metadata: { name: 'envs-repo', namespace: 'argocd' },
    spec: {
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'argocd-vault' },
      target: { name: 'envs-repo', template: { engineVersion: 'v2', metadata: { labels: { 'argocd.argoproj.io/secret-type': type } }, data } },
      data: [{ secretKey: 'password', remoteRef: { key: 'argocd/envs-repo', property: 'password' } }],
    },
  });
  function folderWith(files: Record<string, unknown>): string {
    const dir = tempDir();
    for (const [file, object] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), stringify(object));
    }
    return dir;
  }

  test('a literal repository Secret is refused by argocd-credentials-by-reference, naming the file and the way out (once: not no-secret-data too)', () => {
    const dir = folderWith({ 'dev/bootstrap/secret-envs-repo.yaml': repoSecret, 'dev/bootstrap/secret-cluster.yaml': { ...repoSecret, metadata: { ...repoSecret.metadata, name: 'c', labels: { 'argocd.argoproj.io/secret-type': 'cluster' } }, stringData: undefined, data: { config: 'e30=' } } });
    expect(rulesOf(validateFolder(dir).violations, 'argocd-credentials-by-reference', 'no-secret-data')).toEqual([
      'argocd-credentials-by-reference dev/bootstrap/secret-cluster.yaml: Argo CD cluster Secret "c" carries values in data/stringData (config): anyone who reads git reads them; make it with an ExternalSecret instead (spec.target.template.metadata.labels argocd.argoproj.io/secret-type: cluster, credentials as {{ .<key> }} read from the store; for the envs repo: repo.credentials in the environment file)',
      'argocd-credentials-by-reference dev/bootstrap/secret-envs-repo.yaml: Argo CD repository Secret "envs-repo" carries values in data/stringData (password, type, url, username): anyone who reads git reads them; make it with an ExternalSecret instead (spec.target.template.metadata.labels argocd.argoproj.io/secret-type: repository, credentials as {{ .<key> }} read from the store; for the envs repo: repo.credentials in the environment file)',
    ]);
  });

  test('any other Secret with values is still no-secret-data\'s', () => {
    const dir = folderWith({ 'dev/bootstrap/secret-other.yaml': { ...repoSecret, metadata: { name: 'other', namespace: 'argocd' } } });
    expect(rulesOf(validateFolder(dir).violations, 'argocd-credentials-by-reference', 'no-secret-data')).toEqual([
      'no-secret-data dev/bootstrap/secret-other.yaml: Secret "other" carries values in data/stringData',
    ]);
  });

  test.each<[string, Record<string, unknown>, string[]]>([
    ['a literal password', { url: URL, password: 'hunter2' }, ['password']],
    ['a literal inside an action', { url: URL, password: '{{ "hunter2" }}' }, ['password']],
    ['a literal fallback', { url: URL, password: '{{ .password | default "hunter2" }}' }, ['password']],
    ['text around a reference', { url: URL, password: 'hunter{{ .password }}' }, ['password']],
    ['a literal private key', { url: 'git@h:x', sshPrivateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----' }, ['sshPrivateKey']],
    ['a literal GitHub App key and bearer token', { url: URL, githubAppID: '1', githubAppPrivateKey: 'k', bearerToken: 'tok' }, ['bearerToken', 'githubAppPrivateKey']],
    ['references only', { url: URL, type: 'git', username: 'ci', password: '{{ .password }}', bearerToken: '{{ index . "bearer-token" | toString }}' }, []],
  ])('an ExternalSecret making a repository Secret with %s', (_name, data, literal) => {
    const dir = folderWith({ 'dev/bootstrap/externalsecret-envs-repo.yaml': externalSecret(data) });
    expect(rulesOf(validateFolder(dir).violations, 'argocd-credentials-by-reference')).toEqual(literal.map((key) => expect.stringMatching(new RegExp(
      `^argocd-credentials-by-reference dev/bootstrap/externalsecret-envs-repo\\.yaml: ExternalSecret argocd/envs-repo makes Argo CD repository Secret "envs-repo" with a literal ${key} in spec\\.target\\.template\\.data: the credential would be in git; write a reference to the store's value instead \\(${key}: "\\{\\{ \\.${key} \\}\\}"`,
    ))));
  });

  test('a literal in a templateFrom literal, and in a repo-creds template, is refused too', () => {
    const es = externalSecret({}, 'repo-creds') as any;
    es.spec.target.template.templateFrom = [{ literal: 'url: https://git.example.com\npassword: hunter2\nusername: "{{ .username }}"\n' }];
    const dir = folderWith({ 'dev/bootstrap/externalsecret-envs-repo.yaml': es });
    expect(rulesOf(validateFolder(dir).violations, 'argocd-credentials-by-reference')).toEqual([
      expect.stringContaining('makes Argo CD repo-creds Secret "envs-repo" with a literal password in spec.target.template.templateFrom[0].literal'),
    ]);
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['a block scalar', { literal: 'url: https://git.example.com\npassword: |\n  hunter2\n' }, /with a literal password in spec\.target\.template\.templateFrom\[0\]\.literal/],
    ['a flow map', { literal: '{"password": "hunter2", "username": "{{ .username }}"}' }, /with a literal password in spec\.target\.template\.templateFrom\[0\]\.literal/],
    ['a token in the URL', { literal: 'url: https://x:ghp_0123456789abcdef@git.example.com/r.git\n' }, /with a literal password \(the user part of url\) in spec\.target\.template\.templateFrom\[0\]\.literal/],
    ['a template from a ConfigMap', { configMap: { name: 'tpl', items: [{ key: 'password' }] } }, /from a template in a ConfigMap \(spec\.target\.template\.templateFrom\[0\]\): validation cannot see what it writes/],
    ['text that is not a YAML map', { literal: '- password\n- hunter2\n' }, /which is not a YAML map of fields: validation cannot say what it writes/],
  ])('templateFrom with %s is refused (read as the YAML it renders)', (_name, from, message) => {
    const es = externalSecret({}) as any;
    es.spec.target.template.templateFrom = [from];
    const found = rulesOf(validateFolder(folderWith({ 'dev/bootstrap/externalsecret-envs-repo.yaml': es })).violations, 'argocd-credentials-by-reference');
    expect(found).toEqual([expect.stringMatching(message)]);
  });

  test('a URL with credentials in template.data is refused; an SSH login name is not a credential', () => {
    const withToken = folderWith({ 'dev/bootstrap/externalsecret-envs-repo.yaml': externalSecret({ url: 'https://ghp_0123456789abcdef@git.example.com/r.git', password: '{{ .password }}' }) });
    expect(rulesOf(validateFolder(withToken).violations, 'argocd-credentials-by-reference')).toEqual([expect.stringContaining('with a literal password in spec.target.template.data (the user part of url)')]);
    const ssh = folderWith({ 'dev/bootstrap/externalsecret-envs-repo.yaml': externalSecret({ url: 'ssh://git@git.example.com/r.git', sshPrivateKey: '{{ .key }}' }) });
    expect(rulesOf(validateFolder(ssh).violations, 'argocd-credentials-by-reference')).toEqual([]);
  });

  test('repository URLs compare as Argo CD normalizes them: both SSH forms are one repository', () => {
    expect(normalizeRepoUrl('git@Git.Example.com:org/r.git')).toBe(normalizeRepoUrl('ssh://git@git.example.com/org/r'));
    expect(normalizeRepoUrl('https://git.example.com/org/r.git')).toBe('https://git.example.com/org/r');
    expect(normalizeRepoUrl('https://git.example.com/org/r/')).not.toBe(normalizeRepoUrl('https://git.example.com/org/r'));
  });

  test('what a template reference is', () => {
    for (const ref of ['{{ .password }}', '{{- .password -}}', '{{ .password | b64dec }}', '{{ index . "pass-word" }}', '', '{{ .a }}{{ .b }}']) expect([ref, writesLiteral(ref)]).toEqual([ref, false]);
    for (const lit of ['x', '{{ "x" }}', '{{ 1234 }}', '{{ printf "%s" "x" }}', '{{ upper }}', ' x {{ .p }}', '{{ .p | default `x` }}', 5]) expect([lit, writesLiteral(lit)]).toEqual([lit, true]);
  });
});
