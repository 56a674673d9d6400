import { ADMISSION_POLICY_MINOR, DEFAULT_ARGOCD_NAMESPACE, OLDEST_KUBERNETES_VERSION, servesAdmissionPolicies } from './environment-defaults';
import { defaultTenantReadyService, ENVIRONMENT_DEFAULTS as D } from './environment-defaults';
import { z } from 'zod';
import { ComponentCatalog } from './component-catalog';
import { ENVIRONMENT_REQUIREMENTS, unmetRequirements } from './environment-requirements';
import { dnsLabel, dnsSubdomain, gitUrl } from './common';
import { NO_CONTROL_CHARACTERS, plainText } from './input-file';
import { escapeRegExp } from './names';
import { DEFAULT_PREVIEW_LABELS, DEFAULT_PREVIEW_POLL_SECONDS, PREVIEW_NAME } from '../layout/preview-names';
import { DEFAULT_REPO_CREDENTIALS_REFRESH } from './repo-credentials';

/** A platform component's name: one of the environment's component catalog (see `ComponentCatalog`). */
export type ComponentName = string;

/**
 * A pinned image version: a tag other than `latest`, or a `sha256:` digest.
 * A floating tag would make the rendered manifests say nothing about what runs.
 */
export const imageVersion = z.string()
  .regex(/^(sha256:[a-f0-9]{64}|[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/, {
    error: 'must be an image tag (letters, digits, ".", "_", "-") or a sha256: digest',
  })
  .regex(/^(?!latest$)/, { error: '"latest" is not pinned; use a version tag or a sha256: digest' });

/** Requests or limits of a container. */
const computeAmounts = z.strictObject({
  cpu: z.string().regex(/^([1-9]\d{0,3}m|[1-9]\d{0,2}(\.\d{1,3})?|0\.\d{1,3})$/, { error: 'must be a CPU amount such as 250m or 1' })
    .describe('CPU, in millicores (250m) or cores (1, 0.5).'),
  memory: z.string().regex(/^[1-9]\d{0,5}(Mi|Gi)$/, { error: 'must be a memory amount such as 256Mi or 1Gi' })
    .describe('Memory, in Mi or Gi (256Mi, 1Gi).'),
});

/**
 * What the environment's cluster can schedule for what this project renders (requests): `plan` sums
 * every namespace's peak (max replicas, rollout surge, the largest hook) and reports a change that
 * would not fit.
 */
export const clusterCapacity = z.strictObject({
  cpu: z.string().regex(/^([1-9]\d{0,6}m|[1-9]\d{0,5}(\.\d{1,3})?|0\.\d{1,3})$/, { error: 'must be a CPU amount such as 64 or 64000m' })
    .describe('CPU the cluster can schedule for this project, in cores (64) or millicores (64000m).'),
  memory: z.string().regex(/^[1-9]\d{0,7}(Mi|Gi|Ti)$/, { error: 'must be a memory amount such as 256Gi or 262144Mi' })
    .describe('Memory the cluster can schedule for this project, in Mi, Gi or Ti (256Gi).'),
});

/** A platform component a team adds in its environment file (see `ComponentCatalog`). */
const extraComponent = z.strictObject({
  description: plainText(200).describe('One line for the Argo CD project and the README, at most 200 characters.'),
  port: z.number().int().min(1024, { error: 'must be 1024 or more: containers run as non-root' }).max(65535)
    .describe('Port its container serves HTTP on: 1024 to 65535 (containers run as non-root).'),
  hostPrefix: dnsLabel(40).describe('It is served on <hostPrefix>.<domain>: a DNS label no other component has.'),
  resources: z.strictObject({
    requests: computeAmounts.describe('What the container requests.'),
    limits: computeAmounts.describe('What the container may use at most.'),
  }).describe('Container requests and limits.'),
  image: z.string().max(255).regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/, {
    error: 'must be an image repository without tag, e.g. ghcr.io/acme/billing',
  }).optional().describe('Image repository without tag, e.g. ghcr.io/acme/billing (the version is in components). Default: <registry>/<component name>.'),
});

/**
 * Why something was done on purpose (a hotfix, a rollback): one line, in a few words, recorded in git.
 * A refinement, not a pattern: trim().length counts UTF-16 units where a pattern counts code points, so
 * a pattern would refuse two letters and an emoji, which this accepts.
 */
export const reasonText = plainText(200).refine((r) => r.trim().length >= 3, { error: 'must say why, in at least 3 characters' });

/** Refuses control characters in a URL or schedule that `\S` or `\s` patterns let through. */
const noControlError = { error: 'must not contain control characters' };
const httpsUrl = z.string().max(2048, { error: 'must be at most 2048 characters' })
  .regex(/^https:\/\/\S+$/, { error: 'must be an https:// URL' }).regex(NO_CONTROL_CHARACTERS, noControlError);
const httpUrl = z.string().max(2048, { error: 'must be at most 2048 characters' })
  .regex(/^https?:\/\/\S+$/, { error: 'must be an http:// or https:// URL' }).regex(NO_CONTROL_CHARACTERS, noControlError);
/** A Kubernetes user or group name as admission requests carry it (`system:serviceaccount:<namespace>:<name>`, a group). */
const kubernetesUser = z.string().min(1).max(253, { error: 'must be at most 253 characters' })
  .regex(/^[A-Za-z0-9:._@/-]+$/, { error: 'must be a Kubernetes user or group name: letters, digits, ":", ".", "_", "@", "/", "-"' });
/** https://, or http:// to an in-cluster Service (`<name>.<namespace>.svc[.cluster.local]`): plain HTTP never leaves the cluster. */
const webhookUrl = httpUrl.regex(/^(https:\/\/|http:\/\/[a-z0-9.-]+\.svc(\.cluster\.local)?(:[0-9]{1,5})?(\/|$))/, {
  error: 'must be an https:// URL, or http:// to an in-cluster Service (<name>.<namespace>.svc[.cluster.local])',
});
const secretRef = z.strictObject({
  name: dnsLabel(253).describe('Name of the Secret.'),
  namespace: dnsLabel(63).describe('Namespace of the Secret.'),
  key: plainText(253).describe('Key of the Secret holding the value.'),
});

const secretStore = z.strictObject({
  /** Name of the ClusterSecretStore. */
  name: dnsLabel(63).describe('Name of the ClusterSecretStore the ExternalSecrets refer to.'),
  vault: z.strictObject({
    server: httpsUrl.describe('Vault address, e.g. https://vault.example.com.'),
    path: plainText(253).describe('KV mount path, e.g. secret.'),
    role: plainText(253).describe('Vault role bound to the External Secrets Operator\'s service account (Kubernetes auth).'),
    authMountPath: plainText(253).optional().describe('Mount path of Vault\'s Kubernetes auth method. Default: kubernetes.'),
  }).optional().describe('HashiCorp Vault, read with Kubernetes auth (no token in git).'),
  infisical: z.strictObject({
    hostApi: httpsUrl.optional().describe('Infisical API address. Default: https://app.infisical.com/api.'),
    projectSlug: plainText(253).describe('Infisical project slug.'),
    environmentSlug: plainText(253).describe('Environment slug in that project.'),
    identityId: secretRef.describe('The Secret key holding the machine identity id.'),
  }).optional().describe('Infisical, read with Kubernetes auth.'),
}).refine((s) => (s.vault ? 1 : 0) + (s.infisical ? 1 : 0) === 1, { error: 'must configure exactly one backend: vault or infisical' })
  .meta({ oneOf: [{ required: ['vault'] }, { required: ['infisical'] }] });

/** An IPv4 octet, 0-255, written without leading zeros. */
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
/** `a.b.c.d/n` with every octet 0-255 and n 0-32, written without leading zeros. */
const IPV4_CIDR = new RegExp(`^${OCTET}(\\.${OCTET}){3}\\/(3[0-2]|[12]?[0-9])$`);

/**
 * An SSO group of an AppProject role. Argo CD writes it into a `g, <group>, proj:...` Casbin
 * line unescaped, so a comma would add fields of its own; `*` would mean every group.
 */
const projectGroup = plainText(253)
  // Patterns, so the JSON Schema says the same: `\s` is what trim() removes; the letters' case is ASCII's, as /i without /u.
  .regex(/^(?!\s)(?![\s\S]*\s$)(?!\*$)[^,"]*$/, { error: 'must be a group name without ",", \'"\' or surrounding spaces, and not "*"' })
  // Also a `g, <group>, role:...` line of policy.<env>.csv (argocd-rbac-cm): see rbacSubjectProblem.
  .regex(/^(?![rR][oO][lL][eE]:|[pP][rR][oO][jJ]:|[sS][yY][sS][tT][eE][mM]:)[^*]*$/, { error: 'must not contain "*" nor start with "role:", "proj:" or "system:" (an Argo CD role, whose members would get this one, or a Kubernetes system group)' });

/** A cron field: numbers, names (MON, JAN), `*`, ranges, lists and steps. */
const CRON_TERM = '(\\*|[0-9]{1,2}|[A-Za-z]{3})(-([0-9]{1,2}|[A-Za-z]{3}))?(\\/[0-9]{1,2})?';
const CRON_FIELD = `${CRON_TERM}(,${CRON_TERM})*`;
/** Cron fields separated by spaces: what `schedule.split(/ +/).every(field matches)` accepted, as one pattern. */
const CRON_FIELDS = new RegExp(`^${CRON_FIELD}( +${CRON_FIELD})*$`);

/** Whether `zone` is an IANA time zone this runtime knows (Argo CD refuses unknown ones). */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A Secret key in Argo CD's namespace (the ApplicationSet controller reads it): never a value. */
const argocdSecretKey = z.strictObject({
  name: dnsLabel(253).describe('Name of the Secret in Argo CD\'s namespace.'),
  key: z.string().min(1).max(253, { error: 'must be at most 253 characters' })
    .regex(/^[-._A-Za-z0-9]+$/, { error: 'must be a Secret key: letters, digits, "-", "_", "."' })
    .describe('Key of the Secret holding the token: letters, digits, "-", "_", ".".'),
});
/** An owner, organization, project or repository name of a git hosting service. */
const scmName = z.string().min(1).max(200, { error: 'must be at most 200 characters' })
  .regex(/^[A-Za-z0-9_.][A-Za-z0-9_.\/-]*$/, { error: 'must be a name of the git hosting service: letters, digits, "_", ".", "-", "/"' })
  .regex(/^(?![\s\S]*\.\.)/, { error: 'must not contain ".."' });
/** Where the pull requests are: exactly one git hosting service (the ApplicationSet Pull Request generator's providers). */
const pullRequestSource = z.strictObject({
  github: z.strictObject({
    owner: scmName.describe('Owner (user or organization) of the repository.'),
    repo: scmName.describe('Repository name.'),
    api: httpsUrl.optional().describe('GitHub API address (GitHub Enterprise). Default: GitHub\'s.'),
  }).optional().describe('A GitHub repository.'),
  gitlab: z.strictObject({
    project: scmName.describe('Project, by path (group/project) or id.'),
    api: httpsUrl.optional().describe('GitLab address (self-managed). Default: gitlab.com.'),
  }).optional().describe('A GitLab project.'),
  gitea: z.strictObject({
    owner: scmName.describe('Owner of the repository.'),
    repo: scmName.describe('Repository name.'),
    api: httpsUrl.describe('Gitea address.'),
  }).optional().describe('A Gitea repository.'),
}).refine((p) => Object.values(p).filter((v) => v !== undefined).length === 1, { error: 'must name exactly one of github, gitlab, gitea (the services whose pull requests the generator can filter by label)' })
  .meta({ oneOf: [{ required: ['github'] }, { required: ['gitlab'] }, { required: ['gitea'] }] });

/** An https:// URL with a user and password: `https://user:password@...`. */
const URL_WITH_PASSWORD = /^https:\/\/[^/@]*:[^/@]*@/;

/**
 * A branch, tag or commit name git and Argo CD take as it is: letters, digits, `.`, `_`, `/`, `-`, starting with a
 * letter or digit; no `..`, no `.lock` or `/` at the end.
 */
const GIT_REF = /^(?![\s\S]*\.\.)(?![\s\S]*\.lock$)(?![\s\S]*\/$)[A-Za-z0-9][A-Za-z0-9._\/-]*$/;

/** Pull request preview environments (see docs/previews.md). */
const previewSettings = z.strictObject({
  /** The source repository whose pull requests get a preview. */
  pullRequests: pullRequestSource.describe('The source repository whose pull requests get a preview: exactly one of github, gitlab, gitea.'),
  /** The Secret in Argo CD's namespace holding the API token of the git hosting service. */
  tokenSecret: argocdSecretKey.describe('The Secret in Argo CD\'s namespace holding the API token of the git hosting service (never the token).'),
  /** Only pull requests carrying every one of these labels get a preview. */
  labels: z.array(z.string().min(1).max(50, { error: 'must be at most 50 characters' }).regex(/^[A-Za-z0-9][A-Za-z0-9 ._:\/-]*$/, { error: 'must be a label name: letters, digits, spaces, ".", "_", ":", "/", "-"' })).min(1).default([...DEFAULT_PREVIEW_LABELS])
    .describe(`Only pull requests carrying every one of these labels get a preview. Default: [${DEFAULT_PREVIEW_LABELS.join(', ')}].`),
  /** Seconds between two polls of the pull request list. */
  pollSeconds: z.number().int({ error: 'must be a whole number of seconds' }).min(30, { error: 'must be at least 30 seconds' }).max(3600, { error: 'must be at most 3600 seconds' }).default(DEFAULT_PREVIEW_POLL_SECONDS)
    .describe(`Seconds between two polls of the pull request list, 30 to 3600. Default: ${DEFAULT_PREVIEW_POLL_SECONDS}.`),
  /** Argo CD's web address, for links in the pull request report and status. */
  argocdUrl: httpsUrl.optional().describe('Argo CD\'s https:// web address, for links in the pull request report and status. Default: no links.'),
  /** Only pull requests into this branch of the source repository get a preview. */
  targetBranch: plainText(255).regex(GIT_REF, {
    error: 'must be a branch name (letters, digits, ".", "_", "/", "-"; no "..")',
  }).default('main').describe('Only pull requests into this branch of the source repository get a preview. Default: main.'),
  /** The cert-manager ClusterIssuer of preview Ingresses (e.g. a staging ACME or a self-signed issuer: previews ask for certificates often). */
  clusterIssuer: dnsLabel(63).optional().describe('cert-manager ClusterIssuer of preview Ingresses (previews ask for certificates often). Default: ingress.clusterIssuer.'),
});

/** Prefixes of access tokens of the common git hosting services (GitHub, GitLab, Bitbucket, Gitea's are hex). */
const TOKEN_PREFIX = /^(ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|glpat-|gldt-|ATBB|ATCTT)/;
/** A property of a key in the secret store: a name, never a value. */
const remoteProperty = z.string().min(1, { error: 'must not be empty' }).max(253, { error: 'must be at most 253 characters' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._\/-]*$/, { error: 'must be the name of a property of the key: letters, digits, ".", "_", "/", "-"' })
  .regex(new RegExp(`^(?!${TOKEN_PREFIX.source.slice(1)})`), { error: 'looks like an access token, not the name of a property: the value stays in the secret store; name the property that holds it' });

/** Where Argo CD's credentials for the envs repo are: a key of a ClusterSecretStore of Argo CD's cluster (see EnvsRepoCredentials). */
const repoCredentials = z.strictObject({
  secretStore: dnsLabel(253).describe('Name of the ClusterSecretStore of Argo CD\'s cluster holding the credentials.'),
  key: plainText(253).regex(/^(?![\s\S]*\{\{)\S*$/, { error: 'must be the key (path) of the credentials in the store, without spaces, e.g. argocd/envs-repo' })
    .describe('Key (path) of the credentials in the store, without spaces, e.g. argocd/envs-repo.'),
  type: z.enum(['https', 'ssh']).describe('https (user name and password or token) or ssh (private key): the scheme of repo.url.'),
  properties: z.strictObject({
    username: remoteProperty.optional().describe('Property holding the HTTPS user name (type https). Default: username.'),
    password: remoteProperty.optional().describe('Property holding the HTTPS password or token (type https). Default: password.'),
    sshPrivateKey: remoteProperty.optional().describe('Property holding the SSH private key (type ssh). Default: sshPrivateKey.'),
  }).optional().describe('The properties of the key that hold each credential: names, never values. Default: username and password, or sshPrivateKey.'),
  urlPrefix: gitUrl.optional().describe('Credentials for every repository under this prefix of repo.url (an Argo CD credential template). Default: repo.url alone.'),
  refreshInterval: z.string().regex(/^[1-9]\d{0,3}[smh]$/, { error: 'must be a duration from 1 to 9999 seconds, minutes or hours, such as 15m or 1h' }).optional()
    .describe(`How often External Secrets reads the store again, e.g. 15m or 1h. Default: ${DEFAULT_REPO_CREDENTIALS_REFRESH}.`),
});

/** SSH public key types git can verify signatures of (`ssh-keygen -Y verify`). */
const SSH_KEY_TYPES = ['ssh-ed25519', 'sk-ssh-ed25519@openssh.com', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'sk-ecdsa-sha2-nistp256@openssh.com', 'ssh-rsa'];

/** Whether `key` is `<type> <base64>[ comment]` whose base64 decodes to a key blob of that type (its first field). */
function isSshPublicKey(key: string): boolean {
  const [type, data] = key.split(' ');
  if (!SSH_KEY_TYPES.includes(type) || !data || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return false;
  const blob = Buffer.from(data, 'base64');
  if (blob.length < 4) return false;
  const length = blob.readUInt32BE(0);
  return length === Buffer.byteLength(type) && blob.subarray(4, 4 + length).toString('latin1') === type;
}

/**
 * A key trusted to sign the envs repo's commits (see docs/audit.md): a name for reports, and an SSH
 * public key as a `.pub` file or `authorized_keys` line has it. Never a private key.
 */
const NOT_AN_SSH_PUBLIC_KEY = `must be an SSH public key, "<type> <base64> [comment]" as its .pub file has it (type one of ${SSH_KEY_TYPES.join(', ')})`;
const envsSigner = z.strictObject({
  name: plainText(100).regex(/^[A-Za-z0-9][A-Za-z0-9 ._@+-]*$/, { error: 'must be a name: letters, digits, spaces, ".", "_", "@", "+", "-"' })
    .describe('A name for reports: letters, digits, spaces, ".", "_", "@", "+", "-".'),
  key: z.string().max(16384, { error: 'must be at most 16384 characters' })
    .regex(/^(?![\s\S]*PRIVATE KEY)/, { error: 'is a private key: give the public key (the one line of its .pub file), never the private key', abort: true })
    .regex(NO_CONTROL_CHARACTERS, { error: 'must be one line: the SSH public key as its .pub file has it', abort: true })
    // The shape isSshPublicKey needs, as a pattern for the JSON Schema; whether the base64 is a key of that type only the refinement knows.
    .regex(new RegExp(`^(${SSH_KEY_TYPES.map(escapeRegExp).join('|')}) [A-Za-z0-9+/]+={0,2}( |$)`), { error: NOT_AN_SSH_PUBLIC_KEY, abort: true })
    .refine(isSshPublicKey, { error: NOT_AN_SSH_PUBLIC_KEY })
    .describe('SSH public key, the one line of its .pub file (never a private key).'),
});

/** The oldest Kubernetes minor version the platform supports (28 of 1.28). */
const OLDEST_MINOR = Number(OLDEST_KUBERNETES_VERSION.split('.')[1]);

/** A pattern of the two-digit numbers from `min` (10 to 99) up: `2[8-9]|[3-9][0-9]` for 28. */
function twoDigitsFrom(min: number): string {
  const [tens, ones] = [Math.floor(min / 10), min % 10];
  return tens === 9 ? `9[${ones}-9]` : `${tens}[${ones}-9]|[${tens + 1}-9][0-9]`;
}

/** Fields of `environments/<name>.yaml`, before the rules between them. */
const environmentFileFields = z.strictObject({
  /** Environment name; also the file name and the top folder in dist/. */
  name: dnsLabel(20).regex(new RegExp(`^(?!${PREVIEW_NAME.source.slice(1)})`), { error: 'must not be pr-<number>: that is the name of a pull request preview' })
    .describe('Environment name, also the file name and the top folder in dist/: a DNS label of at most 20 characters, not pr-<number>.'),
  /** `full` (dev, staging) or `read-only` (prod: changes only by promotion, manual sync). */
  mode: z.enum(['full', 'read-only']).describe('full (dev, staging: every change syncs) or read-only (prod: changes only by promotion, every sync by hand).'),
  /** Color shown in reports. */
  color: z.enum(['green', 'amber', 'red']).describe('Color of the environment in reports.'),
  /** The environment a change must reach first before it may reach this one. */
  promotedFrom: dnsLabel(20).optional().describe('The environment a change must reach first before it may reach this one. Default: none, changes arrive directly.'),
  /** Base domain; tenants are served on `<tenant>.<domain>`. */
  domain: dnsSubdomain
    .regex(/^(?![\s\S]*[^.]{64})/, { error: 'must have DNS labels of at most 63 characters' })
    // Room for `<tenant>.` (tenant names are at most 40 characters) in a host of at most 253.
    .max(253 - 41, { error: 'must be at most 212 characters, so every <tenant>.<domain> host fits in 253' })
    .describe('Base domain, lowercase, at most 212 characters; tenants are served on <tenant>.<domain>.'),
  /** Argo CD destination cluster. */
  cluster: z.strictObject({
    name: dnsLabel(63).describe('Name of the cluster (Argo CD destination name).'),
    /** Kubernetes version the cluster runs: validation refuses API versions it does not serve. */
    kubernetesVersion: z.union([z.string(), z.number()])
      // YAML reads an unquoted 1.30 as the number 1.3: say so rather than "expected string".
      .refine((v) => typeof v === 'string', { error: 'must be a quoted Kubernetes version such as "1.30" (unquoted, 1.30 reads as the number 1.3)', abort: true })
      .refine((v) => /^1\.\d{1,2}$/.test(String(v)), { error: 'must be a Kubernetes minor version such as "1.30"', abort: true })
      .refine((v) => Number(String(v).split('.')[1]) >= OLDEST_MINOR, { error: `must be ${OLDEST_KUBERNETES_VERSION} or later: the platform supports Kubernetes ${OLDEST_KUBERNETES_VERSION} and newer` })
      // What these three accept, for the JSON Schema (a quoted "1.30", never the number).
      .meta({ type: 'string', pattern: `^1\\.(${twoDigitsFrom(OLDEST_MINOR)})$`, patternErrorMessage: `must be a quoted Kubernetes version, ${OLDEST_KUBERNETES_VERSION} or later, such as "1.30"` })
      .transform(String)
      .default(OLDEST_KUBERNETES_VERSION)
      .describe(`Kubernetes version the cluster runs, quoted ("1.30"); validation refuses API versions it does not serve. Default: "${OLDEST_KUBERNETES_VERSION}".`),
    server: z.string().max(2048, { error: 'must be at most 2048 characters' })
      .regex(/^https:\/\/\S+$/, { error: 'must be an https:// URL of the Kubernetes API server' }).regex(NO_CONTROL_CHARACTERS, noControlError)
      .describe('https:// URL of the cluster\'s Kubernetes API server.'),
  }).describe('The cluster Argo CD deploys this environment to.'),
  /** Where Argo CD runs (the management cluster). */
  argocd: z.strictObject({
    namespace: dnsLabel(63).regex(new RegExp(`^(?!tenant-)(?!(${[D.platformNamespace, D.hooksNamespace].map(escapeRegExp).join('|')})$)`), {
      error: `must be a namespace of its own: not tenant-* nor ${D.platformNamespace} or ${D.hooksNamespace} (the Applications would be pruned with it)`,
    }).default(DEFAULT_ARGOCD_NAMESPACE)
      .describe(`Namespace Argo CD runs in, its own (not tenant-*, ${D.platformNamespace} or ${D.hooksNamespace}). Default: ${DEFAULT_ARGOCD_NAMESPACE}.`),
  }).default({ namespace: DEFAULT_ARGOCD_NAMESPACE }).describe(`Where Argo CD runs (the management cluster). Default: namespace ${DEFAULT_ARGOCD_NAMESPACE}.`),
  /** The envs repo Argo CD pulls the rendered manifests from. */
  repo: z.strictObject({
    // checkRepoCredentials refuses a password in it: the same rule, for the JSON Schema.
    url: gitUrl.meta({ not: { pattern: URL_WITH_PASSWORD.source } })
      .describe('Git URL of the envs repo (https://, ssh:// or git@), without a password.'),
    revision: plainText(255).regex(GIT_REF, {
      error: 'must be a branch, tag or commit name (letters, digits, ".", "_", "/", "-"; no "..")',
    }).describe('Branch, tag or commit Argo CD deploys: letters, digits, ".", "_", "/", "-"; no "..".'),
    /** Where Argo CD's credentials for this repository are in the secret store (never the values): see docs/repo-credentials.md. */
    credentials: repoCredentials.optional()
      .describe('Where Argo CD\'s credentials for this repository are in the secret store, never the values (docs/repo-credentials.md). Default: none.'),
    /**
     * The keys trusted to sign the envs repo's commits (SSH public keys): when named, `audit` and
     * `publish` report a commit of this environment's folder that none of them signed (docs/audit.md).
     */
    signers: z.array(envsSigner).min(1, { error: 'must name at least one key (leave signers out to check no signatures)' })
      .max(50, { error: 'must name at most 50 keys' }).optional()
      .describe('SSH public keys trusted to sign the envs repo\'s commits, 1 to 50 (docs/audit.md). Default: signatures are not checked.'),
  }).describe('The envs repo Argo CD pulls the rendered manifests from.'),
  /** Ingress settings shared by every Ingress of the environment. */
  ingress: z.strictObject({
    className: dnsLabel(63).default(D.ingressClassName).describe(`IngressClass of every Ingress. Default: ${D.ingressClassName}.`),
    clusterIssuer: dnsLabel(63).default(D.clusterIssuer).describe(`cert-manager ClusterIssuer of the certificates. Default: ${D.clusterIssuer}.`),
    controllerNamespace: dnsLabel(63).default(D.ingressControllerNamespace).describe(`Namespace of the ingress controller. Default: ${D.ingressControllerNamespace}.`),
    /** The ingress controller's Service (HTTPS on 443) in controllerNamespace: the gateway smoke tests reach tenant hosts through it. */
    controllerService: dnsLabel(63).default(D.ingressControllerService)
      .describe(`The ingress controller's Service (HTTPS on 443), which the gateway smoke tests go through. Default: ${D.ingressControllerService}.`),
    /** How cert-manager solves the issuer's ACME challenge: http01 needs solver pods reachable from the ingress controller. */
    acmeSolver: z.enum(['http01', 'dns01']).default(D.acmeSolver)
      .describe(`How cert-manager solves ACME challenges: http01 (solver pods the ingress controller reaches) or dns01. Default: ${D.acmeSolver}.`),
  }).default({ className: D.ingressClassName, clusterIssuer: D.clusterIssuer, controllerNamespace: D.ingressControllerNamespace, controllerService: D.ingressControllerService, acmeSolver: D.acmeSolver })
    .describe('Ingress settings shared by every Ingress of the environment. Default: each setting\'s.'),
  /** The cluster's Prometheus Operator: where it runs and which labels its Prometheus selects PodMonitors by. */
  monitoring: z.strictObject({
    namespace: dnsLabel(63).default(D.monitoringNamespace).describe(`Namespace of Prometheus. Default: ${D.monitoringNamespace}.`),
    podMonitorLabels: z.record(
      z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, { error: 'must be a label key' }),
      z.string().max(63, { error: 'must be at most 63 characters' }).regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, { error: 'must be a label value: letters, digits, "-", "_", ".", starting and ending with a letter or digit' }),
    ).optional().describe(`Labels its Prometheus selects PodMonitors and PrometheusRules by. Default: ${Object.entries(D.monitorLabels).map(([k, v]) => `${k}: ${v}`).join(', ')}.`),
  }).default({ namespace: D.monitoringNamespace }).describe(`The cluster's Prometheus Operator: where it runs and which labels it selects by. Default: namespace ${D.monitoringNamespace}.`),
  /** NodeLocal DNSCache: pods resolve names through this link-local address as well as kube-dns. */
  nodeLocalDns: z.string().regex(/^169\.254\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/, { error: 'must be a link-local IPv4 address such as 169.254.20.10' }).optional()
    .describe('Link-local address of NodeLocal DNSCache (e.g. 169.254.20.10), which pods may reach besides kube-dns. Default: none.'),
  /** Image registry and repository prefix, e.g. `ghcr.io/stoa-platform`. */
  registry: z.string().max(200).regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, {
    error: 'must be a registry host with an optional path, e.g. ghcr.io/stoa-platform',
  }).describe('Image registry and repository prefix of the platform images, e.g. ghcr.io/stoa-platform.'),
  /** Platform components of this environment beyond the catalog's (name: how it runs); each needs a version in `components`. */
  extraComponents: z.record(z.string(), extraComponent).optional()
    .describe('Platform components of this environment beyond the catalog\'s, by name (a DNS label); each needs a version in components. Default: none.'),
  /** Pinned version of every platform component: the catalog's and `extraComponents`. */
  components: z.record(z.string(), imageVersion)
    .describe('Pinned version of every platform component, the catalog\'s and extraComponents: a tag other than latest, or a sha256: digest.'),
  /**
   * Versions set here directly instead of by promotion (`set-image --hotfix`), each with why.
   * `check-promotions` accepts exactly these versions without their source environment;
   * promoting from the source over a component drops its record.
   */
  hotfixes: z.record(z.string(), z.strictObject({
    version: imageVersion.describe('The version the hotfix let in: the one components pins.'),
    reason: reasonText.describe('Why, in a few words (3 to 200 characters, one line).'),
  }).describe('The hotfix of this component.')).optional()
    .describe('Versions set here directly instead of by promotion (set-image --hotfix), by component, each with why. Default: none.'),
  /** Prometheus URL, for canary analysis and KEDA triggers. */
  prometheus: httpUrl.optional().describe('Prometheus URL (http:// or https://), for canary analysis and KEDA triggers. Default: none, no canary and KEDA on CPU only.'),
  /** Canary delivery for tenant gateways (needs prometheus). */
  canary: z.strictObject({
    enabled: z.boolean().default(false).describe('Deliver every tenant gateway as a canary unless its tenant file says otherwise. Default: false.'),
    successRate: z.number().gt(0, { error: 'must be greater than 0' }).max(1, { error: 'must be at most 1' }).optional()
      .describe('Share of successful requests the canary analysis needs: above 0, at most 1. Default: 0.99.'),
    pause: z.string().regex(/^[1-9]\d{0,3}[smh]$/, { error: 'must be a duration from 1 to 9999 seconds, minutes or hours, such as 30s, 5m or 1h' }).optional()
      .describe('Pause after each canary step, 1 to 9999 s, m or h (30s, 5m, 1h). Default: 5m.'),
    steps: z.array(z.number().int().min(1).max(100)).min(1).optional().describe('Traffic weights of the canary steps, in percent (1 to 100). Default: [20, 50, 100].'),
  }).optional().describe('Canary delivery of tenant gateways, where tenants ask for it (needs prometheus). Default: rolling updates only.'),
  /** The ClusterSecretStore that tenant secrets are read from. */
  secretStore: secretStore.optional()
    .describe('The ClusterSecretStore tenant secrets and the AWX token are read from: exactly one of vault, infisical. Default: none, tenants declare no secrets.'),
  /** Where the AWX token of tenant hooks is in the secret store. */
  awxToken: z.strictObject({
    /** The AWX the token belongs to: tenant hook URLs must be on it, so the token never goes anywhere else. */
    awxUrl: z.string().max(2048).regex(/^https:\/\/[a-z0-9.-]+(:\d{1,5})?\/?$/, { error: 'must be the https:// address of the AWX the token belongs to, e.g. https://awx.example.com (no path)' })
      .describe('https:// address of the AWX the token belongs to, no path: tenant hook URLs must be on it.'),
    key: plainText(253).describe('Key (path) of the token in the secret store.'),
    property: plainText(253).optional().describe('Property of the key holding the token. Default: the whole value.'),
    /** Vault role of the hooks namespace (Vault stores only). */
    vaultRole: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, { error: 'must be a Vault role name: letters, digits, ".", "_", "-"' }).optional()
      .describe(`Vault role the hooks namespace reads the token with (Vault stores only). Default: ${D.hooksVaultRole}.`),
  }).optional().describe('Where the AWX token of tenant hooks is in the secret store (needs secretStore). Default: none, tenants declare no hooks.'),
  /** The cluster's capacity for what this project runs (requests): `plan` reports a change that cannot be scheduled at max scale. */
  capacity: clusterCapacity.optional()
    .describe('What the cluster can schedule for this project (requests): plan reports a change that would not fit at full scale. Default: not checked.'),
  /** Sync only inside these windows (every project of the environment). */
  syncWindows: z.array(z.strictObject({
    schedule: z.string().max(253, { error: 'must be at most 253 characters' })
      .regex(/^(\S+ +){4}\S+$/, { error: 'must be a cron schedule with 5 fields, e.g. "0 8 * * 1-4"' }).regex(NO_CONTROL_CHARACTERS, noControlError)
      .regex(CRON_FIELDS, { error: 'must be a cron schedule: each field a number, name, *, range, list or step, e.g. "0 8 * * 1-4"' })
      .describe('When the window opens: a cron schedule of 5 fields, e.g. "0 8 * * 1-4".'),
    duration: z.string().regex(/^\d+[mh]$/, { error: 'must be a duration such as 90m or 10h' }).describe('How long it stays open, in minutes or hours (90m, 10h).'),
    timeZone: plainText(253).refine(isTimeZone, { error: 'must be an IANA time zone such as Europe/Paris or UTC' }).optional()
      .describe('IANA time zone of the schedule, e.g. Europe/Paris. Default: UTC.'),
  })).optional().describe('Sync only inside these windows, manual syncs too (every project of the environment). Default: syncs at any time.'),
  /** Project roles: read-only viewers and a release group that may sync. */
  access: z.strictObject({
    viewers: z.array(projectGroup).min(1).describe('SSO groups that may see the environment\'s projects (no "*", ",", quotes, "role:", "proj:" or "system:").'),
    releasers: z.array(projectGroup).min(1).describe('SSO groups that may also sync them (no "*", ",", quotes, "role:", "proj:" or "system:").'),
  }).optional().describe('Argo CD project roles: read-only viewers, and releasers who may sync. Default: no project roles.'),
  /** Argo CD notification subscriptions of every Application: failures, degraded health, drift, a stuck canary, a slow sync. */
  notifications: z.strictObject({
    service: dnsLabel(63).describe('Notification service configured in argocd-notifications-cm, e.g. slack.'),
    recipient: plainText(253).describe('Recipient on that service, e.g. a Slack channel.'),
    driftMinutes: z.number().int({ error: 'must be a whole number of minutes' }).min(1, { error: 'must be at least 1 minute' })
      .max(1440, { error: 'must be at most 1440 minutes (a day)' }).optional()
      .describe('Minutes an Application may stay OutOfSync before the drift alert, 1 to 1440. Default: 10.'),
    /** Minutes after its last sync an Application may stay Suspended or Progressing (a waiting canary). */
    stuckMinutes: z.number().int({ error: 'must be a whole number of minutes' }).min(1, { error: 'must be at least 1 minute' })
      .max(1440, { error: 'must be at most 1440 minutes (a day)' }).optional()
      .describe('Minutes an Application may stay Suspended or Progressing (a waiting canary) before the stuck alert, 1 to 1440. Default: 60.'),
    /** Minutes a sync may run before the slow-sync alert. */
    syncMinutes: z.number().int({ error: 'must be a whole number of minutes' }).min(1, { error: 'must be at least 1 minute' })
      .max(1440, { error: 'must be at most 1440 minutes (a day)' }).optional()
      .describe('Minutes a sync may run before the slow-sync alert, 1 to 1440. Default: 30.'),
  }).optional().describe('Argo CD notifications of every Application: failures, degraded health, drift, a stuck canary, a slow sync. Default: none.'),
  /** The platform rules enforced at admission too (ValidatingAdmissionPolicies, Kubernetes 1.30+); false renders none. */
  admission: z.union([z.literal(false), z.strictObject({
    argocdUsers: z.array(kubernetesUser).min(1).optional()
      .describe('Users Argo CD writes to the cluster as. Default: system:serviceaccount:kube-system:argocd-manager, or its application controller in its own cluster.'),
    secretWriters: z.array(kubernetesUser).optional().describe('Users that may write Secret values in tenant namespaces. Default: the External Secrets and cert-manager controllers.'),
    controllers: z.array(kubernetesUser).optional().describe('Service accounts of controllers that create objects of the kinds Argo CD syncs, trusted when read-only. Default: cert-manager\'s.'),
    breakGlassGroups: z.array(kubernetesUser).optional().describe('Groups that may write what Argo CD syncs in a read-only environment (break glass). Default: [system:masters].'),
  })]).optional()
    .describe('The platform rules enforced at admission too (ValidatingAdmissionPolicies, Kubernetes 1.30+); false renders none. Default: rendered from 1.30.'),
  /** Render the Grafana dashboards (ConfigMaps for Grafana's sidecar in the monitoring namespace). */
  dashboards: z.boolean().optional().describe('Render the Grafana dashboards (ConfigMaps for Grafana\'s sidecar in the monitoring namespace). Default: true.'),
  /** The control plane's webhook, told when each tenant is synced and healthy. */
  tenantReady: z.strictObject({
    url: webhookUrl.describe('URL the notification is POSTed to: https://, or http:// to an in-cluster Service (<name>.<namespace>.svc).'),
    service: dnsLabel(63).optional().describe(`Name of the webhook service in argocd-notifications-cm. Default: ${defaultTenantReadyService('<environment>')}.`),
    tokenKey: z.string().max(253, { error: 'must be at most 253 characters' })
      .regex(/^[-._A-Za-z0-9]+$/, { error: 'must be a Secret key: letters, digits, "-", "_", "."' }).optional()
      .describe('Key of argocd-notifications-secret holding the bearer token the webhook sends. Default: control-plane-token.'),
  }).optional().describe('The control plane\'s webhook, told when each tenant is synced and healthy. Default: none.'),
  /** The cluster's pod and service CIDRs, kept out of tenants' HTTPS egress. */
  internalCidrs: z.array(z.string().regex(IPV4_CIDR, { error: 'must be an IPv4 CIDR such as 10.0.0.0/8 (octets 0-255, prefix 0-32)' })
    .regex(/^(?![\s\S]*\/0$)/, { error: 'must not be a /0: the cluster is not the whole internet (tenants would lose all HTTPS egress)' })).optional()
    .describe('The cluster\'s pod and service IPv4 CIDRs, kept out of tenants\' HTTPS egress (never /0). Default: none, egress may reach any address.'),
  /** One Application per tenant, or one ApplicationSet over the tenant folders. */
  tenantApplications: z.enum(['applications', 'applicationset']).default('applications')
    .describe('One Application per tenant (applications) or one ApplicationSet over the tenant folders (applicationset). Default: applications.'),
  /** Only a person deletes a tenant's Application (always so when read-only); for a switch of tenantApplications. */
  keepTenantApplications: z.boolean().optional()
    .describe('Only a person deletes a tenant\'s Application (always so when read-only); for a switch of tenantApplications. Default: false.'),
  /** A short-lived environment `pr-<number>` in this cluster for each labelled pull request (full environments only). */
  previews: previewSettings.optional()
    .describe('A short-lived environment pr-<number> in this cluster for each labelled pull request (full environments only; docs/previews.md). Default: none.'),
});

