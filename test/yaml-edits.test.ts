import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { projectInput, projectOf } from '../lib/project/project';
import { EditableYaml } from '../lib/workflow/project-files';
import { promote } from '../lib/workflow/promote';
import { setImage } from '../lib/workflow/set-image';
import { removeTenant } from '../lib/workflow/tenant-remove';
import { WorkflowError } from '../lib/workflow/workflow-error';
import { YamlSource } from '../lib/workflow/yaml-splice';
import { git } from '../lib/git/git';
import { commitAll, exampleRepo } from './git-helpers';
import { tempDir } from './helpers';

const EDITS = path.join(__dirname, 'fixtures/edits');

/** What an edit may do to a file: lines replaced, lines inserted after a line, lines removed (each named by its text, which must be unique). */
interface LineChanges {
  readonly replace?: readonly (readonly [string, string])[];
  readonly insertAfter?: readonly (readonly [string, readonly string[]])[];
  readonly remove?: readonly string[];
}

/**
 * `before` with exactly these line changes, in `before`'s line endings: what an edit must write.
 * Lines are named without their `\r`; each must occur once.
 */
function withLines(before: string, changes: LineChanges): string {
  const crlf = before.includes('\r\n');
  const lines = before.split('\n');
  const bare = (l: string) => l.replace(/\r$/, '').replace(/^\ufeff/, '');
  const at = (text: string) => {
    const found = lines.flatMap((l, i) => (bare(l) === text ? [i] : []));
    if (found.length !== 1) throw new Error(`line ${JSON.stringify(text)} occurs ${found.length} times`);
    return found[0];
  };
  const ending = (i: number) => (crlf && lines[i].endsWith('\r') ? '\r' : '');
  for (const [from, to] of changes.replace ?? []) {
    const i = at(from);
    lines[i] = lines[i].replace(bare(lines[i]), to);
  }
  for (const [after, added] of changes.insertAfter ?? []) {
    const i = at(after);
    lines.splice(i + 1, 0, ...added.map((l) => `${l}${ending(i)}`));
  }
  for (const gone of changes.remove ?? []) lines.splice(at(gone), 1);
  return lines.join('\n');
}

/** Compares line by line, so a failure shows the lines that differ. */
function expectLines(after: string, expected: string): void {
  expect(after.split('\n')).toEqual(expected.split('\n'));
  expect(after).toBe(expected);
}

