import { compareStrings } from '../../sort';
import { ObjectInFile, Violation } from '../policy';

/** What a rule reports: a violation without its rule id (the validator adds it). */
export type Finding = Omit<Violation, 'rule'>;

/** Orders findings by file, then message: the order the rules that sort their output report in. */
export function compareFindings(a: Finding, b: Finding): number {
  return compareStrings(a.file, b.file) || compareStrings(a.message, b.message);
}

/** `Kind namespace/name` (`Kind name` without a namespace), e.g. `ExternalSecret tenant-acme/api-key`. */
export function describeRef(kind: string, namespace: string | undefined, name: string): string {
  return `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

/** An object as `Kind namespace/name`, in `namespace` when given (where it lands), else in its own. */
export function describeObject(o: ObjectInFile, namespace?: string): string {
  return describeRef(o.object.kind, namespace ?? o.object.metadata.namespace, o.object.metadata.name);
}
