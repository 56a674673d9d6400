import { DEFAULT_RBAC_ROLE, environmentProjects, environmentRoleName, RBAC_CONFIGMAP, rbacPolicyKey, rbacSubjectProblem } from '../../argocd/argocd-rbac';
import { TENANT_LABEL } from '../../config/names';
import { compareStrings } from '../../sort';
import { list, pushTo } from '../model/fields';
import { indexOf } from '../model/context-index';
import { folderOf } from '../model/output-index';
import { environmentOf, ObjectInFile, PolicyContext, PolicyRule } from '../policy';
import { readOnlyGrant } from './argo-projects';

/*
 * Argo CD's RBAC as rendered: each environment's argocd-rbac-cm patch in `<env>/argocd-config/`
 * (merged into the one argocd-rbac-cm of an Argo CD that may serve every environment), read from the
 * output, never from the constructs: `validate` also runs on folders made or edited by hand.
 */

/** One line of a Casbin policy as Argo CD reads it. */
export interface PolicyLine {
  /** 1-based line number in the key's value. */
  readonly line: number;
  /** The line, trimmed. */
  readonly text: string;
  /** Its fields (`p, sub, res, act, obj, eft` or `g, sub, role`), or undefined when Argo CD refuses the line. */
  readonly fields?: readonly string[];
  /** Why Argo CD refuses the line (it then refuses the whole policy). */
  readonly invalid?: string;
}

/**
 * The lines of a policy CSV as Argo CD reads them (util/rbac loadPolicyLine): each line trimmed; an
 * empty line or one starting with `#` is skipped; the fields are split by commas with leading spaces
 * trimmed (Go's csv reader with TrimLeadingSpace: a trailing space stays part of a field); a `p` line
 * has 6 fields, a `g` line 3. Quoted fields are refused here: nothing rendered is quoted, and a quote
 * is how a field smuggles a comma.
 */
export function parsePolicyCsv(text: string): PolicyLine[] {
  const out: PolicyLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (line.includes('"')) {
      out.push({ line: i + 1, text: line, invalid: 'has a quote (a quoted field can hold commas and line breaks): the generated policy quotes nothing' });
      return;
    }
    const fields = line.split(',').map((f) => f.trimStart());
    const [type] = fields;
    if (!((type === 'p' && fields.length === 6) || (type === 'g' && fields.length === 3))) {
      out.push({ line: i + 1, text: line, invalid: 'is neither "p, <subject>, <resource>, <action>, <object>, <effect>" nor "g, <subject>, <role>": Argo CD refuses the whole policy' });
      return;
    }
    out.push({ line: i + 1, text: line, fields });
  });
  return out;
}

/** Roles built into Argo CD, each granting on every project (`*\/*`): never given to a subject or made the default here. */
const BUILTIN_ROLES = ['role:admin', 'role:readonly'];

/** Each environment's argocd-rbac-cm patch (directly in `<env>/argocd-config/`). */
function rbacConfigMaps(context: PolicyContext): Map<string, { file: string; data: Record<string, unknown> }> {
  const out = new Map<string, { file: string; data: Record<string, unknown> }>();
  for (const o of indexOf(context).ofKind('ConfigMap')) {
    const env = environmentOf(o.path);
    if (o.object.metadata.name === RBAC_CONFIGMAP && folderOf(o.path) === `${env}/argocd-config`) {
      const data = (o.object as any).data;
      out.set(env, { file: o.path, data: data !== null && typeof data === 'object' ? data : {} });
    }
  }
  return out;
}

/** The AppProjects of each environment. */
function projectsByEnvironment(context: PolicyContext): Map<string, ObjectInFile[]> {
  const out = new Map<string, ObjectInFile[]>();
  for (const p of indexOf(context).ofKind('AppProject')) pushTo(out, environmentOf(p.path), p);
  return out;
}

/**
 * `argocd-rbac-settings`: the environments' argocd-rbac-cm patches merge into one ConfigMap without
 * taking anything from each other: no `policy.csv` (the install's), no other environment's
 * `policy.<env>.csv`, and every other key identical in every environment; the default role grants
 * nothing on every project (not a built-in role) and policies match as globs.
 */