/**
 * The title of an environment file's JSON Schema, and the rules between its fields that JSON Schema can
 * state exactly (the JSON Schema keywords of {@link environmentFileSchemaFor}'s superRefine checks), for
 * editors: never stricter than it. The catalog's rules are added by `inputJsonSchemas`.
 */
const ENVIRONMENT_FILE_METADATA = {
  title: 'STOA environment file (environments/<name>.yaml)',
  description: 'One environment of the STOA platform: its cluster, envs repo, platform versions and settings. stoa-manifests checks the rest when it reads the file (synth, check; see docs/editors.md).',
  allOf: [
    // A setting that needs another one (canary needs prometheus, awxToken needs secretStore).
    ...ENVIRONMENT_REQUIREMENTS.map((r) => ({ if: { required: [r.setting] }, then: { required: [r.needs] } })),
    // Previews are for a full environment.
    { if: { required: ['mode'], properties: { mode: { const: 'read-only' } } }, then: { not: { required: ['previews'] } } },
    // A hotfix record is for an environment promoted from another, never read-only.
    { if: { required: ['hotfixes'], properties: { hotfixes: { minProperties: 1 } } }, then: { required: ['promotedFrom'], properties: { mode: { not: { const: 'read-only' } } } } },
    // Admission policies need Kubernetes 1.30 (the version defaults to the oldest, 1.28).
    {
      if: { required: ['admission'], properties: { admission: { type: 'object' } } },
      then: { required: ['cluster'], properties: { cluster: { required: ['kubernetesVersion'], properties: { kubernetesVersion: { pattern: `^1\\.(${twoDigitsFrom(ADMISSION_POLICY_MINOR)})$` } } } } },
    },
  ],
};

