import { compareStrings } from '../../sort';
import { environmentFacts, environmentOf, ObjectInFile, PolicyRule } from '../policy';
import { Labels, list } from '../model/fields';
import { isTenantNamespace, namespaceLabelsOf, tenantOf } from '../model/namespaces';
import { indexOf } from '../model/context-index';
import { namespaceResolver } from '../model/output-index';
import { describeObject, Finding } from '../model/findings';

/**
 * The hosts an Ingress serves, each once, as written: its rules' hosts and its TLS hosts
 * (a TLS-only host still makes the controller present that certificate for the name).
 */
export function hostsOf(ingress: ObjectInFile['object']): string[] {
  const spec = ingress.spec as any;
  const written = [
    ...list(spec?.rules).map((r) => r?.host),
    ...list(spec?.tls).flatMap((t) => list(t?.hosts)),
  ].filter((h): h is string => typeof h === 'string' && h !== '');
  const seen = new Set<string>();
  return written.filter((h) => {
    const key = hostKey(h);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** DNS names compare case-insensitively, and `a.example.com.` is `a.example.com`. */
function hostKey(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/** Problems of a tenant's Ingress: hosts other than `<tenant>.<domain>` (or `<tenant>.` anything when the domain is not known), wildcards, catch-alls. */
function tenantHostProblems(ingress: ObjectInFile['object'], tenant: string, domain: string | undefined): string[] {
  const spec = ingress.spec as any;
  const expected = domain === undefined ? undefined : hostKey(`${tenant}.${domain}`);
  const out: string[] = [];
  if (spec?.defaultBackend) out.push('spec.defaultBackend serves every host no other Ingress claims (the controller\'s catch-all)');
  list(spec?.rules).forEach((rule, i) => {
    if (typeof rule?.host !== 'string' || rule.host === '') out.push(`rules[${i}] has no host, so it serves every host no other rule claims`);
  });
  for (const host of hostsOf(ingress)) {
    if (host.includes('*')) out.push(`host ${host} is a wildcard`);
    else if (expected !== undefined ? hostKey(host) !== expected : !hostKey(host).startsWith(`${tenant.toLowerCase()}.`)) out.push(`host ${host} is not the tenant's`);
  }
  return out;
}

/**
 * No two Ingresses of one environment serve the same host: the ingress controller would
 * merge or pick one of them, so one tenant's name could take another's (or the platform's) traffic.
 * Reports every later Ingress (by path) with the first one that serves the host. An Ingress that
 * lands in a tenant's namespace serves `<tenant>.<domain>` only (the environment's
 * `domain` fact; `<tenant>.` anything when it is not known): no wildcard, no rule
 * without a host and no default backend, which would catch the hosts nobody else claims.
 */
export const uniqueHosts: PolicyRule = {
  id: 'unique-hosts',
  reason: 'no two Ingresses of an environment serve the same host, and a tenant\'s Ingresses serve only <tenant>.<domain> (no wildcard or catch-all), or one would take the other\'s traffic and certificate',
  check: (context) => {
    const index = indexOf(context);
    const ingresses = index.ofKind('Ingress')
      .slice().sort((a, b) => compareStrings(a.path, b.path));
    const firstServer = new Map<string, ObjectInFile>();
    const out: Finding[] = [];
    for (const ingress of ingresses) {
      for (const host of hostsOf(ingress.object)) {
        const key = `${environmentOf(ingress.path)}|${hostKey(host)}`;
        const first = firstServer.get(key);
        if (first) {
          out.push({ file: ingress.path, message: `host ${host} is also served by ${describeObject(first)} (${first.path}): give one of them another host` });
        } else {
          firstServer.set(key, ingress);
        }
      }
    }
    const namespaceOf = namespaceResolver(index.destinations());
    const labels = new Map<string, Labels>();
    for (const [env, { namespaceLabels }] of index.environments) {
      for (const [name, l] of namespaceLabels) labels.set(`${env}/${name}`, l);
    }
    for (const ingress of ingresses) {
      const env = environmentOf(ingress.path);
      const namespace = namespaceOf(ingress);
      if (namespace === undefined) continue;
      const nsLabels = labels.get(`${env}/${namespace}`) ?? namespaceLabelsOf(namespace);
      const tenant = isTenantNamespace(namespace, nsLabels) ? tenantOf(namespace, nsLabels) : undefined;
      if (tenant === undefined) continue;
      const domain = environmentFacts(context, env).domain;
      const own = domain === undefined ? `${tenant}.<domain>` : `${tenant}.${domain}`;
      for (const problem of tenantHostProblems(ingress.object, tenant, domain)) {
        out.push({ file: ingress.path, message: `${describeObject(ingress, namespace)} of tenant ${tenant}: ${problem}; a tenant's Ingresses serve ${own} only` });
      }
    }
    return out;
  },
};
