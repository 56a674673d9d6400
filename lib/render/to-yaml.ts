import { stringify } from 'yaml';

/**
 * Serializes one Kubernetes object to YAML the same way on every machine:
 * no line folding, no anchors, keys in the order given (cdk8s sorts them),
 * strings that look like other types quoted.
 */
export function toYaml(obj: unknown): string {
  return stringify(obj, {
    lineWidth: 0,
    aliasDuplicateObjects: false,
    indentSeq: true,
  });
}
