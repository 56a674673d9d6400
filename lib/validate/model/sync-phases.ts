import { KubeObject } from '../../render/render';
import { labelsOf } from './fields';

/*
 * How Argo CD reads an object's hook and sync-wave annotations (gitops-engine pkg/sync/hook/hook.go,
 * syncwaves/waves.go): whether it is a hook, the phases it is applied in, and its wave.
 */

const HOOK_ANNOTATION = 'argocd.argoproj.io/hook';
const HELM_HOOK_ANNOTATION = 'helm.sh/hook';
const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
const HELM_WEIGHT_ANNOTATION = 'helm.sh/hook-weight';

/** A phase of an Argo CD sync. SyncFail hooks run only after a failed sync, last. */
export type SyncPhase = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail';

const PHASE_ORDER: Readonly<Record<SyncPhase, number>> = { PreSync: -1, Sync: 0, PostSync: 1, SyncFail: 2 };
const PHASES = Object.keys(PHASE_ORDER) as SyncPhase[];
const HELM_HOOK_PHASES: Readonly<Record<string, SyncPhase>> = {
  'pre-install': 'PreSync', 'pre-upgrade': 'PreSync', 'post-install': 'PostSync', 'post-upgrade': 'PostSync',
};

/** Orders phases as a sync runs them: negative when `a` runs before `b`, PreSync first, SyncFail last. */
export function comparePhases(a: SyncPhase, b: SyncPhase): number {
  return PHASE_ORDER[a] - PHASE_ORDER[b];
}

/** Comma-separated values of an annotation, trimmed and deduplicated (gitops-engine's GetAnnotationCSVs). */
function csvOf(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return [...new Set(value.split(',').map((v) => v.trim()).filter((v) => v !== ''))];
}

/** Hook types of an object: Argo CD's, or else Helm's mapped to Argo CD phases (hook.Types). */
function hookTypesOf(object: KubeObject): string[] {
  const annotations = labelsOf(object.metadata?.annotations);
  const argo = csvOf(annotations[HOOK_ANNOTATION]).filter((t) => t === 'Skip' || t in PHASE_ORDER);
  if (argo.length > 0) return argo;
  return csvOf(annotations[HELM_HOOK_ANNOTATION]).flatMap((t) => (t in HELM_HOOK_PHASES ? [HELM_HOOK_PHASES[t]] : []));
}

/** Whether Argo CD skips the object entirely (`hook: Skip` alone). */
function isSkipped(object: KubeObject): boolean {
  const types = hookTypesOf(object);
  return types.length === 1 && types[0] === 'Skip';
}

/** Whether Argo CD runs the object as a hook, not as a managed resource (hook.IsHook). */
export function isHook(object: KubeObject): boolean {
  const annotations = labelsOf(object.metadata?.annotations);
  if (HOOK_ANNOTATION in annotations) return !isSkipped(object);
  const helm = annotations[HELM_HOOK_ANNOTATION];
  return helm !== undefined && helm !== 'crd-install';
}

/** The phases Argo CD applies an object in: each of a hook's phases, Sync for a resource, none when skipped. */
export function syncPhasesOf(object: KubeObject): SyncPhase[] {
  if (isSkipped(object)) return [];
  if (!isHook(object)) return ['Sync'];
  const types = new Set(hookTypesOf(object));
  return PHASES.filter((p) => types.has(p));
}

/** strconv.Atoi: an optional sign and digits, nothing else. */
function atoi(value: unknown): number | undefined {
  return typeof value === 'string' && /^[+-]?[0-9]+$/.test(value) ? Number(value) : undefined;
}

/** The sync wave of an object: its sync-wave annotation, else its Helm hook weight, else 0. */
export function syncWaveOf(object: KubeObject): number {
  const annotations = labelsOf(object.metadata?.annotations);
  return atoi(annotations[SYNC_WAVE_ANNOTATION]) ?? atoi(annotations[HELM_WEIGHT_ANNOTATION]) ?? 0;
}