export const argocdRbacSettings: PolicyRule = {
  id: 'argocd-rbac-settings',
  reason: "each environment's argocd-rbac-cm patch writes only its own policy.<env>.csv and keys identical in every environment (one Argo CD merges them all), never policy.csv, and no built-in role (admin, readonly: every project) as the default",
  check: (context) => {
    const maps = rbacConfigMaps(context);
    const out: Array<{ file: string; message: string }> = [];
    const shared = new Map<string, Map<string, string[]>>();
    for (const [env, { file, data }] of maps) {
      for (const [key, value] of Object.entries(data)) {
        if (key === 'policy.csv') {
          out.push({ file, message: `writes policy.csv, which belongs to the Argo CD install (its operators): the patch would replace it; the environment's policy goes in ${rbacPolicyKey(env)}` });
          continue;
        }
        if (key === rbacPolicyKey(env)) continue;
        if (key.startsWith('policy.') && key.endsWith('.csv')) {
          out.push({ file, message: `writes ${key}, which is not environment ${env}'s own key (${rbacPolicyKey(env)}): merged into the one argocd-rbac-cm, it would replace another environment's policy` });
          continue;
        }
        const values = shared.get(key) ?? new Map<string, string[]>();
        shared.set(key, values);
        pushTo(values, String(value), file);
      }
      const fallback = String(data['policy.default'] ?? '');
      if (BUILTIN_ROLES.includes(fallback)) {
        out.push({ file, message: `policy.default is ${fallback}: every person who logs in would get it on every project of every environment, prod and every tenant included (use ${DEFAULT_RBAC_ROLE}, which grants nothing)` });
      }
      const mode = data['policy.matchMode'];
      if (mode !== undefined && mode !== 'glob') {
        out.push({ file, message: `policy.matchMode is "${String(mode)}": the policies are written and checked as globs` });
      }
    }
    const files = [...maps.values()].map((m) => m.file);
    for (const [key, values] of [...shared].sort(([a], [b]) => compareStrings(a, b))) {
      const holders = new Set([...values.values()].flat());
      if (values.size === 1 && holders.size === files.length) continue;
      const seen = [...values].map(([v, fs]) => `${JSON.stringify(v)} in ${fs.join(', ')}`);
      const missing = files.filter((f) => !holders.has(f));
      for (const file of files) {
        out.push({ file, message: `key ${key} differs between the environments (${[...seen, ...(missing.length ? [`absent in ${missing.join(', ')}`] : [])].join('; ')}): one Argo CD merges every environment's patch, so the last one applied would decide for all` });
      }
    }
    return out;
  },
};

/**
 * `argocd-rbac-lines`: each line of an environment's `policy.<env>.csv` reads as Argo CD reads it,
 * names no wildcard or reserved subject, grants on its own environment's projects only (one Argo CD
 * serves them all: every project `<env>-*`, or one of them by name; never a project of another
 * environment, even one the glob would reach), no `*` resource or action, and in a read-only
 * environment nothing that writes.
 */
