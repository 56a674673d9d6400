import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { setSyncWave, SYNC_WAVES } from '../argocd/sync-wave';
import { addAllowDns, addDefaultDeny, httpsToInternet } from '../network/policies';
import { ExternalSecretRef } from '../secrets/external-secret';
import { AWX_HOOK_POD_LABEL, AWX_TOKEN_SECRET } from '../tenant/awx-hook';
import { restrictedNamespaceLabels } from '../workloads/security';

/** Props of {@link HooksNamespace}. */
export interface HooksNamespaceProps {
  /** Namespace of the hook Jobs, e.g. `stoa-hooks`. */
  readonly namespace: string;
  /** ClusterSecretStore the AWX token is read from. */
  readonly store: string;
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

    const token = new ExternalSecretRef(this, 'awx-token', {
      name: AWX_TOKEN_SECRET.name,
      namespace,
      store: { kind: 'ClusterSecretStore', name: props.store },
      remoteKey: props.awxToken.key,
      property: props.awxToken.property,
      secretKey: AWX_TOKEN_SECRET.key,
    });
    setSyncWave(token, SYNC_WAVES.secrets);
    this.tokenSecret = { name: token.secretName, key: token.secretKey };
  }
}
