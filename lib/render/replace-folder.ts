import * as fs from 'fs';
import * as path from 'path';
import { RenderedFile } from './render';

/**
 * Makes `outDir` hold exactly `files`, in one step as seen by a reader: the
 * files are written to a sibling folder first, and only when all are written
 * is it renamed into place. Files the input no longer produces disappear with
 * the old folder. If anything fails, `outDir` is left as it was.
 */
export function replaceFolder(outDir: string, files: readonly RenderedFile[]): void {
  const target = path.resolve(outDir);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}-next-`));
  try {
    writeFiles(staging, files);
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }

  if (!fs.existsSync(target)) {
    fs.renameSync(staging, target);
    return;
  }
  // From the base name only: a `-next-` anywhere else in the path is not ours to rename.
  const old = path.join(parent, path.basename(staging).replace(/-next-/, '-old-'));
  fs.renameSync(target, old);
  try {
    fs.renameSync(staging, target);
  } catch (e) {
    fs.renameSync(old, target);
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  fs.rmSync(old, { recursive: true, force: true });
}

/** Writes `files` under `dir` (which must exist), creating their folders. */
export function writeFiles(dir: string, files: readonly RenderedFile[]): void {
  const folders = new Set(files.map((f) => path.dirname(path.join(dir, f.path))));
  for (const folder of [...folders].sort()) fs.mkdirSync(folder, { recursive: true });
  for (const f of files) fs.writeFileSync(path.join(dir, f.path), f.content);
}
