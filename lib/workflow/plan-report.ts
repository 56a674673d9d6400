import { DEFAULT_MAX_REPORT_BYTES } from './diff-report';
import { Escaper, escaperOf, shellWord } from './diff-escape';
import { PlanApplication, PlanEnvironment, PlanFinding, PlanObject, PlanResult, windowText } from './plan';

/** Limits of a plan report. */
export interface PlanReportLimits {
  /**
   * Size of the whole report in UTF-8 bytes. What does not fit is left out, least severe first:
   * Application sections (dev's before staging's before prod's), then findings from the end of the
   * list (blocked data loss comes first, so it is the last to go); the report says what was left out.
   * @default DEFAULT_MAX_REPORT_BYTES (64,000), in Markdown and text alike (a PR comment)
   */
  readonly maxReportBytes?: number;
}

/** Acknowledgement lines a report lists; the rest are counted (the JSON has all). */
const MAX_ACK_LINES = 40;

const MARK: Readonly<Record<string, string>> = {
  blocked: '🛑', 'data-loss': '⚠️', unschedulable: '⛔', 'side-effect': '🌐', canary: '🐤', replace: '♻️', rolling: '🔁', 'manual-gate': '✋', kept: '📌',
};

/**
 * The plan for a pull request (`markdown`) or a terminal (`text`): a status line, the findings most
 * severe first (blocked data loss with the trailer line that acknowledges it), then per environment
 * (prod first) its gate, windows, tenants and capacity, and per Application what Argo CD creates,
 * changes and prunes, the hooks it runs and the quota of each namespace it changes. Fits
 * {@link PlanReportLimits.maxReportBytes}; names from the repository are escaped as in the diff report.
 */
