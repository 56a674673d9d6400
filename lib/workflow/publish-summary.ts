import { NameStatus } from '../git/git';
import { parseOutputPath } from '../layout/output-layout';
import { compareStrings } from '../sort';
import { ProdChanges, PublishedVersionChange } from './publish-guard';
import { VersionsBefore } from './published-versions';
import type { AuditOverride } from './publish-audit';

/** What publish records and reports: per-environment summaries of the staged change, and the envs commit message. */

/** What changed in one environment of the envs repo. */
export interface PublishedEnvironment {
  /** Environment (folder of the envs repo). */
  readonly environment: string;
  /** Tenants whose folder is new. */
  readonly tenantsAdded: readonly string[];
  /** Tenants whose folder is gone. */
  readonly tenantsRemoved: readonly string[];
  /** Tenants whose folder changed. */
  readonly tenantsChanged: readonly string[];
  /**
   * Each folder of `platform/` whose files changed (the components', and the platform's own such as
   * `hooks`): `component old -> new` when the component's version changed, else its name.
   */
  readonly componentsChanged: readonly string[];
  /**
   * Component versions that changed, read from the environment file: as the last published
   * source commit had it, and now (none on a first publish, or when that file cannot be read).
   */
  readonly versions: readonly PublishedVersionChange[];
  /** Whether the environment is read-only (prod): downgrades and tenant removals there need a flag. */
  readonly readOnly: boolean;
  /** Whether the Applications and projects (the app-of-apps) changed. */
  readonly appsChanged: boolean;
  /** Files that changed in the environment. */
  readonly files: number;
}

/** The source commit a publish records. */
export interface PublishSource {
  /** The source repository (its origin URL, credentials masked, or its path). */
  readonly repo: string;
  /** The commit. */
  readonly commit: string;
  /** Its author, `Name <email>`. */
  readonly author: string;
  /**
   * The published branch it was checked to be on, e.g. `origin/main`.
   * @default - not recorded
   */
  readonly branch?: string;
  /** What rendered the output (`Rendered-With:`, see `rendererId`). */
  readonly renderer: string;
}

/**
 * What changed in `env`: tenants and components from the staged name-status lines, and the version
 * of each changed component from the environment file, `before` (at the last publish) and `after` (now).
 */
export function summarize(env: string, readOnly: boolean, changes: readonly NameStatus[], before: VersionsBefore, after: Readonly<Record<string, string>>): PublishedEnvironment {
  const groups = (kind: string) => {
    const byName = new Map<string, NameStatus[]>();
    for (const c of changes) {
      const { area, name } = parseOutputPath(c.path);
      if (area === kind && name) byName.set(name, [...(byName.get(name) ?? []), c]);
    }
    return byName;
  };
  const tenants = groups('tenants');
  const all = (list: NameStatus[], s: NameStatus['status']) => list.every((c) => c.status === s);
  const tenantNames = (pred: (l: NameStatus[]) => boolean) => [...tenants.entries()].filter(([, l]) => pred(l)).map(([n]) => n).sort(compareStrings);
  const versions: PublishedVersionChange[] = [];
  const componentsChanged = [...groups('platform').keys()].sort(compareStrings).map((c) => {
    const from = before?.known ? before.versions[c] : undefined;
    const to = Object.hasOwn(after, c) ? after[c] : undefined;
    if (!from || !to || from === to) return c;
    versions.push({ component: c, from, to });
    return `${c} ${from} -> ${to}`;
  });
  return {
    environment: env,
    readOnly,
    versions,
    tenantsAdded: tenantNames((l) => all(l, 'A')),
    tenantsRemoved: tenantNames((l) => all(l, 'D')),
    tenantsChanged: tenantNames((l) => !all(l, 'A') && !all(l, 'D')),
    componentsChanged,
    appsChanged: changes.some((c) => ['apps', 'bootstrap'].includes(parseOutputPath(c.path).area ?? '')),
    files: changes.length,
  };
}

