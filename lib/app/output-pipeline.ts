import * as fs from 'fs';
import * as path from 'path';
import type { RenderedFile } from '../render/render';
import { beginFolderReplace } from '../render/replace-folder';
import { listFiles } from '../files';
import { compareStrings } from '../sort';
import { mergeReports, ValidationFailedError, ValidationReport } from '../validate/validate';

/*
 * The one synth pipeline. Every entry point (the CLI's synth and check, the file-based `synth()`,
 * `renderProject()` and `checkOutput()`, `synthApp()` / `renderApp()`, `StoaApp.synth()` and
 * `synthYaml()`, `cdk8s synth` running either) renders its construct tree(s) into batches of files
 * with a way to validate each batch, and hands them to one of the three ends below: write (replace
 * the output folder in one step), collect (in memory) or compare (with an output folder). Each end
 * validates every batch and throws `ValidationFailedError` with every violation before anything is
 * visible: a failed run leaves the output folder byte for byte as it was.
 */

/** Some rendered files and how to validate them: the whole output of a construct tree, or one environment's. */
export interface OutputBatch {
  /**
   * The files, read once, in full, before `report()` (a stream: files can be written as they are
   * rendered). A path given again replaces what was given before under it.
   */
  readonly files: Iterable<RenderedFile>;
  /** Validates the files (schemas and policy rules) with what their environments say of their clusters. */
  report(): ValidationReport;
}

/** Runs every batch through `add` and validates it; throws with every violation of every batch. */
function runBatches(batches: Iterable<OutputBatch>, add: (file: RenderedFile) => void): void {
  const reports: ValidationReport[] = [];
  for (const batch of batches) {
    for (const file of batch.files) add(file);
    reports.push(batch.report());
  }
  const report = mergeReports(reports);
  if (!report.ok) throw new ValidationFailedError(report);
}

/**
 * Writes every batch into a folder beside `outDir` and, when all of them validated, puts it in
 * `outDir`'s place in one step. On any error (rendering, validation, disk) it throws and `outDir` is
 * exactly as it was. Returns the paths written, sorted, and whether `outDir` changed (an output that
 * would not change is left in place).
 */
export function writeOutput(outDir: string, batches: Iterable<OutputBatch>): { files: string[]; changed: boolean } {
  const replacement = beginFolderReplace(outDir);
  const written = new Set<string>();
  let changed: boolean;
  try {
    runBatches(batches, (f) => {
      replacement.write(f.path, f.content);
      written.add(f.path);
    });
    changed = replacement.commit();
  } catch (e) {
    replacement.abort();
    throw e;
  }
  return { files: [...written].sort(compareStrings), changed };
}

/** Every file of every batch, validated, sorted by path (nothing is written). */
export function collectOutput(batches: Iterable<OutputBatch>): RenderedFile[] {
  const files = new Map<string, RenderedFile>();
  runBatches(batches, (f) => files.set(f.path, f));
  return [...files.values()].sort((a, b) => compareStrings(a.path, b.path));
}

/** How an output folder differs from what the sources produce. */
export interface OutputCheck {
  /** True when the output folder is exactly what synth would write. */
  readonly upToDate: boolean;
  /** Files synth would add, relative to the output folder. */
  readonly missing: readonly string[];
  /** Files synth would remove. */
  readonly extra: readonly string[];
  /** Files whose content would change. */
  readonly changed: readonly string[];
}

/**
 * Compares `outDir` with every batch, file by file as they come, after validating them (an invalid
 * output throws, as synth would). Reads only regular files: a link, pipe or socket in place of a file
 * is never what synth writes.
 */
export function compareOutput(outDir: string, batches: Iterable<OutputBatch>): OutputCheck {
  const actual = new Set(listFiles(outDir));
  const expected = new Set<string>();
  const changed = new Set<string>();
  const differs = (f: RenderedFile) => {
    const stat = fs.lstatSync(path.join(outDir, f.path));
    // Another size is another file: never read a file of any size only to find that.
    return !stat.isFile() || stat.size !== Buffer.byteLength(f.content) || fs.readFileSync(path.join(outDir, f.path), 'utf8') !== f.content;
  };
  runBatches(batches, (f) => {
    expected.add(f.path);
    changed.delete(f.path);
    if (actual.has(f.path) && differs(f)) changed.add(f.path);
  });
  const missing = [...expected].filter((f) => !actual.has(f)).sort(compareStrings);
  const extra = [...actual].filter((f) => !expected.has(f)).sort(compareStrings);
  return { upToDate: missing.length + extra.length + changed.size === 0, missing, extra, changed: [...changed].sort(compareStrings) };
}

/**
 * Copies a written output folder into `copyTo`, when given and not the folder itself (the cdk8s
 * CLI's folder, which it empties before it starts the app; nothing is deleted here: the path comes
 * from the environment).
 */
export function copyOutput(outDir: string, copyTo: string | undefined): void {
  if (copyTo === undefined || path.resolve(copyTo) === path.resolve(outDir)) return;
  fs.mkdirSync(copyTo, { recursive: true });
  fs.cpSync(outDir, path.resolve(copyTo), { recursive: true });
}
