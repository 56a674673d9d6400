import { DNS_LABEL, DNS_SUBDOMAIN } from '../../config/names';
import { isStrictSubnet, parseCidr } from '../behaviour/network-flows/cidr';
import { labelsOf, list } from '../model/fields';
import { containersOf, PolicyRule, podSpecOf } from '../policy';

/*
 * What the API server's validation refuses but an OpenAPI schema cannot say (ranges, name and label
 * formats, CIDRs). One such value fails the apply of its object and so the whole sync wave.
 */

/** RFC 1035 label: a DNS label that starts with a letter (Service names become DNS names and environment variable names). */
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** Kinds whose names must be DNS labels (they become DNS names or label values); Services' must also start with a letter (RFC 1035). */
const LABEL_NAMED = new Set(['Namespace', 'Service']);
const RFC1035_NAMED = new Set(['Service']);
/** Kinds whose names the API server checks only for path safety (RBAC names may hold ':'). */
const PATH_NAMED = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
/** The API server's limit on the total size of an object's annotations. */
const MAX_ANNOTATION_BYTES = 256 * 1024;

/** A valid IPv4 or IPv6 CIDR, as the network-flow model parses them (`net.ParseCIDR` accepts host bits). */
export function isCidr(text: unknown): boolean {
  return typeof text === 'string' && parseCidr(text) !== undefined;
}

// The same few label and annotation keys recur on every object: each is checked once per process (bounded).
const keyProblems = new Map<string, string | undefined>();

function keyProblem(key: string): string | undefined {
  if (keyProblems.has(key)) return keyProblems.get(key);
  if (keyProblems.size >= 10_000) keyProblems.clear();
  const problem = checkKey(key);
  keyProblems.set(key, problem);
  return problem;
}

/** Problems of a label (or annotation) key: an optional DNS-subdomain prefix and a name of at most 63 characters. */
function checkKey(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return `key "${key}": the prefix must be a DNS subdomain`;
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) return `key "${key}": the name must be 1-63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric`;
  return undefined;
}

function metadataProblems(kind: string, metadata: any): string[] {
  const out: string[] = [];
  const name = String(metadata?.name ?? '');
  if (RFC1035_NAMED.has(kind)) {
    if (name.length > 63 || !DNS_1035_LABEL.test(name)) out.push(`metadata.name "${name}" must be a DNS label starting with a letter (RFC 1035: at most 63 lowercase alphanumerics or '-')`);
  } else if (LABEL_NAMED.has(kind)) {
    if (name.length > 63 || !DNS_LABEL.test(name)) out.push(`metadata.name "${name}" must be a DNS label (at most 63 lowercase alphanumerics or '-')`);
  } else if (PATH_NAMED.has(kind)) {
    if (name === '.' || name === '..' || /[/%]/.test(name)) out.push(`metadata.name "${name}" must not be "." or ".." or hold "/" or "%"`);
  } else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    out.push(`metadata.name "${name}" must be a DNS subdomain (at most 253 lowercase alphanumerics, '-' or '.')`);
  }
  if (metadata?.namespace !== undefined && !DNS_LABEL.test(String(metadata.namespace))) out.push(`metadata.namespace "${metadata.namespace}" must be a DNS label`);
  for (const [key, value] of Object.entries(labelsOf(metadata?.labels))) {
    const problem = keyProblem(key);
    if (problem) out.push(`metadata.labels ${problem}`);
    if (typeof value !== 'string' || value.length > 63 || !(value === '' || LABEL_NAME.test(value))) out.push(`metadata.labels "${key}": value "${String(value)}" must be at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric`);
  }
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(labelsOf(metadata?.annotations))) {
    const problem = keyProblem(key);
    if (problem) out.push(`metadata.annotations ${problem}`);
    annotationBytes += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  }
  if (annotationBytes > MAX_ANNOTATION_BYTES) out.push(`metadata.annotations total ${annotationBytes} bytes; the API server allows ${MAX_ANNOTATION_BYTES}`);
  return out;
}