/** What the caller allowed on purpose: recorded in the message for whoever reads the envs history. */
export interface Allowed extends ProdChanges {
  /**
   * The rollback reason.
   * @default - none: not a rollback
   */
  readonly rollback?: string;
  /**
   * The last published source commit a rollback goes back from.
   * @default - none
   */
  readonly rolledBackFrom?: string;
  /**
   * The envs head publish built on although it failed the audit (`--override-audit`).
   * @default - none
   */
  readonly auditOverride?: AuditOverride;
}

/** The envs commit message: a subject, what changed per environment, what was allowed on purpose, and the trailers. */
export function commitMessage(source: PublishSource, publisher: string, envs: readonly PublishedEnvironment[], allowed: Allowed): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const tenantTotal = new Set(envs.flatMap((e) => [...e.tenantsAdded, ...e.tenantsRemoved, ...e.tenantsChanged])).size;
  const componentTotal = new Set(envs.flatMap((e) => e.componentsChanged.map((c) => c.split(' ')[0]))).size;
  const what = [tenantTotal ? count(tenantTotal, 'tenant') : '', componentTotal ? count(componentTotal, 'component') : ''].filter(Boolean).join(', ') || 'Argo CD applications';
  const lines = [
    `${allowed.rollback !== undefined ? 'Roll back' : 'Publish'} ${source.commit.slice(0, 12)} to ${envs.map((e) => e.environment).join(', ')}: ${what}`,
    '',
  ];
  if (allowed.rollback !== undefined) {
    lines.push(`ROLLBACK${allowed.rolledBackFrom ? ` from ${allowed.rolledBackFrom.slice(0, 12)}` : ''}: ${allowed.rollback}`, '');
  }
  if (allowed.auditOverride) {
    const o = allowed.auditOverride;
    lines.push(`AUDIT OVERRIDDEN for envs commit ${o.head.slice(0, 12)} (--override-audit): ${o.reason}`, ...o.findings.slice(0, 5).map((f) => `  ${f.slice(0, 300)}`), '');
  }
  if (allowed.downgrades.length) lines.push(`DOWNGRADES in read-only environments (--allow-downgrade): ${allowed.downgrades.join(', ')}`);
  if (allowed.unverified.length) lines.push(`UNCHECKED VERSIONS in read-only environments (--allow-downgrade; the versions before are unknown): ${allowed.unverified.join(', ')}`);
  if (allowed.removals.length) lines.push(`TENANTS REMOVED from read-only environments (--allow-prod-removal): ${allowed.removals.join(', ')}`);
  if (allowed.downgrades.length || allowed.unverified.length || allowed.removals.length) lines.push('');
  for (const e of envs) {
    lines.push(`${e.environment} (${count(e.files, 'file')} changed):`);
    if (e.componentsChanged.length) lines.push(`  components: ${e.componentsChanged.join(', ')}`);
    if (e.tenantsAdded.length) lines.push(`  tenants added: ${e.tenantsAdded.join(', ')}`);
    if (e.tenantsRemoved.length) lines.push(`  tenants removed: ${e.tenantsRemoved.join(', ')}`);
    if (e.tenantsChanged.length) lines.push(`  tenants changed: ${e.tenantsChanged.join(', ')}`);
    if (e.appsChanged) lines.push('  argo cd applications and projects changed');
  }
  lines.push(
    '',
    `Source-Repo: ${source.repo}`,
    `Source-Commit: ${source.commit}`,
    `Source-Author: ${source.author}`,
    ...(source.branch ? [`Source-Branch: ${source.branch}`] : []),
    ...(allowed.rollback !== undefined ? [`Rollback: ${allowed.rollback}`, ...(allowed.rolledBackFrom ? [`Rollback-From: ${allowed.rolledBackFrom}`] : [])] : []),
    ...(allowed.auditOverride ? [`Audit-Override: ${allowed.auditOverride.reason}`, `Audit-Override-Of: ${allowed.auditOverride.head}`] : []),
    `Rendered-With: ${source.renderer}`,
    `Published-By: ${publisher}`,
    `Published-At: ${new Date().toISOString()}`,
  );
  return `${lines.join('\n')}\n`;
}
