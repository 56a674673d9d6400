import * as fs from 'fs';
import * as path from 'path';
import { MANIFEST_GENERATE_PATHS_ANNOTATION } from '../lib/argocd/sync-policy';
import { expandApplicationSets } from '../lib/argocd/application-set-preview';
import { renderProject } from '../lib/project/synth-project';
import { validateObjects } from '../lib/validate/validate';
import { exampleProject, writeFile } from './helpers';

/** The folder of the repository an annotation value names for a source path, as Argo CD resolves it. */
function resolved(sourcePath: string, value: string): string[] {
  return value.split(';').map((p) => path.posix.normalize(p.startsWith('/') ? p : `/${sourcePath}/${p}`).replace(/^\/+|\/+$/g, ''));
}

const ENVIRONMENTS = { environments: { dev: {}, staging: {}, prod: {} } };
const ACME = 'dev/apps/application-dev-tenant-acme.yaml';

let example: string | undefined;
/** The example's rendered files, as validate reads them (plain objects, a fresh copy each time). */
function exampleFiles(): Array<{ path: string; object: any }> {
  example ??= JSON.stringify(renderProject({ projectDir: exampleProject() }).files.map((f) => ({ path: f.path, object: f.object })));
  return JSON.parse(example);
}

describe('Argo CD at scale: manifest-generate-paths', () => {
  test('every Application, and every one an ApplicationSet generates, names exactly its own source folder', () => {
    const projectDir = exampleProject();
    // dev as an ApplicationSet over its (uniform) tenants too.
    writeFile(projectDir, 'environments/dev.yaml', `${fs.readFileSync(path.join(projectDir, 'environments/dev.yaml'), 'utf8')}tenantApplications: applicationset\n`);
    for (const t of ['acme', 'globex', 'initech']) {
      const file = path.join(projectDir, 'tenants', `${t}.yaml`);
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^gateway:[\s\S]*?(?=^\S)/m, '').replace(/^secrets:[\s\S]*?(?=^\S|(?![\s\S]))/m, '').replace(/^hooks:[\s\S]*?(?=^\S|(?![\s\S]))/m, '').replace(/^tier: .*/m, 'tier: bronze'));
    }
    const files = renderProject({ projectDir }).files;
    const written = files.filter((f) => f.object.kind === 'Application');
    const generated = expandApplicationSets(files);
    expect(written.length).toBeGreaterThan(10);
    expect(generated.length).toBeGreaterThan(0);
    // The root (bootstrap, source <env>/apps) is among them: it renders only apps/, so it names only apps/.
    expect(written.filter((f) => f.path.includes('/bootstrap/')).map((f) => (f.object.spec as any).source.path)).toEqual(['dev/apps', 'prod/apps', 'staging/apps']);
    for (const app of [...written, ...generated]) {
      const source = (app.object.spec as any).source.path;
      const value = (app.object.metadata as any).annotations?.[MANIFEST_GENERATE_PATHS_ANNOTATION];
      expect({ app: app.object.metadata.name, value }).toEqual({ app: app.object.metadata.name, value: './' });
      expect(resolved(source, value)).toEqual([source]);
    }
    // The template itself carries it (the ApplicationSet's own metadata does not need it).
    const sets = files.filter((f) => f.object.kind === 'ApplicationSet');
    expect(sets.map((s) => (s.object as any).spec.template.metadata.annotations[MANIFEST_GENERATE_PATHS_ANNOTATION])).toEqual(['./']);
  });

  test('validation refuses an Application without it, or one that does not cover its folder', () => {
    const files = exampleFiles();
    const acme = files.find((f) => f.path === ACME)!;
    const globex = files.find((f) => f.path === 'dev/apps/application-dev-tenant-globex.yaml')!;
    const initech = files.find((f) => f.path === 'dev/apps/application-dev-tenant-initech.yaml')!;
    delete acme.object.metadata.annotations[MANIFEST_GENERATE_PATHS_ANNOTATION];
    globex.object.metadata.annotations[MANIFEST_GENERATE_PATHS_ANNOTATION] = '../acme';
    initech.object.metadata.annotations[MANIFEST_GENERATE_PATHS_ANNOTATION] = '/dev/tenants;/other'; // a parent folder covers it
    const report = validateObjects(files, ENVIRONMENTS);
    const found = report.violations.filter((v) => v.rule === 'refresh-paths');
    expect(found).toEqual([
      { rule: 'refresh-paths', file: ACME, message: expect.stringMatching(/has no argocd.argoproj.io\/manifest-generate-paths annotation: .*set argocd.argoproj.io\/manifest-generate-paths: "\.\/" \(its own folder\)/) },
      { rule: 'refresh-paths', file: 'dev/apps/application-dev-tenant-globex.yaml', message: expect.stringMatching(/"\.\.\/acme" does not cover its source folder dev\/tenants\/globex .*set argocd.argoproj.io\/manifest-generate-paths: "\.\/"/) },
    ]);
  });

  /** Whether the rule accepts acme's Application with `value` (files of dev/tenants/acme are named `<kind>-<name>.yaml`). */
  const accepts = (files: Array<{ path: string; object: any }>, value: string): boolean => {
    files.find((f) => f.path === ACME)!.object.metadata.annotations[MANIFEST_GENERATE_PATHS_ANNOTATION] = value;
    return !validateObjects(files, ENVIRONMENTS).violations.some((v) => v.rule === 'refresh-paths' && v.file === ACME);
  };

  test.each([
    // Folders: the source folder itself or a parent, relative or absolute, with spaces around ';' (trimmed, as Argo CD does).
    ['./', true], ['.', true], ['/dev/tenants/acme', true], ['..', true], ['/', true], [' /dev/tenants/globex ; ../acme ', true],
    ['../globex', false], ['/dev/tenants/acme/../globex', false], ['/dev/tenants/acm', false], [' ; ', false],
    // Globs (Go's filepath.Match: '*' stops at '/'): they must match every file the folder has.
    ['*.yaml', true], ['/dev/tenants/*/*', true], ['/dev/tenants/acme/[a-z]*', true],
    ['/dev/tenants/*', false], ['deployment-*.yaml', false], ['[', false],
  ])('refresh paths "%s" cover dev/tenants/acme: %s', (value, covered) => {
    expect(accepts(exampleFiles(), value)).toBe(covered);
  });

  test('a list of files covers the folder only while it names every file in it', () => {
    const files = exampleFiles();
    const own = files.filter((f) => f.path.startsWith('dev/tenants/acme/')).map((f) => path.posix.basename(f.path));
    expect(own.length).toBeGreaterThan(3);
    expect(accepts(files, [...new Set(own)].join(';'))).toBe(true);
    expect(accepts(files, [...new Set(own)].slice(1).join(';'))).toBe(false);
  });
});
