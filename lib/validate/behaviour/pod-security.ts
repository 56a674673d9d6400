import { containersOf, environmentOf, PolicyRule } from '../policy';
import { list } from '../model/fields';
import { compareFindings, describeObject, Finding } from '../model/findings';
import { namespaceManifestLabels } from '../model/namespaces';
import { destinationsByFolder, namespaceResolver, objectsByEnvironment } from '../model/output-index';
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

/**
 * Every pod template meets the Pod Security level its namespace enforces (the namespace's
 * `pod-security.kubernetes.io/enforce` label, from its Namespace manifest in the output):
 * otherwise admission refuses each of its pods.
 */
export const podSecurity: PolicyRule = {
  id: 'pod-security',
  reason: 'every pod template meets the Pod Security level its namespace enforces, or admission refuses every pod it creates',
  check: (context) => {
    const namespaceOf = namespaceResolver(destinationsByFolder(context.applications));
    const levels = new Map<string, Level>();
    for (const [env, objects] of objectsByEnvironment(context.objects)) {
      for (const [name, labels] of namespaceManifestLabels(objects)) levels.set(`${env}/${name}`, levelOf(labels));
    }
    const out: Finding[] = [];
    for (const t of podTemplatesOf(context.objects, namespaceOf)) {
      const level = levels.get(`${environmentOf(t.source.path)}/${t.namespace}`) ?? 'privileged';
      if (level === 'privileged') continue;
      // A capability both levels refuse is said once.
      const problems = [...new Set([...baselineProblems(t.spec), ...(level === 'restricted' ? restrictedProblems(t.spec) : [])])];
      if (problems.length > 0) {
        out.push({ file: t.source.path, message: `${describeObject(t.source, t.namespace)}: namespace ${t.namespace} enforces Pod Security "${level}", which refuses its pods: ${problems.join('; ')}` });
      }
    }
    return out.sort(compareFindings);
  },
};
