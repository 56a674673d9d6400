import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DNS_LABEL } from '../config/names';
import { isWithin } from '../files';


/**
 * Refuses an output folder that synth must not replace as a whole: the project itself or a folder
 * above it, its input folders or its `.git`, the home or root folder, a symbolic link, or an
 * existing folder holding anything but environment folders (synth writes nothing else, so such a
 * folder is not an earlier output: replacing it would delete someone's files).
 *
 * @param projectDir the project (holds `environments/` and `tenants/`)
 * @param outDir the folder synth would replace
 */
export function checkOutputTarget(projectDir: string, outDir: string): void {
  // Compared as real paths: a symlinked parent must not walk the output into .git or the project.
  const project = realPath(path.resolve(projectDir));
  const target = realPath(path.resolve(outDir));
  const refuse = (why: string) => {
    throw new Error(`refusing to write the output to ${target}: ${why}; synth replaces its output folder as a whole, so give a new folder or an earlier output (default: <project>/dist)`);
  };
  if (isWithin(target, project)) refuse(target === project ? 'it is the project folder' : 'it holds the project folder');
  for (const input of ['environments', 'tenants', '.git']) {
    if (isWithin(path.join(project, input), target)) refuse(`it is inside the project's ${input}/`);
  }
  if (target === path.parse(target).root || target === os.homedir()) refuse('it is the root or home folder');
  const stat = fs.lstatSync(target, { throwIfNoEntry: false });
  if (!stat) return;
  if (fs.lstatSync(path.resolve(outDir), { throwIfNoEntry: false })?.isSymbolicLink()) refuse('it is a symbolic link');
  if (!stat.isDirectory()) refuse('it is not a folder');
  // An environment folder (environment names are DNS labels) of an earlier output holds the app-of-apps (apps/, bootstrap/); /usr's bin/ or .git's heads/ do not.
  const isEnvironmentFolder = (e: fs.Dirent) => e.isDirectory() && DNS_LABEL.test(e.name)
    && ['apps', 'bootstrap'].some((sub) => fs.lstatSync(path.join(target, e.name, sub), { throwIfNoEntry: false })?.isDirectory());
  const foreign = fs.readdirSync(target, { withFileTypes: true })
    .filter((e) => !isEnvironmentFolder(e))
    .map((e) => e.name)
    .sort();
  if (foreign.length > 0) {
    refuse(`it holds ${foreign.slice(0, 5).map((n) => JSON.stringify(n)).join(', ')}${foreign.length > 5 ? ` and ${foreign.length - 5} more` : ''}, which synth never writes (only one folder per environment, each with apps/ and bootstrap/)`);
  }
}

/** The real path of `p`, or of its nearest existing parent joined with the rest (an output folder may not exist yet). */
function realPath(p: string): string {
  const missing: string[] = [];
  let at = p;
  for (;;) {
    try {
      return path.join(fs.realpathSync(at), ...missing.reverse());
    } catch {
      const parent = path.dirname(at);
      if (parent === at) return p;
      missing.push(path.basename(at));
      at = parent;
    }
  }
}
