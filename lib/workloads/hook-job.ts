import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ComputeAmounts, HOOK_POD_RESOURCES } from '../config/tiers';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './security';

/*
 * What every Argo CD hook Job of the platform shares (the AWX hooks, the gateway smoke test): a
 * pinned Node.js image running a script given inline (`node -e`), one container, restricted Pod
 * Security, no service account token, small fixed resources, and the hook annotations.
 */

/** Argo CD sync phase a hook runs in. */
export enum HookPhase {
  /** Before any object of the sync is applied: provisioning. */
  PRE_SYNC = 'PreSync',
  /** After every object is applied and healthy: validation. */
  POST_SYNC = 'PostSync',
  /** Once, after the Application and its objects are deleted: deprovisioning. */
  POST_DELETE = 'PostDelete',
}

/** Pinned image of the hook Jobs: Node.js only (its built-in fetch, http and https), run as non-root. */
export const HOOK_IMAGE = 'node:20.18.1-alpine3.20';

/** Label on every hook pod (value: the hook's role, e.g. `provision`); network policies select on it. */
export const HOOK_POD_LABEL = 'stoa.io/hook';

/**
 * Argo CD's hook deletion policy of every hook Job: the previous run is deleted before the next is
 * created (so the deterministic name is free again), a successful run right away; a failed run stays,
 * with its pod and logs, until the next sync.
 */
export const HOOK_DELETE_POLICY = 'BeforeHookCreation,HookSucceeded';

/** What a hook Job runs and how it is bounded. */
export interface HookJobProps {
  /** Job name: deterministic, so each sync replaces the previous run. */
  readonly name: string;
  /** Namespace of the Job. */
  readonly namespace: string;
  /** The hook's role: the value of the `stoa.io/hook` pod label and the container's name. */
  readonly role: string;
  /** When it runs. */
  readonly phase: HookPhase;
  /** The Node.js script, run as `node -e <script>`. */
  readonly script: string;
  /** Environment variables of the container (what the script reads), in this order. */
  readonly env: readonly k8s.EnvVar[];
  /** Seconds the Job may run in all (image pull, the script, its retries) before Kubernetes fails it. */
  readonly activeDeadlineSeconds: number;
  /**
   * Labels on the Job and its pod, next to the role label.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Image with Node.js 20 or later.
   * @default HOOK_IMAGE
   */
  readonly image?: string;
  /**
   * Start a new pod when the cluster disrupts the running one (preemption, eviction, a node drain:
   * the pod's `DisruptionTarget` condition) without counting it as a failure. Only for a script that
   * may safely run twice.
   * @default false - one pod: any failure fails the Job
   */
  readonly retryOnDisruption?: boolean;
}

/** Requests and limits of a hook container. */
function quantities(amounts: { readonly requests: ComputeAmounts; readonly limits: ComputeAmounts }): k8s.ResourceRequirements {
  const q = (a: ComputeAmounts) => ({ cpu: k8s.Quantity.fromString(a.cpu), memory: k8s.Quantity.fromString(a.memory) });
  return { requests: q(amounts.requests), limits: q(amounts.limits) };
}

/**
 * An Argo CD hook Job running a Node.js script: one attempt (`backoffLimit: 0`; Argo CD's sync retry
 * starts the next), bounded by `activeDeadlineSeconds`, replaced before each sync, deleted on success.
 */
export function addHookJob(scope: Construct, id: string, props: HookJobProps): k8s.KubeJob {
  const labels = { ...props.labels, [HOOK_POD_LABEL]: props.role };
  return new k8s.KubeJob(scope, id, {
    metadata: {
      name: props.name,
      namespace: props.namespace,
      labels,
      annotations: {
        'argocd.argoproj.io/hook': props.phase,
        'argocd.argoproj.io/hook-delete-policy': HOOK_DELETE_POLICY,
      },
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: props.activeDeadlineSeconds,
      podFailurePolicy: props.retryOnDisruption
        ? { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] }
        : undefined,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: restrictedPodSecurityContext(),
          containers: [{
            name: props.role,
            image: props.image ?? HOOK_IMAGE,
            command: ['node', '-e', props.script],
            env: [...props.env],
            resources: quantities(HOOK_POD_RESOURCES),
            securityContext: restrictedContainerSecurityContext(),
          }],
        },
      },
    },
  });
}
