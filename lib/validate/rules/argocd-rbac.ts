import { DEFAULT_RBAC_ROLE, RBAC_CONFIGMAP, rbacPolicyKey, rbacSubjectProblem } from '../../argocd/argocd-rbac';
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
 * serves them all), no `*` resource or action, and in a read-only environment nothing that writes.
 */
export const argocdRbacLines: PolicyRule = {
  id: 'argocd-rbac-lines',
  reason: "every line of policy.<env>.csv is valid Casbin, binds named subjects (no wildcard, no system:, role: or proj: member) to roles of its own, grants on its environment's AppProjects only, no * resource or action, and in read-only environments (prod) no create, update, delete, override or exec",
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
        if (project.includes('*') || !names.has(project)) {
          refuse(l, `reaches "${object}", not the Applications of one of ${env}'s AppProjects: one Argo CD serves every environment, so a line of ${key} must name its own projects`);
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

/** One grant: a subject (group or user) may do `action` on `resource` of `object`. */
const grantKey = (subject: string, resource: string, action: string, object: string) => `${subject}\0${resource}\0${action}\0${object}`;
const describe = (key: string) => {
  const [subject, resource, action, object] = key.split('\0');
  return `${subject} may ${resource === 'applications' ? '' : `${resource} `}${action} ${object}`;
};

/**
 * `argocd-rbac-agrees`: an environment's `policy.<env>.csv` and its AppProjects' roles grant exactly
 * the same: every (group or user, resource, action, object) allowed by a `g` line and its role's `p`
 * lines is allowed by a project role with that group, and every project role's grant is in the CSV.
 * Both are generated from one model; a hand edit, or a library user's construct, that says otherwise
 * on one side only is refused.
 */
export const argocdRbacAgrees: PolicyRule = {
  id: 'argocd-rbac-agrees',
  reason: "policy.<env>.csv of argocd-rbac-cm and the environment's AppProject roles grant exactly the same (who may do what on which project's Applications): one model renders both, so neither can say more or less than the other",
  check: (context) => {
    const maps = rbacConfigMaps(context);
    const out: Array<{ file: string; message: string }> = [];
    for (const [env, projects] of projectsByEnvironment(context)) {
      // What the project roles grant: g, <group>, proj:<p>:<role> with the role's allow policies.
      const fromProjects = new Map<string, string>();
      for (const p of projects) {
        const name = String(p.object.metadata.name);
        for (const role of list((p.object.spec as any)?.roles)) {
          const grants = list(role?.policies).map((t) => String(t).split(',').map((f) => f.trim()))
            .filter((f) => f.length === 6 && f[0] === 'p' && f[5] === 'allow');
          for (const group of list(role?.groups)) {
            for (const [, , resource, action, object] of grants) {
              const key = grantKey(String(group), resource, action, object);
              if (!fromProjects.has(key)) fromProjects.set(key, `${p.path}\0${name}\0${role?.name}`);
            }
          }
        }
      }
      const cm = maps.get(env);
      const key = rbacPolicyKey(env);
      // What the CSV grants: g, <subject>, <role> with the role's allow lines, and allow lines given to a subject directly.
      const fromCsv = new Map<string, { line: number; text: string }>();
      if (cm) {
        const lines = parsePolicyCsv(String(cm.data[key] ?? '')).filter((l) => l.fields);
        const roleGrants = new Map<string, PolicyLine[]>();
        for (const l of lines) if (l.fields![0] === 'p' && l.fields![5] === 'allow') pushTo(roleGrants, l.fields![1], l);
        const members = new Set<string>();
        for (const l of lines.filter((x) => x.fields![0] === 'g')) {
          const [, subject, role] = l.fields!;
          members.add(role);
          for (const p of roleGrants.get(role) ?? []) {
            const k = grantKey(subject, p.fields![2], p.fields![3], p.fields![4]);
            if (!fromCsv.has(k)) fromCsv.set(k, { line: l.line, text: `${l.text}" with line ${p.line} "${p.text}` });
          }
        }
        for (const [subject, grants] of roleGrants) {
          if (subject.startsWith('role:') || members.has(subject)) continue;
          for (const p of grants) {
            const k = grantKey(subject, p.fields![2], p.fields![3], p.fields![4]);
            if (!fromCsv.has(k)) fromCsv.set(k, { line: p.line, text: p.text });
          }
        }
      }
      for (const [k, at] of fromCsv) {
        if (!fromProjects.has(k)) {
          out.push({ file: cm!.file, message: `${key} line ${at.line} ("${at.text}"): ${describe(k)}, which no role of an AppProject of ${env} grants (the AppProject roles and ${key} are rendered from one model)` });
        }
      }
      for (const [k, where] of fromProjects) {
        if (fromCsv.has(k)) continue;
        const [file, project, role] = where.split('\0');
        out.push({
          file,
          message: cm
            ? `AppProject "${project}" role "${role}": ${describe(k)}, which ${key} of ${cm.file} does not grant (the AppProject roles and ${key} are rendered from one model)`
            : `AppProject "${project}" role "${role}": ${describe(k)}, but ${env}/argocd-config/ has no ${RBAC_CONFIGMAP} whose ${key} mirrors it`,
        });
      }
    }
    return out;
  },
};
