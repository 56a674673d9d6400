import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { EditableYaml } from '../lib/workflow/project-files';
import {
  InputError, loadProjectInput, MAX_DISPLAY_NAME_LENGTH, MAX_INPUT_ALIASES, MAX_INPUT_DEPTH, MAX_INPUT_FILE_BYTES, MAX_INPUT_NODES,
  MAX_INPUT_TOKENS, MAX_PROBLEMS_PER_FILE, ProjectInput,
} from '../lib';
import { setImage } from '../lib/cli';
import { cli, exampleProject, REPO, tempDir, withCompileCache, writeFile } from './helpers';

const ACME = `name: acme
tier: gold
owners:
  groups: [acme-platform-team]
environments: [dev, staging, prod]
`;

const load = (project: string): ProjectInput => loadProjectInput({
  environmentsDir: path.join(project, 'environments'), tenantsDir: path.join(project, 'tenants'), displayRoot: project,
});

/** The InputError loading `project` throws; anything else thrown (an fs error, a stack overflow) fails the test. */
function inputError(project: string): InputError {
  try {
    load(project);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected the input to be refused');
}

/** The example project with `tenants/acme.yaml` replaced by `content`. */
function withAcme(content: string | Buffer): string {
  const project = exampleProject();
  fs.writeFileSync(path.join(project, 'tenants/acme.yaml'), content);
  return project;
}

/**
 * Runs the CLI in a child process with a time and memory bound: a reader that blocks on a
 * named pipe or reads /dev/zero without end fails this test instead of hanging or filling it.
 */
function cliProcess(...args: string[]) {
  const loader = path.join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs');
  return spawnSync(process.execPath, ['--max-old-space-size=512', '--import', `file://${loader}`, path.join(REPO, 'lib/cli/main.ts'), ...args], {
    // Node's compile cache on: how the CLI loads its code is not what these tests check.
    encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL', env: withCompileCache(),
  });
}

/** Jest's time for a test that starts the CLI in a child process (which the child's own bound stops first). */
const CHILD_TIMEOUT = 90_000;

const posix = process.platform === 'win32' ? describe.skip : describe;

describe('only regular files are read', () => {
  test('a folder named like a tenant file is refused by name, not with EISDIR', () => {
    const project = exampleProject();
    fs.mkdirSync(path.join(project, 'tenants/x.yaml'));
    expect(inputError(project).message).toMatch(/^ {2}tenants\/x\.yaml: is a folder, not a regular file$/m);
  });

  test('a tenants "folder" that is a file is refused by name', () => {
    const project = exampleProject();
    fs.rmSync(path.join(project, 'tenants'), { recursive: true });
    fs.writeFileSync(path.join(project, 'tenants'), ACME);
    expect(inputError(project).message).toMatch(/^ {2}tenants: is not a folder$/m);
  });

  posix('named pipes, devices and links', () => {
    test('a named pipe tenants/x.yaml is refused at once through the CLI: file and reason, exit 3, no blocking', () => {
      const project = exampleProject();
      execFileSync('mkfifo', [path.join(project, 'tenants/x.yaml')]);
      const run = cliProcess('synth', '--project', project);
      expect(run.signal).toBeNull();
      expect(run.status).toBe(3);
      expect(run.stderr).toContain('stoa-manifests: synth failed; dist/ was not changed.\ninvalid input (1 problem):\n  tenants/x.yaml: is a named pipe (FIFO), not a regular file\n');
      expect(fs.existsSync(path.join(project, 'dist'))).toBe(false);
    }, CHILD_TIMEOUT);

    test('a symbolic link to /dev/zero is refused without reading it', () => {
      const project = exampleProject();
      fs.symlinkSync('/dev/zero', path.join(project, 'tenants/zero.yaml'));
      const run = cliProcess('synth', '--project', project);
      expect(run.signal).toBeNull();
      expect(run.status).toBe(3);
      expect(run.stderr).toMatch(/^ {2}tenants\/zero\.yaml: is a symbolic link to \/dev\/zero, outside the project \(.+\); only links to files inside the project are read$/m);
    }, CHILD_TIMEOUT);

    test('a symbolic link to a file outside the project is refused, even a valid tenant', () => {
      const project = exampleProject();
      const elsewhere = path.join(tempDir(), 'umbrella.yaml');
      fs.writeFileSync(elsewhere, ACME.replace('name: acme', 'name: umbrella'));
      fs.symlinkSync(elsewhere, path.join(project, 'tenants/umbrella.yaml'));
      expect(inputError(project).message).toMatch(/^ {2}tenants\/umbrella\.yaml: is a symbolic link to .*umbrella\.yaml, outside the project/m);
    });

    test('a symbolic link to a regular file inside the project is read', () => {
      const project = exampleProject();
      writeFile(project, 'common/umbrella.yaml', ACME.replace('name: acme', 'name: umbrella'));
      fs.symlinkSync('../common/umbrella.yaml', path.join(project, 'tenants/umbrella.yaml'));
      expect(load(project).tenants.map((t) => t.name)).toContain('umbrella');
    });

    test('a symbolic link inside the project to a named pipe is refused without blocking', () => {
      const project = exampleProject();
      execFileSync('mkfifo', [path.join(project, 'pipe')]);
      fs.symlinkSync('../pipe', path.join(project, 'tenants/x.yaml'));
      const run = cliProcess('synth', '--project', project);
      expect(run.signal).toBeNull();
      expect(run.stderr).toMatch(/^ {2}tenants\/x\.yaml: is a named pipe \(FIFO\), not a regular file$/m);
    }, CHILD_TIMEOUT);

    test('a broken symbolic link is named', () => {
      const project = exampleProject();
      fs.symlinkSync('missing.yaml', path.join(project, 'tenants/x.yaml'));
      expect(inputError(project).message).toMatch(/^ {2}tenants\/x\.yaml: is a symbolic link that cannot be followed: does not exist/m);
    });
  });

  test('a file that is not UTF-8 is refused at the line of the first bad byte', () => {
    const project = withAcme(Buffer.concat([Buffer.from('name: acme\ndisplayName: '), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]));
    expect(inputError(project).message).toMatch(/^ {2}tenants\/acme\.yaml:2: is not UTF-8 text$/m);
  });
});

describe('size and shape limits', () => {
  test('a 2 MiB file is refused with its size and the limit, even when its YAML is valid', () => {
    const comments = `# ${'x'.repeat(98)}\n`.repeat((2 * MAX_INPUT_FILE_BYTES) / 100);
    const project = withAcme(ACME + comments);
    expect(inputError(project).message).toMatch(
      new RegExp(`^ {2}tenants/acme\\.yaml: is too large \\(${ACME.length + comments.length} bytes\\); an input file may have at most ${MAX_INPUT_FILE_BYTES} bytes \\(1 MiB\\)$`, 'm'));
  });

  test('a valid file of almost 1 MiB is still read', () => {
    const comments = `# ${'x'.repeat(197)}\n`.repeat(Math.floor((MAX_INPUT_FILE_BYTES - ACME.length) / 200));
    const project = withAcme(ACME + comments);
    expect(load(project).tenants.map((t) => t.name)).toContain('acme');
  });

  test('a tenant file with 40 000 keys is refused quickly at the line where it passes the limit', () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `k${i}: ${i}`).join('\n');
    const error = inputError(withAcme(`${ACME}${keys}\n`));
    expect(error.problems).toHaveLength(1);
    // ACME holds 13 values on 5 lines, each key line 2 more: value 10 001 is on key line 4994, line 4999 of the file.
    expect(error.message).toMatch(new RegExp(`^ {2}tenants/acme\\.yaml:4999: has more than ${MAX_INPUT_NODES} YAML values \\(keys, scalars, lists, mappings\\); an input file may hold at most ${MAX_INPUT_NODES}$`, 'm'));
  });

  test('many unknown keys give a bounded list: the first problems by line, then how many more', () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `extra${i}: ${i}`).join('\n');
    const error = inputError(withAcme(`${ACME}${keys}\n`));
    const acme = error.problems.filter((p) => p.file === 'tenants/acme.yaml');
    expect(acme).toHaveLength(MAX_PROBLEMS_PER_FILE + 1);
    expect(acme[0]).toMatchObject({ line: 6, field: 'extra0', message: expect.stringMatching(/^unknown field/) });
    expect(acme[MAX_PROBLEMS_PER_FILE - 1]).toMatchObject({ line: 25, field: 'extra19' });
    expect(acme[MAX_PROBLEMS_PER_FILE]).toEqual({
      file: 'tenants/acme.yaml', line: 26, field: '', message: `and ${3000 - MAX_PROBLEMS_PER_FILE} more problems (only the first ${MAX_PROBLEMS_PER_FILE} of a file are listed)`,
    });
  });

  test('nesting deeper than the limit is refused at the line, block or flow', () => {
    const flow = `${ACME}deep: ${'['.repeat(MAX_INPUT_DEPTH + 5)}${']'.repeat(MAX_INPUT_DEPTH + 5)}\n`;
    expect(inputError(withAcme(flow)).message).toMatch(new RegExp(`^ {2}tenants/acme\\.yaml:6: nests lists and mappings more than ${MAX_INPUT_DEPTH} levels deep; an input file may nest at most ${MAX_INPUT_DEPTH}$`, 'm'));
    const block = ACME + Array.from({ length: MAX_INPUT_DEPTH + 5 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ' x\n';
    expect(inputError(withAcme(block)).message).toMatch(/^ {2}tenants\/acme\.yaml:\d+: nests lists and mappings more than \d+ levels deep/m);
    const dashes = `${ACME}deep:\n  ${'- '.repeat(50_000)}x\n`;
    expect(inputError(withAcme(dashes)).message).toMatch(/^ {2}tenants\/acme\.yaml:7: nests lists and mappings more than \d+ levels deep/m);
  });

  test('an alias bomb is refused with the file, the line of the first alias and the reason', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const name of 'bcdefgh') {
      const prev = String.fromCharCode(name.charCodeAt(0) - 1);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    const error = inputError(withAcme(`${ACME}${levels.join('\n')}\n`));
    expect(error.message).toMatch(new RegExp(`^ {2}tenants/acme\\.yaml:7: aliases expand to too many nodes: at most ${MAX_INPUT_ALIASES} are allowed$`, 'm'));
  });

  test('more aliases than the limit are refused where the limit is passed', () => {
    const aliases = `${ACME}a: &a x\nlist:\n${'  - *a\n'.repeat(MAX_INPUT_ALIASES + 1)}`;
    expect(inputError(withAcme(aliases)).message).toMatch(new RegExp(`^ {2}tenants/acme\\.yaml:${7 + MAX_INPUT_ALIASES + 1}: has more than ${MAX_INPUT_ALIASES} aliases`, 'm'));
  });

  test('a file of nothing but separators is refused at the token limit', () => {
    const commas = `${ACME}list: [${','.repeat(MAX_INPUT_TOKENS + 10)}]\n`;
    expect(inputError(withAcme(commas)).message).toMatch(new RegExp(`^ {2}tenants/acme\\.yaml:6: has more than ${MAX_INPUT_TOKENS} YAML tokens; an input file may hold at most ${MAX_INPUT_TOKENS}$`, 'm'));
  });

  test('a file of syntax errors lists the first ones and counts the rest', () => {
    const error = inputError(withAcme(`${ACME}tagged: ${'!x '.repeat(100)}y\n`));
    expect(error.problems).toHaveLength(MAX_PROBLEMS_PER_FILE + 1);
    expect(error.problems[0]).toMatchObject({ file: 'tenants/acme.yaml', line: 6, message: 'YAML syntax error: A node can have at most one tag' });
    expect(error.problems[MAX_PROBLEMS_PER_FILE].message).toBe(`and ${99 - MAX_PROBLEMS_PER_FILE} more problems (only the first ${MAX_PROBLEMS_PER_FILE} of a file are listed)`);
  });

  test('two YAML documents in one file are refused at the second', () => {
    expect(inputError(withAcme(`${ACME}---\nname: other\n`)).message).toMatch(/^ {2}tenants\/acme\.yaml:6: YAML syntax error: the file holds more than one YAML document/m);
  });

  test('a key given twice names the field and both lines, in linear time for many keys', () => {
    expect(inputError(withAcme(`${ACME}tier: silver\n`)).message).toMatch(/^ {2}tenants\/acme\.yaml:6: tier: is given twice in this mapping \(first on line 2\); a key may appear only once$/m);
    const keys = Array.from({ length: 4000 }, (_, i) => `k${i}: ${i}`).join('\n');
    const error = inputError(withAcme(`${ACME}${keys}\nk0: again\n`));
    expect(error.message).toMatch(/^ {2}tenants\/acme\.yaml:4006: k0: is given twice in this mapping \(first on line 6\)/m);
  });
});

