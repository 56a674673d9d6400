import { containersOf, environmentOf, PolicyRule } from '../policy';
import { list } from '../model/fields';
import { compareFindings, describeObject, Finding } from '../model/findings';
import { isTenantNamespace, namespaceLabelsOf } from '../model/namespaces';
import { indexOf } from '../model/context-index';
import { namespaceResolver } from '../model/output-index';
import { podTemplatesOf } from '../model/workloads';

/*
 * Pod Security admission (the Pod Security Standards, as Kubernetes 1.25+ enforces them with the
 * `pod-security.kubernetes.io/enforce` namespace label). A workload whose pod template breaks the
 * namespace's level is accepted, but every pod it tries to create is refused: the Deployment never
 * becomes available, the hook Job never starts, and the sync waits or fails.
 */

/** The levels, least strict first. */
type Level = 'privileged' | 'baseline' | 'restricted';

const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

/** Capabilities a baseline pod may add. */
const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

/** Volume types a restricted pod may use. */
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

/** What the baseline level forbids in a pod spec. */
function baselineProblems(pod: any): string[] {
  const out: string[] = [];
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (pod?.[field] === true) out.push(`${field}: true`);
  for (const v of list(pod?.volumes)) if (v?.hostPath) out.push(`hostPath volume "${v.name}"`);
  if (pod?.securityContext?.seccompProfile?.type === 'Unconfined') out.push('seccompProfile Unconfined on the pod');
  for (const c of containersOf(pod)) {
    const sc = c.securityContext ?? {};
    if (sc.privileged === true) out.push(`container "${c.name}": privileged`);
    for (const cap of list(sc.capabilities?.add)) if (!BASELINE_CAPABILITIES.has(cap)) out.push(`container "${c.name}": adds capability ${cap}`);
    for (const p of list(c.ports)) if (p?.hostPort) out.push(`container "${c.name}": hostPort ${p.hostPort}`);
    if (sc.seccompProfile?.type === 'Unconfined') out.push(`container "${c.name}": seccompProfile Unconfined`);
    if (sc.procMount !== undefined && sc.procMount !== 'Default') out.push(`container "${c.name}": procMount ${sc.procMount}`);
  }
  return out;
}