/** Schema of `environments/<name>.yaml` for an environment that may run the components of `catalog` (and its own `extraComponents`). */
export function environmentFileSchemaFor(catalog: ComponentCatalog) {
  return environmentFileFields.meta(ENVIRONMENT_FILE_METADATA).superRefine((env, ctx) => {
    for (const r of unmetRequirements({ canary: Boolean(env.canary), prometheus: Boolean(env.prometheus), awxToken: Boolean(env.awxToken), secretStore: Boolean(env.secretStore) })) {
      ctx.addIssue({ code: 'custom', path: [r.setting], message: `needs ${r.needs}: ${r.why}` });
    }
    if (env.previews && env.mode === 'read-only') {
      ctx.addIssue({ code: 'custom', path: ['previews'], message: 'is only for a full environment: previews run the changes of pull requests that nobody promoted' });
    }
    checkComponents(env, catalog, ctx);
    checkHotfixes(env, ctx);
    checkRepoCredentials(env, ctx);
    if (env.admission && !servesAdmissionPolicies(env.cluster.kubernetesVersion)) {
      ctx.addIssue({ code: 'custom', path: ['admission'], message: `needs cluster.kubernetesVersion 1.30 or later (ValidatingAdmissionPolicy is admissionregistration.k8s.io/v1 from 1.30; the cluster runs ${env.cluster.kubernetesVersion}): remove it, or set admission: false` });
    }
  });
}

