import { emitYaml } from './yaml-emitter';

/**
 * Serializes one Kubernetes object to YAML the same way on every machine:
 * no line folding, no anchors, keys in the order given (cdk8s sorts them),
 * strings that look like other types quoted. Byte for byte what the `yaml` library writes with
 * `YAML_OPTIONS`, by a faster emitter (see emitYaml).
 */
export function toYaml(obj: unknown): string {
  return emitYaml(obj);
}
