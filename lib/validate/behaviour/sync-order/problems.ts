import { compareStrings } from '../../../sort';
import { describeRef } from '../../model/findings';
import { comparePhases } from '../../model/sync-phases';
import { Need, Provision } from './dependencies';
import { Task } from './tasks';

/*
 * Whether what a task needs exists in time, and the message that says what to move when it does not.
 */

/** Whether `provision` exists when `task` is applied. */
function isInTime(provision: Provision, task: Task): boolean {
  const p = provision.task;
  if (p.app !== task.app) return p.app.wave < task.app.wave;
  if (!provision.strict) return p.position < task.position;
  return comparePhases(p.phase, task.phase) < 0 || (p.phase === task.phase && p.wave < task.wave);
}

/** The message for a need no provision meets in time, if any. */
export function problemOf(task: Task, need: Need, provisions: readonly Provision[]): string | undefined {
  if (provisions.some((p) => isInTime(p, task))) return undefined;
  if (provisions.length === 0) return missingMessage(task, need);
  const [culprit] = [...provisions].sort((a, b) => blameOrder(a, b, task));
  return culprit.task.app === task.app ? sameAppMessage(task, need, culprit) : otherAppMessage(task, need, culprit);
}

// The provision to name: one in the same Application first, else the lowest Application wave.
function blameOrder(a: Provision, b: Provision, task: Task): number {
  return Number(b.task.app === task.app) - Number(a.task.app === task.app) || a.task.app.wave - b.task.app.wave
    || compareStrings(a.task.file, b.task.file) || comparePhases(a.task.phase, b.task.phase);
}

function describe(task: Task): string {
  return describeRef(task.kind, task.namespace, task.name);
}

function stepOf(task: Task): string {
  if (task.autoCreated) return `auto-created by CreateNamespace=true at ${task.phase}, wave ${task.wave}`;
  return `${task.phase}${task.hook ? ' hook' : ''}, wave ${task.wave}${task.moved ? ', moved there by adjustDeps' : ''}`;
}

/** The needed object, e.g. `Secret tenant-acme/api-key`, `Namespace stoa-hooks`. */
function neededObject(need: Need): string {
  const where = need.kind === 'namespace' || need.kind === 'ClusterSecretStore' ? '' : `${need.namespace}/`;
  return `${need.kind === 'namespace' ? 'Namespace' : need.kind} ${where}${need.name}`;
}

function needLabel(need: Need): string {
  return `${neededObject(need)}${need.via ? ` (${need.via})` : ''}`;
}

function missingMessage(task: Task, need: Need): string | undefined {
  if (need.kind === 'namespace') {
    return `${describe(task)} (${stepOf(task)}) is in namespace ${need.name}, but no object creates it and it is not an existing namespace of ${task.app.env}: `
      + `add a Namespace manifest, set CreateNamespace=true with destination namespace ${need.name}, or list it in the environment's existingNamespaces`;
  }
  if (need.kind === 'Secret') {
    return `${describe(task)} (${stepOf(task)}) reads ${needLabel(need)}, but no object creates Secret ${need.name} in namespace ${need.namespace}: `
      + 'add an ExternalSecret (or Secret) for it, or mark the reference optional';
  }
  return undefined;
}

function sameAppMessage(task: Task, need: Need, culprit: Provision): string {
  const p = culprit.task;
  const head = `${describe(task)} (${stepOf(task)}) needs ${needLabel(need)}, but Application ${task.app.name} applies ${describe(p)} (${stepOf(p)})`;
  if (p.autoCreated) {
    return `${head} after it: add a Namespace manifest ${p.name} to the Application's folder (adjustDeps moves it before the first object in it), `
      + `or move ${task.kind} ${task.name} to ${p.phase} wave ${p.wave} or later`;
  }
  if (!culprit.strict) return `${head} after it: move ${p.kind} ${p.name} to ${task.phase} wave ${task.wave} or earlier`;
  const asHook = task.phase !== 'Sync' && !p.hook ? ` (as a ${task.phase} hook)` : '';
  const why = p.kind === 'ExternalSecret' ? 'the operator writes the Secret only after the ExternalSecret is applied' : 'the store must be Ready first';
  return `${head} in the same step or later, and ${why}: move ${p.kind} ${p.name} to ${task.phase} wave ${task.wave - 1} or earlier${asHook}, `
    + `so Argo CD waits for it to be healthy before ${task.kind} ${task.name}`;
}

function otherAppMessage(task: Task, need: Need, culprit: Provision): string {
  const p = culprit.task;
  // Name the provider only when it is not the needed object itself (an ExternalSecret for a Secret).
  const provider = describe(p) === neededObject(need) ? '' : `${describe(p)} `;
  return `${describe(task)} (${stepOf(task)}) of Application ${task.app.name} (app wave ${task.app.wave}) needs ${needLabel(need)}, `
    + `created by ${provider}(${stepOf(p)}) in Application ${p.app.name} (app wave ${p.app.wave}), which the app-of-apps does not finish first: `
    + `give ${p.app.name} a lower sync-wave than ${task.app.name}`;
}
