import { KubeObject } from '../../render/render';
import { containersOf, ObjectInFile, podSpecOf } from '../policy';
import { Labels, labelsOf, list } from './fields';

/*
 * The pods the output's workloads create: pod templates with their labels and container ports.
 * The pod spec and containers themselves come from policy.ts (podSpecOf, containersOf).
 */

/** A port a container of a pod declares. */
export interface ContainerPort {
  /** Port name, when it has one. */
  readonly name?: string;
  /** `containerPort`. */
  readonly port: number;
  /** `TCP` (the default), `UDP` or `SCTP`. */
  readonly protocol: string;
}

/** A pod template of the output: the pods one workload object creates. */
export interface PodTemplate {
  /** The workload (Deployment, Rollout, Job, CronJob, Pod, ...). */
  readonly source: ObjectInFile;
  /** The namespace its pods run in. */
  readonly namespace: string;
  /** Labels of its pods. */
  readonly labels: Labels;
  /** Ports its containers declare. */
  readonly ports: readonly ContainerPort[];
  /** The pod spec. */
  readonly spec: any;
}

/** Labels of the pods a workload creates (its pod template's, or a Pod's own). */
export function podTemplateLabelsOf(object: KubeObject): Labels {
  const spec = object.spec as any;
  switch (object.kind) {
    case 'Pod': return labelsOf(object.metadata.labels);
    case 'CronJob': return labelsOf(spec?.jobTemplate?.spec?.template?.metadata?.labels);
    default: return labelsOf(spec?.template?.metadata?.labels);
  }
}

/** Container ports of a pod spec (every container, init and ephemeral ones included); protocol defaults to TCP. */
export function containerPortsOf(spec: any): ContainerPort[] {
  return containersOf(spec).flatMap((c) => list(c.ports)
    .filter((p) => typeof p?.containerPort === 'number')
    .map((p) => ({ name: typeof p.name === 'string' ? p.name : undefined, port: p.containerPort, protocol: p.protocol ?? 'TCP' })));
}

/** Every pod template among `objects`, in their order, in the namespace `namespaceOf` gives (none: left out). */
export function podTemplatesOf(objects: readonly ObjectInFile[], namespaceOf: (o: ObjectInFile) => string | undefined): PodTemplate[] {
  return objects.flatMap((o): PodTemplate[] => {
    const spec = podSpecOf(o.object);
    if (!spec) return [];
    const namespace = namespaceOf(o);
    return namespace === undefined ? [] : [{ source: o, namespace, labels: podTemplateLabelsOf(o.object), ports: containerPortsOf(spec), spec }];
  });
}