/** `value` at `at` is an integer of at least `min` (and at most `max`), or absent. */
function range(out: string[], at: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    out.push(`${at} is ${JSON.stringify(value)}; the API server accepts ${max === Number.MAX_SAFE_INTEGER ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`}`);
  }
}

function podProblems(pod: any, at: string): string[] {
  const out: string[] = [];
  range(out, `${at}.terminationGracePeriodSeconds`, pod?.terminationGracePeriodSeconds, 0);
  range(out, `${at}.activeDeadlineSeconds`, pod?.activeDeadlineSeconds, 1);
  const volumes = new Set<string>();
  for (const v of list(pod?.volumes)) {
    const name = String(v?.name ?? '');
    if (name.length > 63 || !DNS_LABEL.test(name)) out.push(`${at} volume "${name}": the name must be a DNS label (at most 63 lowercase alphanumerics or '-')`);
    if (volumes.has(name)) out.push(`${at} volume "${name}" is defined twice`);
    volumes.add(name);
  }
  const containers = new Set<string>();
  for (const c of containersOf(pod)) {
    const where = `${at} container "${c.name}"`;
    const name = String(c.name ?? '');
    if (name.length > 63 || !DNS_LABEL.test(name)) out.push(`${where}: the name must be a DNS label (at most 63 lowercase alphanumerics or '-')`);
    if (containers.has(name)) out.push(`${where} is defined twice (names are unique across init, regular and ephemeral containers)`);
    containers.add(name);
    for (const m of list(c.volumeMounts)) {
      if (!volumes.has(String(m?.name))) out.push(`${where} mounts volume "${m?.name}", which the pod does not define`);
    }
    for (const p of list(c.ports)) {
      range(out, `${where} containerPort`, p?.containerPort, 1, 65535);
      range(out, `${where} hostPort`, p?.hostPort, 1, 65535);
      // A port name is an IANA service name: at most 15 characters, lowercase, at least one letter.
      if (p?.name !== undefined && (String(p.name).length > 15 || !DNS_LABEL.test(String(p.name)) || !/[a-z]/.test(String(p.name)) || String(p.name).includes('--'))) {
        out.push(`${where} port name "${p.name}" must be an IANA service name: at most 15 lowercase letters, digits or single '-', with a letter`);
      }
    }
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      const spec = c[probe];
      if (!spec) continue;
      range(out, `${where} ${probe}.initialDelaySeconds`, spec.initialDelaySeconds, 0);
      range(out, `${where} ${probe}.periodSeconds`, spec.periodSeconds, 1);
      range(out, `${where} ${probe}.timeoutSeconds`, spec.timeoutSeconds, 1);
      range(out, `${where} ${probe}.failureThreshold`, spec.failureThreshold, 1);
      range(out, `${where} ${probe}.successThreshold`, spec.successThreshold, 1, probe === 'readinessProbe' ? Number.MAX_SAFE_INTEGER : 1);
    }
  }
  return out;
}

function specProblems(kind: string, spec: any): string[] {
  const out: string[] = [];
  switch (kind) {
    case 'Deployment': case 'StatefulSet': case 'ReplicaSet': case 'Rollout':
      range(out, 'spec.replicas', spec?.replicas, 0);
      range(out, 'spec.revisionHistoryLimit', spec?.revisionHistoryLimit, 0);
      range(out, 'spec.minReadySeconds', spec?.minReadySeconds, 0);
      if (typeof spec?.progressDeadlineSeconds === 'number' && spec.progressDeadlineSeconds <= (spec?.minReadySeconds ?? 0)) {
        out.push(`spec.progressDeadlineSeconds (${spec.progressDeadlineSeconds}) must be greater than spec.minReadySeconds (${spec?.minReadySeconds ?? 0})`);
      }
      break;
    case 'Job':
      for (const f of ['parallelism', 'completions', 'backoffLimit', 'ttlSecondsAfterFinished']) range(out, `spec.${f}`, spec?.[f], 0);
      range(out, 'spec.activeDeadlineSeconds', spec?.activeDeadlineSeconds, 1);
      break;
    case 'HorizontalPodAutoscaler':
      range(out, 'spec.minReplicas', spec?.minReplicas, 1);
      range(out, 'spec.maxReplicas', spec?.maxReplicas, Math.max(1, typeof spec?.minReplicas === 'number' ? spec.minReplicas : 1));
      break;
    case 'ScaledObject':
      range(out, 'spec.minReplicaCount', spec?.minReplicaCount, 0);
      range(out, 'spec.maxReplicaCount', spec?.maxReplicaCount, Math.max(1, typeof spec?.minReplicaCount === 'number' ? spec.minReplicaCount : 0));
      break;
    case 'PodDisruptionBudget':
      for (const f of ['minAvailable', 'maxUnavailable']) if (typeof spec?.[f] === 'number') range(out, `spec.${f}`, spec[f], 0);
      break;
    case 'Service':
      for (const p of list(spec?.ports)) {
        range(out, `spec.ports "${p?.name ?? p?.port}" port`, p?.port, 1, 65535);
        if (typeof p?.targetPort === 'number') range(out, `spec.ports "${p?.name ?? p?.port}" targetPort`, p.targetPort, 1, 65535);
        range(out, `spec.ports "${p?.name ?? p?.port}" nodePort`, p?.nodePort, 1, 65535);
      }
      break;
    case 'NetworkPolicy':
      for (const direction of ['ingress', 'egress'] as const) {
        list(spec?.[direction]).forEach((rule, i) => {
          for (const peer of list(direction === 'ingress' ? rule?.from : rule?.to)) {
            if (!peer?.ipBlock) continue;
            const { cidr, except } = peer.ipBlock;
            if (!isCidr(cidr)) out.push(`spec.${direction}[${i}] ipBlock.cidr "${cidr}" is not a valid CIDR`);
            for (const e of list(except)) {
              if (!isCidr(e)) out.push(`spec.${direction}[${i}] ipBlock.except "${e}" is not a valid CIDR`);
              else if (isCidr(cidr) && !isStrictSubnet(e, cidr)) out.push(`spec.${direction}[${i}] ipBlock.except "${e}" must be a strict subset of cidr "${cidr}"`);
            }
          }
          for (const p of list(rule?.ports)) {
            if (typeof p?.port === 'number') range(out, `spec.${direction}[${i}] port`, p.port, 1, 65535);
            if (p?.endPort !== undefined) range(out, `spec.${direction}[${i}] endPort`, p.endPort, typeof p?.port === 'number' ? p.port : 1, 65535);
          }
        });
      }
      break;
  }
  return out;
}

/** Values the API server refuses that no schema says: names (objects, volumes, containers), labels, counts, ports, probes, CIDRs. */
export const apiServerAccepts: PolicyRule = {
  id: 'api-server-accepts',
  reason: 'every value is one the API server accepts: names and labels in Kubernetes formats, no negative counts, ports 1-65535, valid CIDRs, ipBlock exceptions inside their CIDR',
  check: ({ objects }) => {
    const out: Array<{ file: string; message: string }> = [];
    for (const o of objects) {
      const pod = podSpecOf(o.object);
      const problems = metadataProblems(o.object.kind, o.object.metadata);
      problems.push(...specProblems(o.object.kind, o.object.spec), ...(pod ? podProblems(pod, 'pod') : []));
      for (const p of problems) out.push({ file: o.path, message: `${o.object.kind} ${o.object.metadata.name}: ${p}` });
    }
    return out;
  },
};
