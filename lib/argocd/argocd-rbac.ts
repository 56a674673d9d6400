
/*
 * Who may do what in Argo CD, as ONE model (projectRoleModels): the environment-wide roles read-only
 * and release (the environment's `access` groups) and a tenant's owner role. Each AppProject's
 * `spec.roles` is rendered from it, and so is the environment's `policy.<env>.csv` in argocd-rbac-cm,
 * which holds the environment-wide roles only, once, on every project of the environment (`<env>-*`):
 * it depends on the environment file alone, never on the tenants, so every render unit of the
 * environment writes it byte for byte the same. A tenant's owners get their tenant through its
 * AppProject's owner role only (Argo CD binds a project role's groups to the SSO group claims).
 * The rule `argocd-rbac-agrees` checks that the rendered two still say the same thing.
 */

/** Who may do what in a project, by SSO group. */
export interface ProjectAccess {
  /** Groups that may see the project's Applications (read-only). */
  readonly viewers: readonly string[];
  /** Groups that may also sync them (the release group). */
  readonly releasers: readonly string[];
}

/** Name of Argo CD's RBAC ConfigMap. */
export const RBAC_CONFIGMAP = 'argocd-rbac-cm';

/**
 * The role of every logged-in person who is in none of the groups the policies name. A role of our
 * own that grants nothing: Argo CD's `role:readonly` would let everyone read every Application and
 * its pods' logs in every environment (`*\/*`), prod and every tenant included. Operators may give it
 * grants in `policy.csv`, which is theirs.
 */
export const DEFAULT_RBAC_ROLE = 'role:stoa-default';

/**
 * The keys of argocd-rbac-cm that one Argo CD serving every environment shares: every environment's
 * patch carries them, identical, and merging any of them leaves the same value.
 * - `policy.default`: {@link DEFAULT_RBAC_ROLE}.
 * - `policy.matchMode`: glob, the way the policies are written and checked.
 * - `scopes`: `groups` and `email`, so a tenant's `owners.users` (e-mail addresses) match as subjects.
 */
export const SHARED_RBAC_SETTINGS: Readonly<Record<string, string>> = {
  'policy.default': DEFAULT_RBAC_ROLE,
  'policy.matchMode': 'glob',
  'scopes': '[groups, email]',
};

/** The argocd-rbac-cm key of an environment's own policy: Argo CD appends every `policy.<name>.csv` after `policy.csv`. */
export function rbacPolicyKey(env: string): string {
  return `policy.${env}.csv`;
}

/**
 * The Argo CD resource actions (built into Argo CD for `argoproj.io/Rollout`) a releaser may run:
 * continue a paused canary (`resume`: `kubectl argo rollouts promote`), promote it fully, abort it
 * and retry it after an abort. Not `restart`, `pause` or `skip-current-step`, and no wildcard: an
 * action writes to the cluster as Argo CD, which admission cannot tell from a sync.
 */
export const RELEASE_ROLLOUT_ACTIONS: readonly string[] = ['resume', 'promote-full', 'abort', 'retry'];

/** One grant of a project role, on every Application of its project: an Argo CD RBAC resource and action. */
export interface RbacPermission {
  /** `applications` or `logs`. */
  readonly resource: string;
  /** `get`, `sync`, `action/<group>/<kind>/<action>`. */
  readonly action: string;
}

/** A role on one AppProject: who may do what on its Applications. */
export interface ProjectRoleModel {
  /** Role name, e.g. `owner`. */
  readonly name: string;
  /** Shown in the Argo CD UI. */
  readonly description: string;
  /** SSO groups, and users by e-mail (the `email` scope), bound to the role. */
  readonly subjects: readonly string[];
  /** What the role grants. */
  readonly permissions: readonly RbacPermission[];
}

/** A tenant's owners in its AppProject: the `owner` role. */
export interface ProjectOwners {
  /** SSO groups and users (e-mail addresses, matched through the `email` scope) who own the project's Applications. */
  readonly subjects: readonly string[];
  /**
   * Whether they may also sync their Applications and run the named Rollout actions (full environments);
   * otherwise they may only see them and their logs (read-only environments).
   * @default false
   */
  readonly operate?: boolean;
}

const get: RbacPermission = { resource: 'applications', action: 'get' };
const logs: RbacPermission = { resource: 'logs', action: 'get' };
const sync: RbacPermission = { resource: 'applications', action: 'sync' };
const rollouts: RbacPermission[] = RELEASE_ROLLOUT_ACTIONS.map((a) => ({ resource: 'applications', action: `action/argoproj.io/Rollout/${a}` }));

/**
 * The roles of a project. Nobody gets create, update, delete, override (a sync of manifests that are
 * not in git) or exec: what Argo CD writes comes from git, and in a read-only environment (prod) only
 * the `access.releasers` sync.
 */
