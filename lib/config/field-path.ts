import { printable } from './input-file';

/** `owners.groups[0]`; a key is shown printable (control characters escaped, long keys cut). */
export function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((acc, step) =>
    typeof step === 'number' ? `${acc}[${step}]` : acc ? `${acc}.${printable(step)}` : printable(step), '');
}
