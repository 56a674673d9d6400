import { indexOf } from '../model/context-index';
import { environmentOf, ObjectInFile, PolicyRule } from '../policy';

// Conflicts: two objects that would overwrite or fight each other.

/** `unique-objects`: no two objects of an environment share kind, namespace and name. */
export const uniqueObjects: PolicyRule = {
  id: 'unique-objects',
  reason: 'no two objects of one environment share kind, namespace and name (one would overwrite the other)',
  check: ({ objects }) => {
    const first = new Map<string, string>();
    const out: Array<{ file: string; message: string }> = [];
    for (const o of objects) {
      const { kind, metadata } = o.object;
      const key = `${environmentOf(o.path)}|${kind}|${metadata.namespace ?? ''}|${metadata.name}`;
      const seen = first.get(key);
      if (seen) out.push({ file: o.path, message: `${kind} ${metadata.namespace ? `${metadata.namespace}/` : ''}${metadata.name} is also defined in ${seen}` });
      else first.set(key, o.path);
    }
    return out;
  },
};

/** `single-autoscaler`: one autoscaler per workload. */
export const singleAutoscaler: PolicyRule = {
  id: 'single-autoscaler',
  reason: 'a workload has at most one autoscaler (an HPA or a KEDA ScaledObject, never both): two would fight over replicas',
  check: (context) => {
    const owners = new Map<string, ObjectInFile[]>();
    for (const o of indexOf(context).ofKinds('HorizontalPodAutoscaler', 'ScaledObject')) {
      const ref = (o.object.spec as any)?.scaleTargetRef ?? {};
      const key = `${environmentOf(o.path)}|${o.object.metadata.namespace ?? ''}|${ref.kind ?? 'Deployment'}/${ref.name}`;
      owners.set(key, [...(owners.get(key) ?? []), o]);
    }
    return [...owners.entries()].filter(([, list]) => list.length > 1).flatMap(([key, list]) => list.slice(1).map((o) => ({
      file: o.path,
      message: `${key.split('|')[2]} in ${o.object.metadata.namespace} is also scaled by ${list[0].object.kind} ${list[0].object.metadata.name} (${list[0].path})`,
    })));
  },
};
