import type { ApplicationChanges, EnvironmentChanges } from './diff';
import type { HotfixChange } from './diff-head';
import { Escaper } from './diff-escape';
import { ApplicationSummary, DiffObject, objectName, summarizeApplication } from './diff-summary';

/** Items listed by name in one summary line; more are counted. */
const MAX_NAMED = 8;
/** Lines of one kind (images, RBAC objects, violations) in one Application's summary; more are counted. */
const MAX_LINES = 10;
/** Characters of a rule's message shown in a summary. */
const MAX_MESSAGE = 300;
/** Characters of a value (name, image, subject) shown in a summary. */
const MAX_VALUE = 200;

/**
 * The summary of one Application, for a reviewer to read before any diff: objects added and
 * removed, images, replicas, RBAC, NetworkPolicies, other objects changed, and the policy rules.
 */
export function applicationSummary(app: ApplicationChanges, escaper: Escaper): string {
  const s = summaryOf(app);
  // Values come from the files: a hand-edited image of a megabyte is shown by its start.
  const clip = (x: string) => (x.length > MAX_VALUE ? `${x.slice(0, MAX_VALUE)}…` : x);
  const e: Escaper = { md: escaper.md, code: (x) => escaper.code(clip(x)), text: (x) => escaper.text(clip(x)) };
  const bullet = e.md ? '- ' : '  - ';
  const sub = e.md ? '  - ' : '      - ';
  const lines: string[] = [];
  if (s.added.length > 0) lines.push(`added ${objects(s.added, e)}`);
  if (s.removed.length > 0) lines.push(`removed ${objects(s.removed, e)}`);
  lines.push(...capped(s.images.map((i) => `image ${e.code(objectName(i.workload))} container ${e.code(i.container)}: ${
    i.before === undefined ? `${e.code(i.after ?? '')} (new)` : `${e.code(i.before)} → ${i.after === undefined ? '(container removed)' : e.code(i.after)}`}`), 'image changes'));
  const scaled = groupBy(s.replicas, (r) => objectName(r.object));
  lines.push(...capped([...scaled].map(([name, changes]) => `scaling ${e.code(name)}: ${changes.map((r) => `${r.field} ${r.before ?? 'unset'} → ${r.after ?? 'unset'}`).join(', ')}`), 'scaling changes'));
  lines.push(...capped(s.rbac.map((r) => {
    const subjects = [...r.subjectsAdded.map((x) => `+${e.code(x)}`), ...r.subjectsRemoved.map((x) => `−${e.code(x)}`)];
    const role = r.roleRef ? `; role ${e.code(r.roleRef.before ?? 'none')} → ${e.code(r.roleRef.after ?? 'none')}` : '';
    return `RBAC ${e.code(objectName(r.object))} ${r.change}${subjects.length ? `: subjects ${names(subjects, 'more')}` : ''}${role}`;
  }), 'RBAC changes'));
  const policies = (['added', 'changed', 'removed'] as const)
    .map((c) => [c, s.networkPolicies.filter((p) => p.change === c).map((p) => e.code(p.object.name))] as const)
    .filter(([, list]) => list.length > 0);
  if (policies.length > 0) lines.push(`NetworkPolicy ${policies.map(([c, list]) => `${c} ${names(list, 'more')}`).join('; ')}`);
  const explained = new Set([...s.images.map((i) => i.workload), ...s.replicas.map((r) => r.object), ...s.rbac.map((r) => r.object), ...s.networkPolicies.map((p) => p.object)].map(objectName));
  const others = s.changed.filter((o) => !explained.has(objectName(o)));
  if (others.length > 0) lines.push(`changed ${objects(others, e)}`);
  if (s.unreadable.length > 0) lines.push(`not read as Kubernetes objects: ${names(s.unreadable.map(e.text), 'more files')}`);
  if (lines.length === 0) lines.push('no object changed (formatting or comments only)');
  const rules = rulesLines(app, escaper);
  const body = [...lines, ...rules.slice(0, 1)].map((l) => bullet + l);
  body.push(...rules.slice(1).map((l) => sub + l));
  const title = e.md ? `**${escaper.text(app.application)}** (${escaper.code(app.folder)})` : `${escaper.text(app.application)} (${escaper.text(app.folder)})`;
  return [title, ...body].join('\n');
}