/** Schema of `environments/<name>.yaml` with the STOA component catalog. */
export const environmentFileSchema = environmentFileSchemaFor(ComponentCatalog.stoa());

type EnvironmentFields = z.infer<typeof environmentFileFields>;

/** `extraComponents` extend the catalog; `components` pins a version of each component, and of nothing else. */
function checkComponents(env: EnvironmentFields, catalog: ComponentCatalog, ctx: z.RefinementCtx): void {
  let names = catalog;
  for (const [name, spec] of Object.entries(env.extraComponents ?? {})) {
    const problem = names.problemWith(name, spec);
    if (problem) ctx.addIssue({ code: 'custom', path: ['extraComponents', name], message: problem });
    else names = names.with(name, spec);
  }
  for (const name of names.names) {
    if (env.components[name] === undefined) ctx.addIssue({ code: 'custom', path: ['components', name], message: 'is missing: every platform component of the environment needs a pinned version' });
  }
  for (const name of Object.keys(env.components)) {
    if (!names.has(name)) {
      ctx.addIssue({ code: 'custom', path: ['components', name], message: `is not a platform component: one of ${names.names.join(', ')}, or one declared under extraComponents` });
    }
  }
}

/** A hotfix record is for an environment promoted from another, never read-only, and names the version it runs. */
function checkHotfixes(env: EnvironmentFields, ctx: z.RefinementCtx): void {
  for (const [component, hotfix] of Object.entries(env.hotfixes ?? {})) {
    if (!env.promotedFrom) {
      ctx.addIssue({ code: 'custom', path: ['hotfixes', component], message: 'is only for an environment with promotedFrom: the others take any version directly' });
    } else if (env.mode === 'read-only') {
      ctx.addIssue({ code: 'custom', path: ['hotfixes', component], message: `is not allowed in a read-only environment: hotfix ${env.promotedFrom} (set-image --hotfix), then promote it` });
    } else if (env.components[component] === undefined) {
      ctx.addIssue({ code: 'custom', path: ['hotfixes', component], message: 'is not a component of this environment: remove the record' });
    } else if (hotfix.version !== env.components[component]) {
      ctx.addIssue({ code: 'custom', path: ['hotfixes', component, 'version'], message: `is ${hotfix.version} but components.${component} is ${env.components[component]}: a hotfix record names the version it let in; remove the record` });
    }
  }
}

