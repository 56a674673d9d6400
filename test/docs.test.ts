import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import * as cliApi from '../lib/cli';
import * as rootApi from '../lib';
import { buildProgram } from '../lib/cli/program';
import { git } from '../lib/git/git';
import { POLICY_RULES } from '../lib/validate/rules';
import { docsPages } from '../scripts/docs-pages';
import { checkCliCall, npmCommands, npmScript, words } from './cli-calls';
import { exampleRepo } from './git-helpers';
import { cli, REPO, tempDir } from './helpers';

/*
 * The README and docs/ as a user reads them: generated pages are current, every link resolves,
 * every CLI call and npm script a code block shows exists with the options it uses, every YAML
 * block parses, every TypeScript block compiles as far as its imports and syntax go, and the
 * README's ten-minute tour runs, command by command, on a copy of the test example.
 */

const PAGES = ['README.md', 'ci/README.md', ...fs.readdirSync(path.join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)].sort();
const read = (rel: string) => fs.readFileSync(path.join(REPO, rel), 'utf8');

/** The fenced code blocks of a Markdown text, with their language and the line they start on. */
function codeBlocks(text: string): Array<{ lang: string; code: string; line: number }> {
  const out: Array<{ lang: string; code: string; line: number }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.trim() === open[2]);
    if (end < 0) break;
    out.push({ lang: open[3], code: lines.slice(i + 1, end).map((l) => l.slice(open[1].length)).join('\n'), line: i + 1 });
    i = end;
  }
  return out;
}

