import type { DiffResult } from './diff';
import { summaryOf } from './diff-sections';

/**
 * The diff for bots (`diff --format json`), deterministic (sorted, no timestamps):
 *
 * ```text
 * { base: { ref, commit }, head: { ref, commit } | null, files: number,
 *   stale: { missing: [path], extra: [path], changed: [path] } | null,
 *   environments: [{                                   // in promotion order: dev, staging, prod
 *     environment, readOnly,
 *     hotfixes: [{ component, version, reason,         // records new or changed since the base
 *                  promotedFrom: string | null,
 *                  previous: { version, reason } | null }],
 *     applications: [{
 *       application, folder, added, removed, changed,  // file counts
 *       files: [{ path, status: 'added' | 'removed' | 'changed' }],
 *       summary: {                                     // see ApplicationSummary; objects are { kind, namespace?, name }
 *         added: [object], removed: [object], changed: [object],
 *         images: [{ workload: object, container, before?, after? }],
 *         replicas: [{ object, field, before?, after? }],
 *         rbac: [{ object, change, subjectsAdded: [string], subjectsRemoved: [string], roleRef?: { before?, after? } }],
 *         networkPolicies: [{ object, change }],
 *         unreadable: [path] },
 *       rules: { checked, violations: [{ rule, file, message }] } | null  // the head's output
 *     }] }] }
 * ```
 *
 * File contents are left out: a bot that needs them reads them from git at the two commits.
 */
export function diffJson(result: DiffResult): string {
  return JSON.stringify({
    base: result.base,
    head: result.head ?? null,
    files: result.files,
    stale: result.stale ?? null,
    environments: result.environments.map((e) => ({
      environment: e.environment,
      readOnly: e.readOnly,
      hotfixes: (e.hotfixes ?? []).map((h) => ({
        component: h.component, version: h.version, reason: h.reason, promotedFrom: h.promotedFrom ?? null, previous: h.previous ?? null,
      })),
      applications: e.applications.map((a) => ({
        application: a.application, folder: a.folder, added: a.added, removed: a.removed, changed: a.changed,
        files: a.files.map((f) => ({ path: f.path, status: f.status })),
        summary: summaryOf(a),
        rules: a.rules ? { checked: a.rules.checked, violations: a.rules.violations.map((v) => ({ rule: v.rule, file: v.file, message: v.message })) } : null,
      })),
    })),
  }, null, 2);
}
