import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { GroupKind } from '../argocd/argo-project';
import { PREVIEW_NAMESPACE_PREFIX } from '../layout/preview-names';
import {
  AdmissionValidation, AdmissionVariable, argoCdOnlyValidation, CHANGE_VARIABLES, defaultDenyValidation, namespaceGuardValidation, previewNamespaceValidations,
  previewObjectValidations, secretDataValidation,
  WORKLOAD_RESOURCES, WORKLOAD_VALIDATIONS, WORKLOAD_VARIABLES,
} from './admission-rules';

/**
 * Where a policy applies: the platform's namespaces (by name), tenant namespaces (by label), or
 * every namespace (`all`: a policy on Namespace objects, narrowed by its match conditions).
 */
type Scope = 'platform' | 'tenants' | 'all';

/** The policies {@link AdmissionPolicies} renders, by base name, with the namespaces each is bound to: nothing outside the platform's own namespaces. */
const POLICIES = (readOnly: boolean, previews: boolean): Array<{ base: string; scopes: Scope[] }> => [
  { base: 'workloads', scopes: ['platform', 'tenants'] },
  { base: 'tenant-secrets', scopes: ['tenants'] },
  { base: 'tenant-default-deny', scopes: ['tenants'] },
  ...(readOnly ? [
    { base: 'argocd-only', scopes: ['platform', 'tenants'] as Scope[] },
    { base: 'argocd-only-namespaces', scopes: ['all'] as Scope[] },
  ] : []),
  // Pull request previews: bound to every namespace, picked by name (pr-*) in the match conditions (their labels are the pull request's).
  ...(previews ? [
    { base: 'preview-namespaces', scopes: ['all'] as Scope[] },
    { base: 'preview-objects', scopes: ['all'] as Scope[] },
  ] : []),
];

/** A binding's name: `<policy>-<scope>`. */
const bindingName = (policy: string, scope: Scope) => `${policy}-${scope}`;