export function formatPlan(result: PlanResult, format: 'markdown' | 'text', limits: PlanReportLimits = {}): string {
  const e = escaperOf(format);
  const maxBytes = limits.maxReportBytes ?? DEFAULT_MAX_REPORT_BYTES;
  const findings = result.findings.map((f) => findingLine(f, e));
  const sections = result.environments.map((env) => ({ env, heading: envHeading(env, e), apps: env.applications.map((a) => appSection(env, a, e)) }));
  const appCount = sections.reduce((n, s) => n + s.apps.length, 0);
  const compose = (nFindings: number, nApps: number): string => {
    const out: string[] = [];
    const title = `stoa-manifests plan: ${e.code(result.base.ref)} (${result.base.commit}) → ${e.code(result.head.ref)} (${result.head.commit})`;
    out.push(e.md ? `## ${title}` : title, '');
    const blocked = result.findings.filter((f) => f.blocked);
    if (result.environments.length === 0) out.push('No changes to the rendered manifests: Argo CD has nothing to do.');
    else if (blocked.length > 0) {
      const text = `BLOCKED: ${blocked.length} data-loss finding${blocked.length === 1 ? '' : 's'} nobody acknowledged. To go ahead on purpose, add ${blocked.length === 1 ? 'this line' : 'these lines'} to a commit message of this change (a trailer: its last paragraph), then run plan again:`;
      // At most MAX_ACK_LINES: the list must never crowd out the report (plan --format json has every one).
      const shown = blocked.slice(0, MAX_ACK_LINES).map((f) => f.acknowledgement!);
      const more = blocked.length - shown.length;
      out.push(e.md ? `> [!CAUTION]\n> ${text}` : text, '', e.md ? '```text' : '', ...shown, e.md ? '```' : '');
      if (more > 0) out.push(`… and ${more} more: ${e.code(`${command(result)} --format json`)} lists every acknowledgement line.`);
    } else {
      out.push(`Plan OK: ${result.findings.length} finding${result.findings.length === 1 ? '' : 's'}, none blocking.`);
    }
    const leftFindings = findings.length - nFindings;
    const leftApps = appCount - nApps;
    if (leftFindings + leftApps > 0) {
      const what = [...(leftFindings > 0 ? [`${leftFindings} finding${leftFindings === 1 ? '' : 's'}`] : []), ...(leftApps > 0 ? [`${leftApps} Application section${leftApps === 1 ? '' : 's'}`] : [])].join(' and ');
      const text = `This report is cut to fit ${maxBytes} bytes${e.md ? ' (a pull-request comment)' : ''}: ${what} left out. For everything, run ${e.code(`${command(result)} --format json`)} in a checkout.`;
      out.push('', e.md ? `> [!NOTE]\n> ${text}` : `NOTE: ${text}`);
    }
    if (findings.length > 0) {
      out.push('', e.md ? '### Findings, most severe first' : '== findings, most severe first ==', '');
      out.push(...findings.slice(0, nFindings));
      if (leftFindings > 0) out.push(`${e.md ? '- ' : ''}… ${leftFindings} more left out (report size limit)`);
    }
    let shown = nApps;
    for (const s of sections) {
      out.push('', s.heading);
      const n = Math.min(shown, s.apps.length);
      for (const a of s.apps.slice(0, n)) out.push('', a);
      if (n < s.apps.length) out.push('', `${e.md ? '- ' : ''}${s.apps.length - n} Application section${s.apps.length - n === 1 ? '' : 's'} left out (report size limit)`);
      shown -= n;
    }
    return out.join('\n');
  };
  const full = compose(findings.length, appCount);
  if (bytes(full) <= maxBytes) return full;
  // Largest notes first (everything left out), then add findings, then Application sections, in order, while they fit.
  let budget = maxBytes - bytes(compose(0, 0));
  let nFindings = 0;
  for (const f of findings) {
    if (bytes(f) + 1 > budget) break;
    budget -= bytes(f) + 1;
    nFindings++;
  }
  let nApps = 0;
  for (const a of sections.flatMap((s) => s.apps)) {
    if (bytes(a) + 2 > budget) break;
    budget -= bytes(a) + 2;
    nApps++;
  }
  const report = compose(nFindings, nApps);
  if (bytes(report) <= maxBytes) return report;
  const tail = `\n… cut at ${maxBytes} bytes`;
  // Room for the tail and a closing fence: a report cut inside a code block must not swallow what follows it.
  const fence = '\n```';
  const room = Buffer.from(report, 'utf8').subarray(0, Math.max(0, maxBytes - bytes(tail) - bytes(fence))).toString('utf8');
  const cut = room.slice(0, Math.max(0, room.lastIndexOf('\n')));
  const openFence = (cut.match(/^```/gm) ?? []).length % 2 === 1;
  return `${cut}${openFence ? fence : ''}${tail}`;
}

/**
 * The plan for bots (`plan --format json`), deterministic (sorted, no timestamps):
 *
 * ```text
 * { base: { ref, commit }, head: { ref, commit }, blocked: boolean,
 *   findings: [{ kind, blocked, environment, application: string | null,
 *                object: { kind, namespace: string | null, name } | null, message,
 *                acknowledgement: string | null, acknowledged: boolean | null }],   // most severe first
 *   environments: [{ environment, readOnly, tenants: [string],                     // prod first
 *     syncWindows: [{ kind, schedule, duration, timeZone: string | null, manualSync, projects: [string] }],
 *     capacity: { cpu, memory, cpuBefore, cpuAfter, memoryBefore, memoryAfter, exceeds } | null,
 *     applications: [{ application, folder, project: string | null, manualSync, byHand,
 *       rollout: 'canary' | 'blue-green' | 'rolling' | 'at-once' | 'none', tenants: [string],
 *       created: [object], changed: [object], pruned: [object], kept: [object],
 *       hooks: [{ object, phases: [string], what: 'awx' | 'smoke-test' | 'other', calls: string | null, outsideCluster }],
 *       quotas: [{ namespace, resources: [{ resource, before: string | null, after: string | null, hard: string | null, exceeds }] }] }] }] }
 * ```
 */
export function planJson(result: PlanResult): string {
  const object = (o: PlanObject | undefined) => (o ? { kind: o.kind, namespace: o.namespace ?? null, name: o.name } : null);
  return JSON.stringify({
    base: result.base,
    head: result.head,
    blocked: result.blocked,
    findings: result.findings.map((f) => ({
      kind: f.kind, blocked: f.blocked, environment: f.environment, application: f.application ?? null, object: object(f.object),
      message: f.message, acknowledgement: f.acknowledgement ?? null, acknowledged: f.acknowledged ?? null,
    })),
    environments: result.environments.map((env) => ({
      environment: env.environment, readOnly: env.readOnly, tenants: env.tenants,
      syncWindows: env.syncWindows.map((w) => ({ kind: w.kind, schedule: w.schedule, duration: w.duration, timeZone: w.timeZone ?? null, manualSync: w.manualSync, projects: w.projects })),
      capacity: env.capacity ?? null,
      applications: env.applications.map((a) => ({
        application: a.application, folder: a.folder, project: a.project ?? null, manualSync: a.manualSync, byHand: a.byHand, rollout: a.rollout, tenants: a.tenants,
        created: a.created.map(object), changed: a.changed.map(object), pruned: a.pruned.map(object), kept: a.kept.map(object),
        hooks: a.hooks.map((h) => ({ object: object(h.object), phases: h.phases, what: h.what, calls: h.calls ?? null, outsideCluster: h.outsideCluster })),
        quotas: a.quotas.map((q) => ({ namespace: q.namespace, resources: q.resources.map((r) => ({ resource: r.resource, before: r.before ?? null, after: r.after ?? null, hard: r.hard ?? null, exceeds: r.exceeds })) })),
      })),
    })),
  }, null, 2);
}

function findingLine(f: PlanFinding, e: Escaper): string {
  const label = f.blocked ? 'BLOCKED data loss' : f.kind === 'data-loss' ? 'data loss (acknowledged)' : f.kind;
  const where = [f.environment, ...(f.application ? [f.application] : [])].map((s) => e.text(s)).join(' / ');
  return e.md
    ? `- ${MARK[f.blocked ? 'blocked' : f.kind] ?? ''} **${label}**: ${where}: ${e.text(f.message)}`
    : `[${label}] ${where}: ${e.text(f.message)}`;
}

function envHeading(env: PlanEnvironment, e: Escaper): string {
  const lines = [e.md ? `### ${e.text(env.environment)}` : `== ${e.text(env.environment)} ==`];
  const item = (s: string) => (e.md ? `- ${s}` : `  ${s}`);
  const synced = env.applications.filter((a) => a.manualSync && !a.byHand).map((a) => e.text(a.application));
  const applied = env.applications.filter((a) => a.byHand).map((a) => e.text(`${a.folder}/`));
  const gate = [
    ...(env.readOnly || synced.length > 0 ? [`${env.readOnly ? 'read-only: ' : ''}a person syncs ${synced.join(', ') || 'every change'}`] : []),
    ...(applied.length > 0 ? [`a person applies ${applied.join(', ')} with kubectl`] : []),
  ].join('; ') || 'automated sync: changes apply when the envs repo is published';
  lines.push(item(`sync: ${gate}`));
  if (env.syncWindows.length > 0) lines.push(item(`sync windows: ${env.syncWindows.map((w) => e.text(windowText(w))).join('; ')}`));
  if (env.tenants.length > 0) lines.push(item(`tenants touched: ${env.tenants.map((t) => e.text(t)).join(', ')}`));
  if (env.capacity) {
    const c = env.capacity;
    lines.push(item(`capacity (requests at max scale): CPU ${c.cpuBefore} → ${c.cpuAfter} of ${c.cpu}, memory ${c.memoryBefore} → ${c.memoryAfter} of ${c.memory}${c.exceeds ? ' (DOES NOT FIT)' : ''}`));
  }
  return lines.join(e.md ? '\n' : '\n');
}

function appSection(env: PlanEnvironment, a: PlanApplication, e: Escaper): string {
  const item = (s: string) => (e.md ? `- ${s}` : `  ${s}`);
  const obj = (o: PlanObject) => e.text(`${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`);
  const lines = [e.md ? `#### ${e.text(a.application)} (${e.code(a.folder)})` : `-- ${e.text(a.application)} (${e.text(a.folder)})`];
  const how = a.byHand ? 'a person applies it with kubectl' : a.manualSync ? 'a person syncs it' : 'syncs by itself';
  lines.push(item(`${rolloutText(a)}; ${how}${a.project ? ` (project ${e.text(a.project)})` : ''}`));
  for (const [what, objects] of [['created', a.created], ['changed', a.changed], ['pruned', a.pruned], ['left in the cluster', a.kept]] as const) {
    if (objects.length > 0) lines.push(item(`${what} (${objects.length}): ${objects.map(obj).join(', ')}`));
  }
  for (const h of a.hooks) {
    const calls = h.what === 'awx' ? `launches AWX job template ${e.code(h.calls ?? '?')} (outside the cluster)` : h.what === 'smoke-test' ? `smoke-tests the gateway${h.calls ? ` at ${e.code(h.calls)}` : ''}` : 'runs';
    lines.push(item(`hook ${h.phases.join(', ')}: ${obj(h.object)} ${calls}`));
  }
  for (const q of a.quotas) {
    const parts = q.resources.map((r) => `${r.resource} ${r.before ?? '-'} → ${r.after ?? '-'}${r.hard ? ` of ${r.hard}` : ''}${r.exceeds ? ' (EXCEEDS)' : ''}`);
    lines.push(item(`quota of ${e.text(q.namespace)} at peak: ${parts.join(', ')}`));
  }
  if (a.tenants.length > 0 && env.tenants.length > 1) lines.push(item(`tenants: ${a.tenants.map((t) => e.text(t)).join(', ')}`));
  return lines.join('\n');
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout', 'Job', 'CronJob']);

/** What the Application's change does to its workloads, in words. */
function rolloutText(a: PlanApplication): string {
  switch (a.rollout) {
    case 'canary': return 'starts a canary';
    case 'blue-green': return 'starts a blue-green rollout';
    case 'rolling': return 'rolls pods';
    case 'none': return a.kept.length > 0 ? 'nothing is deleted' : 'no object changes';
    default: break;
  }
  if (a.created.length + a.changed.length === 0) return 'removes objects';
  return a.created.some((o) => WORKLOAD_KINDS.has(o.kind)) ? 'applies at once; new workloads start their pods' : 'applies at once (no pod restarts)';
}

/** The command that shows this plan. */
function command(result: PlanResult): string {
  return `stoa-manifests plan --base ${shellWord(result.base.ref)} --head ${shellWord(result.head.ref)}`;
}

function bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
