import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ExternalSecret, ExternalSecretSpecSecretStoreRefKind } from '../../imports/eso-externalsecret-external-secrets.io';

/** A (Cluster)SecretStore to read from. */
export interface SecretStoreRef {
  /** `ClusterSecretStore` (one per environment) or `SecretStore` (in the namespace). */
  readonly kind: 'ClusterSecretStore' | 'SecretStore';
  /** Its name. */
  readonly name: string;
}

/** Props of {@link ExternalSecretRef}. */
export interface ExternalSecretRefProps {
  /** Name of the ExternalSecret and of the Secret it creates. */
  readonly name: string;
  /** Namespace of both. */
  readonly namespace: string;
  /** Store to read from. */
  readonly store: SecretStoreRef;
  /** Key (path) in the external store. */
  readonly remoteKey: string;
  /**
   * Property of the remote key.
   * @default - the whole value
   */
  readonly property?: string;
  /**
   * Key in the created Secret.
   * @default - the property, or 'value'
   */
  readonly secretKey?: string;
  /**
   * How often External Secrets Operator refreshes the value.
   * @default '1h'
   */
  readonly refreshInterval?: string;
  /**
   * Annotations on the ExternalSecret (e.g. an Argo CD hook).
   * @default - none
   */
  readonly annotations?: Record<string, string>;
}

/**
 * A reference to a secret held in an external store (Vault, Infisical, ...).
 * External Secrets Operator creates the Secret in the cluster; no value is
 * ever written to the manifests.
 */
export class ExternalSecretRef extends Construct {
  /** The ExternalSecret. */
  public readonly resource: ApiObject;
  /** Name of the Secret it creates. */
  public readonly secretName: string;
  /** Key of the value in that Secret. */
  public readonly secretKey: string;

  constructor(scope: Construct, id: string, props: ExternalSecretRefProps) {
    super(scope, id);
    this.secretName = props.name;
    this.secretKey = props.secretKey ?? props.property ?? 'value';
    this.resource = new ExternalSecret(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, annotations: props.annotations },
      spec: {
        refreshInterval: props.refreshInterval ?? '1h',
        secretStoreRef: {
          kind: props.store.kind === 'ClusterSecretStore' ? ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE : ExternalSecretSpecSecretStoreRefKind.SECRET_STORE,
          name: props.store.name,
        },
        target: { name: props.name },
        data: [{ secretKey: this.secretKey, remoteRef: { key: props.remoteKey, property: props.property } }],
      },
    });
  }
}
