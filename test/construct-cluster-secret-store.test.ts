import * as fs from 'fs';
import { App, Chart, Testing } from 'cdk8s';
import { ClusterSecretStore, ClusterSecretStoreProps, InfisicalBackend, VaultBackend } from '../lib/secrets/secret-store';

// ClusterSecretStore alone, in a plain test chart (no Environment). Imports come from the defining
// modules: the package index also loads the validators and the CLI.

// Testing.chart() makes a temp outdir for its app; nothing is written there, and it is removed after the file.
const charts: Chart[] = [];
afterAll(() => {
  for (const c of charts.splice(0)) fs.rmSync(App.of(c).outdir, { recursive: true, force: true });
});

const vault: VaultBackend = { provider: 'vault', server: 'https://vault.example.com', path: 'secret', role: 'external-secrets' };
const infisical: InfisicalBackend = {
  provider: 'infisical',
  projectSlug: 'stoa',
  environmentSlug: 'qa',
  identityId: { name: 'infisical-identity', namespace: 'external-secrets', key: 'identityId' },
};

const platformStore: ClusterSecretStoreProps = { name: 'stoa-qa', backend: vault, namespaces: ['stoa-system'] };

/** The one ClusterSecretStore object of the construct with `props` (over the platform store above), and the construct. */
function synth(props: Partial<ClusterSecretStoreProps> = {}): { store: any; construct: ClusterSecretStore } {
  const chart = Testing.chart();
  charts.push(chart);
  const construct = new ClusterSecretStore(chart, 'store', { ...platformStore, ...props });
  const objects = Testing.synth(chart);
  expect(objects).toHaveLength(1);
  return { store: objects[0], construct };
}

describe('ClusterSecretStore', () => {
  test("a Vault store logs in with Kubernetes auth as the operator's service account: no token in git", () => {
    const { store, construct } = synth();
    expect(store.apiVersion).toBe('external-secrets.io/v1');
    expect(store.kind).toBe('ClusterSecretStore');
    // Cluster-scoped: no namespace.
    expect(store.metadata).toEqual({ name: 'stoa-qa' });
    expect(store.spec.provider).toEqual({
      vault: {
        server: 'https://vault.example.com',
        path: 'secret',
        version: 'v2',
        auth: { kubernetes: { mountPath: 'kubernetes', role: 'external-secrets', serviceAccountRef: { name: 'external-secrets', namespace: 'external-secrets' } } },
      },
    });
    // ExternalSecrets refer to the store by this name.
    expect(construct.storeName).toBe('stoa-qa');
  });

  test('the store serves only the namespaces it lists, never the tenants', () => {
    const { store } = synth({ namespaces: ['stoa-system', 'stoa-hooks'] });
    expect(store.spec.conditions).toEqual([{ namespaces: ['stoa-system', 'stoa-hooks'] }]);
  });

  test("the cluster's Vault auth mount and the operator's service account can be named", () => {
    const { store } = synth({
      backend: { ...vault, authMountPath: 'kubernetes-qa' },
      serviceAccount: { name: 'eso', namespace: 'platform-secrets' },
    });
    expect(store.spec.provider.vault.auth).toEqual({
      kubernetes: { mountPath: 'kubernetes-qa', role: 'external-secrets', serviceAccountRef: { name: 'eso', namespace: 'platform-secrets' } },
    });
  });

  test("an Infisical store logs in with the machine identity whose id is a Secret's key, on Infisical's cloud unless a host is given", () => {
    const { store } = synth({ backend: infisical });
    expect(store.spec.provider).toEqual({
      infisical: {
        hostAPI: 'https://app.infisical.com/api',
        auth: { kubernetesAuthCredentials: { identityId: { name: 'infisical-identity', namespace: 'external-secrets', key: 'identityId' } } },
        secretsScope: { projectSlug: 'stoa', environmentSlug: 'qa' },
      },
    });
    expect(synth({ backend: { ...infisical, hostApi: 'https://infisical.example.com/api' } }).store.spec.provider.infisical.hostAPI)
      .toBe('https://infisical.example.com/api');
  });

  test('a store without namespaces is refused: it would serve every namespace, tenants included', () => {
    expect(() => synth({ namespaces: [] })).toThrow('ClusterSecretStore "stoa-qa": namespaces must list at least one namespace');
  });
});
