import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { setSyncWave, SYNC_WAVES } from '../argocd/sync-wave';
import { VaultBackend, vaultProvider } from './secret-store';

/** Props of {@link NamespaceSecretStore}. */
export interface NamespaceSecretStoreProps {
  /** The namespace the store serves. */
  readonly namespace: string;
  /** The environment's Vault. */
  readonly vault: VaultBackend;
  /** Vault role of the namespace: bound to its service account, allowed to read only the namespace's own paths. */
  readonly role: string;
  /** Name of the SecretStore and of the ServiceAccount it logs in as. */
  readonly name: string;
}

/**
 * A namespace's own SecretStore (a tenant's, or the hooks namespace's):
 * External Secrets Operator logs in to Vault as a ServiceAccount of the
 * namespace with the namespace's Vault role, so whatever an ExternalSecret in
 * the namespace asks for, Vault only answers with what that role may read.
 * Vault side: a Kubernetes auth role `<role>` bound to that ServiceAccount and
 * namespace, with a policy that reads the namespace's paths only (a tenant's:
 * `<mount>/data/tenants/<tenant>/*`). Its ServiceAccount syncs in the foundation wave, the
 * store in the stores wave, before the ExternalSecrets that read through it.
 */
export class NamespaceSecretStore extends Construct {
  /** Name of the SecretStore. */
  public readonly storeName: string;

  constructor(scope: Construct, id: string, props: NamespaceSecretStoreProps) {
    super(scope, id);
    this.storeName = props.name;
    const serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.storeName, namespace: props.namespace },
      // Only External Secrets Operator uses it, through the TokenRequest API; no pod mounts it.
      automountServiceAccountToken: false,
    });
    const store = new ApiObject(this, 'Resource', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: this.storeName, namespace: props.namespace },
      spec: { provider: vaultProvider(props.vault, props.role, { name: this.storeName }) },
    });
    // The ServiceAccount the store logs in as exists before the store, and the store before its ExternalSecrets.
    setSyncWave(serviceAccount, SYNC_WAVES.foundation);
    setSyncWave(store, SYNC_WAVES.stores);
  }
}
