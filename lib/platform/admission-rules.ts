import { escapeRegExp } from '../config/names';

/*
 * The platform rules the API server enforces too, as CEL for ValidatingAdmissionPolicies
 * (admissionregistration.k8s.io/v1, Kubernetes 1.30+). Each workload rule says in CEL what the
 * offline rule of the same id checks in TypeScript (lib/validate/rules/); the tests evaluate these
 * expressions with a CEL evaluator against the objects the offline rules judge, and require the same
 * verdict. Expressions use standard CEL only (no Kubernetes CEL library), so they mean the same
 * everywhere.
 */

/** One validation of a policy: allowed when `expression` is true. */
export interface AdmissionValidation {
  /** The offline rule it mirrors (`image-pinned`, ...), or what it guards. */
  readonly rule: string;
  /** CEL over `object`, `oldObject`, `request` and `variables`. */
  readonly expression: string;
  /** What the API server says when it refuses. */
  readonly message: string;
}

/** A CEL variable of a policy, evaluated before its validations. */
export interface AdmissionVariable {
  /** Its name (`variables.<name>`). */
  readonly name: string;
  /** CEL. */
  readonly expression: string;
}

/** The pod spec of any workload kind the platform renders, then every container of it (init, regular, ephemeral). */
export const WORKLOAD_VARIABLES: readonly AdmissionVariable[] = [
  {
    name: 'podSpec',
    // A Rollout with workloadRef has no template of its own: the Deployment it references is checked instead.
    expression: "object.kind == 'Pod' ? object.spec : object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec : "
      + "(object.kind == 'Rollout' && !has(object.spec.template)) ? {} : object.spec.template.spec",
  },
  {
    name: 'containers',
    expression: '(has(variables.podSpec.initContainers) ? variables.podSpec.initContainers : []) + '
      + '(has(variables.podSpec.containers) ? variables.podSpec.containers : []) + '
      + '(has(variables.podSpec.ephemeralContainers) ? variables.podSpec.ephemeralContainers : [])',
  },
];

