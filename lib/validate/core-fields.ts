import * as fs from 'fs';

/**
 * Fields of the core Kubernetes API types, from schemas/core-fields.json (written by
 * `npm run schemas` from the declarations of `kubernetes-models`, the package whose compiled
 * validators check core kinds but accept any field). Finds the fields those validators let
 * through: the API server drops them (or, with server-side field validation, warns), so a
 * misspelled `replica` would silently lose the user's intent.
 */
export class CoreFields {
  private readonly types: Readonly<Record<string, Readonly<Record<string, string>>>>;
  // Compiled walkers by ref, built on first use; a type's walker is cached before its fields are compiled so recursive types end.
  private readonly walkers = new Map<string, Walker>();

  /**
   * @param file the field map, `{"types": {<type id>: {<field>: <ref>}}}` (see scripts/core-fields.ts)
   */
  constructor(file: string) {
    this.types = JSON.parse(fs.readFileSync(file, 'utf8')).types;
  }

  /**
   * A check listing the unknown fields of an object of type `typeId` (`apps/v1/Deployment`,
   * `v1/PodTemplateSpec`: the path of the model in `kubernetes-models`), or null when the field
   * map does not describe that type (free-form or not a model).
   */
  public checker(typeId: string): ((obj: unknown) => string[]) | null {
    if (!Object.prototype.hasOwnProperty.call(this.types, typeId)) return null;
    const walk = this.walker(typeId);
    return (obj) => {
      const out: string[] = [];
      walk(obj, [], out);
      return out;
    };
  }

  private walker(ref: string): Walker {
    let walker = this.walkers.get(ref);
    if (walker) return walker;
    if (ref.startsWith('[]')) {
      const inner = this.walker(ref.slice(2));
      walker = (value, at, out) => {
        if (!Array.isArray(value)) return;
        for (let i = 0; i < value.length; i++) {
          at.push(String(i));
          inner(value[i], at, out);
          at.pop();
        }
      };
    } else if (ref.startsWith('{}')) {
      const inner = this.walker(ref.slice(2));
      walker = (value, at, out) => {
        if (!isPlainObject(value)) return;
        for (const key of Object.keys(value)) {
          at.push(key);
          inner(value[key], at, out);
          at.pop();
        }
      };
    } else {
      const spec = this.types[ref];
      if (!spec) throw new Error(`core field map: no type ${ref}`);
      // Filled below, after the cache entry exists: types refer to themselves (directly or not).
      const fields = new Map<string, Walker | null>();
      walker = (value, at, out) => {
        if (!isPlainObject(value)) return; // a wrong type is the validator's to report
        for (const key of Object.keys(value)) {
          const child = fields.get(key);
          if (child === undefined) {
            out.push(`${at.length > 0 ? at.join('.') : '(root)'}: unknown field "${key}"`);
          } else if (child !== null) {
            at.push(key);
            child(value[key], at, out);
            at.pop();
          }
        }
      };
      this.walkers.set(ref, walker);
      for (const [name, child] of Object.entries(spec)) fields.set(name, child === '' ? null : this.walker(child));
      return walker;
    }
    this.walkers.set(ref, walker);
    return walker;
  }
}

/** Walks one value, pushing an error per unknown field; `at` is the path of the value (mutated, restored on return). */
type Walker = (value: unknown, at: string[], out: string[]) => void;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