export const argocdRbacLines: PolicyRule = {
  id: 'argocd-rbac-lines',
  reason: "every line of policy.<env>.csv is valid Casbin, binds named subjects (no wildcard, no system:, role: or proj: member) to roles of its own, grants on its environment's AppProjects only (<env>-*/* or one of them by name), no * resource or action, and in read-only environments (prod) no create, update, delete, override or exec",
  check: (context) => {
    const projects = projectsByEnvironment(context);
    const out: Array<{ file: string; message: string }> = [];
    for (const [env, { file, data }] of rbacConfigMaps(context)) {
      const key = rbacPolicyKey(env);
      const text = data[key];
      if (text === undefined) continue;
      const names = new Set((projects.get(env) ?? []).map((p) => String(p.object.metadata.name)));
      const readOnly = context.readOnlyEnvironments.has(env);
      const refuse = (l: PolicyLine, problem: string) => out.push({ file, message: `${key} line ${l.line} ("${l.text}") ${problem}` });
      for (const l of parsePolicyCsv(String(text))) {
        if (!l.fields) {
          refuse(l, l.invalid!);
          continue;
        }
        const [type, subject, third, action, object, effect] = l.fields;
        if (type === 'g') {
          const problem = rbacSubjectProblem(subject);
          if (problem) refuse(l, `binds subject "${subject}", which ${problem}`);
          if (!third.startsWith('role:') || third.includes('*')) refuse(l, `binds to "${third}", not a role of its own (role:<project>:<role>)`);
          else if (BUILTIN_ROLES.includes(third)) refuse(l, `binds to built-in ${third}, which grants on every project of every environment`);
          continue;
        }
        if (subject.includes('*')) refuse(l, 'has a wildcard subject: it grants to every subject');
        if (effect !== 'allow' && effect !== 'deny') refuse(l, `has effect "${effect}": Casbin reads neither allow nor deny`);
        if (third.includes('*')) refuse(l, `grants every resource matching "${third}": name the resource (applications, logs)`);
        if (action.includes('*') && !action.startsWith('action/')) refuse(l, `grants every action matching "${action}" (sync, delete, override, ...): name each action`);
        const project = object.includes('/') ? object.slice(0, object.indexOf('/')) : object;
        if (object === `${environmentProjects(env)}/*`) {
          // Every project of the environment: none of another environment may be named <env>-... (checked at input too).
          const reached = [...projects].filter(([other]) => other !== env)
            .flatMap(([other, ps]) => ps.map((p) => String(p.object.metadata.name)).filter((n) => n.startsWith(`${env}-`)).map((n) => `${n} (${other})`));
          if (reached.length > 0) refuse(l, `reaches "${object}", which also matches AppProjects of other environments: ${reached.join(', ')}`);
        } else if (project.includes('*') || !names.has(project)) {
          refuse(l, `reaches "${object}", not the Applications of ${env}'s AppProjects (${environmentProjects(env)}/*, or one of them by name): one Argo CD serves every environment, so a line of ${key} must name its own projects`);
        }
        if (readOnly && effect === 'allow') {
          const problem = readOnlyGrant(l.text);
          if (problem) refuse(l, `${problem}: in read-only environment ${env} changes go through git and a sync`);
        }
      }
    }
    return out;
  },
};

/** A grant of an environment-wide role: `subject` may do `action` on `resource` of a project's Applications. */
const grantKey = (subject: string, resource: string, action: string) => `${subject}\0${resource}\0${action}`;
const describe = (key: string, object: string) => {
  const [subject, resource, action] = key.split('\0');
  return `${subject} may ${resource === 'applications' ? '' : `${resource} `}${action} ${object}`;
};

/** The role of a tenant's owners: on its tenant's AppProject only, never in `policy.<env>.csv`. */
const OWNER_ROLE = 'owner';

/** An environment-wide role as `policy.<env>.csv` says it: its grants (with the line that gives each) and where it is first named. */
interface CsvRole {
  readonly line: number;
  readonly text: string;
  readonly grants: Map<string, { line: number; text: string }>;
}

/** An AppProject as its roles say it: role name to its grants on the project's own Applications. */
interface ProjectRoles {
  readonly file: string;
  readonly name: string;
  readonly roles: Map<string, Set<string>>;
}

/**
 * `argocd-rbac-agrees`: an environment's `policy.<env>.csv` holds the environment-wide roles only, and
 * they agree with its AppProjects' roles: each role `role:<env>:<role>` of the CSV is the role `<role>`
 * (`read-only`, `release`) of every AppProject of the environment, with the same groups and the same
 * grants on that project's Applications; every AppProject role but `owner` is in the CSV. A tenant's
 * `owner` role is never in the CSV (the CSV would depend on the tenants, and the environment's render
 * units would disagree on it), is on a tenant's AppProject (label `stoa.io/tenant`) and grants on that
 * project only. Both sides are generated from one model; a hand edit, or a library user's construct,
 * that says otherwise on one side is refused.
 */