/** The rules line of an Application (and one line per violation shown); none when not validated (its folder is gone at head). */
function rulesLines(app: ApplicationChanges, e: Escaper): string[] {
  if (!app.rules) return [];
  const { checked, violations } = app.rules;
  if (violations.length === 0) return [`rules: all ${checked} pass`];
  const failing = new Set(violations.map((v) => v.rule));
  const shown = violations.slice(0, MAX_LINES).map((v) => {
    const message = v.message.length > MAX_MESSAGE ? `${v.message.slice(0, MAX_MESSAGE)}…` : v.message;
    const file = v.file.startsWith(`${app.folder}/`) ? v.file.slice(app.folder.length + 1) : v.file;
    return `${e.code(v.rule)} ${e.text(file)}: ${e.text(message)}`;
  });
  const more = violations.length - shown.length;
  return [
    `rules: ${failing.size} of ${checked} fail (${violations.length} violation${violations.length === 1 ? '' : 's'})`,
    ...shown,
    ...(more > 0 ? [`and ${more} more (run validate)`] : []),
  ];
}

/** `3 objects: A, B, C`, or by kind when there are many: `40 objects: 20 Application, 20 AppProject`. */
function objects(list: readonly DiffObject[], e: Escaper): string {
  const count = `${list.length} object${list.length === 1 ? '' : 's'}`;
  if (list.length <= MAX_NAMED) return `${count}: ${list.map((o) => e.code(objectName(o))).join(', ')}`;
  const kinds = groupBy(list, (o) => o.kind);
  return `${count}: ${[...kinds].map(([kind, of]) => `${of.length} ${e.text(kind)}`).join(', ')}`;
}

/** Items joined, the first {@link MAX_NAMED} named and the rest counted. */
function names(list: readonly string[], more: string): string {
  return list.length <= MAX_NAMED ? list.join(', ') : `${list.slice(0, MAX_NAMED).join(', ')} and ${list.length - MAX_NAMED} ${more}`;
}

function capped(lines: string[], what: string): string[] {
  return lines.length <= MAX_LINES ? lines : [...lines.slice(0, MAX_LINES), `and ${lines.length - MAX_LINES} more ${what}`];
}

function groupBy<T>(list: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of list) out.set(key(t), [...(out.get(key(t)) ?? []), t]);
  return out;
}

/** The hotfix warning at the top of an environment's section; empty when it has no new or changed records. */
export function hotfixWarning(env: EnvironmentChanges, e: Escaper): string {
  const hotfixes: readonly HotfixChange[] = env.hotfixes ?? [];
  if (hotfixes.length === 0) return '';
  const first = hotfixes[0];
  const how = first.promotedFrom ? `set directly, not promoted from ${e.text(first.promotedFrom)}` : 'set directly';
  const head = `Hotfix${hotfixes.length === 1 ? '' : 'es'} in ${e.text(env.environment)} (${how}):`;
  const lines = hotfixes.map((h) => {
    const was = !h.previous ? 'new record'
      : h.previous.version === h.version ? `same version, the reason was: ${e.text(h.previous.reason)}`
        : `replaces ${e.code(h.previous.version)}: ${e.text(h.previous.reason)}`;
    return `${e.code(h.component)} ${e.code(h.version)} (${was}): ${e.text(h.reason)}`;
  });
  return e.md
    ? ['> [!WARNING]', `> **${head}**`, ...lines.map((l) => `> - ${l}`)].join('\n')
    : [`!! ${head}`, ...lines.map((l) => `!!   ${l}`)].join('\n');
}

/** The warning about a read-only environment's changes, at the top of a report. */
export function readOnlyWarning(env: EnvironmentChanges, e: Escaper): string {
  const files = env.applications.reduce((n, a) => n + a.files.length, 0);
  const named = env.applications.slice(0, MAX_NAMED).map((a) => e.text(a.application)).join(', ');
  const apps = env.applications.length > MAX_NAMED ? `${named} and ${env.applications.length - MAX_NAMED} more` : named;
  const name = e.text(env.environment);
  const line = `${name} changes: ${files} file${files === 1 ? '' : 's'} in ${env.applications.length} Application${env.applications.length === 1 ? '' : 's'} (${apps}). ${name} syncs manually: review before syncing.`;
  return e.md ? `> [!WARNING]\n> **${line}**` : `!! ${line}`;
}

/** The summary of an Application as JSON-ready data, computed from its files when the result has none. */
export function summaryOf(app: ApplicationChanges): ApplicationSummary {
  return app.summary ?? summarizeApplication(app.files);
}
