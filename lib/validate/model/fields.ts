/*
 * Reading fields of objects whose schema check may have failed: the behaviour rules run on every
 * object, so a list or a map may be anything. Also the small collection helpers the rules share.
 */

/** Label (or annotation) values by key, as selectors and rules read them. */
export type Labels = Readonly<Record<string, string>>;

/** A field that should be a list, as one: rules also run on objects whose schema check failed. */
export const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** A field that should be a string map (labels, annotations, a Service's selector), as one; `{}` for anything else. */
export const labelsOf = (v: unknown): Labels =>
  (v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Labels : {});

/** Appends `value` to the list of `key` in a multimap, creating the list on first use. */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const existing = map.get(key);
  if (existing) existing.push(value);
  else map.set(key, [value]);
}
