import { compareStrings } from '../../../sort';
import { EnvironmentFacts, ObjectInFile } from '../../policy';
import { labelsOf, list } from '../../model/fields';
import { describeObject, Finding } from '../../model/findings';
import { isTenantNamespace } from '../../model/namespaces';
import { ipv4InCidr, parseIPv4 } from './cidr';
import { Cluster, labelsOfNamespace } from './cluster';
import { isInternalHost } from './required-flows';

/*
 * Ways into (or out of) a tenant namespace that no NetworkPolicy of the tenant governs: Services the
 * cluster exposes on nodes or load balancers, Services that stand for other hosts, and Ingress
 * annotations that make the shared ingress controller run the tenant's configuration or call inside
 * the cluster.
 */

/** What a Service type other than ClusterIP does with a tenant's pods. */
const SERVICE_TYPES: Readonly<Record<string, string>> = {
  LoadBalancer: 'asks the cloud for a load balancer that reaches its pods from outside the cluster, around the ingress controller and its TLS',
  NodePort: 'opens a port on every node that reaches its pods, around the ingress controller and its TLS',
  ExternalName: 'makes its name a CNAME to another host: an Ingress naming it sends the ingress controller there, another namespace\'s Services included',
};

const NGINX = 'nginx.ingress.kubernetes.io/';
/** Annotations whose URL the ingress controller itself calls for each request. */
const CONTROLLER_URLS: Readonly<Record<string, string>> = {
  'auth-url': 'sends every request to it for authentication',
  'mirror-target': 'sends a copy of every request to it',
};
/** Address ranges that are never the internet: loopback, private, link-local (cloud metadata) and CGNAT. */
const PRIVATE_V4 = ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10', '0.0.0.0/8'];

/** Whether a URL the ingress controller calls is inside the cluster (or its nodes): a Service name, a cluster domain, an internal or private address. */
function isInClusterUrl(url: string, facts: EnvironmentFacts): boolean {
  const match = /^\s*https?:\/\/(\[[^\]]*\]|[^/:?#\s]*)/i.exec(url);
  if (!match) return true; // not an absolute http(s) URL: the controller resolves it somewhere we cannot see
  const host = match[1].toLowerCase().replace(/\.$/, '');
  if (host.startsWith('[')) return true; // an IPv6 literal: no tenant needs one to reach an external service
  return host === '' || isInternalHost(host, facts)
    || (parseIPv4(host) !== undefined && PRIVATE_V4.some((cidr) => ipv4InCidr(host, cidr)));
}

function serviceFindings(service: ObjectInFile, namespace: string): Finding[] {
  const spec = (service.object.spec ?? {}) as any;
  const who = `${describeObject(service, namespace)} of a tenant namespace`;
  const fix = 'tenant Services are ClusterIP, reached through the ingress controller';
  const out: Finding[] = [];
  const type = typeof spec.type === 'string' ? spec.type : 'ClusterIP';
  if (type !== 'ClusterIP') {
    const what = SERVICE_TYPES[type] ?? 'is not a ClusterIP Service';
    out.push({ file: service.path, message: `${who} is of type ${type}${type === 'ExternalName' ? ` (${spec.externalName})` : ''}, which ${what}: ${fix}` });
  }
  const ips = list(spec.externalIPs);
  if (ips.length > 0) {
    out.push({ file: service.path, message: `${who} sets externalIPs ${ips.join(', ')}: every node then captures traffic to those addresses, for the whole cluster (CVE-2020-8554): ${fix}` });
  }
  return out;
}

function ingressFindings(ingress: ObjectInFile, namespace: string, facts: EnvironmentFacts): Finding[] {
  const who = `${describeObject(ingress, namespace)} of a tenant namespace`;
  return Object.entries(labelsOf(ingress.object.metadata.annotations)).sort(([a], [b]) => compareStrings(a, b)).flatMap(([key, value]): Finding[] => {
    if (!key.startsWith(NGINX)) return [];
    const name = key.slice(NGINX.length);
    if (name.endsWith('-snippet')) {
      return [{ file: ingress.path, message: `${who} sets ${key}, which injects its nginx configuration into the ingress controller every tenant shares (it could route, or read, any traffic the controller carries): remove it` }];
    }
    const effect = CONTROLLER_URLS[name];
    if (effect && isInClusterUrl(String(value), facts)) {
      return [{ file: ingress.path, message: `${who} sets ${key} "${value}", inside the cluster: the ingress controller ${effect}, a flow into another namespace that no NetworkPolicy of the tenant governs: use an external URL, or remove it` }];
    }
    return [];
  });
}

/** Tenant Services other than plain ClusterIP, and tenant Ingress annotations that configure or aim the shared ingress controller. */
export function tenantExposureViolations(cluster: Cluster): Finding[] {
  const namespaces = [...new Set([...cluster.services.keys(), ...cluster.ingresses.keys()])].sort(compareStrings)
    .filter((ns) => isTenantNamespace(ns, labelsOfNamespace(cluster, ns)));
  return namespaces.flatMap((ns) => [
    ...(cluster.services.get(ns) ?? []).flatMap((s) => serviceFindings(s, ns)),
    ...(cluster.ingresses.get(ns) ?? []).flatMap((i) => ingressFindings(i, ns, cluster.facts)),
  ]);
}
