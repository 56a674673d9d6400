import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_MAX_REPORT_BYTES, DiffResult, diffJson, diffRefs, EnvironmentChanges, formatDiff, GITHUB_COMMENT_LIMIT, setImage } from '../lib/cli';
import { synth } from '../lib';
import { exampleRepo } from './git-helpers';

// The Markdown report is a PR comment: it must fit GitHub's limit, spending it on prod first
// and on summaries before raw diffs, and say what it left out.

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** A file of `lines` lines whose every value changes: a raw diff of about 2 × lines lines. */
function bigChange(file: string, lines: number, value = 'é') {
  const text = (v: string) => Array.from({ length: lines }, (_, i) => `key${i}: ${v}${i}\n`).join('');
  return { path: file, status: 'changed' as const, before: text('old'), after: text(`new-${value}`) };
}

/** A result with environments in promotion order, each with `apps` Applications of `files` files. */
function result(apps: number, files: number, lines = 40): DiffResult {
  const environments: EnvironmentChanges[] = ['dev', 'staging', 'prod'].map((environment) => ({
    environment,
    readOnly: environment === 'prod',
    applications: Array.from({ length: apps }, (_, a) => {
      const folder = `${environment}/tenants/t${a}`;
      const list = Array.from({ length: files }, (_, f) => bigChange(`${folder}/file-${f}.yaml`, lines));
      return { application: `${environment}-tenant-t${a}`, folder, added: 0, removed: 0, changed: list.length, files: list };
    }),
  }));
  return { base: { ref: 'main', commit: 'abc1234' }, environments, files: 3 * apps * files };
}

/** The section of one environment in a Markdown report. */
function section(report: string, env: string): string {
  const start = report.indexOf(`\n### ${env}\n`);
  const next = report.indexOf('\n### ', start + 1);
  return report.slice(start, next < 0 ? undefined : next);
}

describe('the Markdown report fits its size limit', () => {
  test('the default limit is GitHub\'s comment limit less a margin', () => {
    expect(GITHUB_COMMENT_LIMIT).toBe(65536);
    expect(DEFAULT_MAX_REPORT_BYTES).toBe(64000);
  });

  test('for any limit, in UTF-8 bytes (multi-byte content counted as such)', () => {
    const r = result(4, 6);
    expect(bytes(formatDiff(r, 'markdown', { maxDiffChars: Infinity }))).toBeGreaterThan(40000);
    for (const limit of [3000, 5000, 8000, 13000, 21000, 34000]) {
      const report = formatDiff(r, 'markdown', { maxReportBytes: limit, maxDiffChars: Infinity });
      expect(bytes(report)).toBeLessThanOrEqual(limit);
      expect(report).toContain('> [!NOTE]\n> This report is cut to fit its size limit');
    }
  });

  test('environments are listed prod first, in the table and in the sections', () => {
    const report = formatDiff(result(1, 1), 'markdown');
    const rows = report.split('\n').filter((l) => /^\| (dev|staging|prod) \|/.test(l)).map((l) => l.split(' | ')[0].slice(2));
    expect(rows).toEqual(['prod', 'staging', 'dev']);
    expect(report.indexOf('### prod')).toBeLessThan(report.indexOf('### staging'));
    expect(report.indexOf('### staging')).toBeLessThan(report.indexOf('### dev'));
  });

  test('raw diffs are cut first, dev before staging before prod; every summary stays', () => {
    const r = result(1, 5);
    const full = formatDiff(r, 'markdown', { maxReportBytes: Infinity, maxDiffChars: Infinity });
    const raw = (env: string) => bytes(section(full, env).slice(section(full, env).indexOf('<details>')));
    // Room for prod's raw diffs and about half of staging's.
    const limit = bytes(full) - raw('dev') - Math.round(raw('staging') / 2);
    const report = formatDiff(r, 'markdown', { maxReportBytes: limit, maxDiffChars: Infinity });
    expect(bytes(report)).toBeLessThanOrEqual(limit);
    const [prod, staging, dev] = ['prod', 'staging', 'dev'].map((e) => section(report, e));
    expect(prod.match(/<details>/g)).toHaveLength(5);
    expect(prod).not.toContain('left out');
    // staging: the files that fit with their diff, the others listed by name.
    const shown = staging.match(/<details>/g)?.length ?? 0;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(5);
    expect(staging.match(/: diff omitted, report size limit reached/g)).toHaveLength(5 - shown);
    expect(dev).not.toContain('<details>');
    expect(dev).toContain('- raw diffs of 5 files left out (report size limit)');
    for (const env of ['prod', 'staging', 'dev']) expect(report).toContain(`**${env}-tenant-t0** (\`${env}/tenants/t0\`)`);
    expect(report).toContain(`Left out: staging: raw diffs of ${5 - shown} files; dev: raw diffs of 5 files.`);
    expect(report).toContain('run `stoa-manifests diff --base main --format text` in a checkout');
    expect(report).toMatch(new RegExp(`\\n${10 - shown} diffs omitted to keep this report readable; run \`stoa-manifests diff --base main\` locally for all of them, with \`--format text\` \\(no size limit\\)\\.$`));
  });

  test('when even summaries do not fit, those of the last environments go, and table rows after them', () => {
    const r = result(60, 1, 3);
    const limit = 12000;
    const report = formatDiff(r, 'markdown', { maxReportBytes: limit });
    expect(bytes(report)).toBeLessThanOrEqual(limit);
    const summaries = (env: string) => report.match(new RegExp(`\\*\\*${env}-tenant-t\\d+\\*\\*`, 'g'))?.length ?? 0;
    expect(report.match(/^\| prod \|/gm)).toHaveLength(60);
    expect(summaries('prod')).toBe(60);
    expect(summaries('dev')).toBe(0);
    expect(report).toMatch(/^\| … \| \d+ more in dev, left out \(report size limit\) \| \| \| \|$/m);
    expect(section(report, 'dev')).toContain('- summaries of 60 more Applications left out (report size limit)');
  });

  test('a limit smaller than the headings and warnings of every environment still holds, cut at a line', () => {
    const r = result(1, 1);
    const many: DiffResult = { ...r, environments: Array.from({ length: 80 }, (_, i) => ({ ...r.environments[2], environment: `prod${i}` })), files: 80 };
    const report = formatDiff(many, 'markdown', { maxReportBytes: 4000 });
    expect(bytes(report)).toBeLessThanOrEqual(4000);
    expect(report).toMatch(/\n\n… cut at 4000 bytes; run `stoa-manifests diff --base main --format text` for the full report\.$/);
  });

  test('the text report has no size limit by default: every diff in full', () => {
    // 160 lines: a diff of 321 lines, over the 300 a Markdown report shows of one file.
    const r = result(2, 3, 160);
    const text = formatDiff(r, 'text');
    expect(text.match(/^--- /gm)).toHaveLength(18);
    expect(text).not.toContain('more lines not shown');
    expect(formatDiff(r, 'markdown', { maxReportBytes: Infinity, maxDiffChars: Infinity })).toContain('more lines not shown');
    expect(text).not.toContain('NOTE:');
    const cut = formatDiff(r, 'text', { maxReportBytes: 20000 });
    expect(bytes(cut)).toBeLessThanOrEqual(20000);
    expect(cut).toContain('NOTE: This report is cut to fit its size limit (20,000 bytes at most).');
  });
});

