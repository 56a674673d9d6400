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

describe('Argo CD at scale: manifest-generate-paths', () => {
  test('every Application, and every one an ApplicationSet generates, names exactly its own source folder', () => {
    const projectDir = exampleProject();
    // dev as an ApplicationSet over its (uniform) tenants too.
    writeFile(projectDir, 'environments/dev.yaml', `${require('fs').readFileSync(path.join(projectDir, 'environments/dev.yaml'), 'utf8')}tenantApplications: applicationset\n`);
    for (const t of ['acme', 'globex', 'initech']) {
      const file = path.join(projectDir, 'tenants', `${t}.yaml`);
      const fs = require('fs');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^gateway:[\s\S]*?(?=^\S)/m, '').replace(/^secrets:[\s\S]*?(?=^\S|(?![\s\S]))/m, '').replace(/^hooks:[\s\S]*?(?=^\S|(?![\s\S]))/m, '').replace(/^tier: .*/m, 'tier: bronze'));
    }
    const files = renderProject({ projectDir }).files;
    const written = files.filter((f) => f.object.kind === 'Application');
    const generated = expandApplicationSets(files);
    expect(written.length).toBeGreaterThan(10);
    expect(generated.length).toBeGreaterThan(0);
    for (const app of [...written, ...generated]) {
      const source = (app.object.spec as any).source.path;
      const value = (app.object.metadata as any).annotations?.[MANIFEST_GENERATE_PATHS_ANNOTATION];
      expect({ app: app.object.metadata.name, value }).toEqual({ app: app.object.metadata.name, value: './' });
      expect(resolved(source, value)).toEqual([source]);
    }
  });

  test('validation refuses an Application without it, or one that does not cover its folder', () => {
    const files = renderProject({ projectDir: exampleProject() }).files.map((f) => ({ path: f.path, object: JSON.parse(JSON.stringify(f.object)) }));
    const acme = files.find((f) => f.path === 'dev/apps/application-dev-tenant-acme.yaml')!;
    const globex = files.find((f) => f.path === 'dev/apps/application-dev-tenant-globex.yaml')!;
    const initech = files.find((f) => f.path === 'dev/apps/application-dev-tenant-initech.yaml')!;
    delete acme.object.metadata.annotations[MANIFEST_GENERATE_PATHS_ANNOTATION];
    globex.object.metadata.annotations[MANIFEST_GENERATE_PATHS_ANNOTATION] = '../acme';
    initech.object.metadata.annotations[MANIFEST_GENERATE_PATHS_ANNOTATION] = '/dev/tenants;/other'; // a parent folder covers it
    const report = validateObjects(files, { environments: { dev: {}, staging: {}, prod: {} } });
    const found = report.violations.filter((v) => v.rule === 'refresh-paths');
    expect(found).toEqual([
      { rule: 'refresh-paths', file: 'dev/apps/application-dev-tenant-acme.yaml', message: expect.stringMatching(/has no argocd.argoproj.io\/manifest-generate-paths annotation/) },
      { rule: 'refresh-paths', file: 'dev/apps/application-dev-tenant-globex.yaml', message: expect.stringMatching(/"\.\.\/acme" does not cover its source folder dev\/tenants\/globex/) },
    ]);
  });
});
