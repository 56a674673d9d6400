import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/** Vault, read with Kubernetes auth (the operator's service account; no token in git). */
export interface VaultBackend {
  /** Selects Vault. */
  readonly provider: 'vault';
  /** Vault address, e.g. `https://vault.example.com`. */
  readonly server: string;
  /** KV mount path, e.g. `secret`. */
  readonly path: string;
  /** Vault role bound to the operator's service account. */
  readonly role: string;
  /**
   * Vault auth mount of the cluster.
   * @default 'kubernetes'
   */
  readonly authMountPath?: string;
}

/** Infisical, read with Kubernetes auth; the machine identity id is itself a reference to a Secret key. */
export interface InfisicalBackend {
  /** Selects Infisical. */
  readonly provider: 'infisical';
  /**
   * Infisical API URL.
   * @default 'https://app.infisical.com/api'
   */
  readonly hostApi?: string;
  /** Project slug. */
  readonly projectSlug: string;
  /** Environment slug in that project. */
  readonly environmentSlug: string;
  /** Where the machine identity id is: a Secret's name, namespace and key. */
  readonly identityId: { readonly name: string; readonly namespace: string; readonly key: string };
}

/** Props of {@link ClusterSecretStore}. */
export interface ClusterSecretStoreProps {
  /** Name of the ClusterSecretStore; ExternalSecrets refer to it. */
  readonly name: string;
  /** The store behind it. */
  readonly backend: VaultBackend | InfisicalBackend;
  /**
   * Service account External Secrets Operator authenticates as.
   * @default - external-secrets in external-secrets
   */
  readonly serviceAccount?: { readonly name: string; readonly namespace: string };
  /**
   * The only namespaces whose ExternalSecrets may use the store (`spec.conditions`).
   * A store without conditions serves every namespace, tenants' included.
   */
  readonly namespaces: readonly string[];
}

/** The `provider` of a Vault (Cluster)SecretStore that logs in with `role` as service account `serviceAccount`. */
export function vaultProvider(b: VaultBackend, role: string, serviceAccount: { readonly name: string; readonly namespace?: string }): Record<string, unknown> {
  return {
    vault: {
      server: b.server,
      path: b.path,
      version: 'v2',
      auth: { kubernetes: { mountPath: b.authMountPath ?? 'kubernetes', role, serviceAccountRef: { ...serviceAccount } } },
    },
  };
}

/**
 * One environment's ClusterSecretStore: how External Secrets Operator reaches
 * Vault or Infisical, for the namespaces it lists only. Plain JSON (checked against the pinned CRD schema in
 * validation) because the generated class is 1.1 MB to type-check.
 */
export class ClusterSecretStore extends Construct {
  /** Name of the store. */
  public readonly storeName: string;

  constructor(scope: Construct, id: string, props: ClusterSecretStoreProps) {
    super(scope, id);
    if (props.namespaces.length === 0) throw new Error(`ClusterSecretStore "${props.name}": namespaces must list at least one namespace`);
    this.storeName = props.name;
    const sa = props.serviceAccount ?? { name: 'external-secrets', namespace: 'external-secrets' };
    const b = props.backend;
    const provider = b.provider === 'vault'
      ? vaultProvider(b, b.role, { name: sa.name, namespace: sa.namespace })
      : {
        infisical: {
          hostAPI: b.hostApi ?? 'https://app.infisical.com/api',
          auth: { kubernetesAuthCredentials: { identityId: { ...b.identityId } } },
          secretsScope: { projectSlug: b.projectSlug, environmentSlug: b.environmentSlug },
        },
      };
    new ApiObject(this, 'Resource', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: props.name },
      spec: { conditions: [{ namespaces: [...props.namespaces] }], provider },
    });
  }
}
