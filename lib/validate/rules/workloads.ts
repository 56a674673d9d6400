import { indexOf } from '../model/context-index';
import { containersOf, PolicyContext, PolicyRule, podSpecOf } from '../policy';

// Workloads: what every pod's containers must say (image version, resources, user).

// The objects with a pod spec come from the shared index: the three rules no longer scan every object.
const workloads = (context: PolicyContext) => indexOf(context).workloads.map((o) => ({ path: o.path, pod: podSpecOf(o.object) }));

/** A tag other than latest after the last path segment, or a digest. */
export function isPinnedImage(image: string): boolean {
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return true;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  return colon > 0 && lastSegment.slice(colon + 1) !== 'latest' && lastSegment.slice(colon + 1) !== '';
}

/** `image-pinned`: every image names a version. */
export const imagePinned: PolicyRule = {
  id: 'image-pinned',
  reason: 'an image must name a version tag other than latest, or a digest, so dist/ says exactly what runs',
  check: (context) => workloads(context).flatMap((w) => containersOf(w.pod)
    .filter((c) => typeof c.image !== 'string' || !isPinnedImage(c.image))
    .map((c) => ({ file: w.path, message: `container "${c.name}": image "${c.image}" is not pinned` }))),
};

/** `container-resources`: requests and limits on every container. */
export const containerResources: PolicyRule = {
  id: 'container-resources',
  reason: 'every container sets CPU and memory requests and limits, so quotas and scheduling hold',
  check: (context) => workloads(context).flatMap((w) => containersOf(w.pod).flatMap((c) => {
    const missing = ['requests', 'limits'].flatMap((kind) => ['cpu', 'memory']
      .filter((r) => c.resources?.[kind]?.[r] === undefined).map((r) => `${kind}.${r}`));
    return missing.length ? [{ file: w.path, message: `container "${c.name}" has no ${missing.join(', ')}` }] : [];
  })),
};

/** `non-root`: no container runs as root. */
export const nonRoot: PolicyRule = {
  id: 'non-root',
  reason: 'pods run as non-root (runAsNonRoot: true on the pod or every container, and no runAsUser 0, which the kubelet then refuses to start)',
  check: (context) => workloads(context).flatMap((w) => containersOf(w.pod).flatMap((c) => {
    if ((c.securityContext?.runAsNonRoot ?? w.pod.securityContext?.runAsNonRoot) !== true) {
      return [{ file: w.path, message: `container "${c.name}" may run as root: set runAsNonRoot: true` }];
    }
    // The container's runAsUser wins over the pod's; UID 0 with runAsNonRoot makes the kubelet refuse the container.
    const inContainer = typeof c.securityContext?.runAsUser === 'number';
    if ((inContainer ? c.securityContext.runAsUser : w.pod.securityContext?.runAsUser) !== 0) return [];
    return [{ file: w.path, message: `container "${c.name}" runs as UID 0 (runAsUser: 0 on the ${inContainer ? 'container' : 'pod'}) with runAsNonRoot: true: the kubelet refuses to start it; set a non-zero runAsUser` }];
  })),
};