/** The workload kinds (API group, resource) whose pod specs the workload rules check. */
export const WORKLOAD_RESOURCES: ReadonlyArray<{ readonly group: string; readonly resources: readonly string[] }> = [
  { group: '', resources: ['pods'] },
  { group: 'apps', resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'] },
  { group: 'batch', resources: ['jobs', 'cronjobs'] },
  { group: 'argoproj.io', resources: ['rollouts'] },
];

/**
 * The request comes from one of the cluster's own controllers: the controller-manager's user, or a
 * service account of kube-system that is not one Argo CD writes as (`variables.argocd`: with
 * `argocd cluster add`, Argo CD is `kube-system:argocd-manager`, and stays Argo CD).
 */
const CLUSTER_CONTROLLER = "!(request.userInfo.username in variables.argocd) && "
  + "(request.userInfo.username == 'system:kube-controller-manager' || request.userInfo.username.startsWith('system:serviceaccount:kube-system:'))";

/**
 * The cluster's own controllers updating a workload (the deployment controller scaling an old
 * ReplicaSet, the Job controller removing a Pod's finalizer) are never refused: an object that
 * broke a rule before the policy existed must still scale down and terminate. Creations, and
 * updates by anyone else (Argo CD, people), are checked.
 */
const CONTROLLER_UPDATE = `(request.operation == 'UPDATE' && ${CLUSTER_CONTROLLER}) || `;

/** `image-pinned`, `container-resources` and `non-root`, as CEL over {@link WORKLOAD_VARIABLES}. */
export const WORKLOAD_VALIDATIONS: readonly AdmissionValidation[] = [
  {
    rule: 'image-pinned',
    // A digest, or a tag other than latest (and not empty) after the last path segment's first colon.
    expression: CONTROLLER_UPDATE + "variables.containers.all(c, has(c.image) && (c.image.matches('@sha256:[a-f0-9]{64}$') || "
      + "(c.image.matches('^(.*/)?[^/:]+:[^/]+$') && !c.image.matches('^(.*/)?[^/:]+:latest$'))))",
    message: 'every image names a version tag other than latest, or a digest',
  },
  {
    rule: 'container-resources',
    expression: CONTROLLER_UPDATE + "variables.containers.all(c, has(c.resources) && has(c.resources.requests) && has(c.resources.limits) && "
      + "['cpu', 'memory'].all(r, r in c.resources.requests && r in c.resources.limits))",
    message: 'every container sets CPU and memory requests and limits',
  },
  {
    rule: 'non-root',
    // The container's setting wins over the pod's, for runAsNonRoot and for runAsUser (UID 0 with runAsNonRoot never starts).
    expression: `${CONTROLLER_UPDATE}variables.containers.all(c, `
      + '((has(c.securityContext) && has(c.securityContext.runAsNonRoot)) ? c.securityContext.runAsNonRoot == true : '
      + '(has(variables.podSpec.securityContext) && has(variables.podSpec.securityContext.runAsNonRoot) && variables.podSpec.securityContext.runAsNonRoot == true)) && '
      + '((has(c.securityContext) && has(c.securityContext.runAsUser)) ? c.securityContext.runAsUser != 0 : '
      + '!(has(variables.podSpec.securityContext) && has(variables.podSpec.securityContext.runAsUser) && variables.podSpec.securityContext.runAsUser == 0)))',
    message: 'pods run as non-root: runAsNonRoot: true on the pod or every container, and no runAsUser 0',
  },
];

/**
 * The writers a policy trusts: `variables.trusted` (Argo CD's application controller and the
 * controller-manager's user), and the cluster's own controllers, which run as service accounts of
 * kube-system (the deployment controller annotates Deployments, the service account controller makes
 * each namespace's `default`, the garbage collector and namespace controller delete).
 */
const TRUSTED_WRITER = "(request.userInfo.username in variables.trusted || request.userInfo.username.startsWith('system:serviceaccount:kube-system:'))";

/** `no-secret-data` at admission: a Secret with values in a tenant namespace comes from the secret operator, cert-manager or the cluster's own controllers, never from a person or Argo CD. */
export function secretDataValidation(): AdmissionValidation {
  return {
    rule: 'no-secret-data',
    expression: "!((has(object.data) && size(object.data) > 0) || (has(object.stringData) && size(object.stringData) > 0)) || "
      + `request.userInfo.username in variables.secretWriters || (${CLUSTER_CONTROLLER})`,
    message: 'Secret values come only from the secret operator (External Secrets), cert-manager or the cluster\'s controllers: reference them with an ExternalSecret',
  };
}

/** A tenant namespace keeps its default-deny NetworkPolicy: only Argo CD (and the namespace's own deletion) may change or remove it. */
export function defaultDenyValidation(policyName: string): AdmissionValidation {
  return {
    rule: 'tenant-default-deny',
    expression: `${TRUSTED_WRITER} || (oldObject == null ? object : oldObject).metadata.name != '${policyName}' || `
      + "(request.operation != 'DELETE' && "
      + '(!has(object.spec.podSelector.matchLabels) || size(object.spec.podSelector.matchLabels) == 0) && '
      + '(!has(object.spec.podSelector.matchExpressions) || size(object.spec.podSelector.matchExpressions) == 0) && '
      + "has(object.spec.policyTypes) && size(object.spec.policyTypes) == 2 && 'Ingress' in object.spec.policyTypes && 'Egress' in object.spec.policyTypes && "
      + '(!has(object.spec.ingress) || size(object.spec.ingress) == 0) && (!has(object.spec.egress) || size(object.spec.egress) == 0))',
    message: `the ${policyName} NetworkPolicy of a tenant namespace denies all ingress and egress; only Argo CD may change or remove it`,
  };
}

/**
 * Metadata a write may change without editing what git declares: the server's own fields
 * (resourceVersion, generation, managedFields) and finalizers, which operators add to their objects.
 */
const UNDECLARED_METADATA = "['finalizers', 'resourceVersion', 'generation', 'managedFields']";

/**
 * What an UPDATE changes, for the read-only policy: `metadataOnly`, nothing outside `metadata`
 * (spec, data, everything else equal, as maps); `finalizersOnly`, not even labels, annotations or
 * owner references (a label or an annotation changes behaviour: KEDA's `paused-replicas`, Argo
 * CD's sync options; an owner reference lets the garbage collector delete the object).
 */
export const CHANGE_VARIABLES: readonly AdmissionVariable[] = [
  {
    name: 'metadataOnly',
    expression: "request.operation == 'UPDATE' && object.all(k, k == 'metadata' || (k in oldObject && object[k] == oldObject[k])) && "
      + "oldObject.all(k, k == 'metadata' || k in object)",
  },
  {
    name: 'finalizersOnly',
    expression: `variables.metadataOnly && object.metadata.all(k, k in ${UNDECLARED_METADATA} || (k in oldObject.metadata && object.metadata[k] == oldObject.metadata[k])) && `
      + `oldObject.metadata.all(k, k in ${UNDECLARED_METADATA} || k in object.metadata)`,
  },
];

/** The request's resource is `group`'s `resource` (any of them when omitted). */
const resourceIs = (group: string, resource?: string) => `request.resource.group == '${group}'${resource ? ` && request.resource.resource == '${resource}'` : ''}`;
const USER = 'request.userInfo.username';

/**
 * What each operator writes in objects Argo CD syncs, and nothing more (its status and scale go
 * through subresources, which are not matched): the Argo Rollouts controller updates Rollouts
 * (revision annotations, `spec.replicas` when unset); the KEDA operator creates, updates and
 * deletes the HPA of each ScaledObject (`keda-hpa-<name>`) and labels and finalizes ScaledObjects
 * and TriggerAuthentications; External Secrets finalizes ExternalSecrets and SecretStores.
 * Uses the variables `rolloutsControllers`, `kedaOperators`, `externalSecretsControllers` and {@link CHANGE_VARIABLES}.
 */
const OPERATOR_WRITE = `(${resourceIs('argoproj.io', 'rollouts')} && request.operation == 'UPDATE' && ${USER} in variables.rolloutsControllers) || `
  + `(${resourceIs('autoscaling', 'horizontalpodautoscalers')} && ${USER} in variables.kedaOperators && `
  + "(request.operation == 'DELETE' ? oldObject : object).metadata.name.startsWith('keda-hpa-')) || "
  + `(${resourceIs('keda.sh')} && ${USER} in variables.kedaOperators && variables.metadataOnly) || `
  + `(${resourceIs('external-secrets.io')} && ${USER} in variables.externalSecretsControllers && variables.metadataOnly)`;

/** An UPDATE adds no finalizer (it may remove some). */
const FINALIZERS_REMOVED_ONLY = '(has(object.metadata.finalizers) ? object.metadata.finalizers : []).all(f, f in (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : []))';

const BREAK_GLASS = 'request.userInfo.groups.exists(g, g in variables.breakGlass)';

/**
 * In a read-only environment, the objects Argo CD syncs are written by Argo CD alone (and the
 * controllers that clean up after it); each operator only what it writes ({@link OPERATOR_WRITE});
 * of a custom resource (API groups `customGroups`), anyone may remove finalizers, and do nothing else.
 */
export function argoCdOnlyValidation(customGroups: readonly string[]): AdmissionValidation {
  const groups = `[${customGroups.map((g) => `'${g}'`).join(', ')}]`;
  return {
    rule: 'read-only-manual-sync',
    expression: `${TRUSTED_WRITER} || ${BREAK_GLASS} || ${OPERATOR_WRITE} || `
      // Removing a finalizer unsticks a deletion; adding one would block Argo CD's prune: only operators add them.
      + `(request.resource.group in ${groups} && variables.finalizersOnly && ${FINALIZERS_REMOVED_ONLY})`,
    message: 'in a read-only environment only Argo CD writes what git declares: change the envs repo and sync',
  };
}

/**
 * In a read-only environment a platform or tenant namespace (the policy's match conditions) is
 * deleted, and its labels changed, by Argo CD alone: its tenant label binds every tenant policy,
 * its `pod-security.kubernetes.io` labels set what its pods may do. Other updates (a controller's
 * finalizer or annotation) pass.
 */
export function namespaceGuardValidation(): AdmissionValidation {
  return {
    rule: 'read-only-namespaces',
    expression: `${TRUSTED_WRITER} || ${BREAK_GLASS} || (request.operation == 'UPDATE' && `
      + '(has(object.metadata.labels) ? object.metadata.labels : {}) == (has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}))',
    message: 'in a read-only environment only Argo CD deletes a platform or tenant namespace or changes its labels (the tenant label binds the tenant policies): change the envs repo and sync',
  };
}

/** A CEL string literal of `value`. */
const celString = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;


/**
 * A pull request preview's objects (namespaces `pr-*`: the policies' match conditions) are rendered
 * by the pull request's own code, so what they may contain is fenced here, from the main branch: a
 * preview Namespace enforces restricted Pod Security (no privileged pod, host path or host network);
 * nothing a preview creates outlives it (no `Delete=false`/`Prune=false` sync option, no Helm keep
 * policy). The cluster's own controllers' updates pass.
 */
export function previewNamespaceValidations(): AdmissionValidation[] {
  return [
    {
      rule: 'preview-pod-security',
      expression: `(request.operation == 'UPDATE' && ${CLUSTER_CONTROLLER}) || `
        + "(has(object.metadata.labels) && 'pod-security.kubernetes.io/enforce' in object.metadata.labels && object.metadata.labels['pod-security.kubernetes.io/enforce'] == 'restricted')",
      message: 'a preview namespace (pr-*) enforces the restricted Pod Security standard (label pod-security.kubernetes.io/enforce: restricted)',
    },
    PREVIEW_NOT_KEPT,
  ];
}

/** Nothing of a preview survives its deletion: no sync option keeping it, no Helm keep policy. */
const PREVIEW_NOT_KEPT: AdmissionValidation = {
  rule: 'preview-not-kept',
  expression: `(request.operation == 'UPDATE' && ${CLUSTER_CONTROLLER}) || !has(object.metadata.annotations) || `
    + "(!('helm.sh/resource-policy' in object.metadata.annotations) && "
    + "!('argocd.argoproj.io/sync-options' in object.metadata.annotations && object.metadata.annotations['argocd.argoproj.io/sync-options'].matches('(?i)(delete|prune)=false')))",
  message: 'nothing of a preview outlives it: no argocd.argoproj.io/sync-options Delete=false or Prune=false, no helm.sh/resource-policy',
};

/**
 * What a preview's namespaced objects may not do, whoever renders them: a Service only inside the
 * cluster (ClusterIP, no external IPs); an Ingress only for hosts `<name>.pr-<number>.<domain>`
 * (never a host of the environment or another domain, which cert-manager would certify), without
 * nginx snippets; a RoleBinding only to a Role of its namespace, never to a system group; and
 * nothing kept after the preview ({@link PREVIEW_NOT_KEPT}).
 */
export function previewObjectValidations(domain: string): AdmissionValidation[] {
  const host = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\.pr-[0-9]+\\.${escapeRegExp(domain)}$`;
  const kind = (k: string) => `request.resource.resource == '${k}'`;
  return [
    {
      rule: 'preview-cluster-only',
      expression: `!(${kind('services')}) || ((!has(object.spec.type) || object.spec.type == 'ClusterIP') && (!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0))`,
      message: 'a preview Service is reached only inside the cluster: type ClusterIP, no externalIPs',
    },
    {
      rule: 'preview-hosts',
      expression: `!(${kind('ingresses')}) || (!has(object.spec.defaultBackend) && has(object.spec.rules) && object.spec.rules.all(r, has(r.host) && r.host.matches(${celString(host)})) && `
        + `(!has(object.spec.tls) || object.spec.tls.all(t, !has(t.hosts) || t.hosts.all(h, h.matches(${celString(host)})))) && `
        + "(!has(object.metadata.annotations) || !object.metadata.annotations.exists(k, k.matches('snippet'))))",
      message: `a preview Ingress serves only hosts <name>.pr-<number>.${domain}, with no default backend and no nginx snippet`,
    },
    {
      rule: 'preview-role-bindings',
      expression: `!(${kind('rolebindings')}) || (object.roleRef.kind == 'Role' && (!has(object.subjects) || object.subjects.all(s, !s.name.startsWith('system:'))))`,
      message: 'a preview RoleBinding binds a Role of its own namespace, never a ClusterRole, and never a system: user or group',
    },
    PREVIEW_NOT_KEPT,
  ];
}
