// The app cdk8s runs (`npx cdk8s synth`) and `npm run synth` runs directly.
// cdk8s empties its own output folder (CDK8S_OUTDIR, `.cdk8s.out`) before the
// app starts, so dist/ is written by synth() itself: all or nothing.
import * as fs from 'fs';
import * as path from 'path';
import { synth, writeFiles } from './lib';

function main(): void {
  const projectDir = process.cwd();
  const result = synth({ projectDir, outDir: path.join(projectDir, 'dist') });
  const scratch = process.env.CDK8S_OUTDIR;
  if (scratch) {
    // A copy for cdk8s to list (and for any cdk8s validation plugin); dist/ is the output.
    fs.mkdirSync(scratch, { recursive: true });
    writeFiles(path.resolve(scratch), result.files);
  }
  const where = path.relative(projectDir, result.outDir) || '.';
  console.log(`stoa-manifests: wrote ${result.files.length} files to ${where}/ (${result.environments.join(', ')})`);
}

try {
  main();
} catch (e) {
  console.error(`stoa-manifests: synth failed; dist/ was not changed.\n${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
