/**
 * Orders strings by UTF-16 code units. Unlike `localeCompare`, the result does
 * not depend on the machine's locale, which keeps output byte-identical everywhere.
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
