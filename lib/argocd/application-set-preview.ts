import * as path from 'path';
import { compareStrings } from '../sort';
import { RESOURCES_FINALIZER } from './sync-policy';

/** An object and the file it is in (the shape validation works on). */
interface InFile {
  readonly path: string;
  readonly object: any;
}

/**
 * The Applications Argo CD's git directory generator would make from each
 * ApplicationSet in `objects`, given the folders those objects are in (the
 * envs repo has the same layout as the output). Each keeps the path of its
 * ApplicationSet's file. Only the `<folder>/*` directory pattern and the
 * `{{path}}` / `{{path.basename}}` placeholders are understood: what this
 * library writes. Finalizers as the controller sets them ({@link generatedFinalizers}).
 */
export function expandApplicationSets(objects: readonly InFile[]): InFile[] {
  const folders = [...new Set(objects.map((o) => path.posix.dirname(o.path)))].sort(compareStrings);
  return objects.filter((o) => o.object?.kind === 'ApplicationSet').flatMap((set) => {
    const spec = set.object.spec ?? {};
    const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);
    const patterns: string[] = list(spec.generators).flatMap((g: any) => list(g?.git?.directories).filter((d: any) => !d?.exclude).map((d: any) => String(d?.path)));
    return patterns.flatMap((pattern) => {
      const parent = pattern.replace(/\/\*$/, '');
      return folders.filter((f) => path.posix.dirname(f) === parent).map((dir) => {
        const fill = (v: any): any => typeof v === 'string'
          ? v.split('{{path.basename}}').join(path.posix.basename(dir)).split('{{path}}').join(dir)
          : Array.isArray(v) ? v.map(fill) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)])) : v;
        const t = fill(spec.template ?? {});
        const metadata = { ...t.metadata, namespace: set.object.metadata?.namespace };
        const finalizers = generatedFinalizers(set.object, metadata.finalizers);
        if (finalizers.length > 0) metadata.finalizers = finalizers;
        else delete metadata.finalizers;
        return { path: set.path, object: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata, spec: t.spec } };
      });
    });
  });
}

/**
 * The finalizers of an Application the ApplicationSet `applicationSet` generates, as Argo CD's
 * controller sets them (applicationset/utils RenderTemplateParams): the template's when it has any;
 * else the resources finalizer, unless `syncPolicy.preserveResourcesOnDeletion` is true.
 */
export function generatedFinalizers(applicationSet: { readonly [key: string]: unknown }, templateFinalizers: unknown): string[] {
  const own = Array.isArray(templateFinalizers) ? templateFinalizers.filter((f): f is string => typeof f === 'string') : [];
  if (own.length > 0) return own;
  return (applicationSet.spec as any)?.syncPolicy?.preserveResourcesOnDeletion === true ? [] : [RESOURCES_FINALIZER];
}
