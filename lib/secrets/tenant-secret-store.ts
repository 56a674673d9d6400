import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { VaultBackend, vaultProvider } from './secret-store';

/** Props of {@link TenantSecretStore}. */
export interface TenantSecretStoreProps {
  /** The tenant's namespace. */
  readonly namespace: string;
  /** The environment's Vault. */
  readonly vault: VaultBackend;
  /** Vault role of the tenant: bound to this namespace's service account, allowed to read only the tenant's path. */
  readonly role: string;
  /**
   * Name of the SecretStore and of the ServiceAccount it logs in as.
   * @default 'tenant-secrets'
   */
  readonly name?: string;
}

/**
 * A tenant's own SecretStore: External Secrets Operator logs in to Vault as a
 * ServiceAccount of the tenant's namespace with the tenant's Vault role, so
 * whatever an ExternalSecret in the namespace asks for, Vault only answers
 * with the tenant's own paths. Vault side: a Kubernetes auth role `<role>`
 * bound to that ServiceAccount and namespace, with a policy that reads
 * `<mount>/data/tenants/<tenant>/*` only.
 */
export class TenantSecretStore extends Construct {
  /** Name of the SecretStore. */
  public readonly storeName: string;

  constructor(scope: Construct, id: string, props: TenantSecretStoreProps) {
    super(scope, id);
    this.storeName = props.name ?? 'tenant-secrets';
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.storeName, namespace: props.namespace },
      // Only External Secrets Operator uses it, through the TokenRequest API; no pod mounts it.
      automountServiceAccountToken: false,
    });
    new ApiObject(this, 'Resource', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: this.storeName, namespace: props.namespace },
      spec: { provider: vaultProvider(props.vault, props.role, { name: this.storeName }) },
    });
  }
}