describe('free text that reaches the output', () => {
  test(`a 300-character displayName is refused in the tenant file through the CLI, not in the rendered AppProject`, () => {
    const project = withAcme(ACME.replace('tier:', `displayName: ${'A'.repeat(300)}\ntier:`));
    const run = cli('synth', '--project', project);
    expect(run.code).toBe(3);
    // The value is echoed cut short, so one bad value cannot flood the report.
    expect(run.stderr).toContain(`invalid input (1 problem):\n  tenants/acme.yaml:2: displayName: must be at most ${MAX_DISPLAY_NAME_LENGTH} characters (got "${'A'.repeat(60)}…" (300 characters))`);
    expect(fs.existsSync(path.join(project, 'dist'))).toBe(false);
  });

  test.each([
    ['a bell', '"ACME\\a"'],
    ['a line break', '"ACME\\nsystem:masters"'],
    ['a right-to-left override', '"ACME \\u202Eevil"'],
    ['a tab', '"ACME\\tCorp"'],
  ])('a displayName with %s is refused', (_what, value) => {
    const project = withAcme(ACME.replace('tier:', `displayName: ${value}\ntier:`));
    expect(inputError(project).message).toMatch(/^ {2}tenants\/acme\.yaml:2: displayName: must not contain control characters or line breaks/m);
  });

  test('a secret property that cannot name a Secret key is refused in the tenant file', () => {
    const project = withAcme(`${ACME}secrets:\n  - name: upstream\n    key: tenants/acme/upstream\n    property: api/key\n`);
    expect(inputError(project).message).toMatch(/^ {2}tenants\/acme\.yaml:9: secrets\[0\]\.property: must be letters, digits, "-", "_" or "\." \(it also names the key in the created Secret\)/m);
  });

  test('control characters in a hook URL or an environment value are refused', () => {
    const hooks = withAcme(`${ACME}hooks:\n  preSync: "https://awx.example.com/\\x01launch/"\n`);
    expect(inputError(hooks).message).toMatch(/^ {2}tenants\/acme\.yaml:7: hooks\.preSync: must not contain control characters/m);
    const env = exampleProject();
    const file = path.join(env, 'environments/dev.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/revision: \S+/, 'revision: "main\\nevil: true"'));
    expect(inputError(env).message).toMatch(/^ {2}environments\/dev\.yaml:\d+: repo\.revision: must not contain control characters or line breaks/m);
  });
});

describe('files edited in place are read with the same rules', () => {
  test('EditableYaml refuses a folder and an oversized file by name', () => {
    const project = exampleProject();
    fs.mkdirSync(path.join(project, 'tenants/x.yaml'));
    expect(() => EditableYaml.open(path.join(project, 'tenants/x.yaml'))).toThrow(/tenants\/x\.yaml: is a folder, not a regular file/);

    const dev = path.join(project, 'environments/dev.yaml');
    fs.appendFileSync(dev, `# ${'x'.repeat(MAX_INPUT_FILE_BYTES)}\n`);
    expect(() => EditableYaml.open(dev)).toThrow(InputError);
    expect(() => EditableYaml.open(dev)).toThrow(/environments\/dev\.yaml: is too large/);
  });

  test('set-image on an environment file over a limit fails with the file named, not a stack trace', () => {
    const project = exampleProject();
    const dev = path.join(project, 'environments/dev.yaml');
    fs.appendFileSync(dev, `deep: ${'['.repeat(100)}${']'.repeat(100)}\n`);
    expect(() => setImage({ projectDir: project, environment: 'dev', component: 'stoa-gateway', version: '9.9.9' }))
      .toThrow(/environments\/dev\.yaml:\d+: nests lists and mappings more than \d+ levels deep/);
  });

  test('a file with a byte order mark is edited keeping its comments', () => {
    const project = exampleProject();
    const dev = path.join(project, 'environments/dev.yaml');
    const text = fs.readFileSync(dev, 'utf8');
    fs.writeFileSync(dev, `\uFEFF${text}`);
    const yaml = EditableYaml.open(dev);
    yaml.set(['components', 'stoa-gateway'], '9.9.9');
    expect(yaml.toString()).toBe(text.replace('stoa-gateway: 1.9.0', 'stoa-gateway: 9.9.9'));
  });
});
