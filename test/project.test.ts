import * as fs from 'fs';
import * as path from 'path';
import { ComponentCatalog } from '../lib/config/component-catalog';
import { projectOf } from '../lib/project/project';
import { checkOutput, synth } from '../lib/project/synth-project';
import { cli, exampleProject, tempDir } from './helpers';

/** Runs `body` with `dir` as the working directory. */
function inDir<T>(dir: string, body: () => T): T {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    return body();
  } finally {
    process.chdir(cwd);
  }
}

describe('projectOf: one way to resolve a project', () => {
  test('defaults: the working directory, its environments/, tenants/ and dist/, and the STOA catalog', () => {
    const dir = fs.realpathSync(tempDir());
    const project = inDir(dir, () => projectOf());
    expect(project).toMatchObject({
      projectDir: dir,
      environmentsDir: path.join(dir, 'environments'),
      tenantsDir: path.join(dir, 'tenants'),
      outDir: path.join(dir, 'dist'),
      displayRoot: dir,
    });
    expect(project.catalog.names).toEqual(ComponentCatalog.stoa().names);
  });

  test('a relative project folder is relative to the working directory; a relative output folder to the project folder', () => {
    const dir = fs.realpathSync(tempDir());
    const project = inDir(dir, () => projectOf({ projectDir: 'site', outDir: 'build/manifests' }));
    expect(project.projectDir).toBe(path.join(dir, 'site'));
    expect(project.outDir).toBe(path.join(dir, 'site', 'build', 'manifests'));
    expect(projectOf({ projectDir: dir, outDir: '/abs/out' }).outDir).toBe('/abs/out');
  });

  test('a project given again comes back the same', () => {
    const catalog = ComponentCatalog.stoa();
    const project = projectOf({ projectDir: tempDir(), outDir: 'out', catalog });
    expect(projectOf(project)).toEqual(project);
    expect(projectOf(project).catalog).toBe(catalog);
  });
});

test('synth and checkOutput write and read a relative outDir inside the project, wherever the caller stands', () => {
  const project = exampleProject();
  const elsewhere = tempDir();
  const result = inDir(elsewhere, () => synth({ projectDir: project, outDir: 'build/manifests' }));
  expect(result.outDir).toBe(path.join(project, 'build', 'manifests'));
  expect(fs.existsSync(path.join(project, 'build/manifests/dev/bootstrap'))).toBe(true);
  expect(fs.readdirSync(elsewhere)).toEqual([]);
  expect(checkOutput({ projectDir: project, outDir: 'build/manifests' }).upToDate).toBe(true);
});

test('the CLI resolves --project and --out from the working directory, as every path on a command line', () => {
  const parent = tempDir();
  const project = path.join(parent, 'site');
  fs.cpSync(exampleProject(), project, { recursive: true });
  const r = inDir(parent, () => cli('synth', '--project', 'site', '--out', 'rendered'));
  expect(r).toMatchObject({ code: 0, stderr: '' });
  expect(r.stdout).toContain(`wrote `);
  expect(fs.existsSync(path.join(parent, 'rendered/dev/bootstrap'))).toBe(true);
  expect(fs.existsSync(path.join(project, 'rendered'))).toBe(false);
  expect(inDir(parent, () => cli('synth', '--check', '--project', 'site', '--out', 'rendered'))).toMatchObject({ code: 0 });
});
