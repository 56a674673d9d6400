import { KubeObject } from '../../../render/render';
import { containersOf, podSpecOf } from '../../policy';
import { list, pushTo } from '../../model/fields';
import { App, Task } from './tasks';

/*
 * What an object needs to exist before it is applied (its namespace, ServiceAccount, Secrets, secret
 * store), and what each object creates: both as keys `env, kind, namespace, name`.
 */

/** What kind of thing an object needs. */
export type DependencyKind = 'namespace' | 'ServiceAccount' | 'Secret' | 'SecretStore' | 'ClusterSecretStore';

/** Something an object needs to exist before it is applied. */
export interface Need {
  /** What it is. */
  readonly kind: DependencyKind;
  /** Its namespace; '' for a namespace or a ClusterSecretStore. */
  readonly namespace: string;
  /** Its name. */
  readonly name: string;
  /** How the object refers to it, for the message, e.g. `env AWX_TOKEN`. */
  readonly via?: string;
}

/** Something an object creates that others may need. */
export interface Provision {
  /** The task that creates it. */
  readonly task: Task;
  /** Whether it exists only once its step is done (ESO writes Secrets asynchronously; a store must be Ready). */
  readonly strict: boolean;
}

/** The key of a dependency, shared by what needs it and what provides it. */
export const keyOf = (env: string, kind: DependencyKind, namespace: string, name: string) => `${env}\u0000${kind}\u0000${namespace}\u0000${name}`;

/** What the tasks of every Application create, by dependency key, and whether the dependency must wait for its step to finish. */
export function provisionsOf(apps: readonly App[]): Map<string, Provision[]> {
  const out = new Map<string, Provision[]>();
  for (const app of apps) {
    for (const task of app.tasks) {
      if (task.autoCreated) pushTo(out, keyOf(app.env, 'namespace', '', task.name), { task, strict: false });
      else if (task.object) {
        for (const key of providedKeysOf(task.object, app.env, task.namespace)) {
          pushTo(out, key, { task, strict: task.kind === 'ExternalSecret' || task.kind === 'SecretStore' || task.kind === 'ClusterSecretStore' });
        }
      }
    }
  }
  return out;
}

/** The dependency keys an object provides in `env` (`namespace`: where it lives). */
export function providedKeysOf(object: KubeObject, env: string, namespace: string): string[] {
  const { kind, metadata } = object;
  const spec = object.spec as any;
  switch (kind) {
    case 'Namespace': return [keyOf(env, 'namespace', '', metadata.name)];
    case 'ServiceAccount': return [keyOf(env, 'ServiceAccount', namespace, metadata.name)];
    case 'Secret': return [keyOf(env, 'Secret', namespace, metadata.name)];
    case 'ExternalSecret': return [keyOf(env, 'Secret', namespace, typeof spec?.target?.name === 'string' ? spec.target.name : metadata.name)];
    case 'SecretStore': return [keyOf(env, 'SecretStore', namespace, metadata.name)];
    case 'ClusterSecretStore': return [keyOf(env, 'ClusterSecretStore', '', metadata.name)];
    default: return [];
  }
}

/** What a task's object needs before it is applied. */
export function needsOf(task: Task): Need[] {
  const object = task.object!;
  const needs: Need[] = task.namespace === '' ? [] : [{ kind: 'namespace', namespace: '', name: task.namespace }];
  const pod = podSpecOf(object);
  if (pod) needs.push(...podNeeds(pod, task.namespace));
  if (object.kind === 'SecretStore' || object.kind === 'ClusterSecretStore') needs.push(...storeServiceAccountNeeds(object, task.namespace));
  if (object.kind === 'ExternalSecret') needs.push(...storeNeeds(object, task.namespace));
  // One need per dependency: the first reference names it.
  const unique = new Map<string, Need>();
  for (const n of needs) {
    const key = `${n.kind}/${n.namespace}/${n.name}`;
    if (!unique.has(key)) unique.set(key, n);
  }
  return [...unique.values()];
}

/** The ServiceAccount and the Secrets a pod template reads (optional references left out). */
function podNeeds(pod: any, namespace: string): Need[] {
  const needs: Need[] = [];
  const serviceAccount = pod.serviceAccountName ?? pod.serviceAccount;
  if (typeof serviceAccount === 'string' && serviceAccount !== '' && serviceAccount !== 'default') {
    needs.push({ kind: 'ServiceAccount', namespace, name: serviceAccount });
  }
  const secret = (name: unknown, optional: unknown, via: string) => {
    if (typeof name === 'string' && name !== '' && optional !== true) needs.push({ kind: 'Secret', namespace, name, via });
  };
  for (const v of list(pod.volumes)) {
    secret(v?.secret?.secretName, v?.secret?.optional, `volume ${v?.name}`);
    for (const s of list(v?.projected?.sources)) secret(s?.secret?.name, s?.secret?.optional, `volume ${v?.name}`);
  }
  for (const c of containersOf(pod)) {
    for (const e of list(c.env)) secret(e?.valueFrom?.secretKeyRef?.name, e?.valueFrom?.secretKeyRef?.optional, `env ${e?.name}`);
    for (const e of list(c.envFrom)) secret(e?.secretRef?.name, e?.secretRef?.optional, `envFrom of container ${c.name}`);
  }
  return needs;
}

/** The ServiceAccount a (Cluster)SecretStore logs in as (Vault Kubernetes auth, Kubernetes provider). */
function storeServiceAccountNeeds(store: KubeObject, namespace: string): Need[] {
  const provider = (store.spec as any)?.provider;
  const refs = [
    provider?.vault?.auth?.kubernetes?.serviceAccountRef,
    provider?.vault?.auth?.jwt?.kubernetesServiceAccountToken?.serviceAccountRef,
    provider?.kubernetes?.auth?.serviceAccount,
  ];
  return refs.flatMap((ref) => {
    // A ClusterSecretStore's ref without a namespace is resolved in each ExternalSecret's namespace: unknown here.
    const ns = typeof ref?.namespace === 'string' ? ref.namespace : namespace;
    return typeof ref?.name === 'string' && ns !== '' ? [{ kind: 'ServiceAccount' as const, namespace: ns, name: ref.name }] : [];
  });
}

/** The store an ExternalSecret reads. */
function storeNeeds(externalSecret: KubeObject, namespace: string): Need[] {
  const ref = (externalSecret.spec as any)?.secretStoreRef;
  if (typeof ref?.name !== 'string') return [];
  return ref.kind === 'ClusterSecretStore'
    ? [{ kind: 'ClusterSecretStore', namespace: '', name: ref.name }]
    : [{ kind: 'SecretStore', namespace, name: ref.name }];
}
