import { DEFAULT_ARGOCD_NAMESPACE, OLDEST_KUBERNETES_VERSION, servesAdmissionPolicies } from './environment-defaults';
import { ENVIRONMENT_DEFAULTS as D } from './environment-defaults';
import { z } from 'zod';
import { ComponentCatalog } from './component-catalog';
import { unmetRequirements } from './environment-requirements';
import { dnsLabel, dnsSubdomain, gitUrl } from './common';
import { CONTROL_CHARACTERS, plainText } from './input-file';
import { DEFAULT_PREVIEW_LABELS, DEFAULT_PREVIEW_POLL_SECONDS, PREVIEW_NAME } from '../layout/preview-names';

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
  .refine((v) => v !== 'latest', { error: '"latest" is not pinned; use a version tag or a sha256: digest' });

/** Requests or limits of a container. */
const computeAmounts = z.strictObject({
  cpu: z.string().regex(/^([1-9]\d{0,3}m|[1-9]\d{0,2}(\.\d{1,3})?|0\.\d{1,3})$/, { error: 'must be a CPU amount such as 250m or 1' }),
  memory: z.string().regex(/^[1-9]\d{0,5}(Mi|Gi)$/, { error: 'must be a memory amount such as 256Mi or 1Gi' }),
});

/**
 * What the environment's cluster can schedule for what this project renders (requests): `plan` sums
 * every namespace's peak (max replicas, rollout surge, the largest hook) and reports a change that
 * would not fit.
 */
export const clusterCapacity = z.strictObject({
  cpu: z.string().regex(/^([1-9]\d{0,6}m|[1-9]\d{0,5}(\.\d{1,3})?|0\.\d{1,3})$/, { error: 'must be a CPU amount such as 64 or 64000m' }),
  memory: z.string().regex(/^[1-9]\d{0,7}(Mi|Gi|Ti)$/, { error: 'must be a memory amount such as 256Gi or 262144Mi' }),
});

/** A platform component a team adds in its environment file (see `ComponentCatalog`). */
const extraComponent = z.strictObject({
  description: plainText(200),
  port: z.number().int().min(1024, { error: 'must be 1024 or more: containers run as non-root' }).max(65535),
  hostPrefix: dnsLabel(40),
  resources: z.strictObject({ requests: computeAmounts, limits: computeAmounts }),
  image: z.string().max(255).regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/, {
    error: 'must be an image repository without tag, e.g. ghcr.io/acme/billing',
  }).optional(),
});

/** Why something was done on purpose (a hotfix, a rollback): one line, in a few words, recorded in git. */
export const reasonText = plainText(200).refine((r) => r.trim().length >= 3, { error: 'must say why, in at least 3 characters' });

/** Refuses control characters in a URL or schedule that `\S` or `\s` patterns let through. */
const noControl = (s: string) => !CONTROL_CHARACTERS.test(s);
const noControlError = { error: 'must not contain control characters' };
const httpsUrl = z.string().max(2048, { error: 'must be at most 2048 characters' })
  .regex(/^https:\/\/\S+$/, { error: 'must be an https:// URL' }).refine(noControl, noControlError);
const httpUrl = z.string().max(2048, { error: 'must be at most 2048 characters' })
  .regex(/^https?:\/\/\S+$/, { error: 'must be an http:// or https:// URL' }).refine(noControl, noControlError);
/** A Kubernetes user or group name as admission requests carry it (`system:serviceaccount:<namespace>:<name>`, a group). */
const kubernetesUser = z.string().min(1).max(253, { error: 'must be at most 253 characters' })
  .regex(/^[A-Za-z0-9:._@/-]+$/, { error: 'must be a Kubernetes user or group name: letters, digits, ":", ".", "_", "@", "/", "-"' });
/** https://, or http:// to an in-cluster Service (`<name>.<namespace>.svc[.cluster.local]`): plain HTTP never leaves the cluster. */
const webhookUrl = httpUrl.refine((u) => u.startsWith('https://') || /^http:\/\/[a-z0-9.-]+\.svc(\.cluster\.local)?(:[0-9]{1,5})?(\/|$)/.test(u), {
  error: 'must be an https:// URL, or http:// to an in-cluster Service (<name>.<namespace>.svc[.cluster.local])',
});
const secretRef = z.strictObject({ name: dnsLabel(253), namespace: dnsLabel(63), key: plainText(253) });