/** A file `rel` holding `text` in a new project folder. */
function fileWith(rel: string, text: string): string {
  const file = path.join(tempDir('stoa-edits-'), rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** `text` after `edit`, saved and read back. */
function edited(text: string, edit: (yaml: EditableYaml) => void, rel = 'environments/x.yaml'): string {
  const file = fileWith(rel, text);
  const yaml = EditableYaml.open(file);
  edit(yaml);
  yaml.save();
  return fs.readFileSync(file, 'utf8');
}

const crlf = (text: string) => text.replace(/\n/g, '\r\n');

describe('EditableYaml changes only the lines it must', () => {
  const doc = [
    '# head comment',
    '',
    'plain: 1.0.0   # inline',
    "single: '1.0.0'",
    'double: "1.0.0" # inline',
    'folded: "a long string with spaces that goes on and on well past the eightieth column of the line"',
    'components:',
    '  a: 1.0.0',
    '  # between keys',
    '',
    '  b: &shared 2.0.0',
    '  c: *shared',
    '  # closing comment of the block',
    'flow: {x: 1, y: "2"}',
    'list:',
    '  - one',
    '  - two   # second',
    'flowList: [one, two]',
    '# foot comment',
    '',
  ].join('\n');

  test('a scalar keeps its quoting and its comment; a value that needs quotes gets them', () => {
    const after = edited(doc, (y) => {
      y.set(['plain'], '2.0.0');
      y.set(['single'], '2.0.0');
      y.set(['double'], '2.0.0');
      y.set(['components', 'a'], '1.10'); // plain 1.10 would read as the number 1.1
    });
    expectLines(after, withLines(doc, {
      replace: [
        ['plain: 1.0.0   # inline', 'plain: 2.0.0   # inline'],
        ["single: '1.0.0'", "single: '2.0.0'"],
        ['double: "1.0.0" # inline', 'double: "2.0.0" # inline'],
        ['  a: 1.0.0', '  a: "1.10"'],
      ],
    }));
    expect(parse(after).components.a).toBe('1.10');
  });

  test('an anchored value moves its anchor to the first alias, which keeps the old value; an alias becomes a value', () => {
    expectLines(edited(doc, (y) => y.set(['components', 'b'], '2.1.0')), withLines(doc, {
      replace: [['  b: &shared 2.0.0', '  b: &shared 2.1.0'], ['  c: *shared', '  c: &shared 2.0.0']],
    }));
    expectLines(edited(doc, (y) => y.set(['components', 'c'], '3.0.0')), withLines(doc, { replace: [['  c: *shared', '  c: 3.0.0']] }));
  });

  test('a new key is one line after the last entry of its mapping; a new mapping is a block at the file\'s indentation', () => {
    const after = edited(doc, (y) => {
      y.set(['components', 'd'], '4.0.0');
      y.set(['flow', 'z'], 'true');
      y.setMapping(['hotfixes', 'a'], { version: '1.0.1', reason: 'CVE-2026-1 in the TLS stack: a reason with: a colon' });
    });
    expectLines(after, withLines(doc, {
      replace: [['flow: {x: 1, y: "2"}', 'flow: {x: 1, y: "2", z: "true"}']],
      insertAfter: [
        ['  c: *shared', ['  d: 4.0.0']],
        ['flowList: [one, two]', ['hotfixes:', '  a:', '    version: 1.0.1', '    reason: "CVE-2026-1 in the TLS stack: a reason with: a colon"']],
      ],
    }));
  });

  test('an existing mapping has its values set in place and its other keys removed', () => {
    const text = 'hotfixes:\n  a:\n    reason: "old reason"  # why\n    version: 1.0.1\n    note: x\n  b:\n    version: 2.0.0\n    reason: other\n';
    expectLines(edited(text, (y) => y.setMapping(['hotfixes', 'a'], { version: '1.0.2', reason: 'new reason' })), withLines(text, {
      replace: [['    reason: "old reason"  # why', '    reason: "new reason"  # why'], ['    version: 1.0.1', '    version: 1.0.2']],
      remove: ['    note: x'],
    }));
  });

  test('a deleted entry takes exactly its lines, and its mapping when that is left empty', () => {
    const text = 'name: x\nhotfixes:\n  # about a\n  a:\n    version: 1.0.1   # fixed\n    reason: why\n  b: {version: 2.0.0, reason: why}\nafter: 1 # kept\n';
    const one = edited(text, (y) => y.delete(['hotfixes', 'a']));
    expectLines(one, withLines(text, { remove: ['  a:', '    version: 1.0.1   # fixed', '    reason: why'] }));
    const both = edited(one, (y) => y.delete(['hotfixes', 'b']));
    expectLines(both, withLines(one, { remove: ['hotfixes:', '  # about a', '  b: {version: 2.0.0, reason: why}'] }));
    expectLines(edited('h: {a: {v: 1}, b: 2}\n', (y) => y.delete(['h', 'a'])), 'h: {b: 2}\n');
  });

  test('lists keep their block or flow style; a block list left empty is []', () => {
    expectLines(edited(doc, (y) => {
      y.append(['list'], 'three');
      y.append(['flowList'], 'three');
      y.removeFromList(['list'], 'one');
      y.removeFromList(['flowList'], 'one');
    }), withLines(doc, {
      replace: [['flowList: [one, two]', 'flowList: [two, three]']],
      remove: ['  - one'],
      insertAfter: [['  - two   # second', ['  - three']]],
    }));
    const text = 'envs:   # where\n  - dev\nnext: 1\n';
    expectLines(edited(text, (y) => y.removeFromList(['envs'], 'dev')), 'envs: []   # where\nnext: 1\n');
    expectLines(edited('envs: [ a, b, c ]\n', (y) => y.removeFromList(['envs'], 'b')), 'envs: [ a, c ]\n');
    expectLines(edited('envs: []\n', (y) => y.append(['envs'], 'a')), 'envs: [a]\n');
    expectLines(edited('a: 1\n', (y) => y.append(['envs'], 'b')), 'a: 1\nenvs: [b]\n');
  });

  test('a key with no value or a null gets one; a block scalar keeps its header and comment; an indentless list stays so', () => {
    expectLines(edited('h:   # none yet\nb: 1\n', (y) => y.setMapping(['h', 'c'], { version: '1.0.0', reason: 'why' })),
      'h:   # none yet\n  c:\n    version: 1.0.0\n    reason: why\nb: 1\n');
    expectLines(edited('a: ~\nb: null # c\nc:\nd:   # none yet\n', (y) => {
      y.set(['a'], 'x');
      y.append(['b'], 'v');
      y.append(['c'], 'w');
      y.set(['d'], 'y');
    }), 'a: x\nb: [v] # c\nc: [w]\nd: y   # none yet\n');
    expectLines(edited('a: 1\nreason: >- # why\n  old text\n  more\nb: 2\n', (y) => y.set(['reason'], 'new text')), 'a: 1\nreason: >- # why\n  new text\nb: 2\n');
    expectLines(edited('l:\n- a\n- b\nn: 1\n', (y) => {
      y.append(['l'], 'c');
      y.removeFromList(['l'], 'a');
    }), 'l:\n- b\n- c\nn: 1\n');
  });

  test('line endings, a byte order mark and a last line without a line break stay', () => {
    const text = `\ufeff${crlf(doc)}`;
    const after = edited(text, (y) => {
      y.set(['components', 'a'], '1.1.0');
      y.append(['list'], 'three');
      y.setMapping(['hotfixes', 'a'], { version: '1.1.0', reason: 'why not' });
    });
    expectLines(after, withLines(text, {
      replace: [['  a: 1.0.0', '  a: 1.1.0']],
      insertAfter: [['  - two   # second', ['  - three']], ['flowList: [one, two]', ['hotfixes:', '  a:', '    version: 1.1.0', '    reason: why not']]],
    }));
    expect(after.startsWith('\ufeff# head comment\r\n')).toBe(true);
    expect(after.replace(/\r\n/g, '')).not.toContain('\n');

    expectLines(edited('\ufeffa: 1\nb: 2', (y) => y.set(['c'], '3')), '\ufeffa: 1\nb: 2\nc: "3"');
    expectLines(edited('a: 1\nb: [x]', (y) => y.delete(['b'])), 'a: 1');
  });

  test('an edit the file\'s aliases would repeat elsewhere is refused, naming the file and field', () => {
    const text = 'base: &base\n  a: 1\ncopy: *base\nlist: [&e dev, *e]\n';
    expect(() => edited(text, (y) => y.set(['base', 'a'], '2'))).toThrow('environments/x.yaml: base.a: is inside &base, which *base repeats on line 3: an edit here would change both; edit the file by hand');
    expect(() => edited(text, (y) => y.removeFromList(['list'], 'dev'))).toThrow('environments/x.yaml: list: holds &e, which *e on line 4 still uses: edit the file by hand');
    expect(() => edited(text, (y) => y.set(['copy', 'a'], '2'))).toThrow(WorkflowError);
  });

  test('an edit that would write other data than intended fails loudly and writes nothing', () => {
    const file = fileWith('environments/x.yaml', doc);
    const yaml = EditableYaml.open(file);
    // A broken splice (it writes the value into the wrong line) stands for a bug in the editor.
    const spy = jest.spyOn(YamlSource.prototype, 'setScalar').mockImplementation(function (this: YamlSource) {
      const at = this.text.indexOf('1.0.0');
      return [{ start: at, end: at + 5, text: '9.9.9' }];
    });
    try {
      expect(() => yaml.set(['double'], '9.9.9')).toThrow(/environments\/x\.yaml: editing double in place gave other data than intended \(plain: expected "1\.0\.0", got "9\.9\.9"\); nothing was written\. This is a bug/);
    } finally {
      spy.mockRestore();
    }
    expect(yaml.toString()).toBe(doc);
    yaml.save();
    expect(fs.readFileSync(file, 'utf8')).toBe(doc);
  });
});

/** Files of test/fixtures/edits: comments everywhere, blank lines, anchors, flow style, long lines, every quoting. */
const DECORATED = ['environments/dev.yaml', 'environments/staging.yaml', 'environments/prod.yaml', 'tenants/acme.yaml', 'tenants/globex.yaml', 'tenants/initech.yaml'];

/** The example repository with the decorated files committed over its own, each passed through `transform`. */
function decoratedRepo(transform: (text: string) => string = (t) => t): string {
  const repo = exampleRepo();
  for (const rel of DECORATED) fs.writeFileSync(path.join(repo, rel), transform(fs.readFileSync(path.join(EDITS, rel), 'utf8')));
  commitAll(repo, 'decorated input files');
  return repo;
}

const read = (repo: string, rel: string) => fs.readFileSync(path.join(repo, rel), 'utf8');

/** The files a verb changed (`git status`), and that the project still loads and validates. */
function changedFiles(repo: string): string[] {
  expect(() => projectInput(projectOf({ projectDir: repo }))).not.toThrow();
  return git(repo, ['status', '--porcelain']).split('\n').filter(Boolean).map((l) => l.slice(3)).sort();
}

describe('the verbs keep the user\'s files', () => {
  test('set-image changes the version\'s characters only; an anchored version leaves its old value to its alias', () => {
    const repo = decoratedRepo();
    const dev = read(repo, 'environments/dev.yaml');
    setImage({ projectDir: repo, environment: 'dev', component: 'stoa-gateway', version: '1.9.1' });
    setImage({ projectDir: repo, environment: 'dev', component: 'control-plane-api', version: '2.6.0' });
    setImage({ projectDir: repo, environment: 'dev', component: 'stoa-portal', version: '1.5.0' });
    expectLines(read(repo, 'environments/dev.yaml'), withLines(dev, {
      replace: [
        ['  stoa-gateway: 1.9.0       # bumped by CI', '  stoa-gateway: 1.9.1       # bumped by CI'],
        ['  control-plane-api: &cp "2.5.0"', '  control-plane-api: &cp "2.6.0"'],
        ['  control-plane-ui: *cp', '  control-plane-ui: &cp "2.5.0"'],
        ["  stoa-portal: '1.4.0'", "  stoa-portal: '1.5.0'"],
      ],
    }));
    expect(changedFiles(repo)).toEqual(['environments/dev.yaml']);
  });

  test('set-image --hotfix records the hotfix as lines at the file\'s indentation, and a second one changes the record\'s values only', () => {
    const repo = decoratedRepo();
    const staging = read(repo, 'environments/staging.yaml');
    setImage({ projectDir: repo, environment: 'staging', component: 'stoa-gateway', version: '1.8.3', hotfix: 'CVE-2026-1234 in the TLS stack' });
    const once = read(repo, 'environments/staging.yaml');
    expectLines(once, withLines(staging, {
      replace: [['    stoa-gateway: 1.8.2', '    stoa-gateway: 1.8.3']],
      insertAfter: [[`        reason: "portal 1.4.0 went to staging before dev, for the partner bank's test of the new login page (OPS-1234)"`, [
        '    stoa-gateway:', '        version: 1.8.3', '        reason: CVE-2026-1234 in the TLS stack',
      ]]],
    }));
    setImage({ projectDir: repo, environment: 'staging', component: 'stoa-gateway', version: '1.8.4', hotfix: 'CVE-2026-1235: the first fix was incomplete' });
    expectLines(read(repo, 'environments/staging.yaml'), withLines(once, {
      replace: [
        ['    stoa-gateway: 1.8.3', '    stoa-gateway: 1.8.4'],
        ['        version: 1.8.3', '        version: 1.8.4'],
        ['        reason: CVE-2026-1234 in the TLS stack', '        reason: "CVE-2026-1235: the first fix was incomplete"'],
      ],
    }));
    expect(changedFiles(repo)).toEqual(['environments/staging.yaml']);
  });

  test('promote dev staging: the versions\' characters, the ended hotfix\'s lines, one tenant list item', () => {
    const repo = decoratedRepo();
    const staging = read(repo, 'environments/staging.yaml');
    const initech = read(repo, 'tenants/initech.yaml');
    const result = promote({ projectDir: repo, from: 'dev', to: 'staging' });
    expect(result).toMatchObject({ hotfixesEnded: ['stoa-portal'], tenants: ['initech'] });
    expectLines(read(repo, 'environments/staging.yaml'), withLines(staging, {
      replace: [
        ['    stoa-gateway: 1.8.2', '    stoa-gateway: 1.9.0'],
        ['    control-plane-api: "2.4.1"   # double-quoted on purpose', '    control-plane-api: "2.5.0"   # double-quoted on purpose'],
        ["    control-plane-ui: '2.4.1'", "    control-plane-ui: '2.5.0'"],
      ],
      remove: [
        'hotfixes:',
        "    # The portal went to staging ahead of dev for the partner bank's test of the new login page.",
        '    stoa-portal:',
        '        version: 1.4.0',
        `        reason: "portal 1.4.0 went to staging before dev, for the partner bank's test of the new login page (OPS-1234)"`,
      ],
    }));
    // initech's file ends without a line break, and still does.
    expectLines(read(repo, 'tenants/initech.yaml'), withLines(initech, { replace: [['environments: [dev]', 'environments: [dev, staging]']] }));
    expect(changedFiles(repo)).toEqual(['environments/staging.yaml', 'tenants/initech.yaml']);
  });

  test('promote staging prod: a value inside a multi-line flow mapping with comments, an item of a padded flow list', () => {
    const repo = decoratedRepo();
    const prod = read(repo, 'environments/prod.yaml');
    const globex = read(repo, 'tenants/globex.yaml');
    promote({ projectDir: repo, from: 'staging', to: 'prod' });
    expectLines(read(repo, 'environments/prod.yaml'), withLines(prod, { replace: [['  stoa-portal: 1.3.2', '  stoa-portal: 1.4.0']] }));
    expectLines(read(repo, 'tenants/globex.yaml'), withLines(globex, {
      replace: [['environments: [ dev, staging ]   # padded flow list', 'environments: [ dev, staging, prod ]   # padded flow list']],
    }));
    expect(changedFiles(repo)).toEqual(['environments/prod.yaml', 'tenants/globex.yaml']);
  });

  test('tenant remove: the item\'s line of a block list, a leaving entry added as one line and removed again', () => {
    const repo = decoratedRepo();
    const acme = read(repo, 'tenants/acme.yaml');
    removeTenant({ projectDir: repo, name: 'acme', environments: ['prod'], allowProdRemoval: true });
    const leaving = read(repo, 'tenants/acme.yaml');
    expectLines(leaving, withLines(acme, {
      remove: ['  - prod'],
      insertAfter: [['  postDelete: https://awx.stoa.example.com/api/v2/job_templates/14/launch/  # deprovisions once the tenant has left', ['leaving: [prod]']]],
    }));
    expect(changedFiles(repo)).toEqual(['tenants/acme.yaml']);
    removeTenant({ projectDir: repo, name: 'acme', environments: ['prod'] });
    expectLines(read(repo, 'tenants/acme.yaml'), withLines(acme, { remove: ['  - prod'] }));
    expect(changedFiles(repo)).toEqual(['tenants/acme.yaml']);

    const globex = read(repo, 'tenants/globex.yaml');
    removeTenant({ projectDir: repo, name: 'globex', environments: ['staging'] });
    expectLines(read(repo, 'tenants/globex.yaml'), withLines(globex, {
      replace: [['environments: [ dev, staging ]   # padded flow list', 'environments: [ dev ]   # padded flow list']],
    }));
  });

  test('files with CRLF line endings and a byte order mark keep both through every verb', () => {
    const repo = decoratedRepo((t) => `\ufeff${crlf(t)}`);
    const before = new Map(DECORATED.map((rel) => [rel, read(repo, rel)]));
    setImage({ projectDir: repo, environment: 'staging', component: 'stoa-gateway', version: '1.8.3', hotfix: 'CVE-2026-1234 in the TLS stack' });
    commitAll(repo, 'hotfix');
    promote({ projectDir: repo, from: 'staging', to: 'prod' });
    removeTenant({ projectDir: repo, name: 'acme', environments: ['prod'], allowProdRemoval: true });
    expectLines(read(repo, 'environments/staging.yaml'), withLines(before.get('environments/staging.yaml')!, {
      replace: [['    stoa-gateway: 1.8.2', '    stoa-gateway: 1.8.3']],
      insertAfter: [[`        reason: "portal 1.4.0 went to staging before dev, for the partner bank's test of the new login page (OPS-1234)"`, [
        '    stoa-gateway:', '        version: 1.8.3', '        reason: CVE-2026-1234 in the TLS stack',
      ]]],
    }));
    expectLines(read(repo, 'environments/prod.yaml'), withLines(before.get('environments/prod.yaml')!, {
      replace: [['  stoa-gateway: 1.8.2,        # a comment inside a flow mapping', '  stoa-gateway: 1.8.3,        # a comment inside a flow mapping'], ['  stoa-portal: 1.3.2', '  stoa-portal: 1.4.0']],
    }));
    expectLines(read(repo, 'tenants/acme.yaml'), withLines(before.get('tenants/acme.yaml')!, {
      remove: ['  - prod'],
      insertAfter: [['  postDelete: https://awx.stoa.example.com/api/v2/job_templates/14/launch/  # deprovisions once the tenant has left', ['leaving: [prod]']]],
    }));
    for (const rel of ['environments/staging.yaml', 'environments/prod.yaml', 'tenants/acme.yaml', 'tenants/globex.yaml']) {
      const text = read(repo, rel);
      expect(text.startsWith('\ufeff')).toBe(true);
      expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    }
    expect(changedFiles(repo)).toEqual(['environments/prod.yaml', 'tenants/acme.yaml', 'tenants/globex.yaml']);
  });
});
