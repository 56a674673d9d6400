import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../workloads/security';

/** Argo CD sync phase a hook runs in. */
export enum HookPhase {
  /** Before any object of the sync is applied: provisioning. */
  PRE_SYNC = 'PreSync',
  /** After every object is applied and healthy: validation. */
  POST_SYNC = 'PostSync',
}

/** Pinned image of the hook Jobs: curl only, runs as non-root. */
export const HOOK_IMAGE = 'curlimages/curl:8.11.1';

/** Props of {@link AwxHookJob}. */
export interface AwxHookJobProps {
  /** Job name, e.g. `provision`. */
  readonly name: string;
  /** Namespace of the Job. */
  readonly namespace: string;
  /** When it runs. */
  readonly phase: HookPhase;
  /** AWX job template launch URL, e.g. `https://awx.example.com/api/v2/job_templates/12/launch/`. */
  readonly jobTemplateUrl: string;
  /** Secret holding the AWX token (created by an ExternalSecret). */
  readonly tokenSecret: { readonly name: string; readonly key: string };
  /** Passed to AWX as `extra_vars`. */
  readonly extraVars: Record<string, string>;
  /**
   * Image with curl.
   * @default HOOK_IMAGE
   */
  readonly image?: string;
}

/**
 * An Argo CD hook Job that launches an AWX job template (the pre-provisioning
 * and post-deployment validation steps of the platform's AWX workflow) and
 * fails the sync if AWX refuses. Replaced before each sync, deleted on success.
 */
export class AwxHookJob extends Construct {
  constructor(scope: Construct, id: string, props: AwxHookJobProps) {
    super(scope, id);
    const body = JSON.stringify({ extra_vars: props.extraVars });
    new k8s.KubeJob(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels: { 'stoa.io/hook': props.name },
        annotations: {
          'argocd.argoproj.io/hook': props.phase,
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
        },
      },
      spec: {
        backoffLimit: 2,
        activeDeadlineSeconds: 600,
        template: {
          metadata: { labels: { 'stoa.io/hook': props.name } },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(),
            containers: [{
              name: props.name,
              image: props.image ?? HOOK_IMAGE,
              command: ['sh', '-c', 'curl --fail-with-body --silent --show-error --max-time 60 -X POST -H "Authorization: Bearer ${AWX_TOKEN}" -H "Content-Type: application/json" --data "${AWX_BODY}" "${AWX_URL}"'],
              env: [
                { name: 'AWX_BODY', value: body },
                { name: 'AWX_TOKEN', valueFrom: { secretKeyRef: { name: props.tokenSecret.name, key: props.tokenSecret.key } } },
                { name: 'AWX_URL', value: props.jobTemplateUrl },
              ],
              resources: {
                requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('16Mi') },
                limits: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('64Mi') },
              },
              securityContext: restrictedContainerSecurityContext(),
            }],
          },
        },
      },
    });
  }
}