const secretStore = z.strictObject({
  /** Name of the ClusterSecretStore. */
  name: dnsLabel(63),
  vault: z.strictObject({
    server: httpsUrl,
    path: plainText(253),
    role: plainText(253),
    authMountPath: plainText(253).optional(),
  }).optional(),
  infisical: z.strictObject({
    hostApi: httpsUrl.optional(),
    projectSlug: plainText(253),
    environmentSlug: plainText(253),
    identityId: secretRef,
  }).optional(),
}).refine((s) => (s.vault ? 1 : 0) + (s.infisical ? 1 : 0) === 1, { error: 'must configure exactly one backend: vault or infisical' });

/** `a.b.c.d/n` with every octet 0-255 and n 0-32, written without leading zeros. */
function isIpv4Cidr(value: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!m) return false;
  const parts = m.slice(1).map(Number);
  const canonical = m.slice(1).every((p) => p === String(Number(p)));
  return canonical && parts.slice(0, 4).every((o) => o <= 255) && parts[4] <= 32;
}

/**
 * An SSO group of an AppProject role. Argo CD writes it into a `g, <group>, proj:...` Casbin
 * line unescaped, so a comma would add fields of its own; `*` would mean every group.
 */
const projectGroup = plainText(253)
  .refine((g) => !/[,"]/.test(g) && g.trim() === g && g !== '*', { error: 'must be a group name without ",", \'"\' or surrounding spaces, and not "*"' })
  // Also a `g, <group>, role:...` line of policy.<env>.csv (argocd-rbac-cm): see rbacSubjectProblem.
  .refine((g) => !g.includes('*') && !/^(role|proj|system):/i.test(g), { error: 'must not contain "*" nor start with "role:", "proj:" or "system:" (an Argo CD role, whose members would get this one, or a Kubernetes system group)' });

/** A cron field: numbers, names (MON, JAN), `*`, ranges, lists and steps. */
const CRON_TERM = '(\\*|[0-9]{1,2}|[A-Za-z]{3})(-([0-9]{1,2}|[A-Za-z]{3}))?(\\/[0-9]{1,2})?';
const CRON_FIELD = new RegExp(`^${CRON_TERM}(,${CRON_TERM})*$`);

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
  name: dnsLabel(253),
  key: z.string().min(1).max(253, { error: 'must be at most 253 characters' })
    .regex(/^[-._A-Za-z0-9]+$/, { error: 'must be a Secret key: letters, digits, "-", "_", "."' }),
});
/** An owner, organization, project or repository name of a git hosting service. */
const scmName = z.string().min(1).max(200, { error: 'must be at most 200 characters' })
  .regex(/^[A-Za-z0-9_.][A-Za-z0-9_.\/-]*$/, { error: 'must be a name of the git hosting service: letters, digits, "_", ".", "-", "/"' })
  .refine((n) => !n.includes('..'), { error: 'must not contain ".."' });
/** Where the pull requests are: exactly one git hosting service (the ApplicationSet Pull Request generator's providers). */
const pullRequestSource = z.strictObject({
  github: z.strictObject({ owner: scmName, repo: scmName, api: httpsUrl.optional() }).optional(),
  gitlab: z.strictObject({ project: scmName, api: httpsUrl.optional() }).optional(),
  gitea: z.strictObject({ owner: scmName, repo: scmName, api: httpsUrl }).optional(),
}).refine((p) => Object.values(p).filter((v) => v !== undefined).length === 1, { error: 'must name exactly one of github, gitlab, gitea (the services whose pull requests the generator can filter by label)' });

