import { closest, distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { printable } from './input-file';

/** A schema issue turned into words a person can act on, with the path it applies to. */
export interface DescribedIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * Turns zod issues into one message per problem. Unknown keys become one issue
 * each, with a "did you mean" hint drawn from the fields the schema allows there.
 */
export function describeIssues(schema: z.ZodType, issues: readonly z.core.$ZodIssue[]): DescribedIssue[] {
  const out: DescribedIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeysAt(schema, path);
      for (const key of issue.keys) {
        out.push({ path: [...path, key], message: unknownKeyMessage(key, allowed) });
      }
      continue;
    }
    out.push({ path, message: describeIssue(issue) });
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? `is required (expected ${issue.expected})`
        : `expected ${issue.expected}, got ${describeValue(issue.input)}`;
    case 'invalid_value':
      if (issue.input === undefined) return `is required: one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')} (got ${describeValue(issue.input)})`;
    default:
      // Schemas give their own messages for formats, ranges and cross-field rules.
      return issue.input === undefined || typeof issue.input === 'object'
        ? issue.message
        : `${issue.message} (got ${describeValue(issue.input)})`;
  }
}

function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  if (allowed.length === 0) return 'unknown field';
  const guess = closest(key, [...allowed]);
  const hint = isCloseEnough(key, guess) ? `did you mean "${guess}"? ` : '';
  return `unknown field; ${hint}allowed: ${allowed.join(', ')}`;
}

/** Only suggest a name a typo away from what was typed: at most a third of its letters differ. */
function isCloseEnough(typed: string, guess: string): boolean {
  return distance(typed.toLowerCase(), guess.toLowerCase()) <= Math.max(2, Math.floor(guess.length / 3));
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return quote(value);
  return `${typeof value} ${String(value)}`;
}

/** Longest part of a string value echoed in a message. */
const ECHOED_CHARACTERS = 60;

/** A string value as a message shows it: quoted, cut, and with control characters escaped (JSON leaves C1 and bidi controls). */
function quote(value: string): string {
  const quoted = `"${printable(value.replace(/["\\]/g, (c) => `\\${c}`), ECHOED_CHARACTERS)}"`;
  return value.length > ECHOED_CHARACTERS ? `${quoted} (${value.length} characters)` : quoted;
}

/** The keys an object schema allows at `path`, looking through optional, default and array wrappers. */
function allowedKeysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const step of path) {
    if (current instanceof z.ZodObject && typeof step === 'string') {
      current = unwrap(current.shape[step] as z.ZodType | undefined);
    } else if (current instanceof z.ZodArray && typeof step === 'number') {
      current = unwrap(current.element as z.ZodType);
    } else if (current instanceof z.ZodRecord) {
      current = unwrap(current.valueType as z.ZodType);
    } else {
      return [];
    }
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape).sort() : [];
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable) {
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodPipe) {
      s = s.in as z.ZodType;
    } else {
      return s;
    }
  }
}
