import { stringify } from 'yaml';

/** The `yaml` options every manifest is written with (see toYaml). */
export const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false, indentSeq: true } as const;

/**
 * A block-style YAML emitter for JSON data that writes exactly what `yaml.stringify(value,
 * YAML_OPTIONS)` writes, more than 10 times faster. The structure (maps, sequences, indentation,
 * empty collections, `undefined` left out of maps and `null` in sequences) is written here; every
 * scalar that is not plainly safe is written by `yaml` itself, so no quoting rule of `yaml` is
 * re-implemented: a string goes out plain only when it matches a pattern `yaml` provably writes
 * plain, anything else (quoted, block literal) is `yaml`'s own text for it, memoized. A key that
 * is not plainly safe, a top-level scalar or a value that is not JSON data (a Date, a Map, a
 * bigint, a function) sends the whole value to `yaml`. The tests compare both on every rendered
 * file, on hand-picked edge cases and on generated values.
 */
export function emitYaml(value: unknown): string {
  try {
    if (isPlainObject(value)) {
      if (!hasEntries(value)) return '{}\n';
      out = '';
      writeMap(value, 0, '');
      return out;
    }
    if (Array.isArray(value)) {
      if (value.length === 0) return '[]\n';
      out = '';
      writeSeq(value, 0, '');
      return out;
    }
  } catch (e) {
    if (e !== NOT_MINE) throw e;
  } finally {
    out = '';
  }
  return stringify(value, YAML_OPTIONS);
}

/** Thrown to hand the whole value to `yaml`. */
const NOT_MINE = Symbol('not-mine');

/**
 * The text being written: appended to, never sliced (V8 builds `+=` as a rope; slicing would
 * flatten it at every level). Module state is safe: emitYaml never re-enters itself.
 */
let out = '';

const pads: string[] = [];
function pad(n: number): string {
  return pads[n] ?? (pads[n] = ' '.repeat(n));
}

/**
 * A non-empty map whose entries start at column `indent`; the first entry's line starts with
 * `first` instead of the padding (`- ` of a sequence item, already written up to its column).
 */
function writeMap(map: Record<string, unknown>, indent: number, first: string): void {
  const p = pad(indent);
  let lead = first;
  for (const key of Object.keys(map)) {
    const value = map[key];
    if (value === undefined) continue; // yaml leaves undefined out of maps
    if (!isPlainKey(key)) throw NOT_MINE;
    out += lead + key;
    lead = p;
    if (value === null) out += ': null\n';
    else if (typeof value === 'object') {
      if (Array.isArray(value)) {
        // indentSeq: a sequence under a key is indented by 2
        if (value.length === 0) out += ': []\n';
        else {
          out += ':\n';
          writeSeq(value, indent + 2, pad(indent + 2));
        }
      } else if (isPlainObject(value)) {
        if (!hasEntries(value)) out += ': {}\n';
        else {
          out += ':\n';
          writeMap(value, indent + 2, pad(indent + 2));
        }
      } else throw NOT_MINE;
    } else out += ': ' + scalar(value, indent) + '\n';
  }
}

/** A non-empty sequence whose `- ` start at column `indent`; the first line starts with `first`. */
function writeSeq(items: readonly unknown[], indent: number, first: string): void {
  const p = pad(indent);
  let lead = first;
  // an index loop, not for-of: a hole in a sparse array is undefined, written null like yaml does
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    out += lead;
    lead = p;
    if (item === null || item === undefined) out += '- null\n';
    else if (typeof item === 'object') {
      if (Array.isArray(item)) {
        if (item.length === 0) out += '- []\n';
        else writeSeq(item, indent + 2, '- '); // `- - a`: the inner items line up 2 further
      } else if (isPlainObject(item)) {
        if (!hasEntries(item)) out += '- {}\n';
        else writeMap(item, indent + 2, '- ');
      } else throw NOT_MINE;
    } else out += '- ' + scalar(item, indent) + '\n';
  }
}

/** A scalar after `key: ` or `- ` on a line indented by `indent`. */
function scalar(value: unknown, indent: number): string {
  switch (typeof value) {
    case 'string': {
      if (isPlainSafe(value)) return value;
      const text = yamlScalar(value);
      // yaml's text is for a key at column 0 (block content indented by 2): shift its later lines.
      return indent === 0 || !text.includes('\n') ? text : text.replace(/\n(?=[^\n])/g, '\n' + pad(indent));
    }
    case 'number':
      return Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : yamlScalar(value as number);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      throw NOT_MINE; // bigint, symbol, function: not JSON data
  }
}

// Strings and numbers apart: a Map key compares -0 equal to 0 (only -0 ever gets here, but still).
const strings = new Map<string, string>();
const numbers = new Map<number, string>();

/** yaml's own text for a scalar as a map value at column 0, without `k: ` and the final newline (memoized). */
function yamlScalar(value: string | number): string {
  const cache = typeof value === 'string' ? strings : numbers;
  let text = (cache as Map<string | number, string>).get(value);
  if (text === undefined) {
    text = stringify({ k: value }, YAML_OPTIONS).slice(3, -1);
    if (cache.size >= 50_000) cache.clear(); // bounded: unique strings of a large project must not pile up
    (cache as Map<string | number, string>).set(value, text);
  }
  return text;
}

/*
 * Strings yaml writes plain, as a key or a value: a letter or `/` first; then letters, digits,
 * spaces and `. _ / - + = @ , ( ) ~ :` (PLAIN_CHARS), with no `: `, no two spaces and no space
 * or `:` at the end (NOT_PLAIN); never a word the core schema reads as a boolean or null
 * (RESERVED: such a string starts with a letter; numbers, `~`, `.inf` and `.nan` cannot). Anything
 * else goes to yaml: number-like, `-`-led, quotes, `#`, `!`, `&`, `*`, `%`, `{[`, tabs, newlines,
 * non-ASCII.
 */
const PLAIN_CHARS = /^[A-Za-z/][A-Za-z0-9._/+=@,()~: -]*$/;
const NOT_PLAIN = /: | {2}|[ :]$/;
const RESERVED = /^(?:true|True|TRUE|false|False|FALSE|null|Null|NULL)$/;

function isPlainSafe(s: string): boolean {
  return PLAIN_CHARS.test(s) && !NOT_PLAIN.test(s) && (s.length > 5 || !RESERVED.test(s));
}

// The same few hundred keys recur in every object: their verdict is looked up, not re-matched.
const plainKeys = new Map<string, boolean>();

/** A key yaml writes plain and implicit (`key:`): plainly safe, and at most 1,024 characters (longer, yaml writes `? key`). */
function isPlainKey(key: string): boolean {
  let ok = plainKeys.get(key);
  if (ok === undefined) {
    ok = key.length <= 1024 && isPlainSafe(key);
    if (plainKeys.size >= 10_000) plainKeys.clear();
    plainKeys.set(key, ok);
  }
  return ok;
}

function hasEntries(map: Record<string, unknown>): boolean {
  for (const key in map) if (Object.prototype.hasOwnProperty.call(map, key) && map[key] !== undefined) return true;
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
