import { compareStrings } from '../../sort';
import { environmentOf, ObjectInFile, PolicyRule } from '../policy';
import { list } from '../model/fields';
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

/**
 * No two Ingresses of one environment serve the same host: the ingress controller would
 * merge or pick one of them, so one tenant's name could take another's (or the platform's) traffic.
 * Reports every later Ingress (by path) with the first one that serves the host.
 */
export const uniqueHosts: PolicyRule = {
  id: 'unique-hosts',
  reason: 'no two Ingresses of an environment serve the same host, or one would take the other\'s traffic and certificate',
  check: ({ objects }) => {
    const ingresses = objects.filter((o) => o.object.kind === 'Ingress')
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
    return out;
  },
};