/** What the restricted level forbids on top of baseline. */
function restrictedProblems(pod: any): string[] {
  const out: string[] = [];
  for (const v of list(pod?.volumes)) {
    const type = Object.keys(v ?? {}).find((k) => k !== 'name');
    if (type !== undefined && !RESTRICTED_VOLUMES.has(type)) out.push(`volume "${v.name}" of type ${type}`);
  }
  const podSc = pod?.securityContext ?? {};
  if (podSc.runAsUser === 0) out.push('runAsUser 0 on the pod');
  const podSeccomp = podSc.seccompProfile?.type;
  for (const c of containersOf(pod)) {
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) out.push(`container "${c.name}": allowPrivilegeEscalation is not false`);
    if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) out.push(`container "${c.name}": runAsNonRoot is not true (pod or container)`);
    if (sc.runAsUser === 0) out.push(`container "${c.name}": runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`container "${c.name}": seccompProfile is not RuntimeDefault or Localhost (pod or container)`);
    if (!list(sc.capabilities?.drop).includes('ALL')) out.push(`container "${c.name}": capabilities do not drop ALL`);
    for (const cap of list(sc.capabilities?.add)) if (cap !== 'NET_BIND_SERVICE') out.push(`container "${c.name}": adds capability ${cap}`);
  }
  return out;
}

function levelOf(labels: Readonly<Record<string, string>>): Level {
  const level = labels[ENFORCE_LABEL];
  return level === 'baseline' || level === 'restricted' ? level : 'privileged';
}

const STRICTNESS: Readonly<Record<Level, number>> = { privileged: 0, baseline: 1, restricted: 2 };

/** The level the platform requires of a namespace: tenants' must enforce restricted; any other is held to at least baseline. */
function requiredLevel(tenant: boolean): Level {
  return tenant ? 'restricted' : 'baseline';
}

/** What the pods of a namespace that enforces `level` must meet: that level, plus everything below it. */
function problemsAt(level: Level, pod: any): string[] {
  if (level === 'privileged') return [];
  // A capability both levels refuse is said once.
  return [...new Set([...baselineProblems(pod), ...(level === 'restricted' ? restrictedProblems(pod) : [])])];
}

function enforcedText(labels: Readonly<Record<string, string>> | undefined): string {
  const value = labels?.[ENFORCE_LABEL];
  return value === undefined ? 'no Pod Security level' : `Pod Security "${value}"`;
}

/**
 * Every pod template meets the Pod Security level its namespace enforces (the namespace's
 * `pod-security.kubernetes.io/enforce` label, from its Namespace manifest in the output):
 * otherwise admission refuses each of its pods. The platform also sets a floor: a tenant
 * namespace ({@link isTenantNamespace}) must enforce `restricted` (its Namespace manifest is
 * reported otherwise, and its pods are held to `restricted` anyway), and the pods of any other
 * namespace that enforces less than `baseline` (no label, or `privileged`) are held to `baseline`:
 * no privileged containers, host namespaces, hostPath volumes or added capabilities beyond
 * baseline's, wherever the output runs pods.
 */
export const podSecurity: PolicyRule = {
  id: 'pod-security',
  reason: 'every pod template meets the Pod Security level its namespace enforces (tenant namespaces must enforce restricted; any other is held to at least baseline), or admission refuses every pod it creates',
  check: (context) => {
    const index = indexOf(context);
    const namespaceOf = namespaceResolver(index.destinations());
    const manifests = new Map<string, Readonly<Record<string, string>>>();
    const out: Finding[] = [];
    for (const [env, { byKind, namespaceLabels }] of index.environments) {
      for (const [name, labels] of namespaceLabels) manifests.set(`${env}/${name}`, labels);
      for (const ns of byKind.get('Namespace') ?? []) {
        const labels = manifests.get(`${env}/${ns.object.metadata.name}`)!;
        if (!isTenantNamespace(ns.object.metadata.name, labels)) continue;
        // An old pinned version enforces that version's (weaker) standard: restricted of v1.22 allows what today's refuses.
        const version = labels[`${ENFORCE_LABEL}-version`];
        if (version !== undefined && version !== 'latest') {
          out.push({ file: ns.path, message: `Namespace ${ns.object.metadata.name} is a tenant's and pins ${ENFORCE_LABEL}-version: ${version}: tenant namespaces enforce the latest standard (omit the label or set "latest")` });
        }
        if (levelOf(labels) === 'restricted') continue;
        out.push({
          file: ns.path,
          message: `Namespace ${ns.object.metadata.name} is a tenant's and enforces ${enforcedText(labels)}: tenant namespaces must enforce "restricted" `
            + `(label ${ENFORCE_LABEL}: restricted), or a tenant's pods could run privileged, on the host's namespaces or with hostPath volumes`,
        });
      }
    }
    for (const t of podTemplatesOf(index.workloads, namespaceOf)) {
      const labels = manifests.get(`${environmentOf(t.source.path)}/${t.namespace}`);
      const enforced = labels ? levelOf(labels) : 'privileged';
      const required = requiredLevel(isTenantNamespace(t.namespace, labels ?? namespaceLabelsOf(t.namespace)));
      const level = STRICTNESS[required] > STRICTNESS[enforced] ? required : enforced;
      const problems = problemsAt(level, t.spec);
      if (problems.length === 0) continue;
      const why = level === enforced
        ? `namespace ${t.namespace} enforces Pod Security "${level}", which refuses its pods`
        : `namespace ${t.namespace} enforces ${enforcedText(labels)}, but the platform holds ${level === 'restricted' ? 'a tenant namespace to' : 'every namespace to at least'} "${level}", which refuses its pods`;
      out.push({ file: t.source.path, message: `${describeObject(t.source, t.namespace)}: ${why}: ${problems.join('; ')}` });
    }
    return out.sort(compareFindings);
  },
};
