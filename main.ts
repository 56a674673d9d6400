// The app cdk8s runs (`npx cdk8s synth`) and `npm run synth` runs directly.
// cdk8s empties its own output folder (CDK8S_OUTDIR, `.cdk8s.out`) before the
// app starts, so dist/ is written by synth() itself: all or nothing.
import * as fs from 'fs';
import * as path from 'path';
import { render, synthCommand, writeFiles } from './lib';

process.exitCode = synthCommand({ project: process.cwd() });

const scratch = process.env.CDK8S_OUTDIR;
if (scratch && process.exitCode === 0) {
  // A copy for cdk8s to list (and for any cdk8s validation plugin); dist/ is the output.
  fs.mkdirSync(scratch, { recursive: true });
  writeFiles(path.resolve(scratch), render({ projectDir: process.cwd() }).files);
}