/** Pull request preview environments (see docs/previews.md). */
const previewSettings = z.strictObject({
  /** The source repository whose pull requests get a preview. */
  pullRequests: pullRequestSource,
  /** The Secret in Argo CD's namespace holding the API token of the git hosting service. */
  tokenSecret: argocdSecretKey,
  /** Only pull requests carrying every one of these labels get a preview. */
  labels: z.array(z.string().min(1).max(50, { error: 'must be at most 50 characters' }).regex(/^[A-Za-z0-9][A-Za-z0-9 ._:\/-]*$/, { error: 'must be a label name: letters, digits, spaces, ".", "_", ":", "/", "-"' })).min(1).default([...DEFAULT_PREVIEW_LABELS]),
  /** Seconds between two polls of the pull request list. */
  pollSeconds: z.number().int({ error: 'must be a whole number of seconds' }).min(30, { error: 'must be at least 30 seconds' }).max(3600, { error: 'must be at most 3600 seconds' }).default(DEFAULT_PREVIEW_POLL_SECONDS),
  /** Argo CD's web address, for links in the pull request report and status. */
  argocdUrl: httpsUrl.optional(),
  /** Only pull requests into this branch of the source repository get a preview. */
  targetBranch: plainText(255).refine((r) => /^[A-Za-z0-9][A-Za-z0-9._\/-]*$/.test(r) && !r.includes('..') && !r.endsWith('.lock') && !r.endsWith('/'), {
    error: 'must be a branch name (letters, digits, ".", "_", "/", "-"; no "..")',
  }).default('main'),
  /** The cert-manager ClusterIssuer of preview Ingresses (e.g. a staging ACME or a self-signed issuer: previews ask for certificates often). */
  clusterIssuer: dnsLabel(63).optional(),
});

/** Prefixes of access tokens of the common git hosting services (GitHub, GitLab, Bitbucket, Gitea's are hex). */
const TOKEN_PREFIX = /^(ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|glpat-|gldt-|ATBB|ATCTT)/;
/** A property of a key in the secret store: a name, never a value. */
const remoteProperty = z.string().min(1, { error: 'must not be empty' }).max(253, { error: 'must be at most 253 characters' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._\/-]*$/, { error: 'must be the name of a property of the key: letters, digits, ".", "_", "/", "-"' })
  .refine((p) => !TOKEN_PREFIX.test(p), { error: 'looks like an access token, not the name of a property: the value stays in the secret store; name the property that holds it' });