/** `repo.credentials` fit the URL: its scheme is the login type's, the prefix is the URL's, and the URL carries no credential of its own. */
function checkRepoCredentials(env: EnvironmentFields, ctx: z.RefinementCtx): void {
  const { url, credentials: c } = env.repo;
  if (URL_WITH_PASSWORD.test(url)) {
    ctx.addIssue({ code: 'custom', path: ['repo', 'url'], message: 'must not carry a password (https://user:password@...): every Application would show it; set repo.credentials (a key in the secret store) instead' });
  }
  if (!c) return;
  const at = (...p: string[]) => ['repo', 'credentials', ...p];
  const https = url.startsWith('https://');
  if (c.type === 'https' && !https) ctx.addIssue({ code: 'custom', path: at('type'), message: `is https but repo.url is an SSH URL (${url}): use type ssh, or an https:// URL` });
  if (c.type === 'ssh' && https) ctx.addIssue({ code: 'custom', path: at('type'), message: `is ssh but repo.url is an https:// URL: use type https, or an ssh:// or git@ URL` });
  const allowed = c.type === 'https' ? ['username', 'password'] : ['sshPrivateKey'];
  for (const name of Object.keys(c.properties ?? {})) {
    if (!allowed.includes(name)) ctx.addIssue({ code: 'custom', path: at('properties', name), message: `is not a credential of type ${c.type}: allowed ${allowed.join(', ')}` });
  }
  if (c.urlPrefix !== undefined && !url.toLowerCase().startsWith(c.urlPrefix.toLowerCase())) {
    ctx.addIssue({ code: 'custom', path: at('urlPrefix'), message: `must be a prefix of repo.url (${url}): the credential template is for the repositories under it` });
  }
  for (const [field, value] of [['url', url], ['credentials.urlPrefix', c.urlPrefix]] as const) {
    // Written into the ExternalSecret's template, where "{{" would start a template action.
    if (value !== undefined && /\{\{|\}\}/.test(value)) ctx.addIssue({ code: 'custom', path: ['repo', ...field.split('.')], message: 'must not contain "{{" or "}}" (External Secrets would read them as a template)' });
  }
}

/** A validated environment file. */
export type EnvironmentConfig = z.infer<typeof environmentFileSchema>;
