import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { setSyncWave, SYNC_WAVES } from '../argocd/sync-wave';
import { addAllowDns, addDefaultDeny, httpsToInternet } from '../network/policies';
import { ExternalSecretRef, SecretStoreRef } from '../secrets/external-secret';
import { NamespaceSecretStore } from '../secrets/namespace-secret-store';
import { VaultBackend } from '../secrets/secret-store';
import { AWX_HOOK_POD_LABEL, AWX_TOKEN_SECRET } from '../tenant/awx-hook';
import { restrictedNamespaceLabels } from '../workloads/security';

/** Props of {@link HooksNamespace}. */
export interface HooksNamespaceProps {
  /** Namespace of the hook Jobs, e.g. `stoa-hooks`. */
  readonly namespace: string;
  /**
   * Where the AWX token is read from: the environment's Vault with the hooks namespace's own
   * role (a SecretStore of the namespace), or a ClusterSecretStore that admits the namespace.
   */
  readonly store: { readonly vault: VaultBackend; readonly role: string } | { readonly clusterSecretStore: string };
  /** Where the AWX token is in the store. */
  readonly awxToken: { readonly key: string; readonly property?: string };
  /**
   * The cluster's pod and service CIDRs, kept out of the hooks' HTTPS egress.
   * @default - none
   */
  readonly internalCidrs?: readonly string[];
  /**
   * NodeLocal DNSCache address, allowed for DNS.
   * @default - kube-dns only
   */
  readonly nodeLocalDns?: string;
}

/**
 * The platform namespace every tenant's AWX hook Jobs run in: the AWX token
 * lives here, where tenant owners have no access, and hook pods may only
 * resolve names and reach AWX over HTTPS.
 */
export class HooksNamespace extends Construct {
  /** The AWX token Secret the hook Jobs read. */
  public readonly tokenSecret: { readonly name: string; readonly key: string };

  constructor(scope: Construct, id: string, props: HooksNamespaceProps) {
    super(scope, id);
    const namespace = props.namespace;
    const foundation = new Construct(this, 'foundation');
    new k8s.KubeNamespace(foundation, 'namespace', { metadata: { name: namespace, labels: restrictedNamespaceLabels() } });
    addDefaultDeny(foundation, namespace);
    addAllowDns(foundation, namespace, props.nodeLocalDns);
    new k8s.KubeNetworkPolicy(foundation, 'allow-awx', {
      metadata: { name: 'hooks-allow-egress', namespace },
      spec: {
        podSelector: { matchExpressions: [{ key: AWX_HOOK_POD_LABEL, operator: 'Exists' }] },
        policyTypes: ['Egress'],
        egress: [httpsToInternet(props.internalCidrs ?? [])],
      },
    });
    setSyncWave(foundation, SYNC_WAVES.foundation);

    let store: SecretStoreRef;
    if ('vault' in props.store) {
      const own = new NamespaceSecretStore(this, 'secret-store', { namespace, vault: props.store.vault, role: props.store.role, name: 'hooks-secrets' });
      store = { kind: 'SecretStore', name: own.storeName };
    } else {
      store = { kind: 'ClusterSecretStore', name: props.store.clusterSecretStore };
    }
    const token = new ExternalSecretRef(this, 'awx-token', {
      name: AWX_TOKEN_SECRET.name,
      namespace,
      store,
      remoteKey: props.awxToken.key,
      property: props.awxToken.property,
      secretKey: AWX_TOKEN_SECRET.key,
    });
    setSyncWave(token, SYNC_WAVES.secrets);
    this.tokenSecret = { name: token.secretName, key: token.secretKey };
  }
}
