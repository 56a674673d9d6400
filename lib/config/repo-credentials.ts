// Argo CD's credentials for the envs repo: the names and rules shared by the environment file's
// schema, the construct that renders them (lib/argocd/repo-credentials.ts) and the validation rule
// that refuses literal credentials (lib/validate/rules/secrets.ts). No zod here: the rules load it.

/** The label by which Argo CD finds its repository, credential template and cluster Secrets. */
export const ARGOCD_SECRET_TYPE_LABEL = 'argocd.argoproj.io/secret-type';

/**
 * The values of {@link ARGOCD_SECRET_TYPE_LABEL} that make a Secret hold Argo CD credentials: a
 * repository, a credential template (URL prefix), their write variants (source hydrator), a cluster.
 */
export const ARGOCD_CREDENTIAL_SECRET_TYPES: readonly string[] = ['repository', 'repo-creds', 'repo-write', 'repo-write-creds', 'cluster'];

/** The keys of an Argo CD credential Secret that hold a secret (the others, `url`, `type`, `project`, ..., are settings). */
export const ARGOCD_CREDENTIAL_FIELDS: readonly string[] = [
  'password', 'bearerToken', 'sshPrivateKey', 'githubAppPrivateKey', 'tlsClientCertKey', 'gcpServiceAccountKey',
  // A cluster Secret's `config` holds its bearer token or TLS client key.
  'config',
];

/** How Argo CD logs in to the envs repo. */
export type RepoCredentialType = 'https' | 'ssh';

/** The properties of the remote key that hold each credential, by Argo CD field. */
export interface RepoCredentialProperties {
  /**
   * Property holding the HTTPS user name (a token's owner, `git`, `x-access-token`, ...).
   * @default 'username'
   */
  readonly username?: string;
  /**
   * Property holding the HTTPS password or access token.
   * @default 'password'
   */
  readonly password?: string;
  /**
   * Property holding the SSH private key (PEM).
   * @default 'sshPrivateKey'
   */
  readonly sshPrivateKey?: string;
}

/**
 * Where Argo CD's credentials for the envs repo are: a key of a ClusterSecretStore of the cluster
 * Argo CD runs in. External Secrets Operator writes them into a Secret in Argo CD's namespace;
 * git holds only this reference (and the repository URL).
 */
export interface EnvsRepoCredentials {
  /** Name of the ClusterSecretStore in the cluster Argo CD runs in; its conditions must admit Argo CD's namespace. */
  readonly secretStore: string;
  /** Key (path) of the credentials in the store, e.g. `argocd/envs-repo`. */
  readonly key: string;
  /** `https` (user name and password or token) or `ssh` (private key); must match the URL's scheme. */
  readonly type: RepoCredentialType;
  /**
   * The properties of `key` that hold each credential.
   * @default - `username` and `password` (https), `sshPrivateKey` (ssh)
   */
  readonly properties?: RepoCredentialProperties;
  /**
   * Make an Argo CD credential template (`repo-creds`) for every repository under this URL prefix
   * instead of a repository Secret for the envs repo alone; it must be a prefix of the envs repo URL.
   * @default - a repository Secret for the envs repo URL
   */
  readonly urlPrefix?: string;
  /**
   * How often External Secrets Operator reads the store again: a rotated credential reaches Argo CD within it.
   * @default '15m'
   */
  readonly refreshInterval?: string;
}

/** How often the credentials are read again unless an environment says otherwise. */
export const DEFAULT_REPO_CREDENTIALS_REFRESH = '15m';

/** Argo CD's credential fields of a login type, each with the remote property it is read from. */
export function credentialFieldsOf(c: Pick<EnvsRepoCredentials, 'type' | 'properties'>): Array<{ field: keyof RepoCredentialProperties; property: string }> {
  const p = c.properties ?? {};
  return c.type === 'https'
    ? [{ field: 'username', property: p.username ?? 'username' }, { field: 'password', property: p.password ?? 'password' }]
    : [{ field: 'sshPrivateKey', property: p.sshPrivateKey ?? 'sshPrivateKey' }];
}

/** The Argo CD Secret type the credentials make: a repository Secret, or a credential template for a URL prefix. */
export function repoSecretTypeOf(c: Pick<EnvsRepoCredentials, 'urlPrefix'>): 'repository' | 'repo-creds' {
  return c.urlPrefix === undefined ? 'repository' : 'repo-creds';
}

/**
 * A repository URL as Argo CD compares them (`git.NormalizeGitURL`, util/git/git.go): trimmed, lower
 * case; an SSH URL (`user@host:path` or `ssh://user@host/path`) in one form, `user@host/path`;
 * without a final `.git`. Two Secrets whose URLs normalize alike are for the same repository.
 */
export function normalizeRepoUrl(url: string): string {
  let repo = url.trim().toLowerCase();
  // Argo CD's sshURLRegex: `^(ssh://)?([^/:]*?)@[^@]+$`.
  if (/^(ssh:\/\/)?([^/:]*?)@[^@]+$/.test(repo)) {
    if (!repo.startsWith('ssh://')) repo = `ssh://${repo.replace(':', '/')}`;
  }
  repo = repo.replace(/\.git$/, '');
  return repo.replace(/^ssh:\/\//, '');
}

/** Whether `url` carries credentials in its user part (`https://user:token@host/...`, `https://token@host/...`); an SSH login name is not one. */
export function urlHasCredentials(url: unknown): boolean {
  if (typeof url !== 'string') return false;
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#@]*)@/i.exec(url.trim());
  if (!m) return false;
  return !(/^(git\+)?ssh$/i.test(m[1]) && !m[2].includes(':'));
}

/** What identifies where credentials come from: two environments with the same identity write Secrets of the same values. */
export function credentialsIdentity(c: EnvsRepoCredentials): string {
  return JSON.stringify({ store: c.secretStore, key: c.key, type: c.type, fields: credentialFieldsOf(c) });
}

/**
 * Whether `value`, a value of an ExternalSecret's `target.template.data`, writes anything but what the
 * store returned: text outside `{{ ... }}`, a string, character or number constant inside an action
 * (a literal, or a literal fallback as in `{{ .password | default "x" }}`), or an action that reads no
 * data. `index . "key"` names a key and is a reference. An empty value writes nothing.
 */
export function writesLiteral(value: unknown): boolean {
  if (typeof value !== 'string') return value !== undefined && value !== null;
  if (value === '') return false;
  const actions = [...value.matchAll(/\{\{([\s\S]*?)\}\}/g)].map((m) => m[1].replace(/^-\s/, '').replace(/\s-$/, ''));
  if (value.replace(/\{\{[\s\S]*?\}\}/g, '').trim() !== '') return true;
  if (actions.length === 0) return true;
  return actions.some((body) => {
    if (/^\s*\/\*[\s\S]*\*\/\s*$/.test(body)) return false;
    const keysNamed = body.replace(/\bindex\s+\.\s+"[^"\\]*"/g, 'index . KEY');
    const constant = /["'`]/.test(keysNamed) || /(^|[\s(|,])[-+]?\d/.test(keysNamed) || /\b(true|false|nil)\b/.test(keysNamed);
    const readsData = /(^|[\s(|,$])\.[A-Za-z_]/.test(keysNamed) || keysNamed.includes('index . KEY');
    return constant || !readsData;
  });
}