/** Where Argo CD's credentials for the envs repo are: a key of a ClusterSecretStore of Argo CD's cluster (see EnvsRepoCredentials). */
const repoCredentials = z.strictObject({
  secretStore: dnsLabel(253),
  key: plainText(253).refine((k) => !/\s/.test(k) && !k.includes('{{'), { error: 'must be the key (path) of the credentials in the store, without spaces, e.g. argocd/envs-repo' }),
  type: z.enum(['https', 'ssh']),
  properties: z.strictObject({ username: remoteProperty.optional(), password: remoteProperty.optional(), sshPrivateKey: remoteProperty.optional() }).optional(),
  urlPrefix: gitUrl.optional(),
  refreshInterval: z.string().regex(/^[1-9]\d{0,3}[smh]$/, { error: 'must be a duration from 1 to 9999 seconds, minutes or hours, such as 15m or 1h' }).optional(),
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
const envsSigner = z.strictObject({
  name: plainText(100).refine((n) => /^[A-Za-z0-9][A-Za-z0-9 ._@+-]*$/.test(n), { error: 'must be a name: letters, digits, spaces, ".", "_", "@", "+", "-"' }),
  key: z.string().max(16384, { error: 'must be at most 16384 characters' })
    .refine((k) => !/PRIVATE KEY/.test(k), { error: 'is a private key: give the public key (the one line of its .pub file), never the private key', abort: true })
    .refine((k) => !CONTROL_CHARACTERS.test(k), { error: 'must be one line: the SSH public key as its .pub file has it', abort: true })
    .refine(isSshPublicKey, { error: `must be an SSH public key, "<type> <base64> [comment]" as its .pub file has it (type one of ${SSH_KEY_TYPES.join(', ')})` }),
});

/** Fields of `environments/<name>.yaml`, before the rules between them. */
const environmentFileFields = z.strictObject({
  /** Environment name; also the file name and the top folder in dist/. */
  name: dnsLabel(20).refine((n) => !PREVIEW_NAME.test(n), { error: 'must not be pr-<number>: that is the name of a pull request preview' }),
  /** `full` (dev, staging) or `read-only` (prod: changes only by promotion, manual sync). */
  mode: z.enum(['full', 'read-only']),
  /** Color shown in reports. */
  color: z.enum(['green', 'amber', 'red']),
  /** The environment a change must reach first before it may reach this one. */
  promotedFrom: dnsLabel(20).optional(),
  /** Base domain; tenants are served on `<tenant>.<domain>`. */
  domain: dnsSubdomain
    .refine((d) => d.split('.').every((label) => label.length <= 63), { error: 'must have DNS labels of at most 63 characters' })
    // Room for `<tenant>.` (tenant names are at most 40 characters) in a host of at most 253.
    .refine((d) => d.length <= 253 - 41, { error: 'must be at most 212 characters, so every <tenant>.<domain> host fits in 253' }),
  /** Argo CD destination cluster. */
  cluster: z.strictObject({
    name: dnsLabel(63),
    /** Kubernetes version the cluster runs: validation refuses API versions it does not serve. */
    kubernetesVersion: z.union([z.string(), z.number()])
      // YAML reads an unquoted 1.30 as the number 1.3: say so rather than "expected string".
      .refine((v) => typeof v === 'string', { error: 'must be a quoted Kubernetes version such as "1.30" (unquoted, 1.30 reads as the number 1.3)', abort: true })
      .refine((v) => /^1\.\d{1,2}$/.test(String(v)), { error: 'must be a Kubernetes minor version such as "1.30"', abort: true })
      .refine((v) => Number(String(v).split('.')[1]) >= 28, { error: 'must be 1.28 or later: the platform supports Kubernetes 1.28 and newer' })
      .transform(String)
      .default(OLDEST_KUBERNETES_VERSION),
    server: z.string().max(2048, { error: 'must be at most 2048 characters' })
      .regex(/^https:\/\/\S+$/, { error: 'must be an https:// URL of the Kubernetes API server' }).refine(noControl, noControlError),
  }),
  /** Where Argo CD runs (the management cluster). */
  argocd: z.strictObject({
    namespace: dnsLabel(63).refine((n) => !n.startsWith('tenant-') && !([D.platformNamespace, D.hooksNamespace] as string[]).includes(n), {
      error: `must be a namespace of its own: not tenant-* nor ${D.platformNamespace} or ${D.hooksNamespace} (the Applications would be pruned with it)`,
    }).default(DEFAULT_ARGOCD_NAMESPACE),
  }).default({ namespace: DEFAULT_ARGOCD_NAMESPACE }),
  /** The envs repo Argo CD pulls the rendered manifests from. */
  repo: z.strictObject({
    url: gitUrl,
    revision: plainText(255).refine((r) => /^[A-Za-z0-9][A-Za-z0-9._\/-]*$/.test(r) && !r.includes('..') && !r.endsWith('.lock') && !r.endsWith('/'), {
      error: 'must be a branch, tag or commit name (letters, digits, ".", "_", "/", "-"; no "..")',
    }),
    /** Where Argo CD's credentials for this repository are in the secret store (never the values): see docs/repo-credentials.md. */
    credentials: repoCredentials.optional(),
    /**
     * The keys trusted to sign the envs repo's commits (SSH public keys): when named, `audit` and
     * `publish` report a commit of this environment's folder that none of them signed (docs/audit.md).
     */
    signers: z.array(envsSigner).min(1, { error: 'must name at least one key (leave signers out to check no signatures)' })
      .max(50, { error: 'must name at most 50 keys' }).optional(),
  }),
  /** Ingress settings shared by every Ingress of the environment. */
  ingress: z.strictObject({
    className: dnsLabel(63).default(D.ingressClassName),
    clusterIssuer: dnsLabel(63).default(D.clusterIssuer),
    controllerNamespace: dnsLabel(63).default(D.ingressControllerNamespace),
    /** The ingress controller's Service (HTTPS on 443) in controllerNamespace: the gateway smoke tests reach tenant hosts through it. */
    controllerService: dnsLabel(63).default(D.ingressControllerService),
    /** How cert-manager solves the issuer's ACME challenge: http01 needs solver pods reachable from the ingress controller. */
    acmeSolver: z.enum(['http01', 'dns01']).default(D.acmeSolver),
  }).default({ className: D.ingressClassName, clusterIssuer: D.clusterIssuer, controllerNamespace: D.ingressControllerNamespace, controllerService: D.ingressControllerService, acmeSolver: D.acmeSolver }),
  /** The cluster's Prometheus Operator: where it runs and which labels its Prometheus selects PodMonitors by. */
  monitoring: z.strictObject({
    namespace: dnsLabel(63).default(D.monitoringNamespace),
    podMonitorLabels: z.record(
      z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, { error: 'must be a label key' }),
      z.string().max(63, { error: 'must be at most 63 characters' }).regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, { error: 'must be a label value: letters, digits, "-", "_", ".", starting and ending with a letter or digit' }),
    ).optional(),
  }).default({ namespace: D.monitoringNamespace }),
  /** NodeLocal DNSCache: pods resolve names through this link-local address as well as kube-dns. */
  nodeLocalDns: z.string().regex(/^169\.254\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/, { error: 'must be a link-local IPv4 address such as 169.254.20.10' }).optional(),
  /** Image registry and repository prefix, e.g. `ghcr.io/stoa-platform`. */
  registry: z.string().max(200).regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, {
    error: 'must be a registry host with an optional path, e.g. ghcr.io/stoa-platform',
  }),
  /** Platform components of this environment beyond the catalog's (name: how it runs); each needs a version in `components`. */
  extraComponents: z.record(z.string(), extraComponent).optional(),
  /** Pinned version of every platform component: the catalog's and `extraComponents`. */
  components: z.record(z.string(), imageVersion),
  /**
   * Versions set here directly instead of by promotion (`set-image --hotfix`), each with why.
   * `check-promotions` accepts exactly these versions without their source environment;
   * promoting from the source over a component drops its record.
   */
  hotfixes: z.record(z.string(), z.strictObject({
    version: imageVersion,
    reason: reasonText,
  })).optional(),
  /** Prometheus URL, for canary analysis and KEDA triggers. */
  prometheus: httpUrl.optional(),
  /** Canary delivery for tenant gateways (needs prometheus). */
  canary: z.strictObject({
    enabled: z.boolean().default(false),
    successRate: z.number().gt(0, { error: 'must be greater than 0' }).max(1, { error: 'must be at most 1' }).optional(),
    pause: z.string().regex(/^[1-9]\d{0,3}[smh]$/, { error: 'must be a duration from 1 to 9999 seconds, minutes or hours, such as 30s, 5m or 1h' }).optional(),
    steps: z.array(z.number().int().min(1).max(100)).min(1).optional(),
  }).optional(),
  /** The ClusterSecretStore that tenant secrets are read from. */
  secretStore: secretStore.optional(),
  /** Where the AWX token of tenant hooks is in the secret store. */
  awxToken: z.strictObject({
    /** The AWX the token belongs to: tenant hook URLs must be on it, so the token never goes anywhere else. */
    awxUrl: z.string().max(2048).regex(/^https:\/\/[a-z0-9.-]+(:\d{1,5})?\/?$/, { error: 'must be the https:// address of the AWX the token belongs to, e.g. https://awx.example.com (no path)' }),
    key: plainText(253),
    property: plainText(253).optional(),
    /** Vault role of the hooks namespace (Vault stores only). */
    vaultRole: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, { error: 'must be a Vault role name: letters, digits, ".", "_", "-"' }).optional(),
  }).optional(),
  /** The cluster's capacity for what this project runs (requests): `plan` reports a change that cannot be scheduled at max scale. */
  capacity: clusterCapacity.optional(),
  /** Sync only inside these windows (every project of the environment). */
  syncWindows: z.array(z.strictObject({
    schedule: z.string().max(253, { error: 'must be at most 253 characters' })
      .regex(/^(\S+ +){4}\S+$/, { error: 'must be a cron schedule with 5 fields, e.g. "0 8 * * 1-4"' }).refine(noControl, noControlError)
      .refine((c) => c.split(/ +/).every((f) => CRON_FIELD.test(f)), { error: 'must be a cron schedule: each field a number, name, *, range, list or step, e.g. "0 8 * * 1-4"' }),
    duration: z.string().regex(/^\d+[mh]$/, { error: 'must be a duration such as 90m or 10h' }),
    timeZone: plainText(253).refine(isTimeZone, { error: 'must be an IANA time zone such as Europe/Paris or UTC' }).optional(),
  })).optional(),
  /** Project roles: read-only viewers and a release group that may sync. */
  access: z.strictObject({ viewers: z.array(projectGroup).min(1), releasers: z.array(projectGroup).min(1) }).optional(),
  /** Argo CD notification subscriptions of every Application: failures, degraded health, drift, a stuck canary, a slow sync. */
  notifications: z.strictObject({
    service: dnsLabel(63),
    recipient: plainText(253),
    driftMinutes: z.number().int({ error: 'must be a whole number of minutes' }).min(1, { error: 'must be at least 1 minute' })
      .max(1440, { error: 'must be at most 1440 minutes (a day)' }).optional(),
    /** Minutes after its last sync an Application may stay Suspended or Progressing (a waiting canary). */
    stuckMinutes: z.number().int({ error: 'must be a whole number of minutes' }).min(1, { error: 'must be at least 1 minute' })
      .max(1440, { error: 'must be at most 1440 minutes (a day)' }).optional(),
    /** Minutes a sync may run before the slow-sync alert. */
    syncMinutes: z.number().int({ error: 'must be a whole number of minutes' }).min(1, { error: 'must be at least 1 minute' })
      .max(1440, { error: 'must be at most 1440 minutes (a day)' }).optional(),
  }).optional(),
  /** The platform rules enforced at admission too (ValidatingAdmissionPolicies, Kubernetes 1.30+); false renders none. */
  admission: z.union([z.literal(false), z.strictObject({
    argocdUsers: z.array(kubernetesUser).min(1).optional(),
    secretWriters: z.array(kubernetesUser).optional(),
    controllers: z.array(kubernetesUser).optional(),
    breakGlassGroups: z.array(kubernetesUser).optional(),
  })]).optional(),
  /** Render the Grafana dashboards (ConfigMaps for Grafana's sidecar in the monitoring namespace). */
  dashboards: z.boolean().optional(),
  /** The control plane's webhook, told when each tenant is synced and healthy. */
  tenantReady: z.strictObject({
    url: webhookUrl,
    service: dnsLabel(63).optional(),
    tokenKey: z.string().max(253, { error: 'must be at most 253 characters' })
      .regex(/^[-._A-Za-z0-9]+$/, { error: 'must be a Secret key: letters, digits, "-", "_", "."' }).optional(),
  }).optional(),
  /** The cluster's pod and service CIDRs, kept out of tenants' HTTPS egress. */
  internalCidrs: z.array(z.string().refine(isIpv4Cidr, { error: 'must be an IPv4 CIDR such as 10.0.0.0/8 (octets 0-255, prefix 0-32)' })
    .refine((c) => !c.endsWith('/0'), { error: 'must not be a /0: the cluster is not the whole internet (tenants would lose all HTTPS egress)' })).optional(),
  /** One Application per tenant, or one ApplicationSet over the tenant folders. */
  tenantApplications: z.enum(['applications', 'applicationset']).default('applications'),
  /** Only a person deletes a tenant's Application (always so when read-only); for a switch of tenantApplications. */
  keepTenantApplications: z.boolean().optional(),
  /** A short-lived environment `pr-<number>` in this cluster for each labelled pull request (full environments only). */
  previews: previewSettings.optional(),
});

/** Schema of `environments/<name>.yaml` for an environment that may run the components of `catalog` (and its own `extraComponents`). */
export function environmentFileSchemaFor(catalog: ComponentCatalog) {
  return environmentFileFields.superRefine((env, ctx) => {
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
  if (/^https:\/\/[^/@]*:[^/@]*@/.test(url)) {
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