export const argocdRbacAgrees: PolicyRule = {
  id: 'argocd-rbac-agrees',
  reason: "policy.<env>.csv of argocd-rbac-cm holds the environment's environment-wide roles only (never a tenant's owner role), each the same role, with the same groups and grants, on every AppProject of the environment, and every AppProject role but a tenant's owner role is in it: one model renders both",
  check: (context) => {
    const maps = rbacConfigMaps(context);
    const out: Array<{ file: string; message: string }> = [];
    for (const [env, objects] of projectsByEnvironment(context)) {
      const cm = maps.get(env);
      const key = rbacPolicyKey(env);
      const everywhere = `${environmentProjects(env)}/*`;
      const rolePrefix = environmentRoleName(env, '');

      // The AppProjects' side: each role's grants on its own project's Applications (allow lines), per group.
      const projects: ProjectRoles[] = [];
      for (const p of [...objects].sort((a, b) => compareStrings(a.path, b.path))) {
        const name = String(p.object.metadata.name);
        const tenant = (p.object.metadata.labels as Record<string, string> | undefined)?.[TENANT_LABEL];
        const roles = new Map<string, Set<string>>();
        for (const role of list((p.object.spec as any)?.roles)) {
          const roleName = String(role?.name);
          const grants = new Set<string>();
          roles.set(roleName, grants);
          if (roleName === OWNER_ROLE && tenant === undefined) {
            out.push({ file: p.path, message: `AppProject "${name}" has an "${OWNER_ROLE}" role, but is not a tenant's AppProject (label ${TENANT_LABEL}): an owner role belongs to one tenant's project` });
          }
          for (const text of list(role?.policies)) {
            const f = String(text).split(',').map((x) => x.trim());
            if (f.length !== 6 || f[0] !== 'p' || f[5] !== 'allow') continue;
            if (f[4] !== `${name}/*`) {
              out.push({ file: p.path, message: `AppProject "${name}" role "${roleName}" policy "${String(text)}" grants on "${f[4]}", not on its own project's Applications (${name}/*)` });
              continue;
            }
            for (const group of list(role?.groups)) grants.add(grantKey(String(group), f[2], f[3]));
          }
        }
        projects.push({ file: p.path, name, roles });
      }

      // The CSV's side: the environment-wide roles role:<env>:<role> on <env>-*/*, with their g lines.
      const csv = new Map<string, CsvRole>();
      if (cm) {
        const refuse = (l: PolicyLine, problem: string) => out.push({ file: cm.file, message: `${key} line ${l.line} ("${l.text}") ${problem}` });
        const lines = parsePolicyCsv(String(cm.data[key] ?? '')).filter((l) => l.fields);
        const ownerRoles = new Set<string>();
        /** The environment-wide role a role name of the CSV is, or why it is none. */
        const roleOf = (l: PolicyLine, role: string): string | undefined => {
          const short = role.startsWith(rolePrefix) ? role.slice(rolePrefix.length) : undefined;
          if (role === OWNER_ROLE || role.endsWith(`:${OWNER_ROLE}`) || short === OWNER_ROLE) {
            if (!ownerRoles.has(role)) {
              ownerRoles.add(role);
              refuse(l, `names ${role}, a tenant's owner role: owners are bound by their tenant's AppProject role only, and a tenant in ${key} would make the file depend on the tenants (the render units of ${env} would disagree on it)`);
            }
            return undefined;
          }
          if (short === undefined || short === '' || short.includes(':')) {
            refuse(l, `names ${role}, not an environment-wide role of ${env} (${rolePrefix}<role>, the same as the role <role> of every AppProject of ${env})`);
            return undefined;
          }
          return short;
        };
        const grantsOf = new Map<string, PolicyLine[]>();
        for (const l of lines.filter((x) => x.fields![0] === 'p')) {
          const [, subject, , , object, effect] = l.fields!;
          if (!subject.startsWith('role:')) {
            if (effect === 'allow') refuse(l, `grants to ${subject} directly: ${key} grants through its environment-wide roles (${rolePrefix}<role>) only, as the AppProject roles do`);
            continue;
          }
          const role = roleOf(l, subject);
          if (role === undefined || effect !== 'allow') continue;
          if (object !== everywhere) {
            refuse(l, `grants on "${object}", not on every project of ${env} (${everywhere}): an environment-wide role is the same on every AppProject of ${env}`);
            continue;
          }
          if (!csv.has(role)) csv.set(role, { line: l.line, text: l.text, grants: new Map() });
          pushTo(grantsOf, role, l);
        }
        for (const l of lines.filter((x) => x.fields![0] === 'g')) {
          const [, subject, target] = l.fields!;
          const role = roleOf(l, target);
          if (role === undefined) continue;
          if (!csv.has(role)) csv.set(role, { line: l.line, text: l.text, grants: new Map() });
          for (const p of grantsOf.get(role) ?? []) {
            const k = grantKey(subject, p.fields![2], p.fields![3]);
            const grants = csv.get(role)!.grants;
            if (!grants.has(k)) grants.set(k, { line: l.line, text: `${l.text}" with line ${p.line} "${p.text}` });
          }
        }
      }

      // Compare, role by role and grant by grant: a difference every project shares is the CSV's (said once, there),
      // one some projects have is theirs.
      const names = new Set<string>([...csv.keys()]);
      for (const p of projects) for (const r of p.roles.keys()) if (r !== OWNER_ROLE) names.add(r);
      if (!cm) {
        const carrying = projects.filter((p) => [...p.roles.keys()].some((r) => r !== OWNER_ROLE));
        if (carrying.length > 0) {
          const roles = [...new Set(carrying.flatMap((p) => [...p.roles.keys()].filter((r) => r !== OWNER_ROLE)))].sort(compareStrings);
          out.push({ file: carrying[0].file, message: `AppProject "${carrying[0].name}" (and ${carrying.length - 1} other AppProjects of ${env}) has the environment-wide roles ${roles.map((r) => `"${r}"`).join(', ')}, but ${env}/argocd-config/ has no ${RBAC_CONFIGMAP} whose ${key} holds them` });
        }
        continue;
      }
      const roleName = (r: string) => environmentRoleName(env, r);
      for (const role of [...names].sort(compareStrings)) {
        const inCsv = csv.get(role);
        const keys = new Set<string>(inCsv ? inCsv.grants.keys() : []);
        for (const p of projects) for (const k of p.roles.get(role) ?? []) keys.add(k);
        if (inCsv) {
          // A project without the role: said once for the role, not grant by grant.
          const without = projects.filter((p) => !p.roles.has(role));
          if (without.length === projects.length && projects.length > 0) {
            out.push({ file: cm.file, message: `${key} line ${inCsv.line} ("${inCsv.text}"): ${roleName(role)} is an environment-wide role, but no AppProject of ${env} has a role "${role}" (the AppProject roles and ${key} are rendered from one model)` });
            continue;
          }
          for (const p of without) {
            out.push({ file: p.file, message: `AppProject "${p.name}" has no role "${role}", which ${key} of ${cm.file} (line ${inCsv.line}, ${roleName(role)}) gives on every project of ${env}: every AppProject of ${env} carries the environment-wide roles` });
          }
        }
        for (const k of [...keys].sort(compareStrings)) {
          const atCsv = inCsv?.grants.get(k);
          const holders = projects.filter((p) => p.roles.get(role)?.has(k));
          const carriers = projects.filter((p) => p.roles.has(role));
          if (atCsv) {
            const lacking = carriers.filter((p) => !holders.includes(p));
            if (holders.length === 0) {
              out.push({ file: cm.file, message: `${key} line ${atCsv.line} ("${atCsv.text}"): ${describe(k, everywhere)}, which role "${role}" of no AppProject of ${env} grants (the AppProject roles and ${key} are rendered from one model)` });
            } else {
              for (const p of lacking) {
                out.push({ file: p.file, message: `AppProject "${p.name}" role "${role}": does not let ${describe(k, `${p.name}/*`).replace(' may ', ' ')}, which ${key} of ${cm.file} (line ${atCsv.line}) gives on every project of ${env} (the AppProject roles and ${key} are rendered from one model)` });
              }
            }
          } else if (holders.length === projects.length && holders.length > 1) {
            out.push({ file: cm.file, message: `${key} does not let ${describe(k, everywhere).replace(' may ', ' ')}, which role "${role}" of every AppProject of ${env} grants (the AppProject roles and ${key} are rendered from one model)` });
          } else {
            for (const p of holders) {
              out.push({ file: p.file, message: `AppProject "${p.name}" role "${role}": ${describe(k, `${p.name}/*`)}, which ${key} of ${cm.file} does not grant (${roleName(role)}: the AppProject roles and ${key} are rendered from one model)` });
            }
          }
        }
      }
      // The CSV's roles reach the environment's projects by name: <env>-*.
      if (csv.size > 0) {
        for (const p of projects.filter((x) => !x.name.startsWith(`${env}-`))) {
          out.push({ file: p.file, message: `AppProject "${p.name}" is not named ${env}-...: the environment-wide roles of ${key} (${everywhere}) do not reach its Applications` });
        }
      }
    }
    return out;
  },
};