export function projectRoleModels(access: ProjectAccess | undefined, owners: ProjectOwners | undefined): ProjectRoleModel[] {
  const roles: ProjectRoleModel[] = [];
  if (access) {
    roles.push({ name: 'read-only', description: 'See the applications of this project', subjects: [...access.viewers], permissions: [get] });
    roles.push({
      name: 'release',
      description: 'See and sync the applications of this project, and promote, resume or abort their canaries',
      subjects: [...access.releasers],
      // A canary paused on an inconclusive analysis waits for a person: releasers are that person.
      permissions: [get, sync, ...rollouts],
    });
  }
  if (owners && owners.subjects.length > 0) {
    roles.push(owners.operate
      ? { name: 'owner', description: "The tenant's owners: see, sync and read the logs of its applications, and promote or abort its canary", subjects: [...owners.subjects], permissions: [get, logs, sync, ...rollouts] }
      : { name: 'owner', description: "The tenant's owners: see its applications and read their logs", subjects: [...owners.subjects], permissions: [get, logs] });
  }
  return roles;
}

/** The Casbin line of one permission of a role; `subject` is `proj:<project>:<role>` or `role:<env>:<role>`, `project` a project or a glob of projects. */
function policyLine(subject: string, project: string, p: RbacPermission): string {
  return `p, ${subject}, ${p.resource}, ${p.action}, ${project}/*, allow`;
}

/** A project role as AppProject `spec.roles` carries it. */
export function appProjectRole(project: string, role: ProjectRoleModel) {
  return {
    name: role.name,
    description: role.description,
    groups: [...role.subjects],
    policies: role.permissions.map((p) => policyLine(`proj:${project}:${role.name}`, project, p)),
  };
}

/**
 * The projects of environment `env` as a glob: `<env>-*`. Every AppProject of an environment is named
 * `<env>-...` (argoName), and no environment's name followed by `-` starts another's (checked at input),
 * so the glob reaches this environment's projects only, even in an Argo CD serving several.
 */
export function environmentProjects(env: string): string {
  return `${env}-*`;
}

/** The global role of an environment-wide role in `policy.<env>.csv`: `role:<env>:<role>` (e.g. `role:prod:release`). */
export function environmentRoleName(env: string, role: string): string {
  return `role:${env}:${role}`;
}

/** The environment-wide roles of `env` as `policy.<env>.csv` lines: each role's grants on `<env>-*`, then who has it. */
export function rbacPolicyLines(env: string, roles: readonly ProjectRoleModel[]): string[] {
  return roles.flatMap((role) => {
    const name = environmentRoleName(env, role.name);
    return [...role.permissions.map((p) => policyLine(name, environmentProjects(env), p)), ...role.subjects.map((s) => `g, ${s}, ${name}`)];
  });
}

/**
 * `policy.<env>.csv`: a header, then the environment-wide roles of `access` (read-only, release), rendered by
 * the same {@link projectRoleModels} as every AppProject's roles, on every project of the environment. Without
 * `access`, the header only: the key stays, so a merge patch still replaces the lines an earlier `access` wrote.
 * Never the tenants' owner roles (their AppProjects carry them): the value depends on the environment file only.
 */
export function rbacPolicyCsv(env: string, access: ProjectAccess | undefined): string {
  const lines = [
    `# ${env}: generated by stoa-manifests from the environment file (access). The environment-wide roles, on every`,
    `# project of ${env} (${environmentProjects(env)}), each the same as the role of that name on every AppProject of ${env};`,
    "# a tenant's owners are in its AppProject's owner role only. A hand edit is refused by validate.",
    ...rbacPolicyLines(env, projectRoleModels(access, undefined)),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Prefixes a subject must not have: Kubernetes' `system:` (everyone, machines), and Argo CD's own role
 * names: `g, role:readonly, role:x` would give role x to everyone who has role:readonly.
 */
export const RESERVED_SUBJECT_PREFIXES: readonly string[] = ['system:', 'role:', 'proj:'];

/**
 * Why `subject` cannot be written unescaped into a Casbin CSV line (`g, <subject>, <role>`) as a group
 * or user, or undefined when it can: a comma adds fields, a quote starts a quoted field, a line break
 * starts a new line, surrounding spaces change the name, `*` reads as everyone, and reserved prefixes
 * name roles or machines.
 */
export function rbacSubjectProblem(subject: string): string | undefined {
  if (subject.length === 0) return 'is empty';
  if (/[,"\r\n\u0085\u2028\u2029]/.test(subject) || /\p{Cc}/u.test(subject)) return 'contains a comma, a quote, a line break or a control character (Casbin CSV has no escaping here)';
  if (subject.trim() !== subject) return 'starts or ends with spaces';
  if (subject.includes('*')) return 'contains "*" (a wildcard subject reads as everyone)';
  const prefix = RESERVED_SUBJECT_PREFIXES.find((p) => subject.toLowerCase().startsWith(p));
  if (prefix) return `starts with "${prefix}" (${prefix === 'system:' ? 'a Kubernetes system user or group' : 'an Argo CD role name: its members would get this role too'})`;
  return undefined;
}
