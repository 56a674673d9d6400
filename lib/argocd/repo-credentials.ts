import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  ExternalSecret, ExternalSecretSpecSecretStoreRefKind, ExternalSecretSpecTargetCreationPolicy, ExternalSecretSpecTargetDeletionPolicy,
  ExternalSecretSpecTargetTemplateEngineVersion, ExternalSecretSpecTargetTemplateMergePolicy,
} from '../../imports/eso-externalsecret-external-secrets.io';
import {
  ARGOCD_SECRET_TYPE_LABEL, credentialFieldsOf, DEFAULT_REPO_CREDENTIALS_REFRESH, EnvsRepoCredentials, repoSecretTypeOf,
} from '../config/repo-credentials';

export type { EnvsRepoCredentials, RepoCredentialProperties, RepoCredentialType } from '../config/repo-credentials';

/** Props of {@link RepoCredentials}. */
export interface RepoCredentialsProps {
  /** Name of the ExternalSecret and of the Secret it makes, e.g. `<env>-envs-repo`: one per environment, so one Argo CD can serve several. */
  readonly name: string;
  /** Argo CD's namespace: where Argo CD reads repository Secrets. */
  readonly argocdNamespace: string;
  /** The envs repo URL (in git: it is no secret). */
  readonly url: string;
  /** Where the credentials are in the store. */
  readonly credentials: EnvsRepoCredentials;
  /**
   * Labels of the Secret External Secrets Operator makes, besides Argo CD's secret-type label.
   * @default - none
   */
  readonly secretLabels?: Record<string, string>;
}

/**
 * Argo CD's credentials for the envs repo, as a reference: an ExternalSecret in Argo CD's namespace
 * that makes a Secret labelled `argocd.argoproj.io/secret-type: repository` (or `repo-creds`, a
 * credential template for `urlPrefix`). The Secret's `url` and `type` are written in the template;
 * the credentials are template references (`{{ .password }}`) to what the store returns, so no value
 * is ever in git. The Secret belongs to the ExternalSecret (`creationPolicy: Owner`: deleting the
 * ExternalSecret deletes it) and stays when the key is missing from the store
 * (`deletionPolicy: Retain`: a key moved by mistake must not cut Argo CD off from git). See docs/repo-credentials.md.
 */
export class RepoCredentials extends Construct {
  /** The ExternalSecret. */
  public readonly resource: ApiObject;
  /** Name of the Secret Argo CD reads. */
  public readonly secretName: string;

  constructor(scope: Construct, id: string, props: RepoCredentialsProps) {
    super(scope, id);
    const c = props.credentials;
    this.secretName = props.name;
    const fields = credentialFieldsOf(c);
    this.resource = new ExternalSecret(this, 'Resource', {
      metadata: { name: props.name, namespace: props.argocdNamespace },
      spec: {
        refreshInterval: c.refreshInterval ?? DEFAULT_REPO_CREDENTIALS_REFRESH,
        secretStoreRef: { kind: ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE, name: c.secretStore },
        target: {
          name: props.name,
          creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
          deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
          template: {
            engineVersion: ExternalSecretSpecTargetTemplateEngineVersion.V2,
            // Only the keys below: nothing else the store holds under the key reaches the Secret.
            mergePolicy: ExternalSecretSpecTargetTemplateMergePolicy.REPLACE,
            type: 'Opaque',
            metadata: { labels: { ...props.secretLabels, [ARGOCD_SECRET_TYPE_LABEL]: repoSecretTypeOf(c) } },
            data: {
              type: 'git',
              url: c.urlPrefix ?? props.url,
              ...Object.fromEntries(fields.map(({ field }) => [field, `{{ .${field} }}`])),
            },
          },
        },
        data: fields.map(({ field, property }) => ({ secretKey: field, remoteRef: { key: c.key, property } })),
      },
    });
  }
}