describe('reports of a real project', () => {
  test('a small diff is complete: every file\'s diff, nothing left out', () => {
    const repo = exampleRepo();
    setImage({ projectDir: repo, environment: 'dev', component: 'stoa-gateway', version: '1.9.1' });
    synth({ projectDir: repo });
    const r = diffRefs({ projectDir: repo, base: 'HEAD' });
    const report = formatDiff(r, 'markdown');
    expect(report.match(/<details>/g)).toHaveLength(r.files);
    expect(report).not.toMatch(/left out|omitted|\[!NOTE\]/);
    expect(report).toContain('- image `Deployment stoa-system/stoa-gateway` container `stoa-gateway`: `ghcr.io/stoa-platform/stoa-gateway:1.9.0` → `ghcr.io/stoa-platform/stoa-gateway:1.9.1`');
  });

  test('many tenants added everywhere: within the limit, prod first, summaries before raw diffs, and what was left out said', () => {
    const repo = exampleRepo();
    for (let i = 0; i < 30; i++) {
      const name = `bulk${String(i).padStart(2, '0')}`;
      fs.writeFileSync(path.join(repo, `tenants/${name}.yaml`), `name: ${name}\ntier: silver\nowners:\n  users: [owner${i}@bulk.example]\nenvironments: [dev, staging, prod]\n`);
    }
    synth({ projectDir: repo });
    const r = diffRefs({ projectDir: repo, base: 'HEAD', colors: { dev: 'green', staging: 'amber', prod: 'red' } });
    expect(r.environments.map((e) => e.environment)).toEqual(['dev', 'staging', 'prod']);
    expect(r.files).toBeGreaterThan(1500);

    const report = formatDiff(r, 'markdown');
    expect(bytes(report)).toBeLessThanOrEqual(DEFAULT_MAX_REPORT_BYTES);
    expect(report.indexOf('### 🔴 prod')).toBeGreaterThan(0);
    expect(report.indexOf('### 🔴 prod')).toBeLessThan(report.indexOf('### 🟠 staging'));
    expect(report.indexOf('### 🟠 staging')).toBeLessThan(report.indexOf('### 🟢 dev'));
    expect(report.split('\n').find((l) => l.startsWith('| 🔴') || l.startsWith('| 🟠') || l.startsWith('| 🟢'))).toMatch(/^\| 🔴 prod \| prod-root \|/);
    // Every prod Application's summary, before any raw diff.
    const prod = r.environments.find((e) => e.environment === 'prod')!;
    for (const app of prod.applications) expect(report).toContain(`**${app.application}**`);
    expect(report).toContain('- RBAC `RoleBinding tenant-bulk00/tenant-owners` added: subjects +`User owner0@bulk.example`');
    expect(report).toMatch(/> \[!NOTE\]\n> This report is cut to fit its size limit \(64,000 bytes at most, for a pull-request comment\)\. Left out: prod: raw diffs of \d+ files;/);
    expect(report).toContain('run `stoa-manifests diff --base HEAD --format text` in a checkout (here: `npm run -s cli -- diff --base HEAD --format text`)');

    // The text report and the JSON carry everything.
    const text = formatDiff(r, 'text');
    expect(text.match(/^--- /gm)).toHaveLength(r.files);
    const json = JSON.parse(diffJson(r));
    const apps = json.environments.flatMap((e: any) => e.applications);
    expect(apps).toHaveLength(r.environments.reduce((n, e) => n + e.applications.length, 0));
    expect(apps.every((a: any) => a.summary && a.rules && a.rules.violations.length === 0)).toBe(true);
  }, 180_000);
});