/** The cluster-scoped objects {@link AdmissionPolicies} renders with `namePrefix` (for the AppProject that deploys them, before they exist). */
export function admissionResources(namePrefix: string, readOnly: boolean, previews = false): GroupKind[] {
  return POLICIES(readOnly, previews).flatMap(({ base, scopes }) => [
    { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicy', name: `${namePrefix}${base}` },
    ...scopes.map((scope) => ({ group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicyBinding', name: bindingName(`${namePrefix}${base}`, scope) })),
  ]);
}

/** Props of {@link AdmissionPolicies}. */
export interface AdmissionPoliciesProps {
  /** Prefix of every policy and binding name (the environment's Argo CD prefix, e.g. `prod-`). */
  readonly namePrefix: string;
  /**
   * The users Argo CD writes to this cluster as: its application controller's service account when it
   * deploys to its own cluster, else the identity of the cluster's credentials in Argo CD
   * (`argocd cluster add` makes `kube-system:argocd-manager`; IAM or OIDC credentials map to other names).
   */
  readonly argocdUsers: readonly string[];
  /** Label every tenant Namespace carries (the bindings select tenant namespaces by it). */
  readonly tenantLabel: string;
  /** Name of the default-deny NetworkPolicy of every tenant namespace. */
  readonly defaultDenyPolicy: string;
  /** The platform's own namespaces (its components', its hooks'): bound by name, like tenant namespaces by label. */
  readonly platformNamespaces: readonly string[];
  /**
   * A read-only environment: the objects Argo CD syncs are written by Argo CD alone.
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * Users that may write Secret values in tenant namespaces: the secret operator and cert-manager (TLS certificates of tenant Ingresses).
   * @default ['system:serviceaccount:external-secrets:external-secrets', 'system:serviceaccount:cert-manager:cert-manager']
   */
  readonly secretWriters?: readonly string[];
  /**
   * Service accounts of the cluster's controllers that create objects of the synced kinds in the
   * platform's and tenants' namespaces, trusted by the read-only policy besides Argo CD.
   * @default ['system:serviceaccount:cert-manager:cert-manager'] (its HTTP-01 solver Services and Ingresses)
   */
  readonly controllers?: readonly string[];
  /**
   * The Argo Rollouts controller's users, trusted by the read-only policy to update Rollouts (it
   * sets their revision annotations and an unset `spec.replicas`; status goes through `/status`),
   * nothing else.
   * @default ['system:serviceaccount:argo-rollouts:argo-rollouts'] (the ServiceAccount of Argo Rollouts' `manifests/install.yaml`, applied in namespace argo-rollouts)
   */
  readonly rolloutsControllers?: readonly string[];
  /**
   * The KEDA operator's users, trusted by the read-only policy to create, update and delete the
   * HPAs it makes for ScaledObjects (named `keda-hpa-<ScaledObject>`) and to change the metadata
   * (its `scaledobject.keda.sh/name` label, finalizers) of ScaledObjects and TriggerAuthentications,
   * never their spec.
   * @default ['system:serviceaccount:keda:keda-operator'] (the KEDA Helm chart's `serviceAccount.operator.name`, installed in namespace keda)
   */
  readonly kedaOperators?: readonly string[];
  /**
   * External Secrets' controller users, trusted by the read-only policy to change the metadata
   * (finalizers) of ExternalSecrets and SecretStores, never their spec.
   * @default ['system:serviceaccount:external-secrets:external-secrets'] (the Helm chart's service account, named after a release `external-secrets` in namespace external-secrets)
   */
  readonly externalSecretsControllers?: readonly string[];
  /**
   * Groups that may write anything despite the policies (a documented break-glass).
   * @default ['system:masters']
   */
  readonly breakGlassGroups?: readonly string[];
  /**
   * The cluster runs pull request previews (namespaces `pr-*`), whose hosts are `<name>.pr-<number>.<domain>`:
   * what their objects may contain is fenced here (restricted Pod Security, in-cluster Services,
   * their own hosts, Roles only, nothing kept after the preview).
   * @default - no previews
   */
  readonly previews?: { readonly domain: string };
}

/**
 * The built-in resources whose objects Argo CD syncs into the platform's and tenants' namespaces,
 * and only the cluster's own controllers write besides (their status and scale subresources are
 * not matched: HPAs and KEDA scale through `/scale`); the KEDA operator writes its `keda-hpa-*` HPAs.
 */
const ARGOCD_OWNED: ReadonlyArray<{ readonly group: string; readonly resources: readonly string[] }> = [
  { group: 'apps', resources: ['deployments', 'statefulsets', 'daemonsets'] },
  { group: '', resources: ['services', 'serviceaccounts', 'resourcequotas', 'limitranges', 'configmaps'] },
  { group: 'batch', resources: ['jobs'] },
  { group: 'autoscaling', resources: ['horizontalpodautoscalers'] },
  { group: 'networking.k8s.io', resources: ['ingresses', 'networkpolicies'] },
  { group: 'rbac.authorization.k8s.io', resources: ['roles', 'rolebindings'] },
  { group: 'policy', resources: ['poddisruptionbudgets'] },
];

/**
 * The custom resources the platform renders (or may: every kind of these groups it has a construct
 * for), written by Argo CD and, in their metadata only, by their operators: anyone may change their
 * finalizers alone; their spec only Argo CD.
 */
const ARGOCD_OWNED_CUSTOM: ReadonlyArray<{ readonly group: string; readonly resources: readonly string[] }> = [
  { group: 'argoproj.io', resources: ['rollouts', 'analysistemplates'] },
  { group: 'keda.sh', resources: ['scaledobjects', 'triggerauthentications'] },
  { group: 'external-secrets.io', resources: ['externalsecrets', 'secretstores'] },
  { group: 'monitoring.coreos.com', resources: ['podmonitors', 'servicemonitors', 'prometheusrules'] },
];

/** Default {@link AdmissionPoliciesProps.rolloutsControllers}. */
export const DEFAULT_ROLLOUTS_CONTROLLERS: readonly string[] = ['system:serviceaccount:argo-rollouts:argo-rollouts'];

/** Default {@link AdmissionPoliciesProps.kedaOperators}. */
export const DEFAULT_KEDA_OPERATORS: readonly string[] = ['system:serviceaccount:keda:keda-operator'];

/** Default {@link AdmissionPoliciesProps.externalSecretsControllers}. */
export const DEFAULT_EXTERNAL_SECRETS_CONTROLLERS: readonly string[] = ['system:serviceaccount:external-secrets:external-secrets'];

/** Default {@link AdmissionPoliciesProps.secretWriters}. */
export const DEFAULT_SECRET_WRITERS: readonly string[] = ['system:serviceaccount:external-secrets:external-secrets', 'system:serviceaccount:cert-manager:cert-manager'];

/** The users Argo CD writes to a cluster as, by default: its controller's service account in its own cluster, `kube-system:argocd-manager` (what `argocd cluster add` makes) in another. */
export function defaultArgoCdUsers(argocdNamespace: string, inCluster: boolean): string[] {
  return [inCluster ? `system:serviceaccount:${argocdNamespace}:argocd-application-controller` : 'system:serviceaccount:kube-system:argocd-manager'];
}

/** Default {@link AdmissionPoliciesProps.controllers}. */
export const DEFAULT_CONTROLLERS: readonly string[] = ['system:serviceaccount:cert-manager:cert-manager'];

const cel = (values: readonly string[]) => `[${values.map((v) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}]`;

function rules(resources: typeof WORKLOAD_RESOURCES, operations: readonly string[]) {
  return resources.map((r) => ({ apiGroups: [r.group], apiVersions: ['*'], resources: [...r.resources], operations: [...operations] }));
}

/**
 * The environment's ValidatingAdmissionPolicies and their bindings (admissionregistration.k8s.io/v1,
 * Kubernetes 1.30+): the workload rules (`image-pinned`, `container-resources`, `non-root`) and
 * Secret values only from the secret operator in tenant namespaces, their default-deny NetworkPolicy
 * kept; in a read-only environment, the objects Argo CD syncs written by Argo CD alone. Every
 * binding denies (`validationActions: [Deny]`); a policy that cannot be evaluated fails closed.
 */
export class AdmissionPolicies extends Construct {
  constructor(scope: Construct, id: string, props: AdmissionPoliciesProps) {
    super(scope, id);
    // Argo CD, and the controller-manager when it runs without per-controller service accounts.
    const trusted = cel([...props.argocdUsers, 'system:kube-controller-manager']);
    // Argo CD's own users: never one of the cluster's controllers, even when its credentials are a kube-system service account.
    const argocd: AdmissionVariable = { name: 'argocd', expression: cel(props.argocdUsers) };
    const trustedInReadOnly = cel([...props.argocdUsers, 'system:kube-controller-manager', ...(props.controllers ?? DEFAULT_CONTROLLERS)]);
    const selectors: Record<Scope, unknown> = {
      platform: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...props.platformNamespaces] }] },
      tenants: { matchExpressions: [{ key: props.tenantLabel, operator: 'Exists' }] },
      // Empty: every namespace (the policy's match conditions pick the platform's and the tenants').
      all: {},
    };
    const breakGlass: AdmissionVariable = { name: 'breakGlass', expression: cel(props.breakGlassGroups ?? ['system:masters']) };
    // The tenant label as a CEL string literal.
    const tenantLabel = cel([props.tenantLabel]).slice(1, -1);
    const specs: Record<string, {
      resourceRules: unknown[]; matchConditions?: readonly AdmissionVariable[]; variables: readonly AdmissionVariable[]; validations: readonly AdmissionValidation[];
    }> = {
      'workloads': { resourceRules: rules(WORKLOAD_RESOURCES, ['CREATE', 'UPDATE']), variables: [argocd, ...WORKLOAD_VARIABLES], validations: WORKLOAD_VALIDATIONS },
      'tenant-secrets': {
        resourceRules: rules([{ group: '', resources: ['secrets'] }], ['CREATE', 'UPDATE']),
        variables: [argocd, { name: 'secretWriters', expression: cel(props.secretWriters ?? DEFAULT_SECRET_WRITERS) }],
        validations: [secretDataValidation()],
      },
      'tenant-default-deny': {
        resourceRules: rules([{ group: 'networking.k8s.io', resources: ['networkpolicies'] }], ['UPDATE', 'DELETE']),
        variables: [{ name: 'trusted', expression: trusted }],
        validations: [defaultDenyValidation(props.defaultDenyPolicy)],
      },
      'argocd-only': {
        resourceRules: rules([...ARGOCD_OWNED, ...ARGOCD_OWNED_CUSTOM], ['CREATE', 'UPDATE', 'DELETE']),
        variables: [
          { name: 'trusted', expression: trustedInReadOnly }, breakGlass,
          { name: 'rolloutsControllers', expression: cel(props.rolloutsControllers ?? DEFAULT_ROLLOUTS_CONTROLLERS) },
          { name: 'kedaOperators', expression: cel(props.kedaOperators ?? DEFAULT_KEDA_OPERATORS) },
          { name: 'externalSecretsControllers', expression: cel(props.externalSecretsControllers ?? DEFAULT_EXTERNAL_SECRETS_CONTROLLERS) },
          ...CHANGE_VARIABLES,
        ],
        validations: [argoCdOnlyValidation(ARGOCD_OWNED_CUSTOM.map((r) => r.group))],
      },
      // For a Namespace, the API server matches a binding's namespaceSelector against the Namespace
      // itself, and on CREATE and UPDATE against the new object (k8s.io/apiserver
      // .../predicates/namespace/matcher.go, GetNamespaceLabels): a binding selecting tenant
      // namespaces by their label never sees the update that removes it. So this policy is bound to
      // every namespace, and its match conditions pick the platform's by name and the tenants' by
      // the label before (oldObject) or after the change.
      'preview-namespaces': {
        resourceRules: rules([{ group: '', resources: ['namespaces'] }], ['CREATE', 'UPDATE']),
        matchConditions: [{ name: 'preview-namespace', expression: `object.metadata.name.startsWith('${PREVIEW_NAMESPACE_PREFIX}')` }],
        variables: [argocd],
        validations: previewNamespaceValidations(),
      },
      'preview-objects': {
        resourceRules: rules([...ARGOCD_OWNED, ...ARGOCD_OWNED_CUSTOM], ['CREATE', 'UPDATE']),
        matchConditions: [{ name: 'preview-namespace', expression: `has(object.metadata.namespace) && object.metadata.namespace.startsWith('${PREVIEW_NAMESPACE_PREFIX}')` }],
        variables: [argocd],
        validations: previewObjectValidations(props.previews?.domain ?? ''),
      },
      'argocd-only-namespaces': {
        resourceRules: rules([{ group: '', resources: ['namespaces'] }], ['UPDATE', 'DELETE']),
        matchConditions: [{
          name: 'platform-or-tenant-namespace',
          expression: `oldObject.metadata.name in ${cel(props.platformNamespaces)} || `
            + `(has(oldObject.metadata.labels) && ${tenantLabel} in oldObject.metadata.labels) || `
            + `(object != null && has(object.metadata.labels) && ${tenantLabel} in object.metadata.labels)`,
        }],
        variables: [{ name: 'trusted', expression: trusted }, breakGlass],
        validations: [namespaceGuardValidation()],
      },
    };
    for (const { base, scopes } of POLICIES(props.readOnly ?? false, props.previews !== undefined)) {
      const name = `${props.namePrefix}${base}`;
      const spec = specs[base];
      new ApiObject(this, `${base}-policy`, {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicy',
        metadata: { name },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: spec.resourceRules },
          matchConditions: spec.matchConditions?.map((c) => ({ name: c.name, expression: c.expression })),
          variables: spec.variables.map((v) => ({ name: v.name, expression: v.expression })),
          validations: spec.validations.map((v) => ({ expression: v.expression, message: `${v.message} (${v.rule})` })),
        },
      });
      // A binding has one namespace selector: one binding per scope.
      for (const scope of scopes) {
        new ApiObject(this, `${base}-binding-${scope}`, {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'ValidatingAdmissionPolicyBinding',
          metadata: { name: bindingName(name, scope) },
          spec: { policyName: name, validationActions: ['Deny'], matchResources: { namespaceSelector: selectors[scope] } },
        });
      }
    }
  }
}