/** GitHub's anchor of a heading. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

test('the generated pages are what scripts/docs-pages.ts writes (npm run docs-pages)', () => {
  for (const [rel, text] of docsPages()) expect([rel, read(rel)]).toEqual([rel, text]);
});

test("docs/validation.md's rule table names exactly the rules of the registry", () => {
  const ids = [...read('docs/validation.md').matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
  expect(ids.sort()).toEqual(POLICY_RULES.map((r) => r.id).sort());
});

test('the README fits on a screen or two: at most 200 lines', () => {
  expect(read('README.md').split('\n').length).toBeLessThanOrEqual(200);
});

test('every relative link of README.md, ci/README.md and docs/ resolves, anchors included', () => {
  const broken: string[] = [];
  for (const page of PAGES) {
    const text = read(page).replace(/^```[\s\S]*?^```/gm, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1];
      if (/^[a-z]+:/.test(target)) continue;
      const [file, anchor] = target.split('#');
      const abs = file ? path.resolve(REPO, path.dirname(page), file) : path.join(REPO, page);
      if (!fs.existsSync(abs)) broken.push(`${page}: ${target} (no such file)`);
      else if (anchor && abs.endsWith('.md')) {
        const anchors = [...fs.readFileSync(abs, 'utf8').matchAll(/^#{1,6} (.*)$/gm)].map((h) => slug(h[1]));
        if (!anchors.includes(anchor)) broken.push(`${page}: ${target} (no such heading)`);
      }
    }
  }
  expect(broken).toEqual([]);
});

test('every CLI call and npm script in a shell block exists, with the options it uses', () => {
  const program = buildProgram();
  const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
  const problems: string[] = [];
  for (const page of PAGES) {
    for (const shown of codeBlocks(read(page)).filter((b) => ['sh', 'bash', 'shell', 'console'].includes(b.lang))) {
      // A placeholder (`<envs repo>`) is one word the reader fills in.
      const block = { ...shown, code: shown.code.replace(/<[^<>\n]*>/g, 'PLACEHOLDER') };
      for (const command of npmCommands(block.code)) {
        const where = `${page}:${block.line}`;
        if (!['run', 'run-script', 'test', 't', 'ci'].includes(command[0])) continue;
        const run = npmScript(command);
        if (run.script && !scripts[run.script]) problems.push(`${where}: npm script "${run.script}" does not exist`);
        if (run.script === 'cli') problems.push(...checkCliCall(program, run.args).map((p) => `${where}: ${p}`));
      }
      for (const line of block.code.split('\n')) {
        const m = /(?:^|&&|;|\|\|)\s*(?:npx\s+(?:-y\s+)?)?stoa-manifests\s+(.*)$/.exec(line.replace(/#.*$/, ''));
        if (m && !/^(@|\S+\.)/.test(m[1])) problems.push(...checkCliCall(program, words(m[1])).map((p) => `${page}:${block.line}: ${p}`));
      }
    }
  }
  expect(problems).toEqual([]);
});

test('every YAML and JSON block parses; every TypeScript block is valid syntax and imports only what the package exports', () => {
  const exported = { 'stoa-manifests': new Set(Object.keys(rootApi)), 'stoa-manifests/cli': new Set(Object.keys(cliApi)) } as Record<string, Set<string>>;
  const problems: string[] = [];
  for (const page of PAGES) {
    for (const block of codeBlocks(read(page))) {
      const where = `${page}:${block.line}`;
      if (block.lang === 'yaml' || block.lang === 'yml') {
        for (const doc of parseAllDocuments(block.code.replace(/^\s*\.\.\.\s*$/gm, '# ...'))) {
          for (const e of (doc as any).errors ?? []) problems.push(`${where}: ${e.message.split('\n')[0]}`);
        }
      } else if (block.lang === 'json') {
        try {
          JSON.parse(block.code);
        } catch (e) {
          problems.push(`${where}: ${(e as Error).message}`);
        }
      } else if (block.lang === 'ts' || block.lang === 'typescript') {
        const out = ts.transpileModule(block.code, { reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS } });
        for (const d of out.diagnostics ?? []) problems.push(`${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
        for (const m of block.code.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'(stoa-manifests(?:\/cli)?)'/g)) {
          for (const name of m[1].split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]).filter(Boolean)) {
            // Types are erased: a type-only name is checked against the API reports.
            const inReport = read(m[2] === 'stoa-manifests' ? 'etc/stoa-manifests.api.md' : 'etc/stoa-manifests-cli.api.md').match(new RegExp(`\\b(?:class|interface|type|enum|function|const) ${name}\\b`));
            if (!exported[m[2]].has(name) && !inReport) problems.push(`${where}: ${m[2]} does not export ${name}`);
          }
        }
      }
    }
  }
  expect(problems).toEqual([]);
});

test("the README's ten-minute tour runs, command by command, and ends with an audited envs repo", () => {
  const readme = read('README.md');
  const tour = readme.slice(readme.indexOf('## A ten-minute tour'), readme.indexOf('\n## ', readme.indexOf('## A ten-minute tour') + 1));
  const lines = codeBlocks(tour).filter((b) => b.lang === 'sh').flatMap((b) => b.code.split('\n')).filter((l) => l.trim() && !l.trim().startsWith('#'));
  expect(lines.length).toBeGreaterThan(10);
  // `.` is the repository the tour starts in: here a copy of the test example, never this repository's own tenants.
  const start = exampleRepo();
  const env: Record<string, string> = { ...process.env as Record<string, string>, TMPDIR: tempDir('stoa-tour-') };
  // A shell as a script gets it: no rc files (Debian's bash reads bash.bashrc when it thinks it runs over ssh).
  for (const k of ['SSH_CLIENT', 'SSH2_CLIENT', 'SSH_CONNECTION', 'BASH_ENV', 'ENV']) delete env[k];
  const expand = (w: string) => w.replace(/\$\{?(\w+)\}?/g, (_, name) => env[name] ?? '');
  const calls: string[] = [];
  for (const line of lines) {
    const assignments = /^(\w+="[^"]*"\s*)+$/.test(line);
    if (assignments) {
      for (const m of line.matchAll(/(\w+)="([^"]*)"/g)) {
        env[m[1]] = spawnSync('bash', ['--noprofile', '--norc', '-c', `printf %s "${m[2]}"`], { env, encoding: 'utf8' }).stdout;
      }
      continue;
    }
    const npm = /^npm run -s cli -- (.*)$/.exec(line);
    if (npm) {
      const args = words(npm[1]).map(expand);
      const r = cli(...args);
      calls.push(args[0]);
      expect([line, r.code, r.stderr]).toEqual([line, 0, '']);
      continue;
    }
    const r = spawnSync('bash', ['--noprofile', '--norc', '-euo', 'pipefail', '-c', line], { cwd: start, env, encoding: 'utf8' });
    expect([line, r.status, r.stderr]).toEqual([line, 0, '']);
  }
  expect(calls).toEqual(['tenant', 'set-image', 'synth', 'promote', 'synth', 'plan', 'diff', 'publish', 'audit']);
  expect(git(env.envs, ['log', '--format=%s', 'main']).trim()).toMatch(/^Publish [0-9a-f]{12} to dev, prod, staging: /);
  expect(fs.existsSync(path.join(env.tour, 'tenants', 'umbrella.yaml'))).toBe(true);
}, 120_000);
