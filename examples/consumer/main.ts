// A team's own cdk8s app: one environment with a tenant, and a standalone gateway
// in a chart of the team's own, rendered with stoa-manifests' deterministic writer.
import { Environment, EnvironmentMode, Gateway, ManifestChart, Scaling, StoaApp } from 'stoa-manifests';

// StoaApp: app.synth() writes dist/<env>/... (the folders the Applications read), validates
// every object and replaces dist/ in one step; a violation throws, so the process exits 1.
const app = new StoaApp({ outdir: 'dist', validation: { readOnlyEnvironments: [] } });
const qa = new Environment(app, 'qa', {
  name: 'qa',
  mode: EnvironmentMode.FULL,
  domain: 'qa.example.com',
  cluster: { name: 'qa', server: 'https://qa.k8s.example.com' },
  repo: { url: 'https://git.example.com/platform/envs.git', revision: 'main' },
  registry: 'ghcr.io/stoa-platform',
  versions: { 'stoa-gateway': '1.9.0', 'control-plane-api': '2.5.0', 'control-plane-ui': '2.5.0', 'stoa-portal': '1.4.0' },
});
qa.addTenant({ name: 'umbrella', tier: 'silver', owners: { groups: ['umbrella-team'] } });

// A gateway outside any tenant, in a chart of our own.
const edge = new ManifestChart(app, 'edge', { outputPath: 'qa/edge' });
new Gateway(edge, 'gateway', {
  tenant: 'edge',
  namespace: 'edge',
  image: qa.imageOf('stoa-gateway'),
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  scaling: Scaling.fixed(2),
  ingress: qa.ingressFor('edge'),
  ingressControllerNamespace: 'ingress-nginx',
  controlPlaneNamespace: 'stoa-system',
});

// Argo CD applies a folder only through an Application: the edge chart gets its own, in a
// project that allows just its namespace (the app-of-apps root syncs both).
const edgeProject = qa.argo.addProject('edge-project', {
  name: qa.argo.argoName('edge'),
  description: 'The standalone edge gateway',
  destinations: [{ server: qa.cluster.server, namespace: 'edge' }],
  clusterResources: [],
});
qa.argo.addApplication('edge-application', {
  name: qa.argo.argoName('edge'),
  project: edgeProject.projectName,
  source: qa.argo.sourceFor(edge),
  destinationServer: qa.cluster.server,
  destinationNamespace: 'edge',
  sync: qa.sync,
  createNamespace: true,
});

app.synth();
console.log('wrote dist/');
